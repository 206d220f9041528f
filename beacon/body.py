"""Reading a request body without ever buffering more than the limit, or waiting
longer than a deadline."""

import asyncio
import time

from starlette.types import Receive

from beacon.ingest import Rejected
from beacon.running_loop import RunningLoop

WATCH_EVERY_S = 0.25


class BodyReader:
    """Reads bodies within `limit` bytes and `timeout_s` seconds.

    A body that takes longer (a slow-loris client) is Rejected(408). The deadlines are
    kept by one watchdog task for all requests (`watch`, run for the app's lifetime),
    not by a timer per request: a timer per beacon (asyncio.timeout) was a sixth of
    the collector's in-process work. A read is cut off within `every_s` of its
    deadline."""

    def __init__(self, limit: int, timeout_s: float = 10.0, every_s: float = WATCH_EVERY_S):
        self.limit = limit
        self.timeout_s = timeout_s
        self.every_s = every_s
        self._deadlines: dict[asyncio.Task, float] = {}
        self._expired: set[asyncio.Task] = set()
        self._loop = RunningLoop()

    async def read(self, receive: Receive, declared: str | None) -> bytes:
        task = self._loop.current_task()
        self._deadlines[task] = time.monotonic() + self.timeout_s
        try:
            return await read_limited(receive, self.limit, declared)
        except asyncio.CancelledError:
            if task not in self._expired:
                raise  # a real cancellation (the client went away, shutdown)
            task.uncancel()
            raise Rejected(408, "body_timeout", {"seconds": self.timeout_s}) from None
        finally:
            del self._deadlines[task]
            self._expired.discard(task)

    async def watch(self) -> None:
        """Cut off the reads past their deadline, forever."""
        while True:
            await asyncio.sleep(self.every_s)
            now = time.monotonic()
            for task, deadline in list(self._deadlines.items()):
                if deadline <= now and task not in self._expired:
                    self._expired.add(task)
                    task.cancel()


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
