"""Final CLS and INP into the rollups, once each hour has settled.

A page view's CLS and INP can still grow after its first beacon, and the follow-ups
that carry the final values (seq > 0) may come minutes later, so the materialized
views, which see one insert at a time, count the first beacon's values. Here, once
no more follow-ups are expected for an hour (SETTLE_AFTER past its end), each of its
page views' last known CLS and INP are rolled up into `rum.settled_vitals_1h`.

Exactly once: an hour's insert carries a deduplication token naming the hour and what
it corrects, so an hour settled twice (two pipelines, or a crash before it was
recorded in `rum.settled_hours`) is stored once. Page views that reach the store after
their hour settled (a pipeline catching up after an outage) make the hour stale: its
settled page views no longer match its first beacons, and it is settled again."""

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from clickhouse_connect.driver.client import Client

log = logging.getLogger("rum.pipeline")

SETTLE_AFTER = timedelta(minutes=30)
LOOK_BACK = timedelta(days=2)
"""How far back the first settling goes (older hours keep their first-beacon values)."""
HOUR = timedelta(hours=1)
_NEVER = datetime(1970, 1, 1, tzinfo=UTC)

ROLL_UP = """
INSERT INTO rum.settled_vitals_1h (site, route, device_class, browser, country,
    navigation_type, hour, views, cls_quantiles, inp_quantiles,
    cls_good, cls_ni, cls_poor, inp_good, inp_ni, inp_poor)
SELECT
    site,
    route,
    device_class,
    browser,
    country,
    navigation_type,
    {hour:DateTime('UTC')} AS hour,
    toUInt64(count()) AS views,
    quantilesDDStateIf(0.005, 0.5, 0.75, 0.95, 0.99)(
        toFloat64(assumeNotNull(cls)), cls IS NOT NULL),
    quantilesDDStateIf(0.005, 0.5, 0.75, 0.95, 0.99)(
        toFloat64(assumeNotNull(inp)), inp IS NOT NULL),
    toUInt64(countIf(cls <= 0.1)),
    toUInt64(countIf(cls > 0.1 AND cls <= 0.25)),
    toUInt64(countIf(cls > 0.25)),
    toUInt64(countIf(inp <= 200)),
    toUInt64(countIf(inp > 200 AND inp <= 500)),
    toUInt64(countIf(inp > 500))
FROM
(
    -- One row per page view begun in the hour: its route and other dimensions from the
    -- first beacon, its CLS and INP from the last beacon that had them.
    SELECT site, argMin(route, seq) AS route, argMin(device_class, seq) AS device_class,
           argMin(browser, seq) AS browser, argMin(country, seq) AS country,
           argMin(navigation_type, seq) AS navigation_type,
           argMax(cls, seq) AS cls, argMax(inp, seq) AS inp
    FROM rum.page_views
    WHERE counted
      AND ts >= {hour:DateTime('UTC')}
      AND ts < {hour:DateTime('UTC')} + INTERVAL 1 DAY
      AND (site, page_view_id) IN (
          SELECT site, page_view_id FROM rum.page_views
          WHERE seq = 0 AND counted
            AND ts >= {hour:DateTime('UTC')} AND ts < {hour:DateTime('UTC')} + INTERVAL 1 HOUR
      )
    GROUP BY site, page_view_id
)
GROUP BY site, route, device_class, browser, country, navigation_type
"""


def settled_until(client: Client) -> datetime:
    """The end of the last settled hour (the epoch when none has settled)."""
    (last,) = client.query("SELECT max(hour) FROM rum.settled_hours").result_rows[0]
    last = last.replace(tzinfo=UTC)
    return last + HOUR if last > _NEVER else _NEVER


def hours_to_settle(until: datetime, now: datetime) -> list[datetime]:
    """The hours, oldest first, whose follow-ups have stopped since `until`."""
    first = max(until, _floor_hour(now - LOOK_BACK))
    last = _floor_hour(now - SETTLE_AFTER) - HOUR  # ended at least SETTLE_AFTER ago
    hours = []
    while first <= last:
        hours.append(first)
        first += HOUR
    return hours


STALE = """
SELECT first.hour
FROM (SELECT hour, sum(views) AS n FROM rum.vitals_site_1h
      WHERE hour >= {since:DateTime('UTC')} GROUP BY hour) AS first
LEFT JOIN (SELECT hour, sum(views) AS n FROM rum.settled_vitals_1h
           WHERE hour >= {since:DateTime('UTC')} GROUP BY hour) AS settled
    ON first.hour = settled.hour
WHERE first.hour IN (SELECT hour FROM rum.settled_hours WHERE hour >= {since:DateTime('UTC')})
  AND first.n != settled.n
ORDER BY first.hour
"""

VIEWS = """
SELECT (SELECT sum(views) FROM rum.vitals_site_1h WHERE hour = {hour:DateTime('UTC')}),
       (SELECT sum(views) FROM rum.settled_vitals_1h WHERE hour = {hour:DateTime('UTC')})
"""


def settle(client: Client, now: datetime) -> list[datetime]:
    """Roll up every hour that has settled and is not yet, and every settled hour that
    has gone stale; returns those hours."""
    stale = [
        hour.replace(tzinfo=UTC)
        for (hour,) in client.query(
            STALE, parameters={"since": _floor_hour(now - LOOK_BACK)}
        ).result_rows
    ]
    hours = stale + hours_to_settle(settled_until(client), now)
    for hour in hours:
        settle_hour(client, hour)
    if hours:
        log.info("settled CLS and INP up to %s", (hours[-1] + HOUR).isoformat())
    return hours


async def settle_forever(
    client: Callable[[], Client], stop: asyncio.Event, every_s: float = 60
) -> None:
    """Settle what has settled, every `every_s`, until `stop` is set. A store that is
    down is retried at the next round; nothing is lost meanwhile (the raw rows wait)."""
    while not stop.is_set():
        try:
            await asyncio.to_thread(lambda: settle(client(), datetime.now(UTC)))
        except Exception as error:
            log.warning("settling CLS and INP failed (%s); retrying in %.0fs", error, every_s)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every_s)


def settle_hour(client: Client, hour: datetime) -> None:
    """Roll up one hour's final CLS and INP so that it holds each of the hour's page
    views once, however often and by however many pipelines this is called."""
    first, settled = (
        int(n or 0) for n in client.query(VIEWS, parameters={"hour": hour}).result_rows[0]
    )
    if settled != first:
        if settled:  # stale: page views arrived after it settled
            client.command(
                "DELETE FROM rum.settled_vitals_1h WHERE hour = {hour:DateTime('UTC')}",
                parameters={"hour": hour},
            )
        client.command(
            ROLL_UP,
            parameters={"hour": hour},
            settings={"insert_deduplication_token": f"settle-{hour.isoformat()}-{first}-{settled}"},
        )
    client.command(
        "INSERT INTO rum.settled_hours (hour) VALUES ({hour:DateTime('UTC')})",
        parameters={"hour": hour},
    )


def _floor_hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)
