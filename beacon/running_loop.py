"""The event loop of the current task, found cheaply on the hot path."""

import asyncio
import threading


class RunningLoop:
    """The event loop running the current task, known without asking the system: on
    Python 3.11, get_running_loop() and current_task() without a loop make a getpid()
    system call each time (5% of the collector's profile, once per beacon).

    The loop is remembered per thread: asked from another thread, another thread's loop
    could be running a task of its own at that moment, and would be taken for ours."""

    def __init__(self) -> None:
        self._mine = threading.local()

    def current_task(self) -> asyncio.Task:
        loop = getattr(self._mine, "loop", None)
        task = asyncio.current_task(loop) if loop else None
        if task is None:  # the first call in this thread, or on a new loop (tests)
            loop = self._mine.loop = asyncio.get_running_loop()
            task = asyncio.current_task(loop)
        assert task is not None
        return task

    def get(self) -> asyncio.AbstractEventLoop:
        return self.current_task().get_loop()
