"""Token buckets and recent keys: bounded memory, exact accounting."""

from beacon.limits import TokenBuckets
from pipeline.recent import RecentKeys


def test_a_bucket_allows_its_burst_then_its_rate():
    buckets = TokenBuckets(rate=2, burst=3)
    assert [buckets.take("ip", now=0) for _ in range(3)] == [0, 0, 0]
    assert buckets.take("ip", now=0) == 0.5  # one token every half second
    assert buckets.take("ip", now=0.5) == 0
    assert buckets.take("other", now=0) == 0  # keys are independent


def test_buckets_forget_the_least_recently_used_key_past_their_bound():
    buckets = TokenBuckets(rate=1, burst=1, max_keys=2)
    buckets.take("a", 0)
    buckets.take("b", 0)
    buckets.take("c", 0)  # "a" is forgotten, so it starts full again
    assert buckets.take("a", 0) == 0
    assert buckets.take("c", 0) > 0


def test_recent_keys_see_repeats_within_their_size():
    recent = RecentKeys(size=2)
    assert not recent.seen("x")
    assert recent.seen("x")
    recent.seen("y")
    recent.seen("z")  # "x" falls out
    assert not recent.seen("x")
