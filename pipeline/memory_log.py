"""An in-process, bounded, single-partition log: the transport of the one-process mode.

The collector appends; the pipeline polls and commits. Entries are kept until
committed, so a slow store fills the log and the collector answers 503 instead of
growing memory without bound.
"""

import asyncio
import contextlib
import uuid
from collections import deque
from collections.abc import Callable

from pipeline.source import Message, PartitionsChanged


class LogFull(Exception):
    pass


class MemoryLog:
    def __init__(
        self,
        capacity: int,
        topic: str = "",
        first_offset: int = 0,
        on_commit: Callable[[int], None] | None = None,
    ) -> None:
        """`topic` and `first_offset` continue a log kept on disk (the collector's
        spool); `on_commit(offset)` is told what the pipeline has written."""
        self.capacity = capacity
        # Without a topic, a fresh name per process: offsets restart at 0, so insert
        # deduplication tokens (topic/partition/range) must never match a previous run's.
        self.topic = topic or f"memory-{uuid.uuid4().hex[:12]}"
        self.on_commit = on_commit
        self._entries: deque[Message] = deque()
        self._next_offset = first_offset
        self._read_offset = first_offset
        self._committed = first_offset
        self._arrived = asyncio.Event()

    def __len__(self) -> int:
        return len(self._entries)

    def append(self, value: bytes) -> None:
        if len(self._entries) >= self.capacity:
            raise LogFull
        self.restore(value)

    def take_back(self, count: int) -> None:
        """Remove the newest `count` messages, which nothing has read yet (a publisher
        that could not spool them); their offsets are given again."""
        assert self._read_offset <= self._next_offset - count, "taking back what was read"
        for _ in range(count):
            self._entries.pop()
        self._next_offset -= count

    def restore(self, value: bytes) -> None:
        """Append beyond the capacity: what a previous process had accepted."""
        self._entries.append(Message(0, self._next_offset, value))
        self._next_offset += 1
        self._arrived.set()

    @property
    def next_offset(self) -> int:
        return self._next_offset

    def read(self, max_records: int) -> list[Message]:
        start = self._read_offset - self._committed
        batch = [
            self._entries[i] for i in range(start, min(len(self._entries), start + max_records))
        ]
        self._read_offset += len(batch)
        if self._read_offset >= self._next_offset:
            self._arrived.clear()
        return batch

    async def wait(self, timeout_s: float) -> None:
        if self._read_offset < self._next_offset:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._arrived.wait(), timeout_s)

    def commit(self, offset: int) -> None:
        while self._entries and self._entries[0].offset < offset:
            self._entries.popleft()
        self._committed = max(self._committed, offset)
        if self.on_commit is not None:
            self.on_commit(self._committed)

    @property
    def committed(self) -> int:
        return self._committed


class MemorySource:
    """The pipeline's view of a MemoryLog: one partition, always assigned."""

    poll_limit = 5_000  # one beacon a message

    def __init__(self, log: MemoryLog) -> None:
        self.log = log
        self.topic = log.topic
        self._paused = False

    async def start(self, on_assigned: PartitionsChanged, on_revoked: PartitionsChanged) -> None:
        await on_assigned({0})

    async def stop(self) -> None:
        pass

    async def poll(self, timeout_s: float, max_records: int) -> list[Message]:
        if self._paused:
            await asyncio.sleep(timeout_s)
            return []
        await self.log.wait(timeout_s)
        return self.log.read(max_records)

    async def commit(self, offsets: dict[int, int]) -> None:
        if 0 in offsets:
            self.log.commit(offsets[0])

    def pause(self) -> None:
        self._paused = True

    def resume(self) -> None:
        self._paused = False

    def lag(self) -> dict[int, int]:
        return {0: len(self.log)}  # entries are kept until committed
