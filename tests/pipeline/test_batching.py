"""Batches: per partition, cut by rows, bytes or age, or exactly where a replay says."""

from pipeline.batching import Batcher, Limits
from pipeline.records import PageViewRecord

LIMITS = Limits(rows=3, bytes=1_000, wait_s=1.0)


def record(n: int = 0) -> PageViewRecord:
    return PageViewRecord(
        site="s", page_view_id=f"pageview{n}", seq=0, ts=1, received_at=1, url="u", route="/"
    )


def test_a_batch_is_cut_at_the_row_limit_and_names_its_offset_range():
    batcher = Batcher(LIMITS)
    assert batcher.add(0, 10, 10, now=0, records=[record()]) == []
    assert batcher.add(0, 11, 10, now=0, records=[record()]) == []
    (batch,) = batcher.add(0, 12, 10, now=0, records=[record()])
    assert (batch.partition, batch.first_offset, batch.last_offset) == (0, 10, 12)
    assert batch.next_offset == 13 and len(batch.records) == 3


def test_a_batch_is_cut_at_the_byte_limit():
    batcher = Batcher(LIMITS)
    (batch,) = batcher.add(0, 0, 1_000, now=0, records=[record()])
    assert batch.nbytes == 1_000


def test_partitions_batch_separately():
    batcher = Batcher(LIMITS)
    batcher.add(0, 5, 10, now=0, records=[record()])
    batcher.add(1, 7, 10, now=0, records=[record()])
    batches = sorted(batcher.take(), key=lambda b: b.partition)
    assert [(b.partition, b.first_offset) for b in batches] == [(0, 5), (1, 7)]


def test_batches_are_due_after_the_wait():
    batcher = Batcher(LIMITS)
    batcher.add(0, 0, 10, now=100.0, records=[record()])
    assert batcher.next_deadline() == 101.0
    assert batcher.due(100.5) == []
    (batch,) = batcher.due(101.0)
    assert batch.first_offset == 0 and batcher.next_deadline() is None


def test_poison_messages_ride_in_the_batch_of_their_offset():
    batcher = Batcher(LIMITS)
    batcher.add(0, 0, 3, now=0, poison=(b"bad", "invalid_record"))
    batcher.add(0, 1, 10, now=0, records=[record()])
    (batch,) = batcher.take()
    assert batch.poison == [(0, b"bad", "invalid_record")]
    assert (batch.first_offset, batch.last_offset) == (0, 1)


def test_a_replayed_batch_is_rebuilt_exactly_regardless_of_limits_and_time():
    batcher = Batcher(LIMITS)
    batcher.expect(0, 4)  # an earlier owner wrote offsets 0-4 as one batch
    for offset in range(4):
        assert batcher.add(0, offset, 10, now=0, records=[record(offset)]) == []
    assert batcher.due(now=1_000) == []  # not cut by age while rebuilding
    (batch,) = batcher.add(0, 4, 10, now=0, records=[record(4)])
    assert (batch.first_offset, batch.last_offset, len(batch.records)) == (0, 4, 5)
    # Afterwards the ordinary limits apply again.
    batcher.add(0, 5, 10, now=0, records=[record()])
    batcher.add(0, 6, 10, now=0, records=[record()])
    assert len(batcher.add(0, 7, 10, now=0, records=[record()])) == 1


def test_a_replay_whose_tail_was_deleted_is_closed_at_the_gap():
    batcher = Batcher(LIMITS)
    batcher.expect(0, 9)
    batcher.add(0, 0, 10, now=0, records=[record()])
    closed = batcher.add(0, 20, 10, now=0, records=[record()])
    assert [(b.first_offset, b.last_offset) for b in closed] == [(0, 0)]


def test_forgetting_a_partition_drops_its_state():
    batcher = Batcher(LIMITS)
    batcher.expect(0, 9)
    batcher.add(0, 0, 10, now=0, records=[record()])
    batcher.forget({0})
    assert batcher.take() == [] and batcher.next_deadline() is None
