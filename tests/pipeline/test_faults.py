"""The pipeline under faults, against the real broker and the real engine: the store
locked by another process, consumers joining and leaving, the process killed with
SIGKILL at random points. Each ends with every record stored exactly once, in the raw
table and in the rollup."""

import asyncio
import random
import signal
import sys
import time
import uuid

from pipeline.batching import Limits
from pipeline.consumer import Pipeline
from pipeline.dead_letters import LoggedDeadLetters
from pipeline.kafka_source import KafkaSource
from pipeline.sink import ClickHouseSink
from tests.support import (
    free_port,
    group_progress,
    pipeline_metric,
    pipeline_status,
    produce,
    query_chdb,
    records_for,
    spawned,
    wait_until,
)

RUM = ".venv/bin/rum"


def pipeline_env(kafka: str, topic: str, group: str, store) -> dict[str, str]:
    return {
        "RUM_TRANSPORT": f"kafka://{kafka}",
        "RUM_TOPIC": topic,
        "RUM_DEAD_LETTER_TOPIC": f"{topic}.dlq",
        "RUM_CONSUMER_GROUP": group,
        "RUM_STORE": f"chdb://{store}",
        "RUM_BATCH_ROWS": "100",
        "RUM_BATCH_WAIT_MS": "200",
        "RUM_LOG_FORMAT": "text",
        "RUM_PIPELINE_PORT": str(free_port()),
    }


def migrate(env: dict[str, str], log) -> None:
    with spawned([RUM, "migrate"], env, log) as process:
        assert process.wait(120) == 0, log.read_text()[-2000:]


def all_committed(kafka: str, topic: str, group: str) -> bool:
    done, total = asyncio.run(group_progress(kafka, topic, group))
    return total > 0 and done == total


def stored_counts(store, site: str) -> tuple[int, int]:
    (raw,) = query_chdb(store, f"SELECT count() AS n FROM rum.page_views WHERE site = '{site}'")
    (rollup,) = query_chdb(
        store, f"SELECT sum(views) AS n FROM rum.vitals_1m WHERE site = '{site}'"
    )
    return int(raw["n"]), int(rollup["n"])


def test_a_store_locked_by_another_process_is_waited_for_reported_and_nothing_committed(
    kafka, topic, tmp_path, site
):
    store, group, log = tmp_path / "ch", f"g-{uuid.uuid4().hex[:6]}", tmp_path / "run.log"
    env = pipeline_env(kafka, topic, group, store)
    migrate(env, log)
    asyncio.run(produce(kafka, topic, site, records_for(site, 500)))
    holder = (
        "import sys, time; from pipeline.store import open_store; c = open_store(sys.argv[1]); "
        "c.query('SELECT count() FROM rum.page_views'); "  # using the engine takes the lock
        "print('holding', flush=True); time.sleep(120)"
    )
    with spawned(
        [sys.executable, "-c", holder, f"chdb://{store}"], {}, tmp_path / "holder.log"
    ) as holder_process:
        wait_until(lambda: "holding" in (tmp_path / "holder.log").read_text(), 30, message="lock")
        with spawned([RUM, "pipeline"], env, log) as pipeline:
            wait_until(lambda: "store unavailable" in log.read_text(), 30, message="retries")
            outage_ends = time.monotonic() + 30  # the store stays unavailable for 30 s
            time.sleep(10)
            asyncio.run(produce(kafka, topic, site, records_for(f"{site}", 1000)[500:]))
            time.sleep(max(0, outage_ends - time.monotonic()))
            assert pipeline.poll() is None, "the pipeline gave up"
            assert asyncio.run(group_progress(kafka, topic, group))[0] == 0  # nothing committed
            # Operators see it: alive, not ready, the store unavailable, nothing written.
            assert pipeline_status(env, "/healthz").status_code == 200
            unready = pipeline_status(env, "/readyz")
            assert unready.status_code == 503 and unready.json()["store"] == "unavailable"
            assert pipeline_metric(env, "rum_pipeline_store_unavailable") == 1
            assert pipeline_metric(env, "rum_pipeline_store_retries_total") >= 1
            assert pipeline_metric(env, "rum_pipeline_rows_written_total") == 0
            holder_process.send_signal(signal.SIGTERM)
            holder_process.wait(30)
            wait_until(lambda: all_committed(kafka, topic, group), 60, message="commits")
            ready = pipeline_status(env, "/readyz")
            assert ready.status_code == 200 and ready.json()["store"] == "ok"
            assert pipeline_metric(env, "rum_pipeline_store_unavailable") == 0
            assert pipeline_metric(env, "rum_pipeline_rows_written_total") == 1000
            assert pipeline_metric(env, "rum_pipeline_lag_messages") == 0
            pipeline.send_signal(signal.SIGTERM)
            assert pipeline.wait(60) == 0
    assert stored_counts(store, site) == (1000, 1000)


def test_sigkill_at_random_points_neither_loses_nor_doubles(kafka, topic, tmp_path, site):
    store, group, log = tmp_path / "ch", f"g-{uuid.uuid4().hex[:6]}", tmp_path / "run.log"
    env = pipeline_env(kafka, topic, group, store)
    migrate(env, log)
    total = 15_000
    asyncio.run(produce(kafka, topic, site, records_for(site, total)))
    rng = random.Random(11)
    for _ in range(3):
        with spawned([RUM, "pipeline"], env, log) as pipeline:
            time.sleep(rng.uniform(1.8, 3.0))  # start-up takes about 1.5 s; kill mid-stream
            pipeline.send_signal(signal.SIGKILL)
            pipeline.wait(10)
    done, _ = asyncio.run(group_progress(kafka, topic, group))
    assert done < total, "the kills came too late to interrupt anything"
    with spawned([RUM, "pipeline"], env, log) as pipeline:
        wait_until(lambda: all_committed(kafka, topic, group), 90, message="commits")
        pipeline.send_signal(signal.SIGTERM)
        assert pipeline.wait(60) == 0
    assert stored_counts(store, site) == (total, total)


async def test_consumers_joining_and_leaving_split_the_work_with_no_loss_or_double(
    kafka, topic, store, site
):
    group = f"g-{uuid.uuid4().hex[:6]}"
    records = records_for(site, 1_500)

    def member() -> Pipeline:
        return Pipeline(
            KafkaSource(kafka, topic, group),
            ClickHouseSink(store),
            LoggedDeadLetters(),
            Limits(rows=50, bytes=1 << 20, wait_s=0.2),
        )

    async def trickle() -> None:
        for start in range(0, len(records), 100):
            await produce(kafka, topic, site, records[start : start + 100])
            await asyncio.sleep(0.3)

    first, second, third = member(), member(), member()
    producing = asyncio.create_task(trickle())
    running = [asyncio.create_task(first.run())]
    await asyncio.sleep(1.5)
    running.append(asyncio.create_task(second.run()))  # joins: a rebalance
    await asyncio.sleep(1.5)
    running.append(asyncio.create_task(third.run()))  # joins: another
    await asyncio.sleep(1.5)
    first.stop()  # leaves: its partitions move
    await running[0]
    await producing

    def stored() -> int:
        return store.query(
            "SELECT count() FROM rum.page_views WHERE site = {s:String}", parameters={"s": site}
        ).result_rows[0][0]

    deadline = time.monotonic() + 60
    while stored() < len(records) and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    await asyncio.sleep(1)  # anything doubled would land within a batch wait
    second.stop()
    third.stop()
    await asyncio.gather(*running[1:])
    assert stored() == len(records)
    views = store.query(
        "SELECT sum(views) FROM rum.vitals_1m WHERE site = {s:String}", parameters={"s": site}
    ).result_rows[0][0]
    assert views == len(records)
    assert second.stats.rows + third.stats.rows > 0 and first.stats.rows > 0
