"""Dashboard queries from the rollups against the same query over raw rows, on
generated page views (30 days, 50 routes, 3 sites, lognormal timings): latency at 1 M,
10 M and 30 M page views, and the rollup's largest relative error against exact
quantiles. Beside them, the engine's floor: the cheapest query that reads the same
rollup rows, which bounds the speed-up any rollup can show over the raw rows.

The raw rows are generated with the materialized views detached, then the rollup the
measured query reads (`vitals_site_1h`) is filled by one INSERT … SELECT of its own
view's query: the same rows the views would have written, in a minute instead of hours
(each insert through the views builds quantile states for every group it touches)."""

import os
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta

from pipeline.migrate import migrate_up
from pipeline.queries import Filters, Window, percentile_series
from pipeline.store import open_store

SIZES = tuple(
    int(n) for n in os.environ.get("RUM_BENCH_SIZES", "1000000,10000000,30000000").split(",")
)
"""Page views to generate, cumulatively (RUM_BENCH_SIZES=1000000 for a quick run)."""
CHUNK = 5_000_000
ROLLUP = "vitals_site_1h"
RUNS = 11

GENERATE = """
INSERT INTO rum.page_views (site, page_view_id, seq, ts, received_at, url, route,
    navigation_type, device_class, browser, country, response_start, load_event_end,
    ttfb, fcp, lcp, inp, cls, counted)
SELECT
    concat('site-', toString(number % 3)),
    concat('gen', toString(number + {offset})),
    0,
    now64(3) - toIntervalSecond(intHash32(number + {offset}) % (30 * 86400)),
    now64(3),
    concat('https://shop.example/r', toString(number % 50)),
    concat('/r', toString(number % 50)),
    'navigate',
    ['desktop', 'mobile', 'tablet'][1 + intHash32(number) % 3],
    ['Chrome', 'Safari', 'Firefox', 'Edge'][1 + intHash64(number) % 4],
    ['US', 'DE', 'NZ', 'BR', 'IN'][1 + (number * 7) % 5],
    exp(5.5 + 0.5 * randNormal(0, 1)),
    exp(7.2 + 0.6 * randNormal(0, 1)),
    exp(5.5 + 0.5 * randNormal(0, 1)),
    exp(6.8 + 0.5 * randNormal(0, 1)),
    exp(7.3 + 0.6 * randNormal(0, 1)),
    exp(4.8 + 0.7 * randNormal(0, 1)),
    abs(0.05 * randNormal(0, 1)),
    true
FROM numbers({count})
"""
RAW = """
SELECT toStartOfInterval(ts, INTERVAL 1 HOUR) AS bucket, count() AS views,
       quantiles(0.5, 0.75, 0.95, 0.99)(load_event_end) AS q
FROM rum.page_views
WHERE site = 'site-0' AND ts >= {start:DateTime64(3, 'UTC')} AND ts < {end:DateTime64(3, 'UTC')}
GROUP BY bucket ORDER BY bucket
"""
EXACT = """
SELECT quantilesExact(0.5, 0.75, 0.95, 0.99)(load_event_end) FROM rum.page_views
WHERE site = 'site-0' AND ts >= {start:DateTime64(3, 'UTC')} AND ts < {end:DateTime64(3, 'UTC')}
"""
FLOOR = """
SELECT sum(views) FROM rum.vitals_site_1h
WHERE site = 'site-0' AND hour >= {start:DateTime('UTC')} AND hour < {end:DateTime('UTC')}
"""
"""The cheapest query that reads the series' rollup rows: no quantile state decoded."""
MERGED = """
SELECT quantilesDDMerge(0.005, 0.5, 0.75, 0.95, 0.99)(load_quantiles) FROM rum.vitals_site_1h
WHERE site = 'site-0' AND hour >= {start:DateTime('UTC')} AND hour < {end:DateTime('UTC')}
"""


def timed(fn) -> float:
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def run() -> list[tuple[str, float, float | None, str]]:
    client = open_store(f"chdb://{tempfile.mkdtemp(prefix='rum-bench-ch-')}")
    migrate_up(client)
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    week = Window(end - timedelta(days=7), end, 3600)
    params = {"start": week.start, "end": week.end}
    views = client.query(
        "SELECT name, as_select FROM system.tables "
        "WHERE database = 'rum' AND engine = 'MaterializedView'"
    ).result_rows
    for name, _ in views:
        client.command(f"DETACH TABLE rum.{name}")
    roll_up = f"INSERT INTO rum.{ROLLUP} " + dict(views)[f"{ROLLUP}_mv"]
    rows, loaded = [], 0
    for size in SIZES:
        started = time.perf_counter()
        while loaded < size:
            count = min(CHUNK, size - loaded)
            client.command(GENERATE.format(offset=loaded, count=count))
            loaded += count
        client.command(f"TRUNCATE TABLE rum.{ROLLUP}")
        client.command(roll_up)
        # The steady state: background merges fold the rollup's parts to one row per
        # key and bucket, and the raw rows' parts into a few large ones; OPTIMIZE ...
        # FINAL gets there now. Timed during those merges, the raw query read a dozen
        # parts while a merge took the other core: 63-78 ms against 35 once merged.
        client.command(f"OPTIMIZE TABLE rum.{ROLLUP} FINAL")
        client.command("OPTIMIZE TABLE rum.page_views FINAL")
        load_s = time.perf_counter() - started
        rollup_ms = timed(lambda: percentile_series(client, Filters("site-0"), "load", week))
        raw_ms = timed(lambda: client.query(RAW, parameters=params))
        floor_ms = timed(lambda: client.query(FLOOR, parameters=params))
        exact = client.query(EXACT, parameters=params).result_rows[0][0]
        merged = client.query(MERGED, parameters=params).result_rows[0][0]
        error = max(abs(m - e) / e for m, e in zip(merged, exact, strict=True))
        label = f"{size / 1_000_000:g}M"
        rows += [
            (
                f"p50-p99 7-day series ms, {label} views",
                round(rollup_ms, 1),
                round(raw_ms, 1),
                "the same series from raw rows",
            ),
            (
                f"engine floor ms, {label} views",
                round(floor_ms, 1),
                round(raw_ms, 1),
                "the raw series (no rollup beats it by more than 1/ratio)",
            ),
            (f"rollup max relative error, {label}", round(error, 4), 0.01, "the 1% bound"),
            (f"generate+roll up {label} views, s", round(load_s, 1), None, ""),
        ]
    client.close()
    return rows
