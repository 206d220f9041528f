"""Decoding transport messages: records, and the lines that are poison with a reason."""

import orjson
import pytest

from pipeline.decode import MAX_MESSAGE_BYTES, Poison, decode

RECORD = {
    "kind": "page_view",
    "site": "s",
    "page_view_id": "pageview1",
    "seq": 0,
    "ts": 1_700_000_000_000,
    "received_at": 1_700_000_000_100,
    "url": "https://x.example/",
    "route": "/",
    "response_start": 12.5,
}


def test_one_message_may_carry_records_of_several_kinds():
    bucky = {
        "kind": "bucky",
        "site": "s",
        "name": "app.load",
        "type": "ms",
        "value": 812.0,
        "sample_rate": 0.5,
        "received_at": 1,
    }
    decoded = decode(orjson.dumps(RECORD) + b"\n" + orjson.dumps(bucky))
    assert [type(r).__name__ for r in decoded.records] == ["PageViewRecord", "BuckyRecord"]
    assert decoded.rejected == b"" and decoded.reason == ""


def test_one_message_may_carry_several_records():
    value = orjson.dumps(RECORD) + b"\n" + orjson.dumps({**RECORD, "page_view_id": "pageview2"})
    assert [r.page_view_id for r in decode(value).records] == ["pageview1", "pageview2"]


def test_a_bad_line_is_rejected_alone_and_the_records_beside_it_are_kept():
    good = [orjson.dumps({**RECORD, "page_view_id": f"pageview{i}"}) for i in range(3)]
    bad = orjson.dumps({**RECORD, "seq": -1})
    decoded = decode(b"\n".join([good[0], bad, good[1], b"{not json", good[2]]))
    assert [r.page_view_id for r in decoded.records] == ["pageview0", "pageview1", "pageview2"]
    assert decoded.rejected == bad + b"\n{not json"
    assert decoded.reason.startswith("invalid_record: page_view.seq")
    assert decoded.reason.endswith("(2 of 5 lines)")


def test_a_message_of_bad_lines_is_rejected_whole():
    value = b"{not json\n" + orjson.dumps({**RECORD, "kind": "mystery"})
    decoded = decode(value)
    assert decoded.records == [] and decoded.rejected == value
    assert decoded.reason.startswith("invalid_record") and decoded.reason.endswith("(2 of 2 lines)")


@pytest.mark.parametrize(
    ("value", "reason"),
    [(None, "empty"), (b"", "empty"), (b"x" * (MAX_MESSAGE_BYTES + 1), "too_large")],
)
def test_an_unusable_message_is_poison_as_a_whole(value, reason):
    with pytest.raises(Poison) as caught:
        decode(value)
    assert caught.value.reason == reason


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (b"\x00\xff garbage", "invalid_record"),
        (orjson.dumps({**RECORD, "seq": -1}), "invalid_record: page_view.seq"),
        (
            orjson.dumps({**RECORD, "load_event_end": "slow"}),
            "invalid_record: page_view.load_event_end",
        ),
        (orjson.dumps({**RECORD, "kind": "mystery"}), "invalid_record"),
        (
            orjson.dumps(
                {
                    "kind": "bucky",
                    "site": "s",
                    "name": "x",
                    "type": "h",
                    "value": 1,
                    "received_at": 1,
                }
            ),
            "invalid_record: bucky.type",
        ),
    ],
)
def test_a_line_that_is_not_a_record_is_named(value, reason):
    decoded = decode(value)
    assert decoded.records == [] and decoded.rejected == value
    assert decoded.reason.startswith(reason)
