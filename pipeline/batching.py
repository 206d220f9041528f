"""Batches per partition, cut by rows, bytes or age, whichever comes first.

A batch covers a contiguous offset range of one partition, so it can be named by
that range (the insert deduplication token) and committed as a whole.
"""

from dataclasses import dataclass, field

from pipeline.records import Record


@dataclass(frozen=True)
class Limits:
    rows: int
    bytes: int
    wait_s: float


@dataclass
class Batch:
    partition: int
    first_offset: int
    last_offset: int
    started: float
    records: list[Record] = field(default_factory=list)
    poison: list[tuple[int, bytes | None, str]] = field(default_factory=list)
    """(offset, value, reason) of messages that go to the dead-letter topic."""
    nbytes: int = 0

    @property
    def next_offset(self) -> int:
        return self.last_offset + 1


class Batcher:
    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._open: dict[int, Batch] = {}
        self._replay_end: dict[int, int] = {}

    def expect(self, partition: int, last_offset: int) -> None:
        """Rebuild a batch that may already be stored: cut it exactly at last_offset."""
        self._replay_end[partition] = last_offset

    def add(
        self,
        partition: int,
        offset: int,
        nbytes: int,
        now: float,
        records: list[Record] = (),  # type: ignore[assignment]
        poison: tuple[bytes | None, str] | None = None,
    ) -> list[Batch]:
        """Add one message; returns the batches it completed (zero, one or two)."""
        done = []
        replay_end = self._replay_end.get(partition)
        if replay_end is not None and offset > replay_end and partition in self._open:
            # Offsets up to replay_end are gone (retention); close what was rebuilt.
            done.append(self._close(partition))
            replay_end = None
        batch = self._open.get(partition)
        if batch is None:
            batch = self._open[partition] = Batch(partition, offset, offset, now)
        batch.last_offset = offset
        batch.records.extend(records)
        batch.nbytes += nbytes
        if poison is not None:
            batch.poison.append((offset, *poison))
        if self._complete(batch, replay_end):
            done.append(self._close(partition))
        return done

    def _complete(self, batch: Batch, replay_end: int | None) -> bool:
        if replay_end is not None:
            return batch.last_offset >= replay_end
        return len(batch.records) >= self.limits.rows or batch.nbytes >= self.limits.bytes

    def _close(self, partition: int) -> Batch:
        self._replay_end.pop(partition, None)
        return self._open.pop(partition)

    def due(self, now: float) -> list[Batch]:
        """Batches old enough to flush. A batch being rebuilt waits for its last offset."""
        return [
            self._close(partition)
            for partition, batch in list(self._open.items())
            if partition not in self._replay_end and now - batch.started >= self.limits.wait_s
        ]

    def next_deadline(self) -> float | None:
        starts = [b.started for p, b in self._open.items() if p not in self._replay_end]
        return min(starts) + self.limits.wait_s if starts else None

    def take(self, partitions: set[int] | None = None) -> list[Batch]:
        """Close the open batches of these partitions (all when None), e.g. on revoke."""
        chosen = [p for p in self._open if partitions is None or p in partitions]
        return [self._close(partition) for partition in chosen]

    def forget(self, partitions: set[int]) -> None:
        """Drop state of partitions this consumer no longer owns."""
        for partition in partitions:
            self._open.pop(partition, None)
            self._replay_end.pop(partition, None)
