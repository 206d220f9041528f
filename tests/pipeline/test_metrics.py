"""The pipeline's Prometheus metrics, scraped from a pipeline consuming the real broker
into the real engine: what it wrote, what it dead-lettered, how long writes took, how
stale the data is, and how far behind it is."""

import asyncio
import time
import uuid

from prometheus_client.parser import text_string_to_metric_families

from pipeline.batching import Limits
from pipeline.consumer import Pipeline
from pipeline.dead_letters import LoggedDeadLetters
from pipeline.kafka_source import KafkaSource
from pipeline.metrics import PipelineMetrics
from pipeline.sink import ClickHouseSink
from tests.support import produce, records_for


def scraped(metrics: PipelineMetrics) -> dict[tuple[str, tuple], float]:
    """{(sample name, its labels): value} from the text exposition."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(metrics.render().decode())
        for sample in family.samples
    }


async def test_a_scrape_reports_the_rows_written_the_dead_letters_and_no_lag(
    kafka, topic, store, site
):
    await produce(kafka, topic, site, [*records_for(site, 120), b"{not json", b""])
    pipeline = Pipeline(
        KafkaSource(kafka, topic, f"g-{uuid.uuid4().hex[:6]}"),
        ClickHouseSink(store),
        LoggedDeadLetters(),
        Limits(rows=50, bytes=1 << 20, wait_s=0.2),
    )
    metrics = PipelineMetrics(pipeline)
    before = scraped(metrics)
    assert before[("rum_pipeline_rows_written_total", ())] == 0
    assert before[("rum_pipeline_last_write_timestamp_seconds", ())] == 0

    running = asyncio.create_task(pipeline.run())
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        handled = pipeline.stats.rows + pipeline.stats.poison
        if handled == 122 and not any(pipeline.source.lag().values()):
            break  # all written, and committed
        await asyncio.sleep(0.1)
    after = scraped(metrics)
    pipeline.stop()
    await running

    batches = pipeline.stats.batches
    assert after[("rum_pipeline_rows_written_total", ())] == 120
    assert after[("rum_pipeline_batches_written_total", ())] == batches >= 3
    assert after[("rum_pipeline_dead_letters_total", (("reason", "invalid_record"),))] == 1
    assert after[("rum_pipeline_dead_letters_total", (("reason", "empty"),))] == 1
    assert after[("rum_pipeline_write_seconds_count", ())] == batches
    assert 0 < after[("rum_pipeline_write_seconds_sum", ())] < 60
    # Staleness is observed for batches that hold records, from their first one.
    assert 3 <= after[("rum_pipeline_delay_seconds_count", ())] <= batches
    assert after[("rum_pipeline_delay_seconds_sum", ())] > 0
    assert after[("rum_pipeline_store_unavailable", ())] == 0
    assert after[("rum_pipeline_partitions", ())] == 3
    assert time.time() - after[("rum_pipeline_last_write_timestamp_seconds", ())] < 60
    lags = {labels: v for (name, labels), v in after.items() if name == "rum_pipeline_lag_messages"}
    assert lags and set(lags.values()) == {0}
