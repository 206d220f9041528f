"""The pipeline's memory of recent page views: a second arrival is a duplicate, reading
the same message again is not, and page views read back from the store count as
arrived."""

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


def test_a_key_read_back_from_the_store_is_a_duplicate_from_any_offset():
    recent = RecentKeys(size=10)
    assert recent.remember_stored(["shop pv1 0", "shop pv2 0"]) == 2
    assert recent.seen("shop pv1 0", origin=(0, 5))  # consumed before a restart
    assert recent.seen("shop pv2 0", origin=(1, 9))


def test_a_stored_key_read_again_to_rebuild_its_batch_is_not_a_duplicate():
    recent = RecentKeys(size=10)
    recent.remember_stored(["shop pv1 0"])
    assert not recent.seen("shop pv1 0", origin=(0, 5), replaying=True)
    assert not recent.seen("shop pv1 0", origin=(0, 5))  # now known by its offset
    assert recent.seen("shop pv1 0", origin=(0, 8))


def test_keys_read_back_do_not_replace_what_was_consumed():
    recent = RecentKeys(size=10)
    recent.seen("shop pv1 0", origin=(0, 5))
    assert recent.remember_stored(["shop pv1 0", "shop pv2 0"]) == 1
    assert not recent.seen("shop pv1 0", origin=(0, 5))


def test_keys_read_back_are_bounded_too():
    recent = RecentKeys(size=2)
    recent.remember_stored(["a", "b", "c"])
    assert not recent.seen("a", origin=1) and recent.seen("c", origin=1)


def test_a_forgotten_key_is_new_again():
    recent = RecentKeys(size=10)
    recent.seen("x")
    recent.forget("x")
    recent.forget("never seen")  # nothing to forget: no error
    assert not recent.seen("x")
    assert recent.seen("x")
