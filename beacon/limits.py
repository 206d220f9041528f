"""Bounded-memory protection: token buckets per key."""


class TokenBuckets:
    """`rate` tokens a second per key, bursts up to `burst`, for at most `max_keys` keys.

    Past the bound, the buckets that have filled up again are forgotten first: a full
    bucket and an unknown key are the same, so a busy site's many clients (a beacon or
    two each) cost nothing, and a client spending its tokens stays limited however many
    others come. Only when more than three quarters of the keys are still spending
    are the longest known forgotten too (they start full again)."""

    def __init__(self, rate: float, burst: float, max_keys: int = 100_000) -> None:
        self.rate = rate
        self.burst = burst
        self.max_keys = max_keys
        self._buckets: dict[str, tuple[float, float]] = {}

    def take(self, key: str, now: float) -> float:
        """Take a token: 0 when allowed, else the seconds until one is available."""
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_keys:
                self._make_room(now)
            tokens = self.burst
        else:
            tokens = bucket[0] + (now - bucket[1]) * self.rate
            if tokens > self.burst:  # not min(): a builtin's call costs a take a third
                tokens = self.burst
        if tokens >= 1:
            self._buckets[key] = (tokens - 1, now)
            return 0.0
        self._buckets[key] = (tokens, now)
        return (1 - tokens) / self.rate

    def _make_room(self, now: float) -> None:
        """Down to three quarters of the bound at most, in one pass over the keys, so
        that making room costs each new key O(1) on average."""
        keep = self.max_keys * 3 // 4
        spending = {
            key: (tokens, last)
            for key, (tokens, last) in self._buckets.items()
            if tokens + (now - last) * self.rate < self.burst
        }
        for key in list(spending)[: max(0, len(spending) - keep)]:
            del spending[key]
        self._buckets = spending
