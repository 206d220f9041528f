"""The query catalogue the dashboards and the JSON API use. Every value is a bound
parameter; identifiers come only from the fixed tables below."""

import math
from dataclasses import dataclass
from datetime import UTC, datetime

from clickhouse_connect.driver.client import Client

PERCENTILES = (50, 75, 95, 99)
ROLLUP_METRICS = {"load": "load", "ttfb": "ttfb", "fcp": "fcp"}
"""Metric name in the API → its quantile-state column in rum.page_views_1m."""

_MERGE = "quantilesDDMerge(0.005, 0.5, 0.75, 0.95, 0.99)"


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


def percentile_series(
    client: Client, site: str, metric: str, window: Window, route: str | None = None
) -> list[dict[str, object]]:
    """p50/p75/p95/p99 of a metric per time bucket, merged from minute rollups."""
    column = ROLLUP_METRICS[metric]
    route_filter = "AND route = {route:String}" if route is not None else ""
    result = client.query(
        f"""
        SELECT toStartOfInterval(minute, toIntervalSecond({{bucket:UInt32}})) AS bucket,
               sum(views) AS views,
               {_MERGE}({column}) AS q
        FROM rum.page_views_1m
        WHERE site = {{site:String}}
          AND minute >= {{start:DateTime('UTC')}} AND minute < {{end:DateTime('UTC')}}
          {route_filter}
        GROUP BY bucket
        ORDER BY bucket
        """,
        parameters={
            "site": site,
            "route": route,
            "bucket": window.bucket_s,
            "start": window.start,
            "end": window.end,
        },
    )
    return [
        {
            "t": bucket.replace(tzinfo=UTC).isoformat(),
            "views": views,
            **{f"p{p}": _finite(value) for p, value in zip(PERCENTILES, q, strict=True)},
        }
        for bucket, views, q in result.result_rows
    ]


def _finite(value: float) -> float | None:
    """A bucket with views but no samples of this metric merges to NaN: no value."""
    return None if value is None or math.isnan(value) else round(value, 2)
