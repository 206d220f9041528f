"""The percentile query over the minute rollups, checked against exact quantiles."""

import random
from datetime import UTC, datetime, timedelta

import pytest

from pipeline.queries import Window, percentile_series
from pipeline.records import PAGE_VIEW_COLUMNS, PageViewRecord

START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def insert_page_views(store, site: str, loads: list[float], route: str = "/", minutes: int = 3):
    records = [
        PageViewRecord(
            site=site,
            page_view_id=f"pv{site}{route}{i:06d}",
            seq=0,
            ts=int((START + timedelta(minutes=i % minutes, seconds=i % 60)).timestamp() * 1000),
            received_at=0,
            url=f"https://x.example{route}",
            route=route,
            response_start=load / 4,
            load_event_end=load,
            fcp=load / 2,
        )
        for i, load in enumerate(loads)
    ]
    rows = [[getattr(r, c) for c in PAGE_VIEW_COLUMNS] for r in records]
    store.insert("rum.page_views", rows, column_names=PAGE_VIEW_COLUMNS)


def exact(store, site: str, expression: str, route: str | None = None) -> list[float]:
    where = "AND route = {r:String}" if route else ""
    return store.query(
        f"SELECT quantilesExact(0.5, 0.75, 0.95, 0.99)({expression}) FROM rum.page_views "
        f"WHERE site = {{s:String}} {where}",
        parameters={"s": site, "r": route},
    ).result_rows[0][0]


HOUR = Window(START, START + timedelta(hours=1), 3600)


def test_merged_percentiles_are_within_half_a_percent_of_exact(store, site):
    rng = random.Random(7)
    insert_page_views(store, site, [rng.lognormvariate(7, 0.6) for _ in range(5_000)])
    (point,) = percentile_series(store, site, "load", HOUR)
    assert point["views"] == 5_000
    assert point["t"] == START.isoformat()
    for p, truth in zip((50, 75, 95, 99), exact(store, site, "load_event_end"), strict=True):
        assert point[f"p{p}"] == pytest.approx(truth, rel=0.005)
    (ttfb,) = percentile_series(store, site, "ttfb", HOUR)
    assert ttfb["p75"] == pytest.approx(exact(store, site, "response_start")[1], rel=0.005)


def test_buckets_split_the_window_and_routes_filter(store, site):
    insert_page_views(store, site, [100.0] * 30, route="/a", minutes=3)
    insert_page_views(store, site, [900.0] * 10, route="/b", minutes=3)
    per_minute = percentile_series(
        store, site, "load", Window(START, START + timedelta(hours=1), 60)
    )
    assert [p["views"] for p in per_minute] == [14, 13, 13]
    only_b = percentile_series(store, site, "load", HOUR, route="/b")
    assert only_b[0]["views"] == 10 and only_b[0]["p50"] == pytest.approx(900, rel=0.005)


def test_a_site_without_data_has_an_empty_series(store, site):
    assert percentile_series(store, site, "fcp", HOUR) == []


def test_views_without_the_metric_give_no_value_rather_than_zero(store, site):
    insert_page_views(store, site, [0.0] * 3)  # hidden before load: loadEventEnd is 0
    (point,) = percentile_series(store, site, "load", HOUR)
    assert point["views"] == 3 and point["p50"] is None
