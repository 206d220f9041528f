"""The collector's spool: what was not acknowledged comes back after a restart, what
was acknowledged does not, what could not be written is refused, and one process holds
a folder at a time."""

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
    with disk_full_after(segment.stat().st_size + 10), pytest.raises(Backpressure):
        publisher.settle()
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
    with disk_full_after(segment.stat().st_size + 10), pytest.raises(Backpressure):
        publisher.settle()
    assert len(log) == 1 and log.next_offset == spool.next_seq == 1  # still in step
    publisher.publish(b"k", b"accepted later")
    publisher.settle()
    assert [m.value for m in log.read(10)] == [b"accepted", b"accepted later"]
    spool.close()
