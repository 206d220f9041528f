"""The query catalogue the dashboards and the JSON API use. Every value is a bound
parameter; identifiers come only from the fixed tables below."""

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime

from clickhouse_connect.driver.client import Client

METRICS = ("load", "ttfb", "fcp", "lcp", "inp", "cls")
"""Metrics with quantile states in the rollups (`{metric}_quantiles`)."""
RATED = ("ttfb", "fcp", "lcp", "inp", "cls")
"""Web vitals with good / needs-improvement / poor counts (`{vital}_good` …)."""
RATINGS = ("good", "ni", "poor")
SETTLED = ("cls", "inp")
"""Metrics whose final values come in follow-up beacons (rolled up by pipeline/settle.py)."""
SERVER_TIMING = "st:"
"""A metric named `st:<name>` is the Server-Timing entry <name> (percentiles only)."""
DIMENSIONS = ("route", "device_class", "browser", "country", "navigation_type")
"""Rollup dimensions a query may filter on, besides the site."""

_MERGE = "quantilesDDMerge(0.005, 0.5, 0.75, 0.95, 0.99)"
_EXACT = "quantilesExact(0.5, 0.75, 0.95, 0.99)"
_ROLLUPS = {60: ("rum.vitals_1m", "minute"), 3600: ("rum.vitals_1h", "hour")}
_SITE_ROLLUPS = {60: ("rum.vitals_site_1m", "minute"), 3600: ("rum.vitals_site_1h", "hour")}
_DIMENSIONAL = ("rum.vitals_dims_1h", "hour")


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime
    bucket_s: int

    @staticmethod
    def auto_bucket(span_s: float, points: int = 120) -> int:
        """The smallest of a few round bucket sizes giving at most `points` points."""
        for size in (60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 86400):
            if span_s / size <= points:
                return size
        return 7 * 86400


@dataclass(frozen=True)
class Filters:
    site: str
    equals: dict[str, str] = field(default_factory=dict)
    """Dimension → value; keys must be in DIMENSIONS."""

    def route_rollup(self, window: Window) -> tuple[str, str]:
        """Like rollup(), but always keeping routes apart (for per-route tables)."""
        if set(self.equals) - {"route"}:
            return _DIMENSIONAL
        return _ROLLUPS[3600 if window.bucket_s % 3600 == 0 else 60]

    def rollup(self, window: Window) -> tuple[str, str]:
        """(table, time column) to read, the smallest that can answer: by site alone
        when nothing is filtered, by site and route for a route, the dimensional hourly
        rollup for anything else (so such series have hourly resolution). Whole-hour
        buckets read the hourly tables."""
        if set(self.equals) - {"route"}:
            return _DIMENSIONAL
        tables = _ROLLUPS if self.equals else _SITE_ROLLUPS
        return tables[3600 if window.bucket_s % 3600 == 0 else 60]

    def child_sql(self) -> tuple[str, dict[str, str]]:
        """The filter for a child table (errors, server timings). Those carry the site
        and route; the other dimensions select their page views in the same window."""
        others = {k: v for k, v in self.equals.items() if k != "route"}
        where, params = Filters(
            self.site, {k: v for k, v in self.equals.items() if k == "route"}
        ).sql()
        if others:
            views, view_params = Filters(self.site, others).sql()
            where += (
                " AND page_view_id IN (SELECT page_view_id FROM rum.page_views"
                f" WHERE {views} AND {_in_window('ts')})"
            )
            params |= view_params
        return where, params

    def sql(self) -> tuple[str, dict[str, str]]:
        unknown = set(self.equals) - set(DIMENSIONS)
        if unknown:
            raise ValueError(f"cannot filter on {sorted(unknown)}")
        clauses = ["site = {site:String}"] + [
            f"{name} = {{f_{name}:String}}" for name in self.equals
        ]
        params = {"site": self.site, **{f"f_{k}": v for k, v in self.equals.items()}}
        return " AND ".join(clauses), params


def percentile_series(
    client: Client, filters: Filters, metric: str, window: Window
) -> list[dict[str, object]]:
    """p50/p75/p95/p99 of a metric per time bucket, merged from the rollup states."""
    states = _states(filters, metric, window)
    result = client.query(
        f"""
        SELECT toStartOfInterval({states.time}, toIntervalSecond({{bucket:UInt32}})) AS bucket,
               sum({states.count}) AS views,
               {_MERGE}({states.column}) AS q
        FROM {states.table}
        WHERE {states.where}
        GROUP BY bucket
        ORDER BY bucket
        """,
        parameters={**states.params, "bucket": window.bucket_s},
    )
    return [
        {"t": _iso(bucket), "views": views, **_percentiles(q)}
        for bucket, views, q in result.result_rows
    ]


def percentile_total(
    client: Client, filters: Filters, metric: str, window: Window
) -> dict[str, object]:
    """p50/p75/p95/p99 of a metric over the whole window, and its page views."""
    states = _states(filters, metric, window)
    views, q = client.query(
        f"SELECT sum({states.count}), {_MERGE}({states.column}) FROM {states.table}"
        f" WHERE {states.where}",
        parameters=states.params,
    ).result_rows[0]
    return {"views": views or 0, **_percentiles(q)}


@dataclass(frozen=True)
class _States:
    """Where a metric's quantile states are, for one filter and window."""

    table: str
    time: str
    count: str
    column: str
    where: str
    params: dict[str, object]


def _states(filters: Filters, metric: str, window: Window) -> _States:
    window_params = {"start": window.start, "end": window.end}
    if metric in SETTLED:
        source, params = _settled_source(filters, window, f"views, {metric}_quantiles")
        return _States(source, "t", "views", f"{metric}_quantiles", "1", params)
    if metric.startswith(SERVER_TIMING):
        if set(filters.equals) - {"route"}:
            raise ValueError("Server-Timing percentiles can be filtered by route only")
        where, params = filters.sql()
        where += f" AND name = {{st_name:String}} AND {_in_window('minute')}"
        params = {**params, "st_name": metric.removeprefix(SERVER_TIMING), **window_params}
        return _States(
            "rum.server_timings_1m", "minute", "count", "duration_quantiles", where, params
        )
    _check_metric(metric)
    table, time_column = filters.rollup(window)
    where, params = filters.sql()
    return _States(
        table,
        time_column,
        "views",
        f"{metric}_quantiles",
        f"{where} AND {_in_window(time_column)}",
        {**params, **window_params},
    )


def ratings(client: Client, filters: Filters, window: Window) -> dict[str, dict[str, int]]:
    """Good / needs-improvement / poor page-view counts per web vital over the window
    (CLS and INP final where their hours have settled)."""
    table, bucket_column = filters.rollup(window)
    where, params = filters.sql()
    params = {**params, "start": window.start, "end": window.end}
    first_beacon = f"{table} WHERE {where} AND {_in_window(bucket_column)}"
    late = ", ".join(f"{v}_{r}" for v in SETTLED for r in RATINGS)
    source, late_params = _settled_source(filters, window, late)
    early = tuple(v for v in RATED if v not in SETTLED)
    counts = _rating_counts(client, first_beacon, params, early)
    counts |= _rating_counts(client, source, late_params, SETTLED)
    return {v: counts[v] for v in RATED}


def _rating_counts(
    client: Client, source: str, params: dict[str, object], vitals: tuple[str, ...]
) -> dict[str, dict[str, int]]:
    columns = ", ".join(f"sum({v}_{r})" for v in vitals for r in RATINGS)
    row = iter(client.query(f"SELECT {columns} FROM {source}", parameters=params).result_rows[0])
    return {v: {r: int(next(row) or 0) for r in RATINGS} for v in vitals}


def _settled_source(
    filters: Filters, window: Window, columns: str, by_route: bool = False
) -> tuple[str, dict[str, object]]:
    """CLS and INP rows over the window: each hour the site has settled from the
    settled rollup (final values), every other hour from the first-beacon rollup (one
    keeping routes apart, `by_route`). An hour counts as settled for a site only while
    the settled rollup holds exactly its page views (views that arrive late make it
    stale until it is settled again)."""
    table, time_column = (filters.route_rollup if by_route else filters.rollup)(window)
    where, params = filters.sql()
    hours = _in_window("hour")
    settled = f"""(
        SELECT site, hour FROM
            (SELECT site, hour, sum(views) AS n FROM rum.settled_vitals_1h
             WHERE site = {{site:String}} AND {hours} GROUP BY site, hour) AS final
        INNER JOIN
            (SELECT site, hour, sum(views) AS n FROM rum.vitals_site_1h
             WHERE site = {{site:String}} AND {hours} GROUP BY site, hour) AS first
        USING (site, hour)
        WHERE final.n = first.n
          AND hour IN (SELECT hour FROM rum.settled_hours WHERE {hours})
    )"""
    source = f"""(
        SELECT hour AS t, {columns} FROM rum.settled_vitals_1h
        WHERE {where} AND {hours} AND (site, hour) IN {settled}
        UNION ALL
        SELECT {time_column} AS t, {columns} FROM {table}
        WHERE {where} AND {_in_window(time_column)}
          AND (site, toStartOfHour({time_column})) NOT IN {settled}
    )"""
    return source, {**params, "start": window.start, "end": window.end}


def server_time_breakdown(
    client: Client, filters: Filters, window: Window
) -> list[dict[str, object]]:
    """Where server time goes (for a site, or a route when filtered by one): each
    Server-Timing name with how many views reported it, its share of the total, and
    its percentiles. Filters other than the route need the raw rows."""
    where, params = filters.child_sql()
    others = set(filters.equals) - {"route"}
    source = (
        f"""SELECT name, count() AS n, sum(toFloat64(duration)) AS total,
                   {_EXACT}(toFloat64(duration)) AS q
            FROM rum.server_timings
            WHERE {where} AND {_in_window("ts")} AND seq = 0 AND counted"""
        if others
        else f"""SELECT name, sum(count) AS n, sum(total_ms) AS total,
                        {_MERGE}(duration_quantiles) AS q
                 FROM rum.server_timings_1m
                 WHERE {where} AND {_in_window("minute")}"""
    )
    result = client.query(
        f"{source} GROUP BY name ORDER BY total DESC, name",
        parameters={**params, "start": window.start, "end": window.end},
    )
    grand_total = sum(total for _, _, total, _ in result.result_rows) or 1.0
    return [
        {"name": name, "count": n, "share": round(total / grand_total, 4), **_percentiles(q)}
        for name, n, total, q in result.result_rows
    ]


def slowest_routes(
    client: Client, filters: Filters, metric: str, window: Window, limit: int = 20
) -> list[dict[str, object]]:
    """Routes ranked by their p75 of a metric over the window, with their volume (CLS
    and INP final where their hours have settled)."""
    _check_metric(metric)
    if metric in SETTLED:
        source, params = _settled_source(
            filters, window, f"route, views, {metric}_quantiles", by_route=True
        )
    else:
        table, bucket_column = filters.route_rollup(window)
        where, params = filters.sql()
        source = f"{table} WHERE {where} AND {_in_window(bucket_column)}"
        params = {**params, "start": window.start, "end": window.end}
    result = client.query(
        f"""
        SELECT route, sum(views) AS views, {_MERGE}({metric}_quantiles) AS q
        FROM {source}
        GROUP BY route
        ORDER BY q[2] DESC, route
        LIMIT {{limit:UInt32}}
        """,
        parameters={**params, "limit": limit},
    )
    return [
        {"route": route, "views": views, **_percentiles(q)}
        for route, views, q in result.result_rows
        if not math.isnan(q[1])
    ]


def server_errors(
    client: Client, filters: Filters, window: Window, limit: int = 20
) -> list[dict[str, object]]:
    """Page views answered with a 5xx status, by route and status (from the raw rows:
    the browser reports the status, so these are the errors real users saw)."""
    where, params = filters.sql()
    result = client.query(
        f"""
        SELECT route, response_status, count() AS views, max(ts) AS last_seen
        FROM rum.page_views
        WHERE {where} AND {_in_window("ts")} AND seq = 0 AND counted
          AND response_status >= 500 AND response_status < 600
        GROUP BY route, response_status
        ORDER BY views DESC, route, response_status
        LIMIT {{limit:UInt32}}
        """,
        parameters={**params, "start": window.start, "end": window.end, "limit": limit},
    )
    return [
        {"route": route, "status": status, "views": views, "last_seen": _iso(last)}
        for route, status, views, last in result.result_rows
    ]


def top_errors(
    client: Client, filters: Filters, window: Window, limit: int = 20
) -> list[dict[str, object]]:
    """JavaScript errors by message: occurrences, page views affected, where thrown."""
    where, params = filters.child_sql()
    result = client.query(
        f"""
        SELECT message, count() AS occurrences, uniqExact(page_view_id) AS views,
               argMax(source, ts) AS source, argMax(line, ts) AS line,
               argMax(col, ts) AS col, max(ts) AS last_seen
        FROM rum.errors
        WHERE {where} AND {_in_window("ts")} AND counted
        GROUP BY message
        ORDER BY occurrences DESC, message
        LIMIT {{limit:UInt32}}
        """,
        parameters={**params, "start": window.start, "end": window.end, "limit": limit},
    )
    return [
        {
            "message": message,
            "occurrences": occurrences,
            "views": views,
            "source": source,
            "line": line,
            "col": col,
            "last_seen": _iso(last),
        }
        for message, occurrences, views, source, line, col, last in result.result_rows
    ]


def histogram(
    client: Client, filters: Filters, metric: str, window: Window, bins: int = 30
) -> dict[str, object]:
    """How a metric's values are distributed: `bins` equal-width bins from 0 up to a
    round width covering the 99th percentile, and one open bin for the rest."""
    _check_metric(metric)
    values, params = _page_view_values(filters, metric, window)
    (p99,) = client.query(
        f"SELECT quantileExact(0.99)(value) FROM {values}", parameters=params
    ).result_rows[0]
    width = _round_width((_finite(p99) or 0) / bins, metric)  # no rows: NaN
    counts = dict(
        client.query(
            f"""
            SELECT least(toUInt32(floor(value / {{width:Float64}})), {{bins:UInt32}}) AS bin,
                   count()
            FROM {values}
            GROUP BY bin
            """,
            parameters={**params, "width": width, "bins": bins},
        ).result_rows
    )
    return {
        "width": width,
        "bins": [
            {
                "from": round(i * width, 4),
                "to": None if i == bins else round((i + 1) * width, 4),
                "views": counts.get(i, 0),
            }
            for i in range(bins + 1)
        ],
    }


def _page_view_values(
    filters: Filters, metric: str, window: Window
) -> tuple[str, dict[str, object]]:
    """A metric's value for each counted page view begun in the window that has one
    (`value`), from raw rows: CLS and INP final, from the view's last beacon that
    carried them (as hours are settled), the others from its first beacon."""
    where, params = filters.sql()
    params = {**params, "start": window.start, "end": window.end}
    first_beacons = f"{where} AND {_in_window('ts')} AND seq = 0 AND counted"
    if metric in SETTLED:
        # Only the follow-ups are grouped by page view, and joined to the first beacons:
        # grouping every beacon took 333 ms for a week of 780,000 page views, this 70.
        # Follow-ups come up to a day after their page view began, as settle.py reads them.
        return (
            f"""(
            SELECT coalesce(last.final, first.{metric}) AS value
            FROM (SELECT page_view_id, {metric} FROM rum.page_views WHERE {first_beacons})
                AS first
            LEFT JOIN (
                SELECT page_view_id,
                       toNullable(toFloat64(argMax(assumeNotNull({metric}), seq))) AS final
                FROM rum.page_views
                WHERE site = {{site:String}} AND seq > 0 AND counted AND {metric} IS NOT NULL
                  AND ts >= {{start:DateTime('UTC')}}
                  AND ts < {{end:DateTime('UTC')}} + INTERVAL 1 DAY
                GROUP BY page_view_id
            ) AS last USING (page_view_id)
            WHERE value IS NOT NULL
        )""",
            params,
        )
    value, present = RAW_VALUES[metric]
    return (
        f"(SELECT toFloat64({value}) AS value FROM rum.page_views"
        f" WHERE {first_beacons} AND {present})",
        params,
    )


def dimension_values(
    client: Client, site: str, window: Window, limit: int = 200
) -> dict[str, list[str]]:
    """The values each filter can take for a site in the window, commonest first, and
    the Server-Timing names its pages report."""
    params = {"site": site, "start": window.start, "end": window.end, "limit": limit}
    values: dict[str, list[str]] = {}
    for name in DIMENSIONS:
        values[name] = [
            value
            for (value,) in client.query(
                f"""
                SELECT {name} FROM rum.vitals_dims_1h
                WHERE site = {{site:String}} AND {_in_window("hour")}
                GROUP BY {name} ORDER BY sum(views) DESC, {name} LIMIT {{limit:UInt32}}
                """,
                parameters=params,
            ).result_rows
        ]
    values["server_timing"] = [
        name
        for (name,) in client.query(
            f"""
            SELECT name FROM rum.server_timings_1m
            WHERE site = {{site:String}} AND {_in_window("minute")}
            GROUP BY name ORDER BY sum(count) DESC, name LIMIT {{limit:UInt32}}
            """,
            parameters=params,
        ).result_rows
    ]
    return values


def sites(client: Client) -> list[str]:
    """Sites with page views in the hourly rollup, busiest first."""
    return [
        site
        for (site,) in client.query(
            "SELECT site FROM rum.vitals_site_1h GROUP BY site ORDER BY sum(views) DESC, site"
        ).result_rows
    ]


RAW_VALUES = {
    "load": ("load_event_end - activation_start", "load_event_end > 0"),
    "ttfb": (
        "assumeNotNull(coalesce(ttfb, if(response_start > 0,"
        " greatest(response_start - activation_start, 0), NULL)))",
        "coalesce(ttfb, if(response_start > 0,"
        " greatest(response_start - activation_start, 0), NULL)) IS NOT NULL",
    ),
    **{v: (f"assumeNotNull({v})", f"{v} IS NOT NULL") for v in ("fcp", "lcp", "inp", "cls")},
}
"""(value, presence) expressions of each metric over raw page views: the same values
the rollups' materialized views aggregate."""


def _round_width(raw: float, metric: str) -> float:
    """The smallest 1, 2 or 5 times a power of ten that is at least `raw`."""
    floor = 0.001 if metric == "cls" else 1.0
    raw = max(raw, floor)
    magnitude = 10 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw - 1e-12)


def _check_metric(metric: str) -> None:
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}")


def _percentiles(q: list[float]) -> dict[str, float | None]:
    # Spelled out: a series shapes one of these per bucket (168 for a week of hours),
    # and a comprehension over the levels cost twice as much.
    p50, p75, p95, p99 = q
    return {"p50": _finite(p50), "p75": _finite(p75), "p95": _finite(p95), "p99": _finite(p99)}


def _iso(moment: datetime) -> str:
    return moment.replace(tzinfo=UTC).isoformat()


def _in_window(column: str) -> str:
    """Rows of the window; an hourly table's rows are whole hours, so its first row is
    the hour the window starts in (a partial hour reads as the whole hour)."""
    start = "{start:DateTime('UTC')}"
    if column == "hour":
        start = f"toStartOfHour({start})"
    return f"{column} >= {start} AND {column} < {{end:DateTime('UTC')}}"


def _finite(value: float) -> float | None:
    """A bucket with views but no samples of this metric merges to NaN: no value."""
    return None if value is None or math.isnan(value) else round(value, 4)
