"""Finding the running loop without a system call, per thread."""

import asyncio
import threading

from beacon.running_loop import RunningLoop


async def test_the_running_loop_is_found_and_follows_a_new_loop():
    loops = RunningLoop()
    assert loops.get() is asyncio.get_running_loop()
    assert loops.current_task() is asyncio.current_task()

    def on_another_loop() -> bool:
        async def same() -> bool:
            return loops.get() is asyncio.get_running_loop()

        return asyncio.run(same())

    assert await asyncio.to_thread(on_another_loop)
    assert loops.get() is asyncio.get_running_loop()


async def test_another_threads_loop_is_never_taken_for_this_ones():
    """Asked from a thread while this loop is busy in a task (blocked here, so its
    current task stays set), the answer is that thread's own loop."""
    loops = RunningLoop()
    loops.get()  # remembers this loop
    answers: list[bool] = []

    async def same() -> bool:
        return loops.get() is asyncio.get_running_loop()

    other = threading.Thread(target=lambda: answers.append(asyncio.run(same())))
    other.start()
    other.join()  # blocks this loop inside this task while the other thread asks
    assert answers == [True]
