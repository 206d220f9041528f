"""The Grafana dashboard's SQL, run against the real schema in chdb on generated data,
with template variables and the ClickHouse plugin's macros expanded as Grafana and the
plugin (grafana-clickhouse-datasource v4, pkg/macros) expand them."""

import itertools
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
import yaml

from pipeline.sample_data import Shape, generate
from pipeline.settle import settle_hour
from tests.support import ROOT, insert_settling_views

GRAFANA = ROOT / "dashboards" / "grafana"
DASHBOARD = json.loads((GRAFANA / "dashboards" / "rum-overview.json").read_text())
END = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
START = END - timedelta(hours=6)
INTERVAL_S = 300

EXPECTED_COLUMNS = {
    "Percentiles of ${metric}": ["time", "p50", "p75", "p95", "p99"],
    "Page views": ["time", "page_views"],
    "CLS and INP p75, final values (hourly)": ["time", "cls_p75", "inp_p75"],
    "p75 of ${metric} by device class (hourly)": ["time", "device_class", "p75"],
    "Web vitals: good / needs improvement / poor": ["vital", "good", "needs_improvement", "poor"],
    "Slowest routes by p75 of ${metric}": ["route", "views", "p75", "p95"],
    "Where server time goes (Server-Timing)": ["name", "views", "share", "p50", "p95"],
    "5xx page views": ["route", "status", "views", "last_seen"],
    "Top JavaScript errors": ["message", "occurrences", "page_views", "source", "last_seen"],
    "Bucky timers": ["name", "samples", "p50", "p75", "p95"],
}


def quote(value: str) -> str:
    """Grafana's `singlequote` format."""
    return "'" + value.replace("'", "\\'") + "'"


def interpolate(sql: str, values: dict[str, list[str] | str]) -> str:
    """Grafana's template variables: a custom all-value is used as is (no format)."""
    all_values = {
        v["name"]: v["allValue"] for v in DASHBOARD["templating"]["list"] if v.get("allValue")
    }

    def one(match: re.Match) -> str:
        name, fmt = match.group(1), match.group(2)
        value = values[name]
        if value == "$__all":
            return all_values[name]
        items = value if isinstance(value, list) else [value]
        if fmt == "singlequote":
            return ",".join(quote(item) for item in items)
        assert fmt == "raw", fmt
        return ",".join(items)

    return re.sub(r"\$\{(\w+):(\w+)\}", one, sql)


def expand_macros(sql: str) -> str:
    """The plugin's macros, as its Go code writes them."""
    start, end = int(START.timestamp()), int(END.timestamp())
    sql = re.sub(
        r"\$__timeFilter\(([^)]+)\)",
        lambda m: f"{m[1]} >= toDateTime({start}) AND {m[1]} <= toDateTime({end})",
        sql,
    )
    sql = re.sub(
        r"\$__timeInterval\(([^)]+)\)",
        lambda m: f"toStartOfInterval(toDateTime({m[1]}), INTERVAL {INTERVAL_S} second)",
        sql,
    )
    sql = sql.replace("$__interval_s", str(INTERVAL_S))
    assert "$__" not in sql and "${" not in sql, sql
    return sql


@pytest.fixture(scope="module")
def grafana_data(store) -> str:
    site = "grafana-site"
    generate(store, Shape(site, 3_000, END, hours=6, seed=5))
    store.command(
        "INSERT INTO rum.bucky_metrics (site, name, type, value, sample_rate, received_at) "
        "SELECT {site:String}, 'checkout.render', 'ms', 50 + number % 100, 1, "
        "{end:DateTime64(3, 'UTC')} - toIntervalSecond(number) FROM numbers(500)",
        parameters={"site": site, "end": END},
    )
    return site


def variable_values(store, site: str) -> dict[str, list[str]]:
    found = {}
    for variable in DASHBOARD["templating"]["list"]:
        if variable["type"] == "query":
            sql = expand_macros(interpolate(variable["query"], {"site": site}))
            found[variable["name"]] = [row[0] for row in store.query(sql).result_rows]
    return found


def test_every_panel_is_a_clickhouse_sql_panel_with_expected_columns():
    titles = [panel["title"] for panel in DASHBOARD["panels"]]
    assert titles == list(EXPECTED_COLUMNS)
    for panel in DASHBOARD["panels"]:
        (target,) = panel["targets"]
        assert target["datasource"] == {
            "type": "grafana-clickhouse-datasource",
            "uid": "rum-clickhouse",
        }
        assert target["editorType"] == "sql" and target["rawSql"]


def test_the_template_variables_list_the_sites_routes_and_devices(store, grafana_data):
    values = variable_values(store, grafana_data)
    assert grafana_data in values["site"]
    assert len(values["route"]) == 7 and set(values["device"]) == {"desktop", "mobile", "tablet"}
    names = [v["name"] for v in DASHBOARD["templating"]["list"]]
    assert names == ["site", "route", "device", "metric"]


@pytest.mark.parametrize("panel", DASHBOARD["panels"], ids=lambda panel: panel["id"])
def test_each_panel_answers_with_its_columns_for_every_choice(store, grafana_data, panel):
    routes = variable_values(store, grafana_data)["route"][:2]
    metrics = DASHBOARD["templating"]["list"][3]["query"].split(",")
    uses_metric = "${metric" in panel["targets"][0]["rawSql"]
    for metric, route, device in itertools.product(
        metrics if uses_metric else ["lcp"], ["$__all", routes], ["$__all", ["mobile"]]
    ):
        values = {"site": grafana_data, "metric": metric, "route": route, "device": device}
        sql = expand_macros(interpolate(panel["targets"][0]["rawSql"], values))
        result = store.query(sql)
        assert list(result.column_names) == EXPECTED_COLUMNS[panel["title"]], panel["title"]
        assert result.result_rows, (panel["title"], metric, route, device)


def panel_rows(store, title: str, **values) -> list[tuple]:
    panel = next(p for p in DASHBOARD["panels"] if p["title"] == title)
    values = {"route": "$__all", "device": "$__all", **values}
    sql = expand_macros(interpolate(panel["targets"][0]["rawSql"], values))
    return store.query(sql).result_rows


def test_cls_and_inp_show_final_values_once_their_hour_settles(store, site):
    hour = END - timedelta(hours=2)
    insert_settling_views(store, site, hour, 12)  # first CLS 0.05; final CLS 0.3, INP 320
    final = "CLS and INP p75, final values (hourly)"
    rated = "Web vitals: good / needs improvement / poor"
    (first,) = panel_rows(store, final, site=site)
    assert first[1] == pytest.approx(0.05, rel=0.02) and first[2] is None
    settle_hour(store, hour)
    ((_, cls, inp),) = panel_rows(store, final, site=site)
    assert cls == pytest.approx(0.3, rel=0.02) and inp == pytest.approx(320, rel=0.02)
    ((_, mobile_cls, _),) = panel_rows(store, final, site=site, device=["mobile"])
    assert mobile_cls == pytest.approx(0.3, rel=0.02)
    ratings = {row[0]: row[1:] for row in panel_rows(store, rated, site=site)}
    assert list(ratings) == ["TTFB", "FCP", "LCP", "INP", "CLS"]
    assert ratings["CLS"] == (0, 0, 12) and ratings["INP"] == (0, 12, 0)
    assert ratings["LCP"] == (0, 0, 0)  # untouched by settling


def test_a_route_filter_narrows_a_panel(store, grafana_data):
    route = variable_values(store, grafana_data)["route"][0]

    def views(route_value) -> int:
        rows = panel_rows(store, "Page views", site=grafana_data, route=route_value)
        return sum(row[1] for row in rows)

    assert 0 < views([route]) < views("$__all") == 3_000


def test_provisioning_points_grafana_at_the_store_and_the_dashboards():
    sources = yaml.safe_load((GRAFANA / "provisioning/datasources/clickhouse.yml").read_text())
    (source,) = sources["datasources"]
    assert source["type"] == "grafana-clickhouse-datasource"
    assert source["uid"] == "rum-clickhouse" and source["jsonData"]["defaultDatabase"] == "rum"
    providers = yaml.safe_load((GRAFANA / "provisioning/dashboards/rum.yml").read_text())
    assert providers["providers"][0]["options"]["path"] == "/var/lib/grafana/dashboards"
