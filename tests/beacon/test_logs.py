"""Structured logs: one JSON object per line, extra fields kept."""

import json
import logging

from beacon.logs import JsonFormatter


def test_a_log_record_is_one_json_object_with_its_extra_fields():
    record = logging.LogRecord(
        "rum.collector", logging.WARNING, "x.py", 1, "buffer at %d", (90,), None
    )
    record.site = "shop"
    entry = json.loads(JsonFormatter().format(record))
    assert entry["level"] == "warning" and entry["logger"] == "rum.collector"
    assert entry["msg"] == "buffer at 90" and entry["site"] == "shop"
    assert entry["ts"].endswith("Z")


def test_a_repeated_message_gets_through_once_per_interval():
    from beacon.logs import Repeats

    repeats = Repeats(every_s=60)

    def record(msg: str, *args) -> logging.LogRecord:
        return logging.LogRecord("aiokafka", logging.ERROR, "x.py", 1, msg, args, None)

    unable = "Unable connect to node with id %s: %s"
    assert repeats.filter(record(unable, 1, "refused"))
    assert not any(repeats.filter(record(unable, 1, "refused")) for _ in range(50))
    assert repeats.filter(record("Unable to update metadata from %s", [1]))  # another message
