"""Semantic checks: timings out of order, broken clocks."""

import json

import pytest

from beacon.checks import timings_out_of_order
from beacon.ingest import Rejected, check_semantics, parse
from beacon.schema import WireBeacon
from tests.support import make_beacon


def beacon(**changes) -> WireBeacon:
    raw = make_beacon()
    raw["nav"] = {**raw["nav"], **changes.pop("nav", {})}
    return parse(json.dumps({**raw, **changes}).encode())


def test_a_real_navigation_is_in_order():
    assert timings_out_of_order(beacon().nav) is None


@pytest.mark.parametrize(
    ("nav", "pair"),
    [
        ({"responseStart": 50.0}, "request_start>response_start"),
        ({"loadEventEnd": 100.0}, "load_event_start>load_event_end"),
        ({"domInteractive": 10.0}, "response_start>dom_interactive"),
    ],
)
def test_marks_out_of_order_are_named(nav, pair):
    assert timings_out_of_order(beacon(nav=nav).nav) == pair


def test_zero_marks_did_not_happen_and_sub_millisecond_disorder_is_rounding():
    assert timings_out_of_order(beacon(nav={"loadEventStart": 0, "loadEventEnd": 0}).nav) is None
    assert timings_out_of_order(beacon(nav={"responseEnd": 180.0}).nav) is None  # 0.4 ms early


def test_a_clock_more_than_a_day_off_is_refused():
    b = beacon()
    with pytest.raises(Rejected) as caught:
        check_semantics(b, int(b.sent) + 2 * 86_400_000)
    assert (caught.value.status, caught.value.reason) == (422, "clock_skew")
    check_semantics(b, int(b.sent) + 3_600_000)  # an hour off is corrected, not refused


def test_a_time_origin_after_the_send_time_is_refused():
    b = beacon()
    bad = beacon(t=b.sent + 1000, sent=b.sent)
    with pytest.raises(Rejected) as caught:
        check_semantics(bad, int(b.sent))
    assert caught.value.reason == "bad_time_origin"
