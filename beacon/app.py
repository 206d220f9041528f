"""The collector's app factory: everything it uses is passed in."""

import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from typing import Protocol

from clickhouse_connect.driver.client import Client
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from beacon.api import PercentilesEndpoint
from beacon.collect import CollectEndpoint
from beacon.publishers import Publisher
from beacon.settings import PACKAGE_DIR, Settings
from beacon.sites import SiteRegistry
from beacon.snippet import SnippetEndpoint

log = logging.getLogger("rum.collector")


class Service(Protocol):
    """Something that runs beside the app for its lifetime (the pipeline, in one process)."""

    async def start(self) -> None: ...
    async def stop(self) -> None: ...

    @property
    def healthy(self) -> bool: ...


def create_app(
    settings: Settings,
    *,
    publisher: Publisher,
    sites: SiteRegistry,
    store: Client | None = None,
    services: Sequence[Service] = (),
    demo: bool = False,
) -> Starlette:
    collect = CollectEndpoint(sites, publisher, settings.body_limit)
    snippet = SnippetEndpoint(settings.snippet_path, settings.snippet_max_age)
    percentiles = PercentilesEndpoint(store, settings.api_token)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        services_ok = all(service.healthy for service in services)
        ready = publisher.ready and services_ok
        return JSONResponse(
            {"ready": ready, "buffered": publisher.depth, "services": services_ok},
            status_code=200 if ready else 503,
        )

    async def demo_page(request: Request) -> Response:
        return FileResponse(
            PACKAGE_DIR / "static" / "demo.html", headers={"cache-control": "no-store"}
        )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        for service in services:
            await service.start()
        await publisher.start()
        try:
            yield
        finally:
            # Publisher first: what it holds drains into the transport, then the
            # services (the pipeline) drain the transport into the store.
            await publisher.stop()
            for service in reversed(services):
                await service.stop()
            log.info("stopped cleanly: buffers drained")

    async def http_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, HTTPException)
        return JSONResponse({"error": error.detail}, status_code=error.status_code)

    async def server_error(request: Request, error: Exception) -> Response:
        log.exception("unhandled error on %s", request.url.path)
        return JSONResponse({"error": "internal"}, status_code=500)

    routes = [
        Route("/v1/beacon", collect.post, methods=["POST"]),
        Route("/v1/beacon", collect.preflight, methods=["OPTIONS"]),
        Route("/rum.js", snippet.get, methods=["GET", "HEAD"]),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/api/v1/percentiles", percentiles.get),
    ]
    if demo:
        routes.append(Route("/demo", demo_page))
    return Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={HTTPException: http_error, Exception: server_error},
    )
