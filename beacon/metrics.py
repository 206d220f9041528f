"""The collector's Prometheus metrics, in a registry of its own (one per app)."""

from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from beacon.auth import bearer_matches

CONTENT_TYPE = CONTENT_TYPE_LATEST


class CollectorMetrics:
    def __init__(self, buffer_depth: Callable[[], int]) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.dropped = Counter(
            "rum_beacons_dropped", "Beacons not stored, by typed reason", ["reason"], registry=r
        )
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
        self.bucky_lines = Counter(
            "rum_bucky_lines", "Bucky metric lines, by result", ["result"], registry=r
        )
        self.accepted: defaultdict[str, int] = defaultdict(int)
        """Beacons accepted, by site: plain integers, read when the metrics are scraped
        (a prometheus-client counter's labels() and inc() cost 1.3 µs a beacon)."""
        self.accepted_bytes = 0
        r.register(_Accepted(self))

    def count_accepted(self, site: str, nbytes: int) -> None:
        self.accepted[site] += 1
        self.accepted_bytes += nbytes

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


class _Accepted:
    """The accepted counts, as metric families made at each scrape."""

    def __init__(self, metrics: CollectorMetrics) -> None:
        self.metrics = metrics

    def describe(self) -> list[Metric]:
        return []

    def collect(self) -> Iterator[Metric]:
        accepted = CounterMetricFamily("rum_beacons_accepted", "Beacons accepted", labels=["site"])
        for site, count in sorted(self.metrics.accepted.items()):
            accepted.add_metric([site], count)
        yield accepted
        yield CounterMetricFamily(
            "rum_beacon_bytes", "Body bytes of accepted beacons", value=self.metrics.accepted_bytes
        )
