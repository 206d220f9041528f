"""The HTTP face of `rum pipeline`, a process that serves no beacons: liveness and
readiness for an orchestrator, and Prometheus metrics for a scraper.

- /healthz: 200 while the pipeline runs (503 once it has stopped: restart it);
- /readyz: 200 while it consumes normally, 503 while it waits for the store;
- /metrics: pipeline/metrics.py.
"""

import asyncio
import contextlib
import socket

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from beacon.metrics import metrics_endpoint
from beacon.runtime import PipelineService


def pipeline_status_app(service: PipelineService, metrics_token: str = "") -> Starlette:
    pipeline = service.pipeline

    async def healthz(request: Request) -> Response:
        running = service.healthy
        return JSONResponse({"status": "ok" if running else "stopped"}, 200 if running else 503)

    async def readyz(request: Request) -> Response:
        ready = service.ready
        return JSONResponse(
            {
                "ready": ready,
                "store": "unavailable" if pipeline.store_unavailable else "ok",
                "partitions": sorted(pipeline.stats.partitions),
                "lag": sum(pipeline.source.lag().values()),
            },
            status_code=200 if ready else 503,
        )

    return Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics_endpoint(service.render_metrics, metrics_token)),
        ]
    )


class StatusPortUnavailable(Exception):
    pass


class StatusServer:
    """A uvicorn server run as a task of the pipeline's own event loop. The pipeline
    handles the signals (it must flush before the process ends), so this server leaves
    them alone and is stopped last."""

    def __init__(self, app: Starlette, host: str, port: int) -> None:
        config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
        self._server = _WithoutSignals(config)
        self._address = (host, port)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Listening on return, or StatusPortUnavailable (bound here: uvicorn would end
        the process on a port in use), before the pipeline has consumed anything."""
        host, port = self._address
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        try:
            listening = socket.create_server(self._address, family=family)
        except OSError as error:
            raise StatusPortUnavailable(
                f"cannot serve the pipeline's status on {host}:{port}: {error.strerror}"
            ) from None
        self._task = asyncio.create_task(self._server.serve([listening]), name="status-server")
        while not self._server.started:
            if self._task.done():
                self._task.result()
                raise RuntimeError("the status server stopped while starting")
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        self._server.should_exit = True
        if self._task:
            await self._task


class _WithoutSignals(uvicorn.Server):
    def capture_signals(self) -> contextlib.AbstractContextManager[None]:
        return contextlib.nullcontext()
