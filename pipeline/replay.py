"""The dead-letter topic, for operators: what is in it, and putting it back.

Messages are dead-lettered because the pipeline could not store them then: a record
a newer collector wrote that an older pipeline refused, say. Once that is fixed,
`replay` sends them back to the beacon topic, where the pipeline decodes them again
(those still invalid return to the dead letters).

A replay is exactly-once: each chunk of messages is produced and the dead-letter
offsets consumed are committed in one Kafka transaction, so a replay that dies
part-way is aborted (the pipeline reads committed messages only) and the next one
starts where the last committed chunk ended. It replays up to the end the
dead-letter topic had when it started, never what it dead-letters meanwhile.
"""

import asyncio
from collections import Counter, deque
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from pipeline.decode import reason_kind
from pipeline.kafka_connection import KafkaConnection, connection

CHUNK = 500
UNKNOWN_TOPIC = 3


@dataclass(frozen=True)
class DeadLetter:
    offset: int
    reason: str
    source: str
    size: int


@dataclass(frozen=True)
class Summary:
    count: int
    by_reason: dict[str, int]
    """Per kind of reason (decode.reason_kind)."""
    newest: list[DeadLetter]


async def summarise(
    kafka: str | KafkaConnection, dead_letter_topic: str, newest: int = 10
) -> Summary:
    """Read the whole dead-letter topic (without joining any group), keeping only the
    counts and the newest letters in memory."""
    consumer = _consumer(kafka, dead_letter_topic, group=None)
    kinds: Counter[str] = Counter()
    last: deque[DeadLetter] = deque(maxlen=newest)
    await consumer.start()
    try:
        partitions = await _assign(kafka, consumer, dead_letter_topic)
        await consumer.seek_to_beginning(*partitions)
        async for message in _until(consumer, await consumer.end_offsets(partitions)):
            letter = _letter(message)
            kinds[reason_kind(letter.reason)] += 1
            last.append(letter)
    finally:
        await consumer.stop()
    return Summary(kinds.total(), dict(kinds.most_common()), list(last))


async def replay(
    kafka: str | KafkaConnection, dead_letter_topic: str, topic: str, group: str
) -> int:
    """Send the dead letters not yet replayed by `group` back to `topic`; how many."""
    consumer = _consumer(kafka, dead_letter_topic, group)
    producer = AIOKafkaProducer(
        **connection(kafka).client_options(),
        transactional_id=f"{group}-{dead_letter_topic}",
        acks="all",
    )
    await consumer.start()
    await producer.start()  # fences off (and aborts) a replay of the same group that died
    replayed = 0
    try:
        partitions = await _assign(kafka, consumer, dead_letter_topic)
        ends = await consumer.end_offsets(partitions)
        chunk: list = []
        async for message in _until(consumer, ends):
            chunk.append(message)
            if len(chunk) == CHUNK:
                replayed += await _send(producer, chunk, topic, dead_letter_topic, group)
                chunk = []
        if chunk:
            replayed += await _send(producer, chunk, topic, dead_letter_topic, group)
    finally:
        await producer.stop()
        await consumer.stop()
    return replayed


async def _send(
    producer: AIOKafkaProducer, chunk: list, topic: str, source: str, group: str
) -> int:
    offsets: dict[TopicPartition, int] = {}
    sent = 0
    async with producer.transaction():
        for message in chunk:
            tp = TopicPartition(source, message.partition)
            offsets[tp] = message.offset + 1
            if not message.value:
                continue  # an empty message can never be stored
            origin = f"{source}/{message.partition}/{message.offset}".encode()
            await producer.send(topic, message.value, headers=[("replayed_from", origin)])
            sent += 1
        await producer.send_offsets_to_transaction(offsets, group)
    return sent


def _consumer(kafka: str | KafkaConnection, topic: str, group: str | None) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        **connection(kafka).client_options(),
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
    )


async def _assign(
    kafka: str | KafkaConnection, consumer: AIOKafkaConsumer, topic: str
) -> list[TopicPartition]:
    """All the topic's partitions, assigned by hand (no group rebalancing for a tool)."""
    partitions = [TopicPartition(topic, p) for p in await _partitions(kafka, topic)]
    consumer.assign(partitions)
    return partitions


class TopicMissing(RuntimeError):
    """The topic does not exist (yet): `rum migrate` creates both."""


async def _partitions(kafka: str | KafkaConnection, topic: str) -> list[int]:
    admin = AIOKafkaAdminClient(**connection(kafka).client_options(), client_id="rum-dead-letters")
    await admin.start()
    try:
        for _ in range(50):  # a topic just created has partitions without leaders a moment
            (described,) = await admin.describe_topics([topic])
            if described["error_code"] == UNKNOWN_TOPIC:
                raise TopicMissing(f"topic {topic} does not exist: `rum migrate` creates it")
            if described["error_code"] == 0 and described["partitions"]:
                return sorted(p["partition"] for p in described["partitions"])
            await asyncio.sleep(0.1)
    finally:
        await admin.close()
    raise RuntimeError(f"topic {topic} has no partitions available")


async def _until(consumer: AIOKafkaConsumer, ends: dict[TopicPartition, int]):
    """The messages before `ends`, partition by partition in offset order."""
    for tp, end in ends.items():
        while await consumer.position(tp) < end:
            fetched = await consumer.getmany(tp, timeout_ms=1000, max_records=CHUNK)
            for message in fetched.get(tp, []):
                if message.offset < end:
                    yield message


def _letter(message) -> DeadLetter:
    headers = {k: v.decode(errors="replace") for k, v in message.headers}
    size = len(message.value or b"")
    return DeadLetter(message.offset, headers.get("reason", ""), headers.get("source", ""), size)
