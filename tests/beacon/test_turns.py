import asyncio
import threading

import pytest

from beacon.turns import RunningLoop, TurnBatches


async def test_work_submitted_in_one_turn_runs_together_in_the_next_in_order():
    runs: list[list[int]] = []
    batches = TurnBatches(lambda n: runs[-1].append(n) or n * 10)
    original_run = batches._run

    def run() -> None:
        runs.append([])
        original_run()

    batches._run = run
    first = [batches.submit(n) for n in (1, 2, 3)]
    assert not any(f.done() for f in first)  # nothing runs in the submitting turn
    assert await asyncio.gather(*first) == [10, 20, 30]
    assert await batches.submit(4) == 40
    assert runs == [[1, 2, 3], [4]]


async def test_each_item_gets_its_own_result_or_its_own_exception():
    def work(n: int) -> int:
        if n == 2:
            raise ValueError("two")
        return n

    batches = TurnBatches(work)
    futures = [batches.submit(n) for n in (1, 2, 3)]
    results = await asyncio.gather(*futures, return_exceptions=True)
    assert results[0] == 1 and results[2] == 3
    assert isinstance(results[1], ValueError)


async def test_an_item_whose_waiter_was_cancelled_is_not_worked_on():
    done: list[int] = []
    batches = TurnBatches(done.append)
    gone = batches.submit(1)
    kept = batches.submit(2)
    gone.cancel()
    await kept
    assert done == [2]
    with pytest.raises(asyncio.CancelledError):
        await gone


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
