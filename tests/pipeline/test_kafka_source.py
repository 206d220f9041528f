"""The consumer's Kafka side, against the real broker: how far behind it reports it is."""

import uuid

from pipeline.kafka_source import KafkaSource
from tests.support import produce, records_for


async def nothing(partitions: set[int]) -> None:
    pass


async def test_lag_is_what_a_partition_holds_beyond_the_last_commit(kafka, topic, site):
    await produce(kafka, topic, site, records_for(site, 30))  # one key: one partition
    source = KafkaSource(kafka, topic, f"g-{uuid.uuid4().hex[:6]}")
    assert source.lag() == {}  # not started: nothing known, nothing raised
    await source.start(nothing, nothing)
    try:
        messages = []
        for _ in range(50):
            messages += await source.poll(0.5, 100)
            if len(messages) == 30:
                break
        (partition,) = {message.partition for message in messages}
        assert source.lag() == {partition: 30}  # read, but nothing committed
        await source.commit({partition: messages[10].offset})
        assert source.lag() == {partition: 20}
        await source.commit({partition: messages[-1].offset + 1})
        assert source.lag() == {partition: 0}
    finally:
        await source.stop()
