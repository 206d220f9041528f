"""What the consumer reads from: Kafka in production, an in-process log on one machine."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Message:
    partition: int
    offset: int
    value: bytes | None


PartitionsChanged = Callable[[set[int]], Awaitable[None]]


class Source(Protocol):
    topic: str
    poll_limit: int
    """Messages one poll takes at most: enough to fill batches, few enough that a
    backlog (after an outage) reaches memory a bounded piece at a time."""

    async def start(self, on_assigned: PartitionsChanged, on_revoked: PartitionsChanged) -> None:
        """Join; the callbacks run around every change of owned partitions."""

    async def stop(self) -> None: ...

    async def poll(self, timeout_s: float, max_records: int) -> list[Message]: ...

    async def commit(self, offsets: dict[int, int]) -> None:
        """Commit, per partition, the offset of the next message to read."""

    def pause(self) -> None:
        """Stop fetching (and keep the group membership alive) while the store is down."""

    def resume(self) -> None: ...

    def lag(self) -> dict[int, int]:
        """Per owned partition, the messages not yet committed, as far as this member
        knows (an operator's measure of how far behind the pipeline is)."""
