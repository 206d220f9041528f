import asyncio

import pytest

from beacon.turns import TurnBatches


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


async def test_waiters_are_told_only_once_the_whole_run_is_worked():
    events: list[str] = []

    class Told:
        def __init__(self, name: str) -> None:
            self.name = name

        def cancelled(self) -> bool:
            return False

        def set_result(self, result: int) -> None:
            events.append(f"told {self.name}")

        def set_exception(self, error: BaseException) -> None:
            events.append(f"failed {self.name}")

    def work(name: str) -> int:
        events.append(f"work {name}")
        if name == "b":
            raise ValueError(name)
        return 1

    batches = TurnBatches(work)
    for name in "abc":
        batches.submit_to(name, Told(name))
    await asyncio.sleep(0)
    assert events == ["work a", "work b", "work c", "told a", "failed b", "told c"]


async def test_a_run_is_settled_before_its_waiters_are_told():
    events: list[str] = []
    batches = TurnBatches(
        lambda n: events.append(f"work {n}") or n, lambda: events.append("settle")
    )
    futures = [batches.submit(n) for n in (1, 2)]
    for future in futures:
        future.add_done_callback(lambda f: events.append(f"told {f.result()}"))
    await asyncio.gather(*futures)
    await asyncio.sleep(0)  # done callbacks run in the next turn
    assert events == ["work 1", "work 2", "settle", "told 1", "told 2"]


async def test_a_settle_that_fails_is_every_successful_items_outcome():
    def work(n: int) -> int:
        if n == 2:
            raise ValueError("two")
        return n

    def settle() -> None:
        raise OSError("disk full")

    batches = TurnBatches(work, settle)
    results = await asyncio.gather(*(batches.submit(n) for n in (1, 2, 3)), return_exceptions=True)
    assert [type(r) for r in results] == [OSError, ValueError, OSError]
