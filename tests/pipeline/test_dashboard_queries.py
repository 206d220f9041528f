"""The dashboards' answers, on generated page views of known shape, checked against
exact SQL over the raw rows: merged percentiles within DDSketch's 0.5%, counts equal."""

from datetime import UTC, datetime, timedelta

import pytest

from pipeline import queries
from pipeline.queries import Filters, Window
from pipeline.sample_data import ROUTES, Shape, generate

END = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
DAY = Window(END - timedelta(hours=24), END, 3600)
VIEWS = 6_000


@pytest.fixture
def generated(store, site) -> str:
    generate(store, Shape(site, VIEWS, END, hours=24, seed=11))
    return site


def exact(store, sql: str, site: str, **params) -> list[tuple]:
    return store.query(
        sql, parameters={"site": site, "start": DAY.start, "end": DAY.end, **params}
    ).result_rows


IN_DAY = (
    "site = {site:String} AND ts >= {start:DateTime64(3, 'UTC')} "
    "AND ts < {end:DateTime64(3, 'UTC')}"
)
RANKS = "0.498, 0.502, 0.748, 0.752, 0.948, 0.952, 0.988, 0.992"
"""Around each percentile, ±0.2% of rank: where order statistics are sparse (the tail
of a few thousand views) neighbouring ranks differ by more than the sketch's error."""


def assert_percentiles_close(answer: dict, bounds: list[float]) -> None:
    """Each merged percentile lies within 0.5% (DDSketch's relative accuracy) of the
    exact values just below and just above its rank."""
    for i, p in enumerate((50, 75, 95, 99)):
        low, high = bounds[2 * i], bounds[2 * i + 1]
        assert low * 0.995 <= answer[f"p{p}"] <= high * 1.005, f"p{p}"


def test_generated_data_has_the_promised_shape(store, generated):
    ((views, five_xx, routes),) = exact(
        store,
        f"SELECT count(), countIf(response_status >= 500), uniqExact(route) "
        f"FROM rum.page_views WHERE {IN_DAY}",
        generated,
    )
    assert views == VIEWS and 0.01 < five_xx / views < 0.03 and routes == len(ROUTES)


@pytest.mark.parametrize("metric", ["load", "ttfb", "lcp"])
def test_the_total_over_a_window_is_the_exact_percentile(store, generated, metric):
    value, present = queries.RAW_VALUES[metric]
    ((truth, views),) = exact(
        store,
        f"SELECT quantilesExact({RANKS})(toFloat64({value})), count() "
        f"FROM rum.page_views WHERE {IN_DAY} AND {present}",
        generated,
    )
    total = queries.percentile_total(store, Filters(generated), metric, DAY)
    assert total["views"] == VIEWS
    assert_percentiles_close(total, truth)
    assert views > 0


def test_slowest_routes_rank_by_their_exact_p75(store, generated):
    truth = exact(
        store,
        "SELECT route, count(), quantilesExact(0.748, 0.752)(toFloat64(response_start)) AS p75 "
        f"FROM rum.page_views WHERE {IN_DAY} GROUP BY route ORDER BY p75[1] DESC",
        generated,
    )
    answer = queries.slowest_routes(store, Filters(generated), "ttfb", DAY)
    assert [r["route"] for r in answer] == [route for route, _, _ in truth]
    for row, (_, views, (low, high)) in zip(answer, truth, strict=True):
        assert row["views"] == views and low * 0.995 <= row["p75"] <= high * 1.005


def test_a_filter_narrows_every_answer_to_its_page_views(store, generated):
    mobile = Filters(generated, {"device_class": "mobile"})
    ((views,),) = exact(
        store,
        f"SELECT count() FROM rum.page_views WHERE {IN_DAY} AND device_class = 'mobile'",
        generated,
    )
    assert queries.percentile_total(store, mobile, "load", DAY)["views"] == views
    assert sum(r["views"] for r in queries.slowest_routes(store, mobile, "load", DAY)) == views
    ((errors,),) = exact(
        store,
        "SELECT count() FROM rum.errors WHERE site = {site:String} AND page_view_id IN "
        f"(SELECT page_view_id FROM rum.page_views WHERE {IN_DAY} AND device_class = 'mobile')",
        generated,
    )
    assert sum(e["occurrences"] for e in queries.top_errors(store, mobile, DAY)) == errors


def test_server_errors_are_the_5xx_page_views_by_route_and_status(store, generated):
    truth = exact(
        store,
        f"SELECT route, response_status, count() FROM rum.page_views WHERE {IN_DAY} "
        "AND response_status >= 500 GROUP BY route, response_status",
        generated,
    )
    answer = queries.server_errors(store, Filters(generated), DAY, limit=200)
    assert {(r["route"], r["status"], r["views"]) for r in answer} == set(truth)
    assert [r["views"] for r in answer] == sorted((r["views"] for r in answer), reverse=True)


def test_top_errors_count_occurrences_and_page_views(store, generated):
    truth = dict(
        exact(
            store,
            "SELECT message, count() FROM rum.errors WHERE site = {site:String} GROUP BY message",
            generated,
        )
    )
    answer = queries.top_errors(store, Filters(generated), DAY)
    assert {e["message"]: e["occurrences"] for e in answer} == truth
    assert all(e["views"] == e["occurrences"] and e["source"].endswith("app.js") for e in answer)


def test_the_histogram_counts_every_view_once(store, generated):
    answer = queries.histogram(store, Filters(generated), "load", DAY)
    bins = answer["bins"]
    assert sum(b["views"] for b in bins) == VIEWS
    assert answer["width"] in {m * 10**e for m in (1, 2, 5) for e in range(0, 5)}
    assert bins[-1]["to"] is None and bins[0]["from"] == 0
    ((over,),) = exact(
        store,
        f"SELECT countIf(load_event_end >= {answer['width'] * (len(bins) - 1)}) "
        f"FROM rum.page_views WHERE {IN_DAY}",
        generated,
    )
    assert bins[-1]["views"] == over  # the open bin holds everything past the last edge


def test_where_server_time_goes_site_wide_and_filtered(store, generated):
    site_wide = queries.server_time_breakdown(store, Filters(generated), DAY)
    assert [b["name"] for b in site_wide] == ["db", "render", "cache"]
    assert sum(b["share"] for b in site_wide) == pytest.approx(1, abs=1e-3)
    chrome = queries.server_time_breakdown(store, Filters(generated, {"browser": "Chrome"}), DAY)
    ((db_truth,),) = exact(
        store,
        f"SELECT quantilesExact({RANKS})(toFloat64(duration)) "
        "FROM rum.server_timings WHERE site = {site:String} AND name = 'db' AND page_view_id IN "
        f"(SELECT page_view_id FROM rum.page_views WHERE {IN_DAY} AND browser = 'Chrome')",
        generated,
    )
    assert_percentiles_close(next(b for b in chrome if b["name"] == "db"), db_truth)


def test_a_server_timing_name_has_its_own_percentile_series(store, generated):
    series = queries.percentile_series(store, Filters(generated), "st:db", DAY)
    assert sum(point["views"] for point in series) == pytest.approx(VIEWS, abs=VIEWS * 0.01)
    with pytest.raises(ValueError, match="route only"):
        queries.percentile_series(store, Filters(generated, {"country": "DE"}), "st:db", DAY)


def test_dimension_values_list_what_the_filters_can_take(store, generated):
    values = queries.dimension_values(store, generated, DAY)
    assert sorted(values["route"]) == sorted(ROUTES)
    assert set(values["device_class"]) == {"desktop", "mobile", "tablet"}
    assert values["device_class"][0] in {"desktop", "mobile"}  # commonest first
    assert sorted(values["server_timing"]) == ["cache", "db", "render"]
    assert generated in queries.sites(store)


def test_a_histogram_of_nothing_is_empty_bins_not_an_error(store, site):
    answer = queries.histogram(store, Filters(site), "inp", DAY)
    assert answer["width"] == 1 and sum(b["views"] for b in answer["bins"]) == 0
