"""The consumer's Kafka side: a group member that never auto-commits."""

import asyncio
import contextlib

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import IllegalStateError

from pipeline.kafka_connection import KafkaConnection, connection
from pipeline.source import Message, PartitionsChanged


class _Listener(ConsumerRebalanceListener):
    def __init__(self, on_assigned: PartitionsChanged, on_revoked: PartitionsChanged) -> None:
        self._on_assigned = on_assigned
        self._on_revoked = on_revoked

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        await self._on_revoked({tp.partition for tp in revoked})

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        await self._on_assigned({tp.partition for tp in assigned})


class KafkaSource:
    poll_limit = 100
    """The collector packs up to 256 KiB of beacons into one record, so a poll holds at
    most about 25 MB of them (some 23,000 beacons), whatever backlog the broker holds.
    At 5,000 records a poll after an outage could have been a gigabyte of beacons."""

    def __init__(self, kafka: str | KafkaConnection, topic: str, group: str) -> None:
        self.topic = topic
        self._kafka = connection(kafka)
        self._group = group
        self._consumer: AIOKafkaConsumer | None = None
        self._committed: dict[int, int] = {}
        """Per partition, the group's position as this member last knew it: its committed
        offset when the partition was assigned (else the first offset read), then each
        offset this member committed."""
        self._returned: dict[int, int] = {}
        """Per partition, the offset after the last message poll returned."""
        self._passed: dict[int, int] = {}
        """Per partition, the consumer's position after the last poll: past the messages
        returned, and past the offsets that hold none (transaction markers, aborted
        records) that came after them."""

    @property
    def consumer(self) -> AIOKafkaConsumer:
        if self._consumer is None:
            raise RuntimeError("KafkaSource used before start()")
        return self._consumer

    async def start(self, on_assigned: PartitionsChanged, on_revoked: PartitionsChanged) -> None:
        # aiokafka clients bind to the running loop, so they are made here, not in __init__.
        self._consumer = AIOKafkaConsumer(
            **self._kafka.client_options(),
            group_id=self._group,
            client_id=f"{self._group}-consumer",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            isolation_level="read_committed",  # a dead-letter replay that died is aborted
            session_timeout_ms=10_000,
            heartbeat_interval_ms=2_000,
            max_poll_interval_ms=300_000,
            fetch_max_wait_ms=200,
        )

        async def assigned(partitions: set[int]) -> None:
            # Where the group stands (another member may have moved it on): the lag of a
            # partition is known from its first fetch, even when nothing new arrives.
            for partition in partitions:
                self._committed.pop(partition, None)
                self._returned.pop(partition, None)
                self._passed.pop(partition, None)
                offset = await self.consumer.committed(TopicPartition(self.topic, partition))
                if offset is not None:
                    self._committed[partition] = offset
            await on_assigned(partitions)

        self._consumer.subscribe([self.topic], listener=_Listener(assigned, on_revoked))
        await self._consumer.start()

    async def stop(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()

    async def poll(self, timeout_s: float, max_records: int) -> list[Message]:
        fetched = await self.consumer.getmany(
            timeout_ms=int(timeout_s * 1000), max_records=max_records
        )
        for tp, records in fetched.items():
            if records:
                self._committed.setdefault(tp.partition, records[0].offset)
                self._returned[tp.partition] = records[-1].offset + 1
        for tp in self.consumer.assignment():
            if self._returned.get(tp.partition, -1) > self._committed.get(tp.partition, -1):
                continue  # messages are in flight: the lag does not look past them
            # Known at once after a fetch; never wait for one (a partition just
            # assigned, or revoked meanwhile): the lag can do without it.
            with contextlib.suppress(IllegalStateError, TimeoutError):
                position = await asyncio.wait_for(self.consumer.position(tp), 0.01)
                self._passed[tp.partition] = position
        return [
            Message(tp.partition, record.offset, record.value)
            for tp, records in fetched.items()
            for record in records
        ]

    async def commit(self, offsets: dict[int, int]) -> None:
        await self.consumer.commit(
            {TopicPartition(self.topic, p): offset for p, offset in offsets.items()}
        )
        self._committed.update(offsets)

    def pause(self) -> None:
        self.consumer.pause(*self.consumer.assignment())

    def resume(self) -> None:
        self.consumer.resume(*self.consumer.assignment())

    def lag(self) -> dict[int, int]:
        """The messages of a partition the group has not committed: its end (as of the
        last fetch) less the group's position. Once everything returned is committed,
        the offsets the consumer passed over after it are no messages: a dead-letter
        replay writes in transactions, and each leaves a marker at the end of its
        partition that would otherwise read as a lag of one until the next beacon."""
        if self._consumer is None:
            return {}
        lag = {}
        for tp in self._consumer.assignment():
            end, position = self._consumer.highwater(tp), self._committed.get(tp.partition)
            if end is None or position is None:
                continue
            if self._returned.get(tp.partition, position) <= position:
                position = max(position, self._passed.get(tp.partition, position))
            lag[tp.partition] = max(0, end - position)
        return lag
