"""The pipeline's memory of recent page views: a second arrival is a duplicate, reading
the same message again is not."""

from pipeline.recent import RecentKeys


def test_a_key_from_another_origin_is_a_duplicate():
    recent = RecentKeys(size=10)
    assert not recent.seen("shop pv1 0", origin=(0, 5))
    assert recent.seen("shop pv1 0", origin=(0, 9))  # the producer sent it again


def test_the_same_message_read_again_is_not_a_duplicate():
    recent = RecentKeys(size=10)
    assert not recent.seen("shop pv1 0", origin=(2, 7))
    assert not recent.seen("shop pv1 0", origin=(2, 7))  # a retry or a rebalance


def test_memory_is_bounded_and_forgets_the_oldest():
    recent = RecentKeys(size=2)
    for key in ("a", "b", "c"):
        recent.seen(key, origin=1)
    assert not recent.seen("a", origin=2) and recent.seen("c", origin=2)
