"""Reading a request body without ever buffering more than the limit, or waiting
longer than a deadline."""

import asyncio
import time
from collections.abc import Callable, Hashable

from starlette.types import Receive

from beacon.ingest import Rejected
from beacon.running_loop import RunningLoop

WATCH_EVERY_S = 0.25


class Deadlines:
    """The deadlines of many waits, kept by one watchdog task (`watch`, run for the
    app's lifetime) rather than a timer each: a timer per beacon (asyncio.timeout) was
    a sixth of the collector's in-process work. A wait past its deadline has its
    `on_expiry` called within `every_s` of it, once."""

    def __init__(self, every_s: float = WATCH_EVERY_S) -> None:
        self.every_s = every_s
        self._due: dict[Hashable, tuple[float, Callable[[], None]]] = {}

    def add(self, key: Hashable, seconds: float, on_expiry: Callable[[], None]) -> None:
        self._due[key] = (time.monotonic() + seconds, on_expiry)

    def discard(self, key: Hashable) -> None:
        self._due.pop(key, None)

    async def watch(self) -> None:
        """Expire the waits past their deadline, forever."""
        while True:
            await asyncio.sleep(self.every_s)
            now = time.monotonic()
            expired = [key for key, (deadline, _) in self._due.items() if deadline <= now]
            for key in expired:
                _, on_expiry = self._due.pop(key)
                on_expiry()


class BodyReader:
    """Reads ASGI bodies within `limit` bytes and `timeout_s` seconds. A body that
    takes longer (a slow-loris client) is Rejected(408)."""

    def __init__(self, limit: int, timeout_s: float = 10.0, every_s: float = WATCH_EVERY_S):
        self.limit = limit
        self.timeout_s = timeout_s
        self.deadlines = Deadlines(every_s)
        self._expired: set[asyncio.Task] = set()
        self._loop = RunningLoop()

    async def read(self, receive: Receive, declared: str | None) -> bytes:
        task = self._loop.current_task()
        self.deadlines.add(task, self.timeout_s, lambda: self._expire(task))
        try:
            return await read_limited(receive, self.limit, declared)
        except asyncio.CancelledError:
            if task not in self._expired:
                raise  # a real cancellation (the client went away, shutdown)
            task.uncancel()
            raise self.timed_out() from None
        finally:
            self.deadlines.discard(task)
            self._expired.discard(task)

    def timed_out(self) -> Rejected:
        """The refusal of a body that took longer than `timeout_s`."""
        return Rejected(408, "body_timeout", {"seconds": self.timeout_s})

    def _expire(self, task: asyncio.Task) -> None:
        self._expired.add(task)
        task.cancel()

    async def watch(self) -> None:
        await self.deadlines.watch()


async def read_limited(receive: Receive, limit: int, declared: str | None) -> bytes:
    """The whole body, or Rejected(413) as soon as it is known to exceed the limit:
    from Content-Length before reading anything, or while streaming a chunked body."""
    if declared is not None:
        if not declared.isdigit():
            raise Rejected(400, "bad_content_length")
        if int(declared) > limit:
            raise Rejected(413, "body_too_large", {"limit": limit})
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise Rejected(400, "client_disconnected")
        chunk = message.get("body", b"")
        if not body and not message.get("more_body", False):
            body = chunk  # the usual beacon: one message, no copy
        else:
            body += chunk
        if len(body) > limit:
            raise Rejected(413, "body_too_large", {"limit": limit})
        if not message.get("more_body", False):
            return bytes(body)
