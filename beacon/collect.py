"""POST /v1/beacon: receive, run the ingestion steps, publish."""

import time

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from beacon.body import read_limited
from beacon.clients import Network, client_ip
from beacon.ingest import Ingestion, Received, Rejected, rate_limited
from beacon.limits import TokenBuckets
from beacon.metrics import CollectorMetrics
from beacon.publishers import Backpressure, Publisher
from beacon.sites import SiteRegistry

ACCEPTED_TYPES = ("text/plain", "application/json")
RETRY_AFTER_S = "2"


def cors_headers(origin: str | None, sites: SiteRegistry) -> dict[str, str]:
    if origin and sites.knows_origin(origin):
        return {"access-control-allow-origin": origin, "vary": "Origin"}
    return {"vary": "Origin"}


def rejection(error: Rejected, headers: dict[str, str]) -> Response:
    if error.status == 204:
        return Response(status_code=204, headers=headers)
    content: dict[str, object] = {"error": error.reason}
    if error.detail is not None:
        content["detail"] = error.detail
    return JSONResponse(content, status_code=error.status, headers=headers)


class CollectEndpoint:
    def __init__(
        self,
        ingestion: Ingestion,
        publisher: Publisher,
        metrics: CollectorMetrics,
        body_limit: int,
        ip_limits: TokenBuckets,
        trusted_proxies: tuple[Network, ...] = (),
    ) -> None:
        self.ingestion = ingestion
        self.publisher = publisher
        self.metrics = metrics
        self.body_limit = body_limit
        self.ip_limits = ip_limits
        self.trusted_proxies = trusted_proxies

    async def post(self, request: Request) -> Response:
        headers = request.headers
        origin = headers.get("origin")
        cors = cors_headers(origin, self.ingestion.sites())
        try:
            received = await self._receive(request, origin)
            if not self.publisher.has_room:
                raise Backpressure
            record = self.ingestion(received)
            site = str(record["site"])
            self.publisher.publish(site.encode(), orjson.dumps(record))
        except Rejected as error:
            self.metrics.dropped.labels(error.reason).inc()
            if error.status == 429:
                self.metrics.rate_limited.labels(error.reason.removeprefix("rate_limited_")).inc()
                cors["retry-after"] = str(error.detail["retry_after"])  # type: ignore[index]
            return rejection(error, cors)
        except Backpressure:
            self.metrics.dropped.labels("overloaded").inc()
            cors["retry-after"] = RETRY_AFTER_S
            return JSONResponse({"error": "overloaded"}, status_code=503, headers=cors)
        self.metrics.accepted.labels(site).inc()
        self.metrics.bytes.inc(len(received.body))
        return Response(status_code=204, headers=cors)

    async def _receive(self, request: Request, origin: str | None) -> Received:
        headers = request.headers
        media_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type not in ACCEPTED_TYPES:
            raise Rejected(415, "unsupported_media_type", {"accepted": list(ACCEPTED_TYPES)})
        peer = request.client.host if request.client else None
        address = client_ip(peer, headers.get("x-forwarded-for"), self.trusted_proxies)
        if wait := self.ip_limits.take(address, time.monotonic()):
            raise rate_limited("ip", wait)
        body = await read_limited(request, self.body_limit)
        return Received(
            body, origin, int(time.time() * 1000), headers.get("user-agent", ""), address
        )

    async def preflight(self, request: Request) -> Response:
        origin = request.headers.get("origin")
        sites = self.ingestion.sites()
        if not origin or not sites.knows_origin(origin):
            return JSONResponse({"error": "origin_not_allowed"}, status_code=403)
        return Response(
            status_code=204,
            headers={
                **cors_headers(origin, sites),
                "access-control-allow-methods": "POST",
                "access-control-allow-headers": "content-type",
                "access-control-max-age": "86400",
            },
        )
