"""The dashboards' JSON API over the rollups: GET /api/v1/{answer}.

Every answer takes the same validated question (site, metric, filters, window) and is
one function of pipeline/queries.py; values reach ClickHouse only as bound parameters.
Answers need the dashboard token (or a session) and are cached for a few seconds."""

import asyncio
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import orjson
from clickhouse_connect.driver.client import Client
from clickhouse_connect.driver.exceptions import ClickHouseError
from starlette.requests import Request
from starlette.responses import Response

from beacon.auth import Access
from beacon.cache import AnswerCache
from beacon.collect import rejection
from beacon.ingest import Rejected
from pipeline import queries
from pipeline.queries import DIMENSIONS, METRICS, SERVER_TIMING, Filters, Window
from pipeline.store import StoreHandle

log = logging.getLogger("rum.api")

MAX_SPAN = timedelta(days=90)
SITE_PATTERN = r"^[A-Za-z0-9._-]{1,64}$"
_SITE = re.compile(SITE_PATTERN)
_PARAMETERS = {"site", "metric", "from", "to", "bucket", "compare", "limit", *DIMENSIONS}


@dataclass(frozen=True)
class Question:
    filters: Filters
    metric: str
    window: Window
    compare: bool = False
    limit: int = 20

    def rollup_metric(self) -> str:
        """The metric, for answers that only the page-view rollups can give."""
        if self.metric.startswith(SERVER_TIMING):
            raise Rejected(400, "bad_metric", {"metrics": list(METRICS)})
        return self.metric


def parse_time(raw: str | None, default: datetime) -> datetime:
    """Epoch seconds or ISO 8601; naive times are UTC."""
    if not raw:
        return default
    try:
        if raw.replace(".", "", 1).isdigit():
            return datetime.fromtimestamp(float(raw), UTC)
        parsed = datetime.fromisoformat(raw)
    except (ValueError, OverflowError, OSError):
        raise Rejected(400, "bad_time", {"value": raw[:64]}) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_window(params: dict[str, str], now: datetime) -> Window:
    end = parse_time(params.get("to"), now)
    start = parse_time(params.get("from"), end - timedelta(hours=1))
    if not start < end or end - start > MAX_SPAN:
        raise Rejected(400, "bad_range", {"max_days": MAX_SPAN.days})
    raw_bucket = params.get("bucket")
    if raw_bucket is None:
        bucket = Window.auto_bucket((end - start).total_seconds())
    elif raw_bucket.isdigit() and 60 <= int(raw_bucket) <= 7 * 86400:
        bucket = int(raw_bucket)
    else:
        raise Rejected(400, "bad_bucket", {"min": 60, "max": 7 * 86400})
    return Window(start.astimezone(UTC), end.astimezone(UTC), bucket)


def parse_question(params: dict[str, str], now: datetime) -> Question:
    unknown = sorted(set(params) - _PARAMETERS)
    if unknown:
        raise Rejected(400, "unknown_parameter", {"names": unknown[:10]})
    site, metric = params.get("site", ""), params.get("metric", "load")
    if not _SITE.match(site):
        raise Rejected(400, "bad_site")
    if metric not in METRICS and not (
        metric.startswith(SERVER_TIMING) and 0 < len(metric) - len(SERVER_TIMING) <= 64
    ):
        raise Rejected(400, "bad_metric", {"metrics": [*METRICS, f"{SERVER_TIMING}<name>"]})
    equals = {name: params[name] for name in DIMENSIONS if name in params}
    if any(len(value) > 256 for value in equals.values()):
        raise Rejected(400, "bad_filter", {"max_length": 256})
    if metric.startswith(SERVER_TIMING) and set(equals) - {"route"}:
        raise Rejected(400, "bad_filter", {"server_timing_filters": ["route"]})
    limit = params.get("limit", "20")
    if not (limit.isdigit() and 1 <= int(limit) <= 200):
        raise Rejected(400, "bad_limit", {"min": 1, "max": 200})
    compare = params.get("compare", "0")
    if compare not in ("0", "1"):
        raise Rejected(400, "bad_compare", {"values": ["0", "1"]})
    return Question(
        Filters(site, equals), metric, parse_window(params, now), compare == "1", int(limit)
    )


def percentiles(client: Client, question: Question) -> dict[str, object]:
    """The series and its total over the window; with compare=1 the same for the
    previous period of equal length, its points moved forward by that length so the
    two overlay."""
    filters, metric, window = question.filters, question.metric, question.window
    answer: dict[str, object] = {
        "series": queries.percentile_series(client, filters, metric, window),
        "total": queries.percentile_total(client, filters, metric, window),
    }
    if question.compare:
        span = window.end - window.start
        before = replace(window, start=window.start - span, end=window.start)
        answer["previous"] = [
            {**point, "t": (datetime.fromisoformat(str(point["t"])) + span).isoformat()}
            for point in queries.percentile_series(client, filters, metric, before)
        ]
        answer["previous_total"] = queries.percentile_total(client, filters, metric, before)
    return answer


ANSWERS: dict[str, Callable[[Client, Question], dict[str, object]]] = {
    "percentiles": percentiles,
    "ratings": lambda c, q: {"ratings": queries.ratings(c, q.filters, q.window)},
    "routes": lambda c, q: {
        "routes": queries.slowest_routes(c, q.filters, q.rollup_metric(), q.window, q.limit)
    },
    "server-errors": lambda c, q: {
        "server_errors": queries.server_errors(c, q.filters, q.window, q.limit)
    },
    "errors": lambda c, q: {"errors": queries.top_errors(c, q.filters, q.window, q.limit)},
    "server-timing": lambda c, q: {
        "server_timing": queries.server_time_breakdown(c, q.filters, q.window)
    },
    "histogram": lambda c, q: queries.histogram(c, q.filters, q.rollup_metric(), q.window),
    "dimensions": lambda c, q: {
        "dimensions": queries.dimension_values(c, q.filters.site, q.window)
    },
}
"""Each answer of the API by its path name, over the same question."""


class DataApi:
    def __init__(
        self,
        store: Client | Callable[[], Client] | None,
        access: Access,
        cache_s: float,
        concurrency: int,
    ) -> None:
        """`store`: a client, a function opening one at the first question (a server
        down meanwhile is a 503, not a collector that cannot start), or None."""
        self.store = None if store is None else StoreHandle(store)
        self.access = access
        self.cache = AnswerCache(cache_s)
        # The embedded engine takes one query at a time; a server takes more.
        self._queries = asyncio.Semaphore(concurrency)

    def _check(self, request: Request) -> None:
        if not self.access.allows(request):
            raise Rejected(401, "unauthorised")
        if self.store is None:
            raise Rejected(503, "store_not_configured")

    async def sites(self, request: Request) -> Response:
        try:
            self._check(request)
            # Not cached, here or by the browser: a site's first page views should show
            # up at once (a dashboard opened before them kept "no sites" for a while).
            body = await self._answer(None, lambda store: {"sites": queries.sites(store)})
        except Rejected as error:
            return rejection(error, {})
        return self._json(body, "no-store")

    async def answer(self, request: Request) -> Response:
        name = request.path_params["name"]
        try:
            self._check(request)
            answer = ANSWERS.get(name)
            if answer is None:
                raise Rejected(404, "unknown_answer", {"answers": ["sites", *ANSWERS]})
            params = dict(request.query_params)
            question = parse_question(params, datetime.now(UTC))
            key = (name, tuple(sorted(params.items())))
            body = await self._answer(
                key, lambda store: _envelope(question, answer(store, question))
            )
        except Rejected as error:
            return rejection(error, {})
        return self._json(body)

    async def _answer(self, key: tuple | None, ask: Callable[[Client], dict[str, object]]) -> bytes:
        cached = self.cache.get(key) if key else None
        if cached is not None:
            return cached
        store = self.store
        assert store is not None
        async with self._queries:
            try:
                body = orjson.dumps(await asyncio.to_thread(lambda: ask(store.client)))
            except ClickHouseError as error:
                log.warning("dashboard query failed: %s", error)
                raise Rejected(503, "store_unavailable") from None
        if key:
            self.cache.put(key, body)
        return body

    def _json(self, body: bytes, cache_control: str = "") -> Response:
        return Response(
            body,
            media_type="application/json",
            headers={"cache-control": cache_control or f"private, max-age={int(self.cache.ttl_s)}"},
        )


def _envelope(question: Question, answer: dict[str, object]) -> dict[str, object]:
    """What was asked, as understood (a client can show the effective window), and the
    answer."""
    return {
        "site": question.filters.site,
        "metric": question.metric,
        "unit": "score" if question.metric == "cls" else "ms",
        "filters": question.filters.equals,
        "from": question.window.start.isoformat(),
        "to": question.window.end.isoformat(),
        "bucket_s": question.window.bucket_s,
        **answer,
    }
