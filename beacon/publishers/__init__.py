"""Publishers hand accepted records to the transport. Both kinds are bounded: when
the transport cannot keep up they raise Backpressure and the collector answers 503."""

from typing import Protocol


class Backpressure(Exception):
    """The buffer is full; the client should retry later."""


class Publisher(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None:
        """Deliver everything accepted so far, then disconnect."""

    def publish(self, key: bytes, value: bytes) -> None:
        """Accept one message for delivery, or raise Backpressure. Never blocks."""

    def settle(self) -> None:
        """Make what publish() accepted since the last settle safe to answer for (its
        spool frames written, in one write), or raise Backpressure having taken back
        all of it. Called before any of it is answered."""

    @property
    def ready(self) -> bool: ...

    @property
    def has_room(self) -> bool:
        """Whether publish() would accept one more message now."""

    @property
    def depth(self) -> int:
        """Messages accepted but not yet delivered."""
