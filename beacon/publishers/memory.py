"""Publishing into the in-process log of the one-process mode."""

from beacon.publishers import Backpressure
from pipeline.memory_log import LogFull, MemoryLog


class MemoryPublisher:
    def __init__(self, log: MemoryLog) -> None:
        self.log = log

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass  # the pipeline drains the log when it stops

    def publish(self, key: bytes, value: bytes) -> None:
        try:
            self.log.append(value)
        except LogFull:
            raise Backpressure from None

    @property
    def has_room(self) -> bool:
        return len(self.log) < self.log.capacity

    @property
    def ready(self) -> bool:
        return self.has_room

    @property
    def depth(self) -> int:
        return len(self.log)
