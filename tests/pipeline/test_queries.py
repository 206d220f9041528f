"""The query catalogue over the rollups, checked against exact answers on raw rows."""

import random
from datetime import UTC, datetime, timedelta

import pytest

from pipeline.queries import Filters, Window, percentile_series, ratings, server_time_breakdown
from pipeline.records import PAGE_VIEW_COLUMNS, PageViewRecord

START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
HOUR = Window(START, START + timedelta(hours=1), 3600)


def insert_page_views(store, site: str, loads: list[float], minutes: int = 3, **fields) -> None:
    records = [
        PageViewRecord(
            site=site,
            page_view_id=f"pv{site}{fields.get('route', '/')}{i:06d}",
            seq=0,
            ts=int((START + timedelta(minutes=i % minutes, seconds=i % 60)).timestamp() * 1000),
            received_at=0,
            url="https://x.example/",
            route="/",
            response_start=load / 4,
            load_event_end=load,
            fcp=load / 2,
            lcp=load * 0.8,
            cls=(i % 40) / 100,
            **fields,
        )
        for i, load in enumerate(loads)
    ]
    rows = [[getattr(r, c) for c in PAGE_VIEW_COLUMNS] for r in records]
    store.insert("rum.page_views", rows, column_names=PAGE_VIEW_COLUMNS)


def exact(store, site: str, expression: str) -> list[float]:
    return store.query(
        f"SELECT quantilesExact(0.5, 0.75, 0.95, 0.99)({expression}) FROM rum.page_views "
        "WHERE site = {s:String}",
        parameters={"s": site},
    ).result_rows[0][0]


@pytest.mark.parametrize(
    ("metric", "expression"),
    [("load", "load_event_end"), ("ttfb", "response_start"), ("fcp", "fcp"), ("lcp", "lcp")],
)
def test_merged_percentiles_are_within_half_a_percent_of_exact(store, site, metric, expression):
    rng = random.Random(7)
    insert_page_views(store, site, [rng.lognormvariate(7, 0.6) for _ in range(5_000)])
    (point,) = percentile_series(store, Filters(site), metric, HOUR)
    assert point["views"] == 5_000 and point["t"] == START.isoformat()
    for p, truth in zip((50, 75, 95, 99), exact(store, site, expression), strict=True):
        assert point[f"p{p}"] == pytest.approx(truth, rel=0.005)


def test_minute_and_hour_rollups_agree(store, site):
    insert_page_views(store, site, [100.0 + i for i in range(600)], minutes=30)
    (hourly,) = percentile_series(store, Filters(site), "load", HOUR)
    per_minute = percentile_series(
        store, Filters(site), "load", Window(START, START + timedelta(hours=1), 1800)
    )
    assert hourly["views"] == sum(p["views"] for p in per_minute) == 600
    assert [
        p["views"]
        for p in percentile_series(
            store, Filters(site), "load", Window(START, START + timedelta(hours=1), 60)
        )
    ] == [20] * 30


def test_filters_narrow_to_a_dimension(store, site):
    insert_page_views(store, site, [100.0] * 30, device_class="desktop", browser="Chrome")
    mobile = [
        PageViewRecord(
            site=site,
            page_view_id=f"mobile{i:05d}",
            seq=0,
            ts=int(START.timestamp() * 1000) + i,
            received_at=0,
            url="https://x.example/",
            route="/checkout",
            load_event_end=900.0,
            device_class="mobile",
            country="NZ",
        )
        for i in range(10)
    ]
    store.insert(
        "rum.page_views",
        [[getattr(r, c) for c in PAGE_VIEW_COLUMNS] for r in mobile],
        column_names=PAGE_VIEW_COLUMNS,
    )
    (only_mobile,) = percentile_series(
        store, Filters(site, {"device_class": "mobile"}), "load", HOUR
    )
    assert only_mobile["views"] == 10 and only_mobile["p50"] == pytest.approx(900, rel=0.005)
    both = Filters(site, {"route": "/checkout", "country": "NZ"})
    assert percentile_series(store, both, "load", HOUR)[0]["views"] == 10
    with pytest.raises(ValueError, match="cannot filter"):
        percentile_series(store, Filters(site, {"url": "x"}), "load", HOUR)


def test_ratings_count_good_needs_improvement_and_poor(store, site):
    insert_page_views(store, site, [1000.0] * 4 + [4000.0] * 3 + [6000.0] * 3)
    # lcp = 0.8 * load: 800 (good) x4, 3200 (needs improvement) x3, 4800 (poor) x3
    counts = ratings(store, Filters(site), HOUR)
    assert counts["lcp"] == {"good": 4, "ni": 3, "poor": 3}
    assert sum(counts["cls"].values()) == 10


def test_bots_stay_out_of_rollups_but_not_out_of_raw_rows(store, site):
    insert_page_views(store, site, [100.0] * 5, is_bot=True, counted=False)
    insert_page_views(store, site, [100.0] * 2, minutes=1)
    (point,) = percentile_series(store, Filters(site), "load", HOUR)
    assert point["views"] == 2


def test_a_site_without_data_has_an_empty_series(store, site):
    assert percentile_series(store, Filters(site), "fcp", HOUR) == []


def test_views_without_the_metric_give_no_value_rather_than_zero(store, site):
    insert_page_views(store, site, [0.0] * 3)  # hidden before load: loadEventEnd is 0
    (point,) = percentile_series(store, Filters(site), "load", HOUR)
    assert point["views"] == 3 and point["p50"] is None


def test_the_server_timing_breakdown_of_a_route(store, site):
    from pipeline.batching import Batch
    from pipeline.records import ServerTimingRow
    from pipeline.sink import ClickHouseSink

    ts = int(START.timestamp() * 1000)
    records = [
        PageViewRecord(
            site=site,
            page_view_id=f"timing{i:05d}",
            seq=0,
            ts=ts + i,
            received_at=0,
            url="https://x.example/p",
            route="/p",
            server_timings=[
                ServerTimingRow(name="db", duration=30.0 + i),
                ServerTimingRow(name="tpl", duration=10.0),
            ],
        )
        for i in range(20)
    ]
    ClickHouseSink(store).write("t", Batch(0, 0, 19, 0, records=records))
    breakdown = server_time_breakdown(store, Filters(site, {"route": "/p"}), HOUR)
    assert [(b["name"], b["count"]) for b in breakdown] == [("db", 20), ("tpl", 20)]
    db_total, tpl_total = sum(30.0 + i for i in range(20)), 200.0
    assert breakdown[0]["share"] == pytest.approx(db_total / (db_total + tpl_total), abs=1e-3)
    assert breakdown[1]["p50"] == pytest.approx(10.0, rel=0.005)


def test_a_page_view_with_follow_ups_is_one_row_with_its_final_values(store, site):
    ts = int(START.timestamp() * 1000)
    first = dict(
        site=site,
        page_view_id="followed",
        ts=ts,
        received_at=0,
        url="https://x/",
        route="/",
        load_event_end=800.0,
        lcp=1200.0,
        cls=0.05,
        inp=None,
    )
    rows = [
        PageViewRecord(**first, seq=0),
        PageViewRecord(
            **{
                **first,
                "ts": ts + 3,
                "lcp": None,
                "load_event_end": 0.0,
                "cls": 0.21,
                "inp": 320.0,
            },
            seq=1,
        ),
    ]
    store.insert(
        "rum.page_views",
        [[getattr(r, c) for c in PAGE_VIEW_COLUMNS] for r in rows],
        column_names=PAGE_VIEW_COLUMNS,
    )
    ((lcp, cls, inp, load, after),) = store.query(
        "SELECT lcp, cls, inp, load, beacons_after_first FROM rum.page_views_final "
        "WHERE site = {s:String}",
        parameters={"s": site},
    ).result_rows
    assert (lcp, round(cls, 2), inp, load, after) == (1200.0, 0.21, 320.0, 800.0, 1)
    (point,) = percentile_series(store, Filters(site), "cls", HOUR)
    assert point["views"] == 1  # the rollup counts the page view once
