"""Decoding transport messages: records, or poison with a reason."""

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
    records = decode(orjson.dumps(RECORD) + b"\n" + orjson.dumps(bucky))
    assert [type(r).__name__ for r in records] == ["PageViewRecord", "BuckyRecord"]


def test_one_message_may_carry_several_records():
    value = orjson.dumps(RECORD) + b"\n" + orjson.dumps({**RECORD, "page_view_id": "pageview2"})
    assert [r.page_view_id for r in decode(value)] == ["pageview1", "pageview2"]


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (None, "empty"),
        (b"", "empty"),
        (b"\x00\xff garbage", "invalid_record"),
        (orjson.dumps({**RECORD, "seq": -1}), "invalid_record: page_view.seq"),
        (
            orjson.dumps({**RECORD, "load_event_end": "slow"}),
            "invalid_record: page_view.load_event_end",
        ),
        (b"x" * (MAX_MESSAGE_BYTES + 1), "too_large"),
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
def test_poison_is_named(value, reason):
    with pytest.raises(Poison) as caught:
        decode(value)
    assert caught.value.reason.startswith(reason)
