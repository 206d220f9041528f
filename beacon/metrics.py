"""The collector's Prometheus metrics, in a registry of its own (one per app)."""

from collections.abc import Awaitable, Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from beacon.auth import bearer_matches

CONTENT_TYPE = CONTENT_TYPE_LATEST


class CollectorMetrics:
    def __init__(self, buffer_depth: Callable[[], int]) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.accepted = Counter("rum_beacons_accepted", "Beacons accepted", ["site"], registry=r)
        self.dropped = Counter(
            "rum_beacons_dropped", "Beacons not stored, by typed reason", ["reason"], registry=r
        )
        self.bytes = Counter("rum_beacon_bytes", "Body bytes of accepted beacons", registry=r)
        self.rate_limited = Counter(
            "rum_rate_limited", "Requests refused with 429", ["scope"], registry=r
        )
        self.publish_seconds = Histogram(
            "rum_publish_seconds",
            "From a beacon's acceptance to the broker's acknowledgement",
            buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=r,
        )
        self.buffer = Gauge(
            "rum_publisher_buffer", "Beacons accepted but not yet delivered", registry=r
        )
        self.buffer.set_function(buffer_depth)
        self._accepted: dict[str, Counter] = {}
        self.bucky_lines = Counter(
            "rum_bucky_lines", "Bucky metric lines, by result", ["result"], registry=r
        )

    def count_accepted(self, site: str, nbytes: int) -> None:
        """Counted on every beacon: the per-site child is looked up once per site
        (prometheus-client's labels() costs more than the increment)."""
        child = self._accepted.get(site)
        if child is None:
            child = self._accepted[site] = self.accepted.labels(site)
        child.inc()
        self.bytes.inc(nbytes)

    def render(self) -> bytes:
        return generate_latest(self.registry)


def metrics_endpoint(
    render: Callable[[], bytes], token: str
) -> Callable[[Request], Awaitable[Response]]:
    """GET /metrics: what `render` gives, in Prometheus' text format; behind a bearer
    token when one is set (RUM_METRICS_TOKEN)."""

    async def endpoint(request: Request) -> Response:
        if token and not bearer_matches(request, token):
            return JSONResponse({"error": "unauthorised"}, status_code=401)
        return Response(render(), media_type=CONTENT_TYPE)

    return endpoint
