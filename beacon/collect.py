"""POST /v1/beacon: receive, run the ingestion steps, publish.

`CollectEndpoint` holds the steps of a beacon request (admit, ingest, answer), shared
by its two ways in. The usual beacon comes through the HTTP lane (beacon/http_lane.py),
which calls them from uvicorn's protocol. Every other beacon request (chunked,
oversized, pipelined, or served by a test client) comes through ASGI: a plain ASGI app
that the app factory puts in front of Starlette's routing (see BeaconHotPath), with no
Request object and no middleware, headers read once from the scope and the answer
written as two ASGI messages.
"""

import logging
import time
from collections.abc import Iterable

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from beacon.body import BodyReader
from beacon.clients import Networks, client_ip
from beacon.ingest import Ingestion, Received, Rejected, rate_limited
from beacon.limits import TokenBuckets
from beacon.metrics import CollectorMetrics
from beacon.publishers import Backpressure, Publisher
from beacon.sites import SiteRegistry
from beacon.turns import TurnBatches

log = logging.getLogger("rum.collector")

ACCEPTED_TYPES = ("text/plain", "application/json")
RETRY_AFTER_S = "2"
WANTED_HEADERS = {b"content-type", b"content-length", b"origin", b"user-agent", b"x-forwarded-for"}
_VARY = (b"vary", b"Origin")

Answer = tuple[int, dict[str, object] | None]
"""A status and its JSON content (None: no body)."""


def wanted_headers(pairs: Iterable[tuple[bytes, bytes]]) -> dict[bytes, str]:
    """The request headers the collector reads, from lower-cased ASGI pairs."""
    return {k: v.decode("latin-1") for k, v in pairs if k in WANTED_HEADERS}


def raw_cors_headers(origin: str | None, sites: SiteRegistry) -> list[tuple[bytes, bytes]]:
    """The CORS headers of an answer to `origin`, as ASGI header pairs (the hot path)."""
    raw = [_VARY]
    if origin and sites.knows_origin(origin):
        raw.append((b"access-control-allow-origin", origin.encode("latin-1")))
    return raw


def cors_headers(origin: str | None, sites: SiteRegistry) -> dict[str, str]:
    return {k.decode("latin-1"): v.decode("latin-1") for k, v in raw_cors_headers(origin, sites)}


def rejection(error: Rejected, headers: dict[str, str]) -> Response:
    if error.status == 204:
        return Response(status_code=204, headers=headers)
    return JSONResponse(_error_body(error), status_code=error.status, headers=headers)


def _error_body(error: Rejected) -> dict[str, object]:
    content: dict[str, object] = {"error": error.reason}
    if error.detail is not None:
        content["detail"] = error.detail
    return content


class CollectEndpoint:
    def __init__(
        self,
        ingestion: Ingestion,
        publisher: Publisher,
        metrics: CollectorMetrics,
        body_limit: int,
        ip_limits: TokenBuckets,
        trusted_proxies: Networks = (),
        body_timeout_s: float = 10.0,
    ) -> None:
        self.bodies = BodyReader(body_limit, body_timeout_s)
        self.ingestion = ingestion
        self.publisher = publisher
        self.metrics = metrics
        self.ip_limits = ip_limits
        self.trusted_proxies = trusted_proxies
        self.batches = TurnBatches(self.ingest, settle=self.settle)
        self._unsettled: list[dict[str, object]] = []
        """The records published since the publisher last settled."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = wanted_headers(scope["headers"])
        origin = headers.get(b"origin")
        raw = raw_cors_headers(origin, self.ingestion.sites())
        try:
            status, content = await self._accept(scope, receive, headers, origin)
        except Exception as error:
            status, content = self.refused(error, raw)
        await _respond(send, status, raw, content)

    async def _accept(
        self,
        scope: Scope,
        receive: Receive,
        headers: dict[bytes, str],
        origin: str | None,
    ) -> Answer:
        peer = scope["client"][0] if scope.get("client") else None
        address = self.admit(headers, peer)
        body = await self.bodies.read(receive, headers.get(b"content-length"))
        received = self.received(body, origin, headers, address)
        site = await self.batches.submit(received)
        return self.accepted(site, len(received.body))

    def admit(self, headers: dict[bytes, str], peer: str | None) -> str:
        """The checks made before the body is read: its media type and the client
        address's rate. The client address, or Rejected."""
        media_type = headers.get(b"content-type", "").split(";")[0].strip().lower()
        if media_type not in ACCEPTED_TYPES:
            raise Rejected(415, "unsupported_media_type", {"accepted": list(ACCEPTED_TYPES)})
        address = client_ip(peer, headers.get(b"x-forwarded-for"), self.trusted_proxies)
        if wait := self.ip_limits.take(address, time.monotonic()):
            raise rate_limited("ip", wait)
        return address

    @staticmethod
    def received(
        body: bytes, origin: str | None, headers: dict[bytes, str], address: str
    ) -> Received:
        return Received(
            body, origin, int(time.time() * 1000), headers.get(b"user-agent", ""), address
        )

    def ingest(self, received: Received) -> str:
        """Ingest and publish one beacon (in a run of them, see TurnBatches); its site."""
        if not self.publisher.has_room:
            raise Backpressure
        record = self.ingestion(received)
        site = str(record["site"])
        self.publisher.publish(site.encode(), orjson.dumps(record))
        self._unsettled.append(record)
        return site

    def settle(self) -> None:
        """The publisher's settle, after a run of ingest(): when it refuses the run,
        the run's beacons are forgotten as seen, so that their retries are taken."""
        unsettled, self._unsettled = self._unsettled, []
        try:
            self.publisher.settle()
        except Backpressure:
            self.ingestion.take_back(unsettled)
            raise

    def accepted(self, site: str, nbytes: int) -> Answer:
        self.metrics.count_accepted(site, nbytes)
        return 204, None

    def refused(self, error: BaseException, raw: list[tuple[bytes, bytes]]) -> Answer:
        """The answer to a beacon not taken, counted by reason; a Retry-After joins `raw`
        when trying again later can succeed. An error no step raised on purpose is
        logged and answered 500: never a bare 500 page, and never a lost reason."""
        if isinstance(error, Backpressure):
            self.metrics.dropped.labels("overloaded").inc()
            raw.append((b"retry-after", RETRY_AFTER_S.encode()))
            return 503, {"error": "overloaded"}
        if not isinstance(error, Rejected):
            log.error("beacon handling failed", exc_info=error)
            return 500, {"error": "internal"}
        self.metrics.dropped.labels(error.reason).inc()
        if error.status == 429:
            self.metrics.rate_limited.labels(error.reason.removeprefix("rate_limited_")).inc()
            retry_after = str(error.detail["retry_after"])  # type: ignore[index]
            raw.append((b"retry-after", retry_after.encode()))
        return error.status, None if error.status == 204 else _error_body(error)

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


def encoded(content: dict[str, object] | None, headers: list[tuple[bytes, bytes]]) -> bytes:
    """The body of an answer; its content headers join `headers`."""
    if content is None:
        return b""
    body = orjson.dumps(content)
    headers += [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    return body


async def _respond(
    send: Send, status: int, headers: list[tuple[bytes, bytes]], content: dict[str, object] | None
) -> None:
    body = encoded(content, headers)
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class BeaconHotPath:
    """Serves POST /v1/beacon straight from ASGI, and everything else through the app."""

    def __init__(self, app: ASGIApp, collect: CollectEndpoint, path: str = "/v1/beacon") -> None:
        self.app = app
        self.collect = collect
        self.path = path

    @property
    def routes(self) -> list[BaseRoute]:
        """Every route served: the hot path's, then the app's."""
        return [Route(self.path, self.collect, methods=["POST"]), *getattr(self.app, "routes", [])]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == self.path and scope["method"] == "POST":
            await self.collect(scope, receive, send)
        else:
            await self.app(scope, receive, send)
