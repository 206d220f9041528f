"""The pipeline: poll → decode → batch → (dead letters, intent, insert) → commit.

One batch is written at a time, in a task of its own, while the loop goes on polling
and decoding the next: the store's work (most of it in a thread, outside the GIL)
overlaps the decoding. A batch's write starts only once the previous one has been
written and committed, so offsets are still committed in order.

Exactly-once effect without transactions:
- A batch is one partition's contiguous offset range, inserted with a deduplication
  token naming that range; ClickHouse stores a block with a seen token once.
- Before inserting, the range is recorded as an intent. After a crash or a
  rebalance, the next owner of the partition finds the intent that starts at its
  position and rebuilds exactly that range, so the token matches and a write that
  already happened is dropped by ClickHouse instead of doubled.
- Offsets are committed only after the insert returned.

A page view the collector's producer sent twice (stored by the broker, unacknowledged,
sent again from the collector's spool after a restart) sits at two offsets. The
duplicate filter drops the second copy: it remembers the page views it consumed, and,
whenever partitions are assigned, those the store received in the last hour, so a
copy arriving after this process restarted or took the partition over is dropped too.
"""

import asyncio
import logging
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

from pipeline.batching import Batch, Batcher, Limits
from pipeline.dead_letters import DeadLetters
from pipeline.decode import Poison, decode, reason_kind
from pipeline.recent import RecentKeys
from pipeline.records import PageViewRecord, Record
from pipeline.sink import ClickHouseSink
from pipeline.source import Message, Source

log = logging.getLogger("rum.pipeline")

REVOKE_FLUSH_TIMEOUT_S = 10.0
REMEMBERED_S = 3600
"""How far back the duplicate filter reads the store's page views when partitions are
assigned: longer than a collector stays down with records the broker has but never
acknowledged."""

T = TypeVar("T")


class _Revoked(Exception):
    """The partition changed owner while its batch waited for the store."""


@dataclass
class Backoff:
    """Exponential backoff with full jitter, so many consumers don't retry in step."""

    base_s: float = 0.2
    cap_s: float = 10.0
    attempt: int = 0

    def next(self) -> float:
        self.attempt += 1
        return random.uniform(0, min(self.cap_s, self.base_s * 2**self.attempt))


@dataclass
class Stats:
    """Plain counts, kept on the hot path; pipeline/metrics.py reads them when scraped."""

    rows: int = 0
    batches: int = 0
    dead_letters: Counter[str] = field(default_factory=Counter)
    """Messages sent to the dead-letter topic, by the kind of their reason."""
    retries: int = 0
    replays: int = 0
    duplicates: int = 0
    """Page views dropped because the same (site, id, seq) was just consumed or stored:
    a producer re-sending a record the broker had stored but not acknowledged."""
    partitions: set[int] = field(default_factory=set)
    written_at: float = 0.0
    """When the last batch was written (epoch seconds; 0 before the first)."""

    @property
    def poison(self) -> int:
        return self.dead_letters.total()


class Pipeline:
    def __init__(
        self,
        source: Source,
        sink: ClickHouseSink,
        dead_letters: DeadLetters,
        limits: Limits,
        recent_keys: int = 200_000,
    ) -> None:
        self.source = source
        self.sink = sink
        self.dead_letters = dead_letters
        self.batcher = Batcher(limits)
        self.max_poll_records = source.poll_limit  # the source knows how big its messages are
        self.stats = Stats()
        self.recent = RecentKeys(recent_keys)
        self._owned: set[int] = set()
        self._unchecked: set[int] = set()
        self._replaying: dict[int, int] = {}
        """Per partition, the last offset of the batch being rebuilt from an intent."""
        self._remember_stored = False
        self._backlog: list[Message] = []
        self._stopping = asyncio.Event()
        self._drain = False
        self._writing: asyncio.Task | None = None
        """The batch being written and committed (at most one)."""
        self._retrying = 0
        """Attempts waiting for the store to come back (it is down while above 0)."""
        self.started = asyncio.Event()
        self.on_written: Callable[[Batch, float], None] | None = None
        """Called with each batch once written, and the seconds its write took
        (retries included): the metrics connect here."""

    @property
    def store_unavailable(self) -> bool:
        """True while a read or write waits for the store to come back."""
        return self._retrying > 0

    # -- lifecycle ----------------------------------------------------------------

    async def run(self) -> None:
        await self.dead_letters.start()
        await self.source.start(self._on_assigned, self._on_revoked)
        self.started.set()
        try:
            while True:
                messages = self._backlog or await self.source.poll(
                    self._poll_timeout(), self.max_poll_records
                )
                self._backlog = []
                if self._stopping.is_set() and not (self._drain and messages):
                    break
                await self._process(messages)
        except BaseException:
            # Never flush after a failure: committing a later batch of a partition
            # would commit past the one that failed. A write in flight is abandoned
            # uncommitted, as a crash would leave it (its intent makes it replayable).
            if self._writing:
                self._writing.cancel()
            await self._close()
            raise
        await self._flush_all()
        await self._close()

    async def _close(self) -> None:
        await self.source.stop()
        await self.dead_letters.stop()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def stop(self, drain: bool = False) -> None:
        """Finish: flush what is batched and commit. With drain, first read until
        the source is empty (the in-process log, whose contents die with us)."""
        self._drain = drain
        self._stopping.set()

    # -- steps ----------------------------------------------------------------

    def _poll_timeout(self) -> float:
        if self._stopping.is_set():
            return 0.05
        deadline = self.batcher.next_deadline()
        wait = self.batcher.limits.wait_s if deadline is None else deadline - time.monotonic()
        return max(0.01, min(wait, 1.0))

    async def _process(self, messages: list[Message]) -> None:
        if self._remember_stored:
            await self._read_stored_keys()
        for partition, offset in _first_offsets(messages).items():
            if partition in self._unchecked:
                await self._check_replay(partition, offset)
        now = time.monotonic()
        ready: list[Batch] = []
        for message in messages:
            if message.partition in self._owned:
                ready += self._add(message, now)
        ready += self.batcher.due(time.monotonic())
        for batch in ready:
            await self._written()
            self._writing = asyncio.create_task(self._flush(batch), name="pipeline-write")

    async def _written(self) -> None:
        """Wait until the write in flight (if any) is done, and raise what it raised.
        While the store is down, keep polling (fetching is paused meanwhile) so this
        member stays in its group; what a rebalance hands us is kept for later."""
        task = self._writing
        if task is None:
            return
        while not task.done():
            done, _ = await asyncio.wait({task}, timeout=0.5)
            if not done and self._retrying:
                self._backlog += await self.source.poll(0.5, 100)
                self.source.pause()
        self._writing = None
        task.result()

    def _add(self, message: Message, now: float) -> list[Batch]:
        size = len(message.value or b"")
        try:
            decoded = decode(message.value)
        except Poison as poison:
            return self.batcher.add(
                message.partition, message.offset, size, now, poison=(message.value, poison.reason)
            )
        origin = (message.partition, message.offset)
        replaying = message.offset <= self._replaying.get(message.partition, -1)
        fresh = [
            record for record in decoded.records if not self._duplicate(record, origin, replaying)
        ]
        rejected = (decoded.rejected, decoded.reason) if decoded.rejected else None
        return self.batcher.add(
            message.partition, message.offset, size, now, records=fresh, poison=rejected
        )

    def _duplicate(self, record: Record, origin: tuple[int, int], replaying: bool) -> bool:
        """A page view already consumed from another offset, or stored (re-reading the
        same offset, after a rebalance or a retry, is not a duplicate)."""
        if not isinstance(record, PageViewRecord):
            return False
        if self.recent.seen(
            page_view_key(record.site, record.page_view_id, record.seq), origin, replaying
        ):
            self.stats.duplicates += 1
            return True
        return False

    async def _check_replay(self, partition: int, position: int) -> None:
        """If a batch starting at our position may already be stored, rebuild it exactly."""
        intent = await self._with_retries(
            lambda: asyncio.to_thread(self.sink.last_intent, self.source.topic, partition)
        )
        self._unchecked.discard(partition)
        if intent and intent[0] == position:
            log.info("partition %d: replaying offsets %d-%d as one batch", partition, *intent)
            self.stats.replays += 1
            self.batcher.expect(partition, intent[1])
            self._replaying[partition] = intent[1]

    async def _read_stored_keys(self) -> None:
        """Remember the page views the store received lately: a copy of one arriving
        now was consumed by another process, or by this one before it restarted."""
        since = datetime.fromtimestamp(time.time() - REMEMBERED_S, UTC)
        stored = await self._with_retries(
            lambda: asyncio.to_thread(self.sink.stored_page_views, since, self.recent.size)
        )
        added = self.recent.remember_stored(page_view_key(*key) for key in stored)
        self._remember_stored = False
        log.info("duplicate filter: %d page views stored since %s remembered", added, since)

    async def _flush(self, batch: Batch) -> None:
        async def write() -> None:
            for offset, value, reason in batch.poison:
                await self.dead_letters.send(batch.partition, offset, value, reason)
            if batch.records:
                await asyncio.to_thread(self.sink.record_intent, self.source.topic, batch)
                await asyncio.to_thread(self.sink.write, self.source.topic, batch)

        started = time.monotonic()
        try:
            await self._with_retries(write, partition=batch.partition, poll=False)
        except _Revoked:
            return  # revoked while the store was down: the new owner replays it
        stats = self.stats
        stats.rows += len(batch.records)
        stats.batches += 1
        stats.dead_letters.update(reason_kind(reason) for _, _, reason in batch.poison)
        stats.written_at = time.time()
        if self.on_written:
            self.on_written(batch, time.monotonic() - started)
        await self._commit(batch)

    async def _commit(self, batch: Batch) -> None:
        if batch.partition not in self._owned:
            return
        try:
            await self.source.commit({batch.partition: batch.next_offset})
        except Exception as error:  # a rebalance fenced us off: the new owner replays
            log.warning("commit of partition %d failed: %s", batch.partition, error)

    async def _with_retries(
        self, attempt: Callable[[], Awaitable[T]], partition: int | None = None, poll: bool = True
    ) -> T:
        """Run attempt until it succeeds. Meanwhile fetching is paused but the group
        membership kept alive: by polling here, or, for a write (poll=False), by the
        loop waiting for it (_written). Raises _Revoked if the partition is revoked
        meanwhile."""
        backoff = Backoff()
        paused = False
        try:
            while True:
                if partition is not None and partition not in self._owned:
                    raise _Revoked
                try:
                    return await attempt()
                except Exception as error:
                    self.stats.retries += 1
                    delay = backoff.next()
                    log.warning("store unavailable (%s); retrying in %.1fs", error, delay)
                    if self._stopping.is_set() and backoff.attempt > 5:
                        raise
                    self.source.pause()
                    if not paused:
                        paused = True
                        self._retrying += 1
                    if not poll:
                        await asyncio.sleep(delay)
                        continue
                    # Polling while paused keeps the member in its group; anything a
                    # rebalance hands us meanwhile is kept for later, not skipped.
                    self._backlog += await self.source.poll(delay, 100)
                    self.source.pause()
        finally:
            if paused:
                self._retrying -= 1
                self.source.resume()

    async def _flush_all(self) -> None:
        try:
            await self._written()
        except Exception as error:
            # Not committed: the batches after it are not written either (their
            # offsets would commit past it); the next owner reads them all again.
            log.error("shutdown: the write in flight failed: %s", error)
            return
        for batch in self.batcher.take():
            try:
                await self._flush(batch)
            except Exception as error:
                log.error("shutdown flush of partition %d failed: %s", batch.partition, error)

    # -- rebalances -------------------------------------------------------------

    async def _on_assigned(self, partitions: set[int]) -> None:
        self.batcher.forget(partitions)
        self._owned |= partitions
        self._unchecked |= partitions
        for partition in partitions:
            self._replaying.pop(partition, None)
        self._remember_stored = True
        self.stats.partitions = set(self._owned)

    async def _on_revoked(self, partitions: set[int]) -> None:
        # Write and commit what is batched while we still own it; if the store does
        # not answer in time, the batch is left uncommitted and its next owner
        # rebuilds it from our intent (or reads it afresh if none was recorded).
        # First the write in flight: a later batch must not commit past it.
        batches = self.batcher.take(partitions)
        if self._writing and not self._writing.done():
            try:
                await asyncio.wait_for(asyncio.shield(self._writing), REVOKE_FLUSH_TIMEOUT_S)
            except Exception as error:
                log.warning("revoked while a write was in flight: %s", error)
                batches = []  # left to the next owner, uncommitted
        for batch in batches:
            try:
                await asyncio.wait_for(self._flush(batch), REVOKE_FLUSH_TIMEOUT_S)
            except Exception as error:
                log.warning(
                    "partition %d revoked before its batch was written: %s", batch.partition, error
                )
        self._owned -= partitions
        self._unchecked -= partitions
        self.stats.partitions = set(self._owned)


def _first_offsets(messages: list[Message]) -> dict[int, int]:
    first: dict[int, int] = {}
    for message in messages:
        first.setdefault(message.partition, message.offset)
    return first


def page_view_key(site: str, page_view_id: str, seq: int) -> str:
    return f"{site}\0{page_view_id}\0{seq}"
