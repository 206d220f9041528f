"""Token buckets and recent keys: bounded memory, exact accounting."""

from beacon.limits import TokenBuckets
from pipeline.recent import RecentKeys


def test_a_bucket_allows_its_burst_then_its_rate():
    buckets = TokenBuckets(rate=2, burst=3)
    assert [buckets.take("ip", now=0) for _ in range(3)] == [0, 0, 0]
    assert buckets.take("ip", now=0) == 0.5  # one token every half second
    assert buckets.take("ip", now=0.5) == 0
    assert buckets.take("other", now=0) == 0  # keys are independent


def test_buckets_past_their_bound_forget_the_longest_known_when_all_are_spending():
    buckets = TokenBuckets(rate=1, burst=1, max_keys=2)
    buckets.take("a", 0)
    buckets.take("b", 0)
    buckets.take("c", 0)  # "a" is forgotten, so it starts full again
    assert buckets.take("a", 0) == 0
    assert buckets.take("c", 0) > 0


def test_a_client_spending_its_tokens_stays_limited_however_many_others_come():
    buckets = TokenBuckets(rate=10, burst=20, max_keys=500)
    assert [buckets.take("abuser", 0) for _ in range(21)].count(0) == 20  # burst spent
    for i in range(1000):  # then for a second, a beacon a millisecond from a new client each
        assert buckets.take(f"client-{i}", i / 1000) == 0
        assert len(buckets._buckets) <= 500
    # Still known: the second's 10 tokens, not a fresh burst of 20.
    assert [buckets.take("abuser", 1.0) for _ in range(11)].count(0) == 10


def test_recent_keys_see_repeats_within_their_size():
    recent = RecentKeys(size=2)
    assert not recent.seen("x")
    assert recent.seen("x")
    recent.seen("y")
    recent.seen("z")  # "x" falls out
    assert not recent.seen("x")
