"""The pipeline against the real Kafka broker and the real ClickHouse engine (chdb)."""

import asyncio
import json
import time
import uuid
from datetime import UTC, datetime

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.structs import TopicPartition
from pydantic.alias_generators import to_camel
from starlette.testclient import TestClient

from beacon.app import create_app
from beacon.publishers.kafka import KafkaPublisher
from beacon.settings import Settings
from beacon.sites import Site, SiteRegistry
from pipeline.batching import Batch
from pipeline.consumer import Pipeline
from pipeline.dead_letters import LoggedDeadLetters
from pipeline.kafka_source import KafkaSource
from pipeline.queries import Filters, Window, percentile_series
from pipeline.records import NAVIGATION_TIMINGS
from pipeline.sink import ClickHouseSink
from tests.support import (
    FAST,
    count_rows,
    dead_lettered,
    make_beacon,
    new_pipeline,
    produce,
    records_for,
    rollup_views,
    run_until_stored,
    wait_for_rows,
)


async def committed(kafka: str, topic: str, group: str) -> dict[int, int | None]:
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        return {p: await consumer.committed(TopicPartition(topic, p)) for p in range(3)}
    finally:
        await consumer.stop()


def test_beacons_posted_to_the_collector_come_out_of_clickhouse_unchanged(
    kafka, topic, store, site
):
    sites = SiteRegistry([Site(site, frozenset({"https://shop.example"}))])
    publisher = KafkaPublisher(kafka, topic, capacity=1_000)
    app = create_app(Settings(), publisher=publisher, sites=sites)
    beacons = [make_beacon(site, id=f"pv-{site}-{i:03d}") for i in range(25)]
    with TestClient(app) as client:  # leaving it stops the publisher, which drains
        for beacon in beacons:
            response = client.post(
                "/v1/beacon",
                content=json.dumps(beacon),
                headers={"content-type": "text/plain", "origin": "https://shop.example"},
            )
            assert response.status_code == 204

    async def consume():
        pipeline = new_pipeline(kafka, topic, f"g-{uuid.uuid4().hex[:6]}", ClickHouseSink(store))
        task = asyncio.create_task(pipeline.run())
        await wait_for_rows(store, site, len(beacons))
        pipeline.stop()
        await task

    asyncio.run(consume())
    rows = store.query(
        "SELECT * FROM rum.page_views WHERE site = {s:String} ORDER BY page_view_id",
        parameters={"s": site},
    ).named_results()
    for beacon, row in zip(beacons, rows, strict=True):
        assert row["page_view_id"] == beacon["id"]
        assert row["url"] == "https://shop.example/products/42"
        assert row["route"] == "/products/:id"
        assert row["navigation_type"] == beacon["nav"]["type"]
        assert row["fcp"] == pytest.approx(beacon["fcp"], abs=0.01)
        for field in NAVIGATION_TIMINGS:
            sent = beacon["nav"][to_camel(field)]
            assert row[field] == (sent if isinstance(sent, str) else pytest.approx(sent, abs=0.01))


class Crash(BaseException):
    """Stands for the process dying: not an Exception, so nothing retries it."""


class CrashAfterFirstWrite(ClickHouseSink):
    def __init__(self, store) -> None:
        super().__init__(store)
        self.crashed_batch: Batch | None = None

    def write(self, topic: str, batch: Batch) -> None:
        super().write(topic, batch)
        if self.crashed_batch is None:
            self.crashed_batch = batch
            raise Crash


async def test_a_consumer_dying_between_insert_and_commit_is_replayed_not_lost_or_doubled(
    kafka, topic, store, site
):
    group = f"g-{uuid.uuid4().hex[:6]}"
    values = records_for(site, 90)
    await produce(kafka, topic, site, values)

    dying = CrashAfterFirstWrite(store)
    first = new_pipeline(kafka, topic, group, dying)
    with pytest.raises(Crash):
        await first.run()
    crashed = dying.crashed_batch
    assert crashed is not None and crashed.records
    # The batch was inserted, yet its offsets were never committed.
    assert count_rows(store, site) >= len(crashed.records)
    offsets = await committed(kafka, topic, group)
    assert offsets[crashed.partition] in (None, crashed.first_offset)

    second = new_pipeline(kafka, topic, group, ClickHouseSink(store))
    task = asyncio.create_task(second.run())
    await wait_for_rows(store, site, len(values))
    await asyncio.sleep(1.0)  # anything doubled would arrive within a batch wait
    second.stop()
    await task

    assert second.stats.replays >= 1
    assert count_rows(store, site) == len(values)
    assert rollup_views(store, site) == len(values)
    now = time.time()
    window = Window(
        datetime.fromtimestamp(now - 3600, UTC), datetime.fromtimestamp(now + 60, UTC), 3600
    )
    series = percentile_series(store, Filters(site), "load", window)
    assert sum(point["views"] for point in series) == len(values)


async def test_poison_goes_to_the_dead_letter_topic_and_the_partition_moves_on(
    kafka, topic, store, site
):
    group = f"g-{uuid.uuid4().hex[:6]}"
    good = records_for(site, 2)
    await produce(kafka, topic, site, [good[0], b"{not json", good[1]])
    pipeline = await run_until_stored(kafka, topic, group, store, site, 2)

    (message,) = await dead_lettered(kafka, f"{topic}.dlq")
    headers = dict(message.headers)
    assert message.value == b"{not json"
    assert headers["reason"].decode().startswith("invalid_record")
    assert headers["source"].decode().startswith(f"{topic}/")
    assert pipeline.stats.poison == 1
    partition = int(headers["source"].decode().split("/")[1])
    assert (await committed(kafka, topic, group))[partition] == 3


async def test_a_bad_line_in_a_packed_message_is_dead_lettered_alone(kafka, topic, store, site):
    """The collector packs many beacons into one message: a line the pipeline cannot
    store goes to the dead letters by itself, and the lines beside it are stored."""
    group = f"g-{uuid.uuid4().hex[:6]}"
    good = records_for(site, 4)
    packed = b"\n".join([good[0], good[1], b"{not json", good[2], good[3]])
    await produce(kafka, topic, site, [packed])
    await run_until_stored(kafka, topic, group, store, site, 4)

    (message,) = await dead_lettered(kafka, f"{topic}.dlq")
    headers = dict(message.headers)
    assert message.value == b"{not json"
    assert headers["reason"].decode().endswith("(1 of 5 lines)")
    partition = int(headers["source"].decode().split("/")[1])
    assert headers["source"].decode() == f"{topic}/{partition}/0"
    assert count_rows(store, site) == 4 == rollup_views(store, site)
    assert (await committed(kafka, topic, group))[partition] == 1


async def test_a_page_view_the_producer_sent_twice_is_stored_once(kafka, topic, store, site):
    """A producer that re-sends a record the broker stored but never acknowledged
    (the broker died in between) puts it at two offsets; one row results."""
    messages = records_for(site, 30)
    await produce(kafka, topic, site, messages + messages[5:12])
    pipeline = new_pipeline(kafka, topic, f"g-{uuid.uuid4().hex[:6]}", ClickHouseSink(store))
    task = asyncio.create_task(pipeline.run())
    try:
        await wait_for_rows(store, site, 30)
        await asyncio.sleep(1)  # time for a double to arrive, if any would
        assert count_rows(store, site) == 30 == rollup_views(store, site)
        assert pipeline.stats.duplicates == 7
    finally:
        pipeline.stop()
        await task


async def test_a_page_view_sent_again_after_the_pipeline_restarted_is_stored_once(
    kafka, topic, store, site
):
    """The second copy of a re-sent record can arrive after the pipeline that consumed
    the first has gone: a restart, or another member taking the partition over. The
    filter then knows the page view from the store."""
    group = f"g-{uuid.uuid4().hex[:6]}"
    messages = records_for(site, 30)
    await produce(kafka, topic, site, messages)
    first = new_pipeline(kafka, topic, group, ClickHouseSink(store))
    task = asyncio.create_task(first.run())
    await wait_for_rows(store, site, 30)
    first.stop()
    await task

    await produce(kafka, topic, site, messages[5:12])  # the collector's spool, re-sent
    second = new_pipeline(kafka, topic, group, ClickHouseSink(store))
    task = asyncio.create_task(second.run())
    try:
        await wait_until_committed(kafka, topic, group, 37)
    finally:
        second.stop()
        await task
    assert count_rows(store, site) == 30 == rollup_views(store, site)
    assert second.stats.duplicates == 7 and second.stats.rows == 0


class CrashAfterPageViews(ClickHouseSink):
    """Dies after its first batch's page views were inserted, before their child rows."""

    def __init__(self, store) -> None:
        super().__init__(store)
        self.crashed = False

    def _insert(self, table, columns, data, settings=None) -> None:
        super()._insert(table, columns, data, settings)
        if table == "page_views" and not self.crashed:
            self.crashed = True
            raise Crash


async def test_a_batch_half_written_before_a_crash_is_completed_by_the_next_owner(
    kafka, topic, store, site
):
    """Its page views are in the store, so the next owner's filter knows them; yet the
    batch is rebuilt whole, and its missing child rows are written."""
    group = f"g-{uuid.uuid4().hex[:6]}"
    values = records_for(site, 60, st=[{"n": "db", "d": 12.5}, {"n": "render", "d": 30.0}])
    await produce(kafka, topic, site, values)
    dying = CrashAfterPageViews(store)
    with pytest.raises(Crash):
        await new_pipeline(kafka, topic, group, dying).run()
    assert count_rows(store, site) > 0 and server_timing_rows(store, site) == 0

    second = new_pipeline(kafka, topic, group, ClickHouseSink(store))
    task = asyncio.create_task(second.run())
    try:
        await wait_until_committed(kafka, topic, group, len(values))
    finally:
        second.stop()
        await task
    assert second.stats.replays == 1 and second.stats.duplicates == 0
    assert count_rows(store, site) == len(values) == rollup_views(store, site)
    assert server_timing_rows(store, site) == 2 * len(values)


def server_timing_rows(store, site: str) -> int:
    return store.query(
        "SELECT count() FROM rum.server_timings WHERE site = {s:String}", parameters={"s": site}
    ).result_rows[0][0]


async def wait_until_committed(kafka: str, topic: str, group: str, count: int) -> None:
    """Until the group has committed `count` offsets in all (every message is dealt with)."""
    deadline = time.monotonic() + 30
    while (done := sum(o or 0 for o in (await committed(kafka, topic, group)).values())) < count:
        assert time.monotonic() < deadline, f"{done} of {count} offsets committed after 30s"
        await asyncio.sleep(0.2)


class CountingSource(KafkaSource):
    def __init__(self, *args) -> None:
        super().__init__(*args)
        self.largest_poll = 0

    async def poll(self, timeout_s: float, max_records: int):
        messages = await super().poll(timeout_s, max_records)
        self.largest_poll = max(self.largest_poll, len(messages))
        return messages


async def test_a_backlog_is_read_a_bounded_number_of_records_at_a_time(kafka, topic, store, site):
    values = records_for(site, 250)  # one beacon a record: the bound is on records
    await produce(kafka, topic, site, values)
    source = CountingSource(kafka, topic, f"g-{uuid.uuid4().hex[:6]}")
    pipeline = Pipeline(source, ClickHouseSink(store), LoggedDeadLetters(), FAST)
    task = asyncio.create_task(pipeline.run())
    try:
        await wait_for_rows(store, site, 250)
    finally:
        pipeline.stop()
        await task
    assert pipeline.max_poll_records == KafkaSource.poll_limit == 100
    assert source.largest_poll == 100  # the backlog was there to take more
