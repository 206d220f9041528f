"""CLS and INP settle: once an hour's follow-up beacons have stopped coming, its page
views' final CLS and INP replace the first beacon's in the queries, exactly once."""

from datetime import UTC, datetime, timedelta

import pytest

from pipeline.queries import (
    Filters,
    Window,
    histogram,
    percentile_series,
    percentile_total,
    ratings,
    slowest_routes,
)
from pipeline.settle import SETTLE_AFTER, hours_to_settle, settle
from tests.support import insert_settling_views

NOW = datetime.now(UTC).replace(minute=50, second=0, microsecond=0) - timedelta(hours=1)
HOUR = NOW.replace(minute=0) - timedelta(hours=2)  # settled: ended well over 30 min ago
DAY = Window(HOUR - timedelta(hours=12), NOW, 3600)


def test_an_hour_settles_once_follow_ups_stop_coming():
    now = datetime(2026, 6, 1, 12, 20, tzinfo=UTC)
    until = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    # 11:00-12:00 ended 20 minutes ago: not yet; 9:00 and 10:00 have settled.
    assert hours_to_settle(until, now) == [until, until + timedelta(hours=1)]
    assert hours_to_settle(until, now + SETTLE_AFTER) == [
        until + timedelta(hours=h) for h in range(3)
    ]
    first_ever = hours_to_settle(datetime(1970, 1, 1, tzinfo=UTC), now)
    assert len(first_ever) == 2 * 24 - 1 and first_ever[-1] == until + timedelta(hours=1)


def insert(store, site: str, views: int, first_id: int = 0) -> None:
    insert_settling_views(store, site, HOUR, views, first_id)


def cls_inp(store, site: str, **filters) -> tuple[dict, dict, dict]:
    selected = Filters(site, filters)
    return (
        percentile_total(store, selected, "cls", DAY),
        percentile_total(store, selected, "inp", DAY),
        ratings(store, selected, DAY),
    )


def test_final_values_replace_first_beacon_values_exactly_once(store, site):
    insert(store, site, 40)
    cls, inp, rated = cls_inp(store, site)
    assert cls["views"] == 40 and cls["p50"] == pytest.approx(0.05, rel=0.02)
    assert inp["p50"] is None and rated["cls"]["good"] == 40  # the first beacons' values

    assert HOUR in settle(store, NOW)
    cls, inp, rated = cls_inp(store, site)
    assert cls["views"] == 40 and cls["p50"] == pytest.approx(0.3, rel=0.02)
    assert inp["p75"] == pytest.approx(320, rel=0.02)
    assert rated["cls"] == {"good": 0, "ni": 0, "poor": 40}
    assert rated["inp"] == {"good": 0, "ni": 40, "poor": 0}
    assert rated["lcp"] == {"good": 0, "ni": 0, "poor": 0}  # untouched by settling
    (point,) = percentile_series(store, Filters(site, {"route": "/a"}), "cls", DAY)
    assert point["views"] == 20 and point["t"] == HOUR.isoformat()

    # Settling again, or again after a crash lost the record of it, adds nothing.
    assert settle(store, NOW) == []
    store.command(
        "ALTER TABLE rum.settled_hours DELETE WHERE hour >= {h:DateTime('UTC')}",
        parameters={"h": HOUR},
        settings={"mutations_sync": 2},
    )
    assert HOUR in settle(store, NOW)
    assert cls_inp(store, site)[0]["views"] == 40


def test_final_values_hold_under_every_dimension_filter(store, site):
    insert(store, site, 10)  # views 0, 3, 6 and 9 on mobile, the odd ones on route /a
    settle(store, NOW)
    for filters, views in (({"device_class": "mobile"}, 4), ({"navigation_type": "navigate"}, 10)):
        cls, inp, rated = cls_inp(store, site, **filters)
        assert cls["views"] == views and cls["p50"] == pytest.approx(0.3, rel=0.02)
        assert inp["p50"] == pytest.approx(320, rel=0.02)
        assert rated["cls"] == {"good": 0, "ni": 0, "poor": views}
    assert cls_inp(store, site, device_class="mobile", route="/a")[0]["views"] == 2
    assert cls_inp(store, site, device_class="tablet")[0]["views"] == 0


def test_page_views_arriving_after_their_hour_settled_are_counted_then_settled(store, site):
    insert(store, site, 30)
    settle(store, NOW)
    assert cls_inp(store, site)[0]["views"] == 30
    # A pipeline catching up after an outage writes more of that hour's page views.
    insert(store, site, 10, first_id=30)
    cls, _, rated = cls_inp(store, site)
    assert cls["views"] == 40  # stale: the hour is read from first beacons again
    assert rated["cls"]["good"] == 40  # (first-beacon values) until it settles again
    assert HOUR in settle(store, NOW)
    cls, _, rated = cls_inp(store, site)
    assert cls["views"] == 40 and rated["cls"] == {"good": 0, "ni": 0, "poor": 40}


def test_slowest_routes_rank_by_final_values_once_their_hours_settle(store, site):
    insert(store, site, 40)  # 20 page views on each of /a and /b
    p75 = {r["route"]: r["p75"] for r in slowest_routes(store, Filters(site), "cls", DAY)}
    assert p75 == {"/a": pytest.approx(0.05, rel=0.02), "/b": pytest.approx(0.05, rel=0.02)}
    settle(store, NOW)
    for metric, final in (("cls", 0.3), ("inp", 320)):
        routes = slowest_routes(store, Filters(site), metric, DAY)
        assert [(r["views"], r["p75"]) for r in routes] == [
            (20, pytest.approx(final, rel=0.02))
        ] * 2
    mobile = slowest_routes(store, Filters(site, {"device_class": "mobile"}), "cls", DAY)
    assert [(r["views"], r["p75"]) for r in mobile] == [(7, pytest.approx(0.3, rel=0.02))] * 2


def test_the_distribution_counts_each_page_views_final_cls_and_inp_at_once(store, site):
    # It reads raw rows, so it need not wait for the hour to settle.
    insert(store, site, 40)
    for metric, final in (("cls", 0.3), ("inp", 320)):
        bins = histogram(store, Filters(site), metric, DAY)["bins"]
        assert sum(b["views"] for b in bins) == 40
        assert sum(b["views"] for b in bins if b["from"] >= 0.9 * final) == 40
    mobile = histogram(store, Filters(site, {"device_class": "mobile"}), "cls", DAY)
    assert sum(b["views"] for b in mobile["bins"]) == 14
