"""The collector against the real Kafka broker: nothing it answered 204 for is lost,
whether the broker is unreachable or the collector is stopped under load."""

import asyncio
import json
import signal
import time
import uuid

import httpx
import pytest
from aiokafka import AIOKafkaConsumer

from beacon.publishers import Backpressure
from beacon.publishers.kafka import RECORD_BYTES, KafkaPublisher, pack
from tests.support import free_port, make_beacon, running


async def consume_all(kafka: str, topic: str, quiet_s: float = 3.0) -> list[bytes]:
    """Every beacon on the topic (records hold one per line), read until quiet."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=kafka, group_id=None, auto_offset_reset="earliest"
    )
    await consumer.start()
    values: list[bytes] = []
    try:
        last = time.monotonic()
        while time.monotonic() - last < quiet_s:
            batch = await consumer.getmany(timeout_ms=500)
            for records in batch.values():
                values += [line for r in records for line in r.value.splitlines()]
                last = time.monotonic()
    finally:
        await consumer.stop()
    return values


async def test_an_unreachable_broker_fills_the_buffer_then_answers_backpressure():
    dead = f"127.0.0.1:{free_port()}"
    publisher = KafkaPublisher(dead, "never", capacity=3)
    await publisher.start()
    try:
        for _ in range(3):
            publisher.publish(b"k", b"v")
        with pytest.raises(Backpressure):
            publisher.publish(b"k", b"v")
        assert not publisher.ready and publisher.depth == 3
    finally:
        publisher.drain_timeout_s = 0.5
        await publisher.stop()


def test_waiting_beacons_travel_packed_per_site_within_the_record_size():
    items = [(b"a", b"x" * 100_000, 0.0)] * 5 + [(b"b", b"small", 0.0)]
    records = pack(items)
    assert [(key, len(group)) for key, _, group in records] == [
        (b"a", 2),
        (b"a", 2),
        (b"a", 1),
        (b"b", 1),
    ]
    assert all(len(value) <= RECORD_BYTES for _, value, _ in records)
    assert records[0][1] == b"x" * 100_000 + b"\n" + b"x" * 100_000


async def test_buffered_beacons_are_delivered_once_the_broker_answers(kafka, topic):
    delivered: list[float] = []
    publisher = KafkaPublisher(kafka, topic, capacity=1000, on_delivered=delivered.append)
    for i in range(50):  # accepted before the producer even connected
        publisher.publish(b"site", f"beacon-{i}".encode())
    await publisher.start()
    await publisher.stop()
    assert sorted(await consume_all(kafka, topic)) == sorted(
        f"beacon-{i}".encode() for i in range(50)
    )


def test_sigterm_under_load_loses_no_beacon_that_was_answered_204(kafka, topic, tmp_path):
    (tmp_path / "sites.toml").write_text('[sites.load]\norigins = ["*"]\ncount_bots = true\n')
    env = {
        "RUM_TRANSPORT": f"kafka://{kafka}",
        "RUM_TOPIC": topic,
        "RUM_SITES_FILE": str(tmp_path / "sites.toml"),
        "RUM_RATE_PER_IP": "1000000",
        "RUM_RATE_PER_SITE": "1000000",
    }
    accepted: list[str] = []
    with running([".venv/bin/rum", "collector"], env, tmp_path / "collector.log") as collector:

        async def load() -> None:
            deadline = time.monotonic() + 4
            stop_at = time.monotonic() + 1.5

            async def sender(client: httpx.AsyncClient) -> None:
                while time.monotonic() < deadline:
                    beacon = make_beacon("load", id=f"pv{uuid.uuid4().hex[:20]}")
                    try:
                        response = await client.post(
                            f"{collector.url}/v1/beacon",
                            content=json.dumps(beacon),
                            headers={"content-type": "text/plain"},
                        )
                    except httpx.HTTPError:
                        await asyncio.sleep(0.01)  # refused: the collector is going away
                        continue
                    if response.status_code == 204:
                        accepted.append(beacon["id"])

            async with httpx.AsyncClient(timeout=5) as client:
                senders = [asyncio.create_task(sender(client)) for _ in range(16)]
                await asyncio.sleep(max(0, stop_at - time.monotonic()))
                collector.process.send_signal(signal.SIGTERM)
                await asyncio.gather(*senders)

        asyncio.run(load())
        assert collector.stopped_cleanly()

    published = asyncio.run(consume_all(kafka, topic))
    ids = [json.loads(value)["page_view_id"] for value in published]
    assert len(accepted) > 100
    assert sorted(ids) == sorted(accepted)  # every 204 is in Kafka, exactly once
