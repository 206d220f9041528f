"""The consumer's Kafka side: a group member that never auto-commits."""

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition

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
    def __init__(self, bootstrap_servers: str, topic: str, group: str) -> None:
        self.topic = topic
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap_servers,
            group_id=group,
            client_id=f"{group}-consumer",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=10_000,
            heartbeat_interval_ms=2_000,
            max_poll_interval_ms=300_000,
            fetch_max_wait_ms=200,
        )

    async def start(self, on_assigned: PartitionsChanged, on_revoked: PartitionsChanged) -> None:
        self._consumer.subscribe([self.topic], listener=_Listener(on_assigned, on_revoked))
        await self._consumer.start()

    async def stop(self) -> None:
        await self._consumer.stop()

    async def poll(self, timeout_s: float, max_records: int) -> list[Message]:
        fetched = await self._consumer.getmany(
            timeout_ms=int(timeout_s * 1000), max_records=max_records
        )
        return [
            Message(tp.partition, record.offset, record.value)
            for tp, records in fetched.items()
            for record in records
        ]

    async def commit(self, offsets: dict[int, int]) -> None:
        await self._consumer.commit(
            {TopicPartition(self.topic, p): offset for p, offset in offsets.items()}
        )

    async def committed(self, partition: int) -> int | None:
        return await self._consumer.committed(TopicPartition(self.topic, partition))

    def pause(self) -> None:
        self._consumer.pause(*self._consumer.assignment())

    def resume(self) -> None:
        self._consumer.resume(*self._consumer.assignment())
