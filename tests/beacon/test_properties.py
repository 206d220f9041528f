"""Property-based checks: whatever a client sends, the pure steps answer with a typed
rejection or a valid record, never an unexpected exception (which would be a 500)."""

import json
import time

import msgspec
import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from beacon.bucky import BadLine, parse_line
from beacon.clients import truncate
from beacon.ingest import Ingestion, Received, Rejected
from beacon.routes import mask_emails, route_of
from beacon.sites import Site, SiteRegistry
from pipeline.records import PageViewRecord
from tests.support import DESKTOP_CHROME, make_beacon

SITES = SiteRegistry([Site("shop", frozenset({"*"}))])
INGEST = Ingestion(lambda: SITES)
JSON = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=False) | st.integers() | st.text(),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(), children, max_size=5)
    ),
    max_leaves=20,
)
QUICK = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def outcome(body: bytes) -> dict | Rejected:
    try:
        now = int(time.time() * 1000)  # realistic beacons are sent "now"
        return INGEST(Received(body, None, now, DESKTOP_CHROME, "203.0.113.9"))
    except Rejected as rejected:
        return rejected


@QUICK
@given(st.binary(max_size=2000))
def test_any_bytes_are_a_record_or_a_typed_rejection(body):
    assert isinstance(outcome(body), Rejected | dict)


@QUICK
@given(JSON)
def test_any_json_value_is_a_record_or_a_typed_rejection(value):
    assert isinstance(outcome(json.dumps(value).encode()), Rejected | dict)


@QUICK
@given(
    st.dictionaries(
        st.sampled_from(["url", "route", "t", "sent", "seq", "fcp", "id", "nav", "err", "st"]),
        JSON,
        max_size=4,
    )
)
def test_a_beacon_with_any_fields_replaced_never_escapes(changes):
    beacon = {**make_beacon("shop"), **changes}
    result = outcome(json.dumps(beacon).encode())
    if isinstance(result, dict):  # whatever passed is a valid stored record
        msgspec.json.decode(orjson.dumps(result), type=PageViewRecord)


@QUICK
@given(st.text(max_size=300))
def test_any_url_path_becomes_a_bounded_route_without_emails(path):
    beacon = make_beacon("shop", url=f"https://shop.example/{path}")
    result = outcome(json.dumps(beacon).encode())
    if isinstance(result, dict):
        assert len(result["route"]) <= 256
        assert mask_emails(result["url"]) == result["url"]
    assert len(route_of(f"https://shop.example/{path}", None)) <= 256


@QUICK
@given(st.text(max_size=60), st.sampled_from(["http", "https"]))
def test_any_host_is_a_record_or_a_typed_rejection(host, scheme):
    beacon = make_beacon("shop", url=f"{scheme}://{host}/page")
    assert isinstance(outcome(json.dumps(beacon).encode()), Rejected | dict)


@QUICK
@given(st.text(max_size=100))
def test_any_address_truncates_or_is_dropped(address):
    assert isinstance(truncate(address), str)


@QUICK
@given(st.text(max_size=300))
def test_any_bucky_line_is_a_metric_or_a_named_bad_line(line):
    try:
        metric = parse_line(line, "shop", 1)
    except BadLine as bad:
        assert str(bad)
    else:
        assert metric.type in ("ms", "c", "g")
