"""Decoding transport messages: records, or poison with a reason."""

import orjson
import pytest

from pipeline.decode import MAX_MESSAGE_BYTES, Poison, decode

RECORD = {
    "site": "s",
    "page_view_id": "pageview1",
    "seq": 0,
    "ts": 1_700_000_000_000,
    "received_at": 1_700_000_000_100,
    "url": "https://x.example/",
    "route": "/",
    "response_start": 12.5,
}


def test_one_message_may_carry_several_records():
    value = orjson.dumps(RECORD) + b"\n" + orjson.dumps({**RECORD, "page_view_id": "pageview2"})
    assert [r.page_view_id for r in decode(value)] == ["pageview1", "pageview2"]


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (None, "empty"),
        (b"", "empty"),
        (b"\x00\xff garbage", "invalid_record"),
        (orjson.dumps({**RECORD, "seq": -1}), "invalid_record: seq"),
        (orjson.dumps({**RECORD, "load_event_end": "slow"}), "invalid_record: load_event_end"),
        (b"x" * (MAX_MESSAGE_BYTES + 1), "too_large"),
    ],
)
def test_poison_is_named(value, reason):
    with pytest.raises(Poison) as caught:
        decode(value)
    assert caught.value.reason.startswith(reason)
