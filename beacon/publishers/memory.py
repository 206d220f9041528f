"""Publishing into the in-process log of the one-process mode.

With a spool (beacon/publishers/spool.py), each beacon is written to it before it is
taken, under a sequence number equal to its offset in the log, and the log's commits
(the pipeline has written up to there) are its acknowledgements: a process killed
outright starts again with the beacons it had not written (runtime.memory_transport).
"""

from beacon.publishers import Backpressure
from beacon.publishers.spool import Spool
from pipeline.memory_log import MemoryLog


class MemoryPublisher:
    def __init__(self, log: MemoryLog, spool: Spool | None = None) -> None:
        self.log = log
        self.spool = spool

    async def start(self) -> None:
        if self.spool is not None:  # opened by runtime.memory_transport
            self.spool.start_syncing()

    async def stop(self) -> None:
        pass  # the pipeline drains the log when it stops

    def publish(self, key: bytes, value: bytes) -> None:
        if not self.has_room:  # before the spool: it must hold only what the log takes
            raise Backpressure
        if self.spool is not None:
            seq = self.spool.append(key, value)
            assert seq == self.log.next_offset, "the spool and the log are out of step"
        self.log.append(value)  # has room: checked above, and nothing ran in between

    def settle(self) -> None:
        if self.spool is not None:
            self.spool.settle(self.log.take_back)  # nothing read them yet: same turn

    @property
    def has_room(self) -> bool:
        return len(self.log) < self.log.capacity

    @property
    def ready(self) -> bool:
        return self.has_room and (self.spool is None or self.spool.healthy)

    @property
    def depth(self) -> int:
        return len(self.log)
