"""The pipeline's Prometheus metrics, in a registry of its own (one per pipeline).

The counts are the pipeline's own plain integers (`Stats`), read when the metrics are
scraped, so the hot path pays nothing for them; only each written batch is observed
as it happens.
"""

import time
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from pipeline.batching import Batch
from pipeline.consumer import Pipeline


class PipelineMetrics:
    def __init__(self, pipeline: Pipeline) -> None:
        self.registry = CollectorRegistry()
        self.write_seconds = Histogram(
            "rum_pipeline_write_seconds",
            "Time to write one batch to the store (its intent and inserts), retries included",
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
            registry=self.registry,
        )
        self.delay_seconds = Histogram(
            "rum_pipeline_delay_seconds",
            "From the collector's acceptance of a batch's first record to the end of its "
            "write: how stale the dashboards are",
            buckets=(0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600, 4 * 3600),
            registry=self.registry,
        )
        self.registry.register(_Counts(pipeline))
        pipeline.on_written = self.observe_write

    def observe_write(self, batch: Batch, seconds: float) -> None:
        self.write_seconds.observe(seconds)
        if batch.records:  # records arrive in acceptance order: the first is the oldest
            self.delay_seconds.observe(max(0.0, time.time() - batch.records[0].received_at / 1000))

    def render(self) -> bytes:
        return generate_latest(self.registry)


class _Counts:
    """The pipeline's counts and state, as metric families made at each scrape."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline

    def describe(self) -> list[Metric]:
        return []  # nothing to check at registration; collect() needs a started source

    def collect(self) -> Iterator[Metric]:
        stats = self.pipeline.stats
        counts = (
            ("rows_written", "Records written to the store", stats.rows),
            ("batches_written", "Batches written to the store and committed", stats.batches),
            ("duplicates_dropped", "Page views already consumed or stored", stats.duplicates),
            ("replays", "Batches rebuilt from a recorded intent after a restart", stats.replays),
            ("store_retries", "Failed reads or writes of the store, retried", stats.retries),
        )
        for name, text, value in counts:
            yield CounterMetricFamily(f"rum_pipeline_{name}", text, value=value)
        dead = CounterMetricFamily(
            "rum_pipeline_dead_letters", "Messages sent to the dead-letter topic", labels=["reason"]
        )
        for reason, count in sorted(stats.dead_letters.items()):
            dead.add_metric([reason], count)
        yield dead
        yield GaugeMetricFamily(
            "rum_pipeline_store_unavailable",
            "1 while the pipeline waits for the store to come back (fetching is paused)",
            value=int(self.pipeline.store_unavailable),
        )
        yield GaugeMetricFamily(
            "rum_pipeline_partitions", "Partitions this member owns", value=len(stats.partitions)
        )
        yield GaugeMetricFamily(
            "rum_pipeline_last_write_timestamp_seconds",
            "When a batch was last written (0 before the first)",
            value=stats.written_at,
        )
        lag = GaugeMetricFamily(
            "rum_pipeline_lag_messages",
            "Messages of a partition not yet committed (as of the last fetch)",
            labels=["partition"],
        )
        for partition, behind in sorted(self.pipeline.source.lag().items()):
            lag.add_metric([str(partition)], behind)
        yield lag
