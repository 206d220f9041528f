"""Publishing to Kafka through a bounded buffer that absorbs a slow or restarting broker.

A beacon is answered 204 once it is in the buffer; a background task delivers the
buffer with an idempotent producer (acks=all) and keeps undelivered messages until
the broker takes them. Stopping drains the buffer before disconnecting.
"""

import asyncio
import logging
from collections import deque

from aiokafka import AIOKafkaProducer

from beacon.publishers import Backpressure

log = logging.getLogger("rum.collector")

SEND_CHUNK = 2_000


class KafkaPublisher:
    def __init__(
        self, bootstrap_servers: str, topic: str, capacity: int, drain_timeout_s: float = 30.0
    ) -> None:
        self.topic = topic
        self.capacity = capacity
        self.drain_timeout_s = drain_timeout_s
        self._bootstrap = bootstrap_servers
        self._buffer: deque[tuple[bytes, bytes]] = deque()
        self._arrived = asyncio.Event()
        self._producer: AIOKafkaProducer | None = None
        self._connected = False
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    def _new_producer(self) -> AIOKafkaProducer:
        return AIOKafkaProducer(
            bootstrap_servers=self._bootstrap,
            client_id="rum-collector",
            acks="all",
            enable_idempotence=True,
            compression_type="lz4",
            linger_ms=5,
            max_batch_size=256 * 1024,
            request_timeout_ms=15_000,
        )

    async def start(self) -> None:
        self._task = asyncio.create_task(self._deliver_forever(), name="kafka-publisher")

    async def stop(self) -> None:
        self._stopping = True
        self._arrived.set()
        if self._task:
            try:
                await asyncio.wait_for(self._task, self.drain_timeout_s)
            except TimeoutError:
                log.error("stopping with %d undelivered beacons", len(self._buffer))
        if self._producer:
            await self._producer.stop()

    def publish(self, key: bytes, value: bytes) -> None:
        if len(self._buffer) >= self.capacity:
            raise Backpressure
        self._buffer.append((key, value))
        self._arrived.set()

    @property
    def has_room(self) -> bool:
        return len(self._buffer) < self.capacity

    @property
    def ready(self) -> bool:
        return self._connected and not self._stopping and self.has_room

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
        """Send the oldest messages; remove those the broker acknowledged."""
        assert self._producer is not None
        chunk = [self._buffer[i] for i in range(min(SEND_CHUNK, len(self._buffer)))]
        try:
            futures = [await self._producer.send(self.topic, v, key=k) for k, v in chunk]
        except Exception as error:
            log.warning("kafka send failed (%s); %d beacons buffered", error, len(self._buffer))
            self._connected = False
            return False
        results = await asyncio.gather(*futures, return_exceptions=True)
        failed = [
            msg for msg, res in zip(chunk, results, strict=True) if isinstance(res, BaseException)
        ]
        for _ in chunk:
            self._buffer.popleft()
        self._buffer.extendleft(reversed(failed))
        self._connected = not failed
        if failed:
            log.warning("kafka did not acknowledge %d beacons (%s); retrying", len(failed), results)
        return not failed
