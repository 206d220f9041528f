"""The JSON API over the rollups: GET /api/v1/percentiles."""

import asyncio
import hmac
import re
from datetime import UTC, datetime, timedelta

from clickhouse_connect.driver.client import Client
from starlette.requests import Request
from starlette.responses import JSONResponse

from beacon.collect import rejection
from beacon.ingest import Rejected
from pipeline.queries import DIMENSIONS, METRICS, Filters, Window, percentile_series

MAX_SPAN = timedelta(days=90)
_SITE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


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


def bearer_matches(request: Request, token: str) -> bool:
    given = request.headers.get("authorization", "").removeprefix("Bearer ")
    return hmac.compare_digest(given.encode(), token.encode())


class PercentilesEndpoint:
    def __init__(self, store: Client | None, token: str) -> None:
        self.store = store
        self.token = token

    def _authorised(self, request: Request) -> bool:
        return not self.token or bearer_matches(request, self.token)

    async def get(self, request: Request) -> JSONResponse:
        try:
            if not self._authorised(request):
                raise Rejected(401, "unauthorised")
            if self.store is None:
                raise Rejected(503, "store_not_configured")
            params = dict(request.query_params)
            site, metric = params.get("site", ""), params.get("metric", "load")
            if not _SITE.match(site):
                raise Rejected(400, "bad_site")
            if metric not in METRICS:
                raise Rejected(400, "bad_metric", {"metrics": list(METRICS)})
            equals = {name: params[name] for name in DIMENSIONS if name in params}
            if any(len(value) > 256 for value in equals.values()):
                raise Rejected(400, "bad_filter")
            window = parse_window(params, datetime.now(UTC))
        except Rejected as error:
            return rejection(error, {})
        series = await asyncio.to_thread(
            percentile_series, self.store, Filters(site, equals), metric, window
        )
        return JSONResponse(
            {
                "site": site,
                "metric": metric,
                "unit": "score" if metric == "cls" else "ms",
                "filters": equals,
                "from": window.start.isoformat(),
                "to": window.end.isoformat(),
                "bucket_s": window.bucket_s,
                "series": series,
            },
            headers={"cache-control": "no-store"},
        )
