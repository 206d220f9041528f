"""Assembling the processes from settings: collector, pipeline, or both in one."""

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

from clickhouse_connect.driver.client import Client

from beacon.publishers import Publisher
from beacon.publishers.kafka import KafkaPublisher
from beacon.publishers.memory import MemoryPublisher
from beacon.publishers.spool import Spool
from beacon.settings import Settings
from pipeline.batching import Limits
from pipeline.consumer import Pipeline
from pipeline.dead_letters import DeadLetters, KafkaDeadLetters, LoggedDeadLetters
from pipeline.kafka_connection import KafkaConnection
from pipeline.kafka_source import KafkaSource
from pipeline.memory_log import MemoryLog, MemorySource
from pipeline.metrics import PipelineMetrics
from pipeline.settle import settle_forever
from pipeline.sink import ClickHouseSink
from pipeline.source import Source

log = logging.getLogger("rum")

KAFKA = "kafka://"
MEMORY = "memory://"


def kafka_bootstrap(transport: str) -> str | None:
    return transport.removeprefix(KAFKA) if transport.startswith(KAFKA) else None


def kafka_connection(settings: Settings) -> KafkaConnection | None:
    """The Kafka cluster of a kafka:// transport, with its TLS and SASL settings."""
    bootstrap = kafka_bootstrap(settings.transport)
    if bootstrap is None:
        return None
    return KafkaConnection(
        bootstrap,
        settings.kafka_security_protocol,
        settings.kafka_sasl_mechanism,
        settings.kafka_username,
        settings.kafka_password,
        settings.kafka_ca_file,
    )


def check_transport(transport: str) -> None:
    if transport != MEMORY and not kafka_bootstrap(transport):
        raise ValueError(f"unsupported transport {transport!r}: use memory:// or kafka://host:9092")


def limits(settings: Settings) -> Limits:
    return Limits(settings.batch_rows, settings.batch_bytes, settings.batch_wait_ms / 1000)


def spool_of(settings: Settings) -> Spool | None:
    if not settings.spool_dir:
        return None
    return Spool(Path(settings.spool_dir), sync_every_ms=settings.spool_sync_ms)


def kafka_publisher(settings: Settings) -> KafkaPublisher:
    kafka = kafka_connection(settings)
    assert kafka
    # The app factory connects on_delivered to its produce-latency histogram.
    spool = spool_of(settings)
    return KafkaPublisher(
        kafka,
        settings.topic,
        settings.buffer_size,
        drain_timeout_s=settings.drain_timeout_s,
        spool=spool,
    )


class PipelineService:
    """Runs a Pipeline as a task beside the collector app, or on its own."""

    def __init__(self, pipeline: Pipeline, drain: bool) -> None:
        self.pipeline = pipeline
        self.drain = drain
        self.metrics = PipelineMetrics(pipeline)
        self._task: asyncio.Task[None] | None = None
        self._settler: asyncio.Task[None] | None = None
        self._stop_settling = asyncio.Event()

    async def start(self) -> None:
        self._settler = asyncio.create_task(
            settle_forever(lambda: self.pipeline.sink.client, self._stop_settling),
            name="settle",
        )
        self._task = asyncio.create_task(self.pipeline.run(), name="pipeline")
        self._task.add_done_callback(self._report_crash)
        started = asyncio.create_task(self.pipeline.started.wait())
        await asyncio.wait({self._task, started}, return_when=asyncio.FIRST_COMPLETED)
        if self._task.done():
            self._task.result()  # raise its start-up error here

    @property
    def healthy(self) -> bool:
        return self._task is not None and not self._task.done()

    @property
    def ready(self) -> bool:
        """Consuming normally: started, running, and not waiting for the store."""
        pipeline = self.pipeline
        return self.healthy and pipeline.started.is_set() and not pipeline.store_unavailable

    def render_metrics(self) -> bytes:
        return self.metrics.render()

    def _report_crash(self, task: "asyncio.Task[None]") -> None:
        if not task.cancelled() and task.exception() and not self.pipeline.stopping:
            log.critical("pipeline stopped", exc_info=task.exception())

    async def stop(self) -> None:
        self._stop_settling.set()
        self.pipeline.stop(drain=self.drain)
        if self._task:
            await self._task
        if self._settler:
            await self._settler

    async def wait(self) -> None:
        assert self._task
        await self._task


def pipeline_service(
    settings: Settings, store: Client | Callable[[], Client], memory_log: MemoryLog | None = None
) -> PipelineService:
    source: Source
    dead_letters: DeadLetters
    if memory_log is not None:
        source, dead_letters = MemorySource(memory_log), LoggedDeadLetters()
    else:
        kafka = kafka_connection(settings)
        assert kafka
        source = KafkaSource(kafka, settings.topic, settings.consumer_group)
        dead_letters = KafkaDeadLetters(kafka, settings.topic, settings.dead_letter_topic)
    pipeline = Pipeline(
        source,
        ClickHouseSink(store),
        dead_letters,
        limits(settings),
        recent_keys=settings.recent_beacons,
    )
    return PipelineService(pipeline, drain=memory_log is not None)


def memory_transport(settings: Settings) -> tuple[MemoryLog, Spool | None]:
    """The in-process log. With a spool, the log goes on from it: it starts with the
    beacons a killed process had accepted and not written, at their own offsets (their
    sequence numbers), under a topic named by the spool, so the pipeline's intents and
    deduplication tokens from before the kill still match (exactly once)."""
    spool = spool_of(settings)
    if spool is None:
        return MemoryLog(settings.buffer_size), None
    spooled = spool.open()
    first = spooled[0][0] if spooled else spool.next_seq
    if [seq for seq, _, _ in spooled] != list(range(first, first + len(spooled))):
        # Damage cut frames out: number what is left afresh (offsets must be contiguous).
        log.error("spool %s has gaps: its beacons are numbered again", settings.spool_dir)
        spooled = [(spool.append(key, value), key, value) for _, key, value in spooled]
        spool.flush()
        first = spooled[0][0]
        spool.acknowledge(first)
    memory_log = MemoryLog(
        settings.buffer_size, f"memory-{spool.identity}", first, on_commit=spool.acknowledge
    )
    for _, _, value in spooled:
        memory_log.restore(value)
    if spooled:
        log.warning("%d beacons spooled before a restart are written first", len(spooled))
    return memory_log, spool


def publisher_and_pipeline(settings: Settings, store: Client) -> tuple[Publisher, PipelineService]:
    """Both roles in one process: through the in-process log, or through Kafka."""
    if settings.transport == MEMORY:
        memory_log, spool = memory_transport(settings)
        return MemoryPublisher(memory_log, spool), pipeline_service(settings, store, memory_log)
    return kafka_publisher(settings), pipeline_service(settings, store)
