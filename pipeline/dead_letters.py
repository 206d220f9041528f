"""Where poison messages go: a dead-letter topic, with the reason and origin in headers."""

import logging
from typing import Protocol

from aiokafka import AIOKafkaProducer

from pipeline.kafka_connection import KafkaConnection, connection

log = logging.getLogger("rum.pipeline")


class DeadLetters(Protocol):
    async def start(self) -> None: ...
    async def stop(self) -> None: ...

    async def send(self, partition: int, offset: int, value: bytes | None, reason: str) -> None: ...


class KafkaDeadLetters:
    def __init__(self, kafka: str | KafkaConnection, source_topic: str, topic: str) -> None:
        self._kafka = connection(kafka)
        self._source_topic = source_topic
        self.topic = topic
        self._producer: AIOKafkaProducer | None = None

    async def start(self) -> None:
        self._producer = AIOKafkaProducer(
            **self._kafka.client_options(), acks="all", enable_idempotence=True
        )
        await self._producer.start()

    async def stop(self) -> None:
        if self._producer is not None:
            await self._producer.stop()

    async def send(self, partition: int, offset: int, value: bytes | None, reason: str) -> None:
        headers = [
            ("reason", reason.encode()),
            ("source", f"{self._source_topic}/{partition}/{offset}".encode()),
        ]
        assert self._producer is not None, "KafkaDeadLetters used before start()"
        await self._producer.send_and_wait(self.topic, value or b"", headers=headers)


class LoggedDeadLetters:
    """One-process mode has no topic to hold them: log them, and keep the last few."""

    def __init__(self, keep: int = 100) -> None:
        self.keep = keep
        self.recent: list[tuple[int, str]] = []

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    async def send(self, partition: int, offset: int, value: bytes | None, reason: str) -> None:
        log.warning("dead letter at offset %d: %s", offset, reason)
        self.recent = [*self.recent[-(self.keep - 1) :], (offset, reason)]
