"""Pipeline throughput from the real Kafka broker into chdb, one consumer, against its
two ceilings measured in the same run on the same messages: raw aiokafka consumption
(no parsing, no store) and raw clickhouse-connect insertion of the same rows.

Then how its memory grows with work: `rum pipeline` as its own process, consuming the
same messages into a fresh store with batches of 1,000, 10,000 and 50,000 rows; its
peak resident memory (VmHWM) and throughput for each."""

import asyncio
import os
import subprocess
import tempfile
import time
import uuid

import orjson
from aiokafka import AIOKafkaConsumer
from msgspec.structs import replace

from beacon.publishers.kafka import KafkaPublisher
from bench.collector import status_mib
from pipeline.batching import Batch, Limits
from pipeline.consumer import Pipeline
from pipeline.dead_letters import LoggedDeadLetters
from pipeline.decode import decode
from pipeline.gc_thresholds import use_thresholds_for
from pipeline.kafka_source import KafkaSource
from pipeline.migrate import migrate_up
from pipeline.sink import ClickHouseSink
from pipeline.store import open_store
from pipeline.topics import ensure_topics
from tests.support import ROOT, free_port, group_progress, records_for

BEACONS = 200_000
BATCH_ROWS = (1_000, 10_000, 50_000)


async def publish_as_the_collector(kafka: str, topic: str, lines: list[bytes]) -> None:
    """The records as the collector's publisher sends them: a site's waiting beacons
    packed into one Kafka record of up to 256 KiB, in zstd-compressed batches."""
    publisher = KafkaPublisher(kafka, topic, capacity=len(lines))
    await publisher.start()
    for line in lines:
        publisher.publish(b"bench", line)
    await publisher.stop()  # delivers everything first


async def raw_consume(kafka: str, topic: str, expected: int) -> float:
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=kafka, group_id=None, auto_offset_reset="earliest"
    )
    await consumer.start()
    seen, started = 0, time.perf_counter()
    try:
        while seen < expected:
            for records in (await consumer.getmany(timeout_ms=500, max_records=5000)).values():
                seen += sum(r.value.count(b"\n") + 1 for r in records)
    finally:
        await consumer.stop()
    return expected / (time.perf_counter() - started)


def raw_insert(client, lines: list[bytes]) -> float:
    """The same rows, decoded and renamed to their own site beforehand (not timed),
    written by the sink in batches of 10,000."""
    records = [replace(r, site="raw-insert") for line in lines for r in decode(line).records]
    chunks = [records[start : start + 10_000] for start in range(0, len(records), 10_000)]
    sink = ClickHouseSink(client)
    started = time.perf_counter()
    for first, chunk in zip(range(0, len(records), 10_000), chunks, strict=True):
        batch = Batch(0, first, first + len(chunk) - 1, 0, records=chunk)
        sink.write(f"raw-{uuid.uuid4().hex}", batch)
    return len(records) / (time.perf_counter() - started)


def wait_for_merges(client, timeout_s: float = 60.0) -> None:
    """Wait until the engine has no merges running: each measured phase starts from a
    quiet store, not in the wake of the previous phase's inserts."""
    deadline = time.monotonic() + timeout_s
    while client.query("SELECT count() FROM system.merges").result_rows[0][0]:
        if time.monotonic() > deadline:
            break
        time.sleep(0.2)


async def through_pipeline(kafka: str, topic: str, client, expected_rows: int) -> float:
    group = f"bench-{uuid.uuid4().hex[:6]}"
    pipeline = Pipeline(
        KafkaSource(kafka, topic, group),
        ClickHouseSink(client),
        LoggedDeadLetters(),
        Limits(rows=20_000, bytes=32 << 20, wait_s=1.0),
    )
    started = time.perf_counter()
    task = asyncio.create_task(pipeline.run())
    # Progress from the pipeline's own count of stored rows: asking the broker for the
    # group's offsets from this process and loop would take time from the pipeline.
    while pipeline.stats.rows < expected_rows:
        await asyncio.sleep(0.05)
    elapsed = time.perf_counter() - started
    pipeline.stop()
    await task
    return pipeline.stats.rows / elapsed


def pipeline_process(kafka: str, topic: str, batch_rows: int) -> tuple[float, float]:
    """(peak RSS MiB, beacons/s) of `rum pipeline` consuming the topic from the start."""
    folder = tempfile.mkdtemp(prefix="rum-bench-mem-")
    env = {
        **os.environ,
        "RUM_TRANSPORT": f"kafka://{kafka}",
        "RUM_TOPIC": topic,
        "RUM_DEAD_LETTER_TOPIC": f"{topic}.dlq",
        "RUM_CONSUMER_GROUP": f"mem-{uuid.uuid4().hex[:6]}",
        "RUM_STORE": f"chdb://{folder}/ch",
        "RUM_BATCH_ROWS": str(batch_rows),
        "RUM_PIPELINE_PORT": str(free_port()),
    }
    rum = str(ROOT / ".venv" / "bin" / "rum")
    subprocess.run([rum, "migrate"], env=env, cwd=ROOT, check=True, capture_output=True)
    process = subprocess.Popen(
        [rum, "pipeline"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    started = time.perf_counter()
    try:
        group = env["RUM_CONSUMER_GROUP"]
        while (progress := asyncio.run(group_progress(kafka, topic, group)))[0] < progress[1]:
            time.sleep(0.2)
        elapsed = time.perf_counter() - started
        return status_mib(process.pid, "VmHWM"), BEACONS / elapsed
    finally:
        process.terminate()
        process.wait(60)


def run(kafka: str) -> list[tuple[str, float, float | None, str]]:
    # As `rum pipeline` runs; the two ceilings are measured under the same thresholds.
    use_thresholds_for("pipeline")
    topic = f"bench.pipeline.{uuid.uuid4().hex[:8]}"
    asyncio.run(ensure_topics(kafka, {topic: 6}))
    beacons = records_for("bench", BEACONS // 10)
    # 200k beacons from 20k distinct ones: ids differ per copy, so nothing dedups.
    lines = [
        orjson.dumps(
            {**orjson.loads(b), "page_view_id": f"{orjson.loads(b)['page_view_id']}-{copy}"}
        )
        for copy in range(10)
        for b in beacons
    ]
    asyncio.run(publish_as_the_collector(kafka, topic, lines))
    client = open_store(f"chdb://{tempfile.mkdtemp(prefix='rum-bench-pipe-')}")
    migrate_up(client)
    consume = asyncio.run(raw_consume(kafka, topic, len(lines)))
    wait_for_merges(client)
    insert = raw_insert(client, lines)
    wait_for_merges(client)
    ours = asyncio.run(through_pipeline(kafka, topic, client, len(lines)))
    client.close()
    ceiling = min(consume, insert)
    asyncio.run(ensure_topics(kafka, {f"{topic}.dlq": 1}))
    memory = {rows: pipeline_process(kafka, topic, rows) for rows in BATCH_ROWS}
    smallest = memory[BATCH_ROWS[0]][0]
    growth = [
        (
            f"pipeline peak RSS MiB, batches of {rows:,}",
            round(mib, 1),
            round(smallest, 1),
            f"batches of {BATCH_ROWS[0]:,} ({beacons_s:,.0f} beacons/s here)",
        )
        for rows, (mib, beacons_s) in memory.items()
    ]
    return [
        ("pipeline beacons/s", round(ours), round(consume), "raw aiokafka consume"),
        ("pipeline beacons/s", round(ours), round(insert), "raw clickhouse-connect insert"),
        ("pipeline beacons/s", round(ours), round(ceiling), "the slower ceiling (target 0.5)"),
        *growth,
    ]
