"""A bounded memory of recently seen keys (least recently seen forgotten first)."""

from collections import OrderedDict
from collections.abc import Hashable, Iterable

STORED = "stored"
"""The origin of a key read back from the store: consumed by an earlier process, from
an offset nobody remembers."""


class RecentKeys:
    """The last `size` keys seen, to drop something that arrives twice."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._keys: OrderedDict[str, Hashable] = OrderedDict()

    def seen(self, key: str, origin: Hashable = None, replaying: bool = False) -> bool:
        """True if the key was seen recently (from another origin, when one is given:
        reading the same message again is not a second arrival); remembers it.

        A key remembered from the store is a second arrival too, unless the message is
        read again to rebuild a batch that may be half written (`replaying`): that
        batch's rows are in the store because of this very message."""
        keys = self._keys
        if key in keys:
            keys.move_to_end(key)
            earlier = keys[key]
            if replaying and earlier is STORED:
                keys[key] = origin
                return False
            return origin is None or earlier != origin
        keys[key] = origin
        if len(keys) > self.size:
            keys.popitem(last=False)
        return False

    def forget(self, key: str) -> None:
        """As if the key had never been seen."""
        self._keys.pop(key, None)

    def remember_stored(self, keys: Iterable[str]) -> int:
        """Remember keys read back from the store (oldest first), unless known already;
        how many were new."""
        added = 0
        for key in keys:
            if key not in self._keys:
                self._keys[key] = STORED
                added += 1
                if len(self._keys) > self.size:
                    self._keys.popitem(last=False)
        return added
