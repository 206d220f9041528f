"""Where poison messages go: a dead-letter topic, with the reason and origin in headers."""

import logging
from typing import Protocol

from aiokafka import AIOKafkaProducer

log = logging.getLogger("rum.pipeline")


class DeadLetters(Protocol):
    async def send(self, partition: int, offset: int, value: bytes | None, reason: str) -> None: ...


class KafkaDeadLetters:
    def __init__(self, producer: AIOKafkaProducer, source_topic: str, topic: str) -> None:
        self._producer = producer
        self._source_topic = source_topic
        self.topic = topic

    async def send(self, partition: int, offset: int, value: bytes | None, reason: str) -> None:
        headers = [
            ("reason", reason.encode()),
            ("source", f"{self._source_topic}/{partition}/{offset}".encode()),
        ]
        await self._producer.send_and_wait(self.topic, value or b"", headers=headers)


class LoggedDeadLetters:
    """One-process mode has no topic to hold them: log them, and keep the last few."""

    def __init__(self, keep: int = 100) -> None:
        self.keep = keep
        self.recent: list[tuple[int, str]] = []

    async def send(self, partition: int, offset: int, value: bytes | None, reason: str) -> None:
        log.warning("dead letter at offset %d: %s", offset, reason)
        self.recent = [*self.recent[-(self.keep - 1) :], (offset, reason)]
