"""The query catalogue the dashboards and the JSON API use. Every value is a bound
parameter; identifiers come only from the fixed tables below."""

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime

from clickhouse_connect.driver.client import Client

PERCENTILES = (50, 75, 95, 99)
METRICS = ("load", "ttfb", "fcp", "lcp", "inp", "cls")
"""Metrics with quantile states in the rollups (`{metric}_quantiles`)."""
RATED = ("ttfb", "fcp", "lcp", "inp", "cls")
"""Web vitals with good / needs-improvement / poor counts (`{vital}_good` …)."""
DIMENSIONS = ("route", "device_class", "browser", "country", "navigation_type")
"""Rollup dimensions a query may filter on, besides the site."""

_MERGE = "quantilesDDMerge(0.005, 0.5, 0.75, 0.95, 0.99)"
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

    def rollup(self, window: Window) -> tuple[str, str]:
        """(table, time column) to read, the smallest that can answer: by site alone
        when nothing is filtered, by site and route for a route, the dimensional hourly
        rollup for anything else (so such series have hourly resolution). Whole-hour
        buckets read the hourly tables."""
        if set(self.equals) - {"route"}:
            return _DIMENSIONAL
        tables = _ROLLUPS if self.equals else _SITE_ROLLUPS
        return tables[3600 if window.bucket_s % 3600 == 0 else 60]

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
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}")
    table, bucket_column = filters.rollup(window)
    where, params = filters.sql()
    result = client.query(
        f"""
        SELECT toStartOfInterval({bucket_column}, toIntervalSecond({{bucket:UInt32}})) AS bucket,
               sum(views) AS views,
               {_MERGE}({metric}_quantiles) AS q
        FROM {table}
        WHERE {where} AND {_in_window(bucket_column)}
        GROUP BY bucket
        ORDER BY bucket
        """,
        parameters={**params, "bucket": window.bucket_s, "start": window.start, "end": window.end},
    )
    return [
        {
            "t": bucket.replace(tzinfo=UTC).isoformat(),
            "views": views,
            **{f"p{p}": _finite(value) for p, value in zip(PERCENTILES, q, strict=True)},
        }
        for bucket, views, q in result.result_rows
    ]


def ratings(client: Client, filters: Filters, window: Window) -> dict[str, dict[str, int]]:
    """Good / needs-improvement / poor page-view counts per web vital over the window."""
    table, bucket_column = filters.rollup(window)
    where, params = filters.sql()
    columns = ", ".join(f"sum({v}_{r})" for v in RATED for r in ("good", "ni", "poor"))
    row = client.query(
        f"SELECT {columns} FROM {table} WHERE {where} AND {_in_window(bucket_column)}",
        parameters={**params, "start": window.start, "end": window.end},
    ).result_rows[0]
    counts = iter(row)
    return {v: {r: int(next(counts) or 0) for r in ("good", "ni", "poor")} for v in RATED}


def server_time_breakdown(
    client: Client, site: str, route: str, window: Window
) -> list[dict[str, object]]:
    """Where a route's server time goes: each Server-Timing name with how many views
    reported it, its share of the total, and its percentiles."""
    result = client.query(
        f"""
        SELECT name, sum(count) AS n, sum(total_ms) AS total, {_MERGE}(duration_quantiles) AS q
        FROM rum.server_timings_1m
        WHERE site = {{site:String}} AND route = {{route:String}} AND {_in_window("minute")}
        GROUP BY name
        ORDER BY total DESC
        """,
        parameters={"site": site, "route": route, "start": window.start, "end": window.end},
    )
    grand_total = sum(total for _, _, total, _ in result.result_rows) or 1.0
    return [
        {
            "name": name,
            "count": n,
            "share": round(total / grand_total, 4),
            **{f"p{p}": _finite(v) for p, v in zip(PERCENTILES, q, strict=True)},
        }
        for name, n, total, q in result.result_rows
    ]


def _in_window(column: str) -> str:
    return f"{column} >= {{start:DateTime('UTC')}} AND {column} < {{end:DateTime('UTC')}}"


def _finite(value: float) -> float | None:
    """A bucket with views but no samples of this metric merges to NaN: no value."""
    return None if value is None or math.isnan(value) else round(value, 4)
