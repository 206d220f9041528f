"""The collector's write-ahead spool: a beacon answered 204 is on disk until Kafka has
acknowledged it, so a collector killed outright (SIGKILL, the OOM killer, a crash)
delivers what it held when it starts again.

The spool is a folder of append-only segment files, each named by the sequence number
of its first beacon (and its creation time). A frame is a header (kind, sequence
number, key and value lengths) and the bytes; the publisher writes a beacon's frame
before the beacon is answered, and an acknowledgement frame ("everything before
sequence N is in Kafka") after each delivered send. Opening the folder reads back the
beacons after the last acknowledgement; a segment is deleted once the next one starts
at or below it.

A beacon's frame is staged when it is taken, and the frames staged in one turn of the
event loop are written together by `flush`, before any of those beacons is answered:
one write(2) a turn instead of one a beacon, 48.35 -> 45.85 µs a beacon under wrk
(medians of twelve interleaved runs; docs/performance.md, eighth round). A write that
fails (a full disk) is cut off, and all of its beacons are refused.

A written frame survives the death of the process (the kernel holds it). To survive
the machine's, it must reach the disk. Every `sync_every_ms`, when a beacon has
waited that long for Kafka's acknowledgement (a broker slow or out of reach), a task
writes the segments written since the last sync through (fdatasync, in a thread: one
can take milliseconds, and the event loop must not wait), so a power loss takes at
most two intervals' beacons of those Kafka did not have. While Kafka keeps up nothing
is synced: its beacons are acknowledged within milliseconds and their segments
deleted, mostly before the kernel would write them at all, and syncing them would
write every beacon to the disk for nothing. Not before each answer either: that would
put a disk flush in every beacon's latency, where Kafka's own log, by default, flushes
none. A torn or zeroed last frame ends its segment's reading. One process holds the
folder at a time (an exclusive lock).
"""

import asyncio
import contextlib
import fcntl
import logging
import os
import struct
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from beacon.publishers import Backpressure

log = logging.getLogger("rum.collector")

BEACON, ACKNOWLEDGED = 1, 2
FRAME = struct.Struct(">BQII")
"""kind, sequence number, key length, value length."""
SEGMENT_BYTES = 64 * 1024 * 1024
MAX_PART = 16 * 1024 * 1024
UNHEALTHY_AFTER_FAILURE_S = 5.0
"""How long a spool whose write failed says so (Spool.healthy): a load balancer asking
/readyz sends beacons elsewhere meanwhile; then the next beacons try the disk again."""
"""No key or value is longer: a header claiming more is damage, not a frame."""

Spooled = tuple[int, bytes, bytes]
"""(sequence number, key, value)"""


class SpoolInUse(RuntimeError):
    """Another process holds the spool folder."""


def frames(data: bytes) -> Iterator[tuple[int, int, bytes, bytes]]:
    """(kind, sequence number, key, value) of each whole frame, in order."""
    at = 0
    while at + FRAME.size <= len(data):
        kind, seq, key_len, value_len = FRAME.unpack_from(data, at)
        end = at + FRAME.size + key_len + value_len
        if kind not in (BEACON, ACKNOWLEDGED) or max(key_len, value_len) > MAX_PART:
            return  # damaged: nothing after it can be trusted
        if end > len(data):
            return  # torn
        key_at = at + FRAME.size
        yield kind, seq, data[key_at : key_at + key_len], data[key_at + key_len : end]
        at = end


def sync_to_disk(segments: list[Path], folder: Path | None) -> None:
    """Write the segments' data through to the disk, and the folder's entries (new
    segments' names) when `folder` is given. fdatasync acts on the file, not on the
    descriptor, so a segment closed since is opened again for it."""
    for path in segments:
        with contextlib.suppress(FileNotFoundError):  # acknowledged and deleted meanwhile
            _sync(path, os.O_RDONLY, os.fdatasync)
    if folder is not None:
        _sync(folder, os.O_RDONLY | os.O_DIRECTORY, os.fsync)


def _sync(path: Path, flags: int, sync: Callable[[int], None]) -> None:
    fd = os.open(path, flags)
    try:
        sync(fd)
    finally:
        os.close(fd)


class Spool:
    def __init__(
        self, folder: Path, segment_bytes: int = SEGMENT_BYTES, sync_every_ms: int = 0
    ) -> None:
        self.folder = folder
        self.segment_bytes = segment_bytes
        self.sync_every_ms = sync_every_ms
        """How often what was written goes through to the disk (0: when the kernel
        writes it back, about 30 s by default)."""
        self.next_seq = 0
        self._acknowledged = 0
        self._segments: list[tuple[int, Path]] = []
        self._fd = -1
        self._size = 0
        self._lock: int | None = None
        self._staged: list[bytes] = []
        self._written = False
        """The current segment was written since the last sync."""
        self._unsynced: list[Path] = []
        """Segments closed since the last sync, written and not synced."""
        self._new_names = False
        self._syncing: asyncio.Task[None] | None = None
        self._failed_at = -UNHEALTHY_AFTER_FAILURE_S
        self.identity = ""
        """Names this folder's numbering: a folder made afresh numbers from 0 again."""

    def open(self) -> list[Spooled]:
        """Lock the folder and read back the beacons not acknowledged, oldest first."""
        self.folder.mkdir(parents=True, exist_ok=True)
        lock = os.open(self.folder / "spool.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(lock)
            raise SpoolInUse(
                f"{self.folder} is in use by another collector: give each its own RUM_SPOOL_DIR"
            ) from None
        self._lock = lock
        identity = self.folder / "spool.id"
        if not identity.exists():
            identity.write_text(uuid.uuid4().hex[:12])
        self.identity = identity.read_text().strip()
        spooled: list[Spooled] = []
        for path in sorted(self.folder.glob("*.seg")):
            self._segments.append((int(path.stem.split("-")[0]), path))
            for kind, seq, key, value in frames(path.read_bytes()):
                if kind == BEACON:
                    spooled.append((seq, key, value))
                    self.next_seq = max(self.next_seq, seq + 1)
                else:
                    self._acknowledged = max(self._acknowledged, seq)
        self.next_seq = max(self.next_seq, self._acknowledged)
        self._new_segment()
        self._drop_delivered_segments()
        return [item for item in spooled if item[0] >= self._acknowledged]

    def append(self, key: bytes, value: bytes) -> int:
        """Stage one beacon, to be written by the next flush(); its sequence number."""
        seq = self.next_seq
        self._staged.append(FRAME.pack(BEACON, seq, len(key), len(value)) + key + value)
        self.next_seq = seq + 1
        return seq

    def flush(self) -> None:
        """Write the staged beacons, in one write. Raises OSError when they are not
        written whole (a full disk): none of them may be taken then, what got in is cut
        off, and their sequence numbers are given again."""
        if not self._staged:
            return
        staged, self._staged = self._staged, []
        try:
            self._write(b"".join(staged))  # a single frame is not copied
        except OSError:
            self.next_seq -= len(staged)
            raise
        if self._size >= self.segment_bytes:
            self._new_segment()

    def settle(self, take_back: Callable[[int], None]) -> None:
        """flush() for a publisher: beacons that cannot be written whole are refused
        (Backpressure, and a 503 for their clients), never taken unspooled: the
        publisher takes all of them back first (`take_back(count)`, the newest)."""
        staged = len(self._staged)
        try:
            self.flush()
        except OSError as error:
            log.error("spool write failed (%s): refusing beacons until it works", error)
            self._failed_at = time.monotonic()
            take_back(staged)
            raise Backpressure from None

    @property
    def healthy(self) -> bool:
        """No write failed in the last UNHEALTHY_AFTER_FAILURE_S (a full disk, say)."""
        return time.monotonic() - self._failed_at >= UNHEALTHY_AFTER_FAILURE_S

    def acknowledge(self, upto: int) -> None:
        """Every beacon before sequence number `upto` is in Kafka."""
        if upto <= self._acknowledged:
            return
        try:
            self._write(FRAME.pack(ACKNOWLEDGED, upto, 0, 0))
        except OSError:
            return  # not recorded: those beacons would be sent again after a restart
        self._acknowledged = upto
        self._drop_delivered_segments()

    def start_syncing(self) -> None:
        """Every `sync_every_ms` until close(), in a task of the running loop: a sync
        when a beacon has waited that long for its acknowledgement."""
        if self.sync_every_ms > 0 and self._syncing is None:
            self._syncing = asyncio.create_task(self._sync_forever(), name="spool-sync")

    async def _sync_forever(self) -> None:
        waiting_from = self.next_seq  # numbered below this: written an interval ago
        while True:
            await asyncio.sleep(self.sync_every_ms / 1000)
            if self._acknowledged < waiting_from:
                try:
                    await asyncio.to_thread(sync_to_disk, *self.unsynced())
                except OSError as error:
                    log.error("spool sync failed (%s): a power loss could take beacons", error)
            waiting_from = self.next_seq

    def unsynced(self) -> tuple[list[Path], Path | None]:
        """What the next sync must write through: the segments written since the last
        one, and the folder when segments were created since (else None). They count
        as synced from now: a sync that fails is logged, not tried again (after a
        failed fdatasync the kernel no longer holds the pages as unwritten)."""
        segments = self._unsynced
        if self._written:
            segments.append(self._segments[-1][1])
        folder = self.folder if self._new_names else None
        self._unsynced, self._written, self._new_names = [], False, False
        return segments, folder

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.flush()  # beacons taken but not answered yet: better kept than not
        if self._syncing is not None:
            self._syncing.cancel()
            self._syncing = None
            if self._acknowledged < self.next_seq:  # left for the next start
                with contextlib.suppress(OSError):
                    sync_to_disk(*self.unsynced())
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
        if self._lock is not None:
            os.close(self._lock)  # releases the lock
            self._lock = None

    def _write(self, frames: bytes) -> None:
        try:
            written = os.write(self._fd, frames)
        except OSError:
            self._cut_off_partial_write()
            raise
        if written < len(frames):
            self._cut_off_partial_write()
            raise OSError(f"spool: {written} of {len(frames)} bytes written (disk full?)")
        self._size += written
        self._written = True

    def _cut_off_partial_write(self) -> None:
        """Remove whatever part of a failed write got in: a turn's frames are written
        together, and the whole frames of beacons then refused must not come back.
        Should that fail too, a new segment starts: a torn frame ends the old one's
        reading (whole frames before it would come back, sent twice at worst)."""
        try:
            os.ftruncate(self._fd, self._size)
        except OSError:
            self._new_segment()

    def _new_segment(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            if self._written:
                self._unsynced.append(self._segments[-1][1])
                self._written = False
        # Named by first sequence number, then creation time: a new segment can start at
        # the number an empty or torn one started at, and must sort after it.
        path = self.folder / f"{self.next_seq:020d}-{time.time_ns():020d}.seg"
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self._size = os.fstat(self._fd).st_size
        self._segments.append((self.next_seq, path))
        self._new_names = True

    def _drop_delivered_segments(self) -> None:
        while len(self._segments) > 1 and self._segments[1][0] <= self._acknowledged:
            self._segments.pop(0)[1].unlink(missing_ok=True)
