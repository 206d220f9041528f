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
