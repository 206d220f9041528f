"""The collector's spool: what was not acknowledged comes back after a restart, what
was acknowledged does not, what could not be written is refused, what was written goes
through to the disk every so often, and one process holds a folder at a time."""

import asyncio
import os

import pytest

from beacon.publishers import Backpressure
from beacon.publishers.kafka import KafkaPublisher
from beacon.publishers.memory import MemoryPublisher
from beacon.publishers.spool import FRAME, Spool, SpoolInUse
from pipeline.memory_log import MemoryLog
from tests.support import disk_full_after


def reopened(folder, **options) -> tuple[Spool, list[tuple[int, bytes, bytes]]]:
    spool = Spool(folder, **options)
    return spool, spool.open()


def fdatasyncs(monkeypatch) -> list[str]:
    """The files fdatasync is called on, by path (each call still made)."""
    synced: list[str] = []
    real = os.fdatasync

    def recorded(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real(fd)

    monkeypatch.setattr(os, "fdatasync", recorded)
    return synced


async def eventually(condition, timeout_s: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "not within the time"
        await asyncio.sleep(0.01)


def written(spool: Spool, key: bytes, value: bytes) -> int:
    """One beacon staged and written, as a loop turn that took one beacon does."""
    seq = spool.append(key, value)
    spool.flush()
    return seq


def test_beacons_not_acknowledged_come_back_in_order_after_a_restart(tmp_path):
    spool, spooled = reopened(tmp_path)
    assert spooled == []
    seqs = [spool.append(b"shop", f"beacon-{i}".encode()) for i in range(5)]
    spool.flush()  # one turn's beacons, in one write
    assert seqs == [0, 1, 2, 3, 4]
    spool.acknowledge(2)  # beacons 0 and 1 are in Kafka
    spool.close()  # as a killed process leaves it: nothing more was written

    spool, spooled = reopened(tmp_path)
    assert spooled == [
        (2, b"shop", b"beacon-2"),
        (3, b"shop", b"beacon-3"),
        (4, b"shop", b"beacon-4"),
    ]
    assert written(spool, b"shop", b"beacon-5") == 5  # numbering goes on
    spool.acknowledge(6)
    spool.close()

    _, spooled = reopened(tmp_path)
    assert spooled == []


def test_a_segment_is_deleted_once_all_its_beacons_are_acknowledged(tmp_path):
    spool, _ = reopened(tmp_path, segment_bytes=200)
    value = b"x" * 100
    for _ in range(6):  # two beacons a segment
        written(spool, b"k", value)
    assert len(list(tmp_path.glob("*.seg"))) == 4  # three full ones and the current one
    spool.acknowledge(3)  # the first segment (0, 1) is done; the second (2, 3) is not
    assert len(list(tmp_path.glob("*.seg"))) == 3
    spool.acknowledge(6)
    assert len(list(tmp_path.glob("*.seg"))) == 1
    spool.close()
    _, spooled = reopened(tmp_path, segment_bytes=200)
    assert spooled == []


def test_a_torn_last_frame_ends_the_reading_and_the_beacons_before_it_come_back(tmp_path):
    spool, _ = reopened(tmp_path)
    written(spool, b"k", b"whole")
    spool.close()
    (segment,) = tmp_path.glob("*.seg")
    with segment.open("ab") as out:  # a frame cut short, as a full disk leaves it
        out.write(FRAME.pack(1, 1, 1, 50) + b"k" + b"only part of it")
    spool, spooled = reopened(tmp_path)
    assert spooled == [(0, b"k", b"whole")]
    assert written(spool, b"k", b"next") == 1  # in a new segment, after the torn one
    spool.close()
    _, spooled = reopened(tmp_path)
    assert spooled == [(0, b"k", b"whole"), (1, b"k", b"next")]


def test_damage_in_a_header_ends_the_reading_of_its_segment(tmp_path):
    spool, _ = reopened(tmp_path)
    written(spool, b"k", b"whole")
    spool.close()
    (segment,) = tmp_path.glob("*.seg")
    with segment.open("ab") as out:
        out.write(b"\x07" + b"\xff" * 100)
    _, spooled = reopened(tmp_path)
    assert spooled == [(0, b"k", b"whole")]


def test_one_process_holds_a_folder_at_a_time(tmp_path):
    first, _ = reopened(tmp_path)
    with pytest.raises(SpoolInUse, match="RUM_SPOOL_DIR"):
        Spool(tmp_path).open()
    first.close()
    second, _ = reopened(tmp_path)  # released when the first closed (or died)
    second.close()


def test_beacons_not_written_whole_are_refused_and_never_come_back(tmp_path):
    spool, _ = reopened(tmp_path)
    written(spool, b"k", b"kept")
    (segment,) = tmp_path.glob("*.seg")
    spool.append(b"k", b"lost")
    spool.append(b"k", b"lost too")  # the same turn: one write for both
    with disk_full_after(segment.stat().st_size + 30), pytest.raises(OSError):
        spool.flush()
    # What got in of the failed write was cut off: the next beacon takes the first lost number.
    assert written(spool, b"k", b"after") == 1
    spool.close()
    _, spooled = reopened(tmp_path)
    assert spooled == [(0, b"k", b"kept"), (1, b"k", b"after")]


def test_a_publisher_whose_spool_cannot_write_refuses_the_turn_and_holds_none_of_it(tmp_path):
    spool = Spool(tmp_path)
    publisher = KafkaPublisher("127.0.0.1:9", "topic", capacity=10, spool=spool)
    spool.open()  # as start() does, without a broker: nothing here is delivered
    publisher.publish(b"k", b"accepted")
    publisher.settle()
    (segment,) = tmp_path.glob("*.seg")
    publisher.publish(b"k", b"refused")
    publisher.publish(b"k", b"refused too")
    assert spool.healthy
    with disk_full_after(segment.stat().st_size + 10), pytest.raises(Backpressure):
        publisher.settle()
    assert not spool.healthy  # the publisher is not ready meanwhile
    assert publisher.depth == 1
    publisher.publish(b"k", b"accepted later")
    publisher.settle()
    assert publisher.depth == 2
    spool.close()
    _, spooled = reopened(tmp_path)
    assert [value for _, _, value in spooled] == [b"accepted", b"accepted later"]


def test_the_in_process_log_takes_back_a_turn_its_spool_could_not_write(tmp_path):
    spool = Spool(tmp_path)
    spool.open()
    log = MemoryLog(10)
    publisher = MemoryPublisher(log, spool)
    publisher.publish(b"k", b"accepted")
    publisher.settle()
    (segment,) = tmp_path.glob("*.seg")
    publisher.publish(b"k", b"refused")
    assert publisher.ready
    with disk_full_after(segment.stat().st_size + 10), pytest.raises(Backpressure):
        publisher.settle()
    assert not publisher.ready
    assert len(log) == 1 and log.next_offset == spool.next_seq == 1  # still in step
    publisher.publish(b"k", b"accepted later")
    publisher.settle()
    assert [m.value for m in log.read(10)] == [b"accepted", b"accepted later"]
    spool.close()


def test_a_sync_writes_through_the_segments_written_since_the_last_and_new_names(tmp_path):
    spool, _ = reopened(tmp_path, segment_bytes=200)
    assert spool.unsynced() == ([], tmp_path)  # opening created a segment: its name
    assert spool.unsynced() == ([], None)  # nothing since
    written(spool, b"k", b"x" * 100)
    (first,) = tmp_path.glob("*.seg")
    assert spool.unsynced() == ([first], None)
    written(spool, b"k", b"x" * 100)  # the segment is full: the next one starts
    (second,) = set(tmp_path.glob("*.seg")) - {first}
    assert spool.unsynced() == ([first], tmp_path)  # the new one holds nothing yet
    written(spool, b"k", b"x" * 100)
    assert spool.unsynced() == ([second], None)
    spool.close()


async def test_written_beacons_go_through_to_the_disk_in_the_background_and_at_close(
    tmp_path, monkeypatch
):
    synced = fdatasyncs(monkeypatch)
    spool, _ = reopened(tmp_path, sync_every_ms=20)
    spool.start_syncing()
    written(spool, b"k", b"first")
    (segment,) = (str(path) for path in tmp_path.glob("*.seg"))
    await eventually(lambda: segment in synced)
    written(spool, b"k", b"last")  # the sync after it has not come yet
    spool.close()
    assert synced.count(segment) == 2


async def test_a_publishers_spool_is_synced_while_the_broker_is_out_of_reach(tmp_path, monkeypatch):
    synced = fdatasyncs(monkeypatch)
    publisher = KafkaPublisher(
        "127.0.0.1:9",
        "topic",
        capacity=10,
        drain_timeout_s=0.1,
        spool=Spool(tmp_path, sync_every_ms=20),
    )
    await publisher.start()
    try:
        publisher.publish(b"k", b"held")
        publisher.settle()
        (segment,) = (str(path) for path in tmp_path.glob("*.seg"))
        await eventually(lambda: segment in synced)
    finally:
        await publisher.stop()


async def test_nothing_is_synced_while_kafka_acknowledges_in_time(tmp_path, monkeypatch):
    # Syncing beacons Kafka already has would write every beacon to the disk for
    # nothing: their segments are deleted, mostly before the kernel writes them back.
    synced = fdatasyncs(monkeypatch)
    spool, _ = reopened(tmp_path, sync_every_ms=20)
    spool.start_syncing()
    for _ in range(10):
        spool.acknowledge(written(spool, b"k", b"v") + 1)
        await asyncio.sleep(0.01)
    spool.close()
    assert synced == []


def test_without_an_interval_nothing_is_synced(tmp_path, monkeypatch):
    synced = fdatasyncs(monkeypatch)
    spool, _ = reopened(tmp_path)
    spool.start_syncing()  # no interval: no task (and no running loop needed)
    written(spool, b"k", b"v")
    spool.close()
    assert synced == []
