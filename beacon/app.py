"""The collector's app factory: everything it uses is passed in."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Protocol

from clickhouse_connect.driver.client import Client
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from beacon.agents import load_rules
from beacon.api import DataApi
from beacon.auth import Access, dashboard_token
from beacon.bucky import BuckyEndpoint
from beacon.clients import parse_networks
from beacon.collect import BeaconHotPath, CollectEndpoint
from beacon.dashboard import DashboardPages
from beacon.geo import CountryLookup
from beacon.ingest import Ingestion
from beacon.limits import TokenBuckets
from beacon.metrics import CollectorMetrics, metrics_endpoint
from beacon.openapi import openapi
from beacon.publishers import Publisher
from beacon.publishers.kafka import KafkaPublisher
from beacon.settings import PACKAGE_DIR, Settings
from beacon.sites import SiteFile, SiteRegistry
from beacon.snippet import SnippetEndpoint
from pipeline.recent import RecentKeys

log = logging.getLogger("rum.collector")


class Service(Protocol):
    """Something that runs beside the app for its lifetime (the pipeline, in one process)."""

    async def start(self) -> None: ...
    async def stop(self) -> None: ...

    @property
    def healthy(self) -> bool: ...

    def render_metrics(self) -> bytes:
        """Its own Prometheus metrics, served with the collector's."""


def create_app(
    settings: Settings,
    *,
    publisher: Publisher,
    sites: SiteRegistry | SiteFile,
    store: Client | Callable[[], Client] | None = None,
    services: Sequence[Service] = (),
    demo: bool = False,
    geo: CountryLookup | None = None,
) -> BeaconHotPath:
    def current_sites() -> SiteRegistry:
        return sites.current if isinstance(sites, SiteFile) else sites

    metrics = CollectorMetrics(lambda: publisher.depth)
    if isinstance(publisher, KafkaPublisher):
        publisher.on_delivered = metrics.publish_seconds.observe
    ingestion = Ingestion(
        current_sites,
        geo=geo,
        recent=RecentKeys(settings.recent_beacons),
        site_limits=TokenBuckets(settings.rate_per_site, 2 * settings.rate_per_site, 10_000),
    )
    trusted = parse_networks(settings.trusted_proxies)
    collect = CollectEndpoint(
        ingestion,
        publisher,
        metrics,
        settings.body_limit,
        ip_limits=TokenBuckets(settings.rate_per_ip, 2 * settings.rate_per_ip),
        trusted_proxies=trusted,
        body_timeout_s=settings.body_timeout_s,
    )
    bucky = BuckyEndpoint(collect)
    bucky_root = settings.bucky_path.rstrip("/")
    snippet = SnippetEndpoint(settings.snippet_path, settings.snippet_max_age)
    access = Access(
        dashboard_token(settings),
        settings.dashboard_session_s,
        secure_cookie=settings.base_url.startswith("https://"),
    )
    api = DataApi(
        store,
        access,
        settings.api_cache_s,
        concurrency=1 if settings.store.startswith("chdb://") else 8,
    )
    dashboard = DashboardPages(PACKAGE_DIR / "static" / "dashboard", access, trusted)

    prometheus = metrics_endpoint(
        lambda: b"".join([metrics.render(), *(s.render_metrics() for s in services)]),
        settings.metrics_token,
    )

    async def reload_sites() -> None:
        while isinstance(sites, SiteFile):
            await asyncio.sleep(settings.sites_reload_s)
            try:
                sites.refresh()
            except OSError as error:
                log.error("site registry %s unreadable: %s", sites.path, error)

    description = openapi(bucky_root)

    async def openapi_json(request: Request) -> Response:
        return JSONResponse(description)

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
        load_rules()
        for service in services:
            await service.start()
        await publisher.start()
        reloader = asyncio.create_task(reload_sites(), name="reload-sites")
        watchdog = asyncio.create_task(collect.bodies.watch(), name="body-deadlines")
        try:
            yield
        finally:
            reloader.cancel()
            watchdog.cancel()
            # Publisher first: what it holds drains into the transport, then the
            # services (the pipeline) drain the transport into the store.
            await publisher.stop()
            for service in reversed(services):
                await service.stop()
            if undelivered := publisher.depth:
                log.error(
                    "stopped with %d beacons undelivered: the spool, if any, delivers "
                    "them at the next start",
                    undelivered,
                )
            else:
                log.info("stopped cleanly: buffers drained")

    async def http_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, HTTPException)
        return JSONResponse({"error": error.detail}, status_code=error.status_code)

    async def server_error(request: Request, error: Exception) -> Response:
        log.exception("unhandled error on %s", request.url.path)
        return JSONResponse({"error": "internal"}, status_code=500)

    routes = [
        Route("/v1/beacon", collect.preflight, methods=["OPTIONS"]),
        Route(f"{bucky_root}/v1/send", bucky.send, methods=["POST"]),
        Route(f"{bucky_root}/v1/send", bucky.preflight, methods=["OPTIONS"]),
        Route(f"{bucky_root}/v1/health-check", bucky.health),
        Route("/rum.js", snippet.get, methods=["GET", "HEAD"]),
        Route("/rum-main.{digest}.js", snippet.get_stage_two, methods=["GET", "HEAD"]),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/metrics", prometheus),
        Route("/openapi.json", openapi_json),
        Route("/api/v1/sites", api.sites),
        Route("/api/v1/{name}", api.answer),
        Route("/dashboard", dashboard.page),
        Route("/dashboard/login", dashboard.login_form, methods=["GET"]),
        Route("/dashboard/login", dashboard.login, methods=["POST"]),
        Route("/dashboard/logout", dashboard.logout, methods=["POST"]),
        Route("/dashboard/assets/{name}", dashboard.asset),
    ]
    if demo:
        routes.append(Route("/demo", demo_page))
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={HTTPException: http_error, Exception: server_error},
    )
    return BeaconHotPath(app, collect)
