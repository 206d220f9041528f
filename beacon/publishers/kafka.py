"""Publishing to Kafka through a bounded buffer that absorbs a slow or restarting broker.

A beacon is answered 204 once it is in the buffer (and, with a spool, written to
disk: beacon/publishers/spool.py); a background task delivers the buffer with an
idempotent producer (acks=all) and keeps undelivered messages until the broker takes
them. Stopping drains the buffer before disconnecting; a collector killed before it
could drain delivers its spool when it starts again.

Sending is amortised: the beacons of one site waiting in the buffer travel as one
Kafka record (newline-delimited JSON, up to RECORD_BYTES), so a busy collector makes
one producer call per site and round instead of one per beacon.
"""

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable

from aiokafka import AIOKafkaProducer

from beacon.publishers import Backpressure
from beacon.publishers.spool import Spool
from pipeline.kafka_connection import KafkaConnection, connection

log = logging.getLogger("rum.collector")

SEND_CHUNK = 5_000
RECORD_BYTES = 256 * 1024
Item = tuple[bytes, bytes, float, int]
"""(key, value, accepted at in monotonic seconds, sequence number in the spool)"""


def pack(items: list[Item]) -> list[tuple[bytes, bytes, list[Item]]]:
    """Group items by key, in order, into records of at most RECORD_BYTES (a single
    larger item still travels alone): [(key, record value, the items in it)]."""
    by_key: dict[bytes, list[Item]] = {}
    for item in items:
        by_key.setdefault(item[0], []).append(item)
    records = []
    for key, group in by_key.items():
        current: list[Item] = []
        size = 0
        for item in group:
            if current and size + len(item[1]) + 1 > RECORD_BYTES:
                records.append((key, b"\n".join(i[1] for i in current), current))
                current, size = [], 0
            current.append(item)
            size += len(item[1]) + 1
        records.append((key, b"\n".join(i[1] for i in current), current))
    return records


class KafkaPublisher:
    def __init__(
        self,
        kafka: str | KafkaConnection,
        topic: str,
        capacity: int,
        drain_timeout_s: float = 30.0,
        on_delivered: Callable[[float], None] | None = None,
        spool: Spool | None = None,
    ) -> None:
        self.topic = topic
        self.on_delivered = on_delivered
        """Called with the age in seconds of the oldest beacon of each acknowledged record."""
        self.capacity = capacity
        self.drain_timeout_s = drain_timeout_s
        self._kafka = connection(kafka)
        self._spool = spool
        self._buffer: deque[Item] = deque()
        self._arrived = asyncio.Event()
        self._producer: AIOKafkaProducer | None = None
        self._connected = False
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    def _new_producer(self) -> AIOKafkaProducer:
        return AIOKafkaProducer(
            **self._kafka.client_options(),
            client_id="rum-collector",
            acks="all",
            enable_idempotence=True,
            # zstd: aiokafka compresses lz4 at level 9 (HC), which cost the collector
            # about 2.5 µs a beacon more than zstd, for a larger result.
            compression_type="zstd",
            linger_ms=5,
            max_batch_size=256 * 1024,
            request_timeout_ms=15_000,
        )

    async def start(self) -> None:
        if self._spool is not None:
            spooled = self._spool.open()
            if spooled:
                log.warning("delivering %d beacons spooled before a restart", len(spooled))
            now = time.monotonic()
            self._buffer.extendleft((k, v, now, seq) for seq, k, v in reversed(spooled))
            self._spool.start_syncing()
        self._task = asyncio.create_task(self._deliver_forever(), name="kafka-publisher")

    async def stop(self) -> None:
        self._stopping = True
        self._arrived.set()
        if self._task:
            if not self._buffer:  # nothing to drain: not even a broker to wait for
                self._task.cancel()
            done, _ = await asyncio.wait({self._task}, timeout=self.drain_timeout_s)
            if not done:
                self._task.cancel()
                log.error("stopping with %d undelivered beacons", len(self._buffer))
            elif not self._task.cancelled():
                self._task.result()  # what delivery raised, if anything
        if self._producer:
            await self._producer.stop()
        if self._spool is not None:
            self._spool.close()

    def publish(self, key: bytes, value: bytes) -> None:
        if len(self._buffer) >= self.capacity:
            raise Backpressure
        seq = 0 if self._spool is None else self._spool.append(key, value)
        self._buffer.append((key, value, time.monotonic(), seq))
        self._arrived.set()

    def settle(self) -> None:
        if self._spool is not None:
            self._spool.settle(self._take_back)

    def _take_back(self, count: int) -> None:
        """Drop the newest beacons: nothing was delivered since they were published
        (delivery runs in a turn of its own)."""
        for _ in range(count):
            self._buffer.pop()

    @property
    def has_room(self) -> bool:
        return len(self._buffer) < self.capacity

    @property
    def ready(self) -> bool:
        spool_ok = self._spool is None or self._spool.healthy
        return self._connected and not self._stopping and self.has_room and spool_ok

    @property
    def depth(self) -> int:
        return len(self._buffer)

    async def _connect(self) -> AIOKafkaProducer:
        delay = 0.2
        while True:
            producer = self._new_producer()
            try:
                await producer.start()
                self._connected = True
                return producer
            except Exception as error:
                await producer.stop()
                log.warning("kafka not reachable (%s); retrying in %.1fs", error, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def _deliver_forever(self) -> None:
        self._producer = await self._connect()
        delay = 0.1
        while self._buffer or not self._stopping:
            if not self._buffer:
                self._arrived.clear()
                await self._arrived.wait()
                continue
            if await self._deliver_chunk():
                delay = 0.1
            else:
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def _deliver_chunk(self) -> bool:
        """Send the oldest beacons, packed per site; keep those not acknowledged."""
        assert self._producer is not None
        chunk = [self._buffer[i] for i in range(min(SEND_CHUNK, len(self._buffer)))]
        records = pack(chunk)
        try:
            futures = [await self._producer.send(self.topic, v, key=k) for k, v, _ in records]
        except Exception as error:
            log.warning("kafka send failed (%s); %d beacons buffered", error, len(self._buffer))
            self._connected = False
            return False
        results = await asyncio.gather(*futures, return_exceptions=True)
        now = time.monotonic()
        failed: list[Item] = []
        for (_, _, items), result in zip(records, results, strict=True):
            if isinstance(result, BaseException):
                failed += items
            elif self.on_delivered:
                self.on_delivered(now - items[0][2])
        for _ in chunk:
            self._buffer.popleft()
        self._buffer.extendleft(reversed(failed))
        if self._spool is not None:  # what is left is all that Kafka does not have
            self._spool.acknowledge(self._buffer[0][3] if self._buffer else self._spool.next_seq)
        self._connected = not failed
        if failed:
            error = next(r for r in results if isinstance(r, BaseException))
            log.warning("kafka did not acknowledge %d beacons (%s); retrying", len(failed), error)
        return not failed
