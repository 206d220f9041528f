"""The consumer's Kafka side, against the real broker: how far behind it reports it is."""

import uuid

from aiokafka import AIOKafkaProducer

from pipeline.kafka_source import KafkaSource
from tests.support import produce, records_for


async def nothing(partitions: set[int]) -> None:
    pass


async def read(source: KafkaSource, count: int) -> list:
    """Poll until `count` messages came (or give up after 25 s)."""
    messages = []
    for _ in range(50):
        messages += await source.poll(0.5, 100)
        if len(messages) >= count:
            break
    return messages


async def test_lag_is_what_a_partition_holds_beyond_the_last_commit(kafka, topic, site):
    await produce(kafka, topic, site, records_for(site, 30))  # one key: one partition
    source = KafkaSource(kafka, topic, f"g-{uuid.uuid4().hex[:6]}")
    assert source.lag() == {}  # not started: nothing known, nothing raised
    await source.start(nothing, nothing)
    try:
        messages = await read(source, 30)
        (partition,) = {message.partition for message in messages}
        assert source.lag() == {partition: 30}  # read, but nothing committed
        await source.commit({partition: messages[10].offset})
        assert source.lag() == {partition: 20}
        await source.commit({partition: messages[-1].offset + 1})
        assert source.lag() == {partition: 0}
    finally:
        await source.stop()


async def test_the_lag_of_a_partition_with_nothing_new_is_known_as_soon_as_it_is_fetched(
    kafka, topic, site
):
    await produce(kafka, topic, site, records_for(site, 5))
    group = f"g-{uuid.uuid4().hex[:6]}"
    first = KafkaSource(kafka, topic, group)
    await first.start(nothing, nothing)
    try:
        messages = await read(first, 5)
        partition = messages[0].partition
        await first.commit({partition: messages[-1].offset + 1})
    finally:
        await first.stop()

    later = KafkaSource(kafka, topic, group)  # the next member of the group
    await later.start(nothing, nothing)
    try:
        for _ in range(10):
            assert await later.poll(0.5, 100) == []  # nothing new to read
            if partition in later.lag():
                break
        assert later.lag()[partition] == 0
    finally:
        await later.stop()


async def test_a_transactions_marker_is_not_lag(kafka, topic, site):
    # A dead-letter replay sends its chunks in transactions; each one ends with a
    # marker, an offset that holds no message.
    producer = AIOKafkaProducer(bootstrap_servers=kafka, transactional_id=uuid.uuid4().hex)
    await producer.start()
    try:
        async with producer.transaction():
            for value in records_for(site, 5):
                await producer.send(topic, value, key=site.encode())
    finally:
        await producer.stop()
    source = KafkaSource(kafka, topic, f"g-{uuid.uuid4().hex[:6]}")
    await source.start(nothing, nothing)
    try:
        messages = await read(source, 5)
        partition = messages[0].partition
        assert source.lag() == {partition: 6}  # read, not committed: the marker too, until then
        await source.commit({partition: messages[-1].offset + 1})
        for _ in range(10):  # until a poll has passed over the marker
            await source.poll(0.5, 100)
            if source.lag() == {partition: 0}:
                break
        assert source.lag() == {partition: 0}
    finally:
        await source.stop()
