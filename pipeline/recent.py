"""A bounded memory of recently seen keys (least recently seen forgotten first)."""

from collections import OrderedDict
from collections.abc import Hashable


class RecentKeys:
    """The last `size` keys seen, to drop something that arrives twice."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._keys: OrderedDict[str, Hashable] = OrderedDict()

    def seen(self, key: str, origin: Hashable = None) -> bool:
        """True if the key was seen recently (from another origin, when one is given:
        reading the same message again is not a second arrival); remembers it."""
        if key in self._keys:
            self._keys.move_to_end(key)
            return origin is None or self._keys[key] != origin
        self._keys[key] = origin
        if len(self._keys) > self.size:
            self._keys.popitem(last=False)
        return False
