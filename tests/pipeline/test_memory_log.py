"""The in-process log: bounded, ordered, kept until committed."""

import asyncio

import pytest

from pipeline.memory_log import LogFull, MemoryLog, MemorySource


def test_entries_are_read_in_order_and_freed_on_commit():
    log = MemoryLog(capacity=3)
    for value in (b"a", b"b", b"c"):
        log.append(value)
    with pytest.raises(LogFull):
        log.append(b"d")
    assert [m.value for m in log.read(2)] == [b"a", b"b"]
    assert [m.offset for m in log.read(5)] == [2]
    log.commit(2)
    assert len(log) == 1 and log.committed == 2
    log.append(b"d")
    assert [m.offset for m in log.read(5)] == [3]


def test_each_process_run_gets_its_own_topic_name():
    assert MemoryLog(1).topic != MemoryLog(1).topic


async def test_a_reader_waits_for_the_next_append():
    log = MemoryLog(capacity=10)

    async def later():
        await asyncio.sleep(0.05)
        log.append(b"x")

    task = asyncio.create_task(later())
    await log.wait(timeout_s=5)
    assert [m.value for m in log.read(10)] == [b"x"]
    await task


async def test_its_lag_is_what_is_appended_and_not_yet_committed():
    log = MemoryLog(capacity=10)
    source = MemorySource(log)
    for value in (b"a", b"b", b"c"):
        log.append(value)
    assert source.lag() == {0: 3}
    read = await source.poll(0.1, 10)
    assert source.lag() == {0: 3}  # read is not done
    await source.commit({0: read[1].offset + 1})
    assert source.lag() == {0: 1}


def test_a_log_kept_on_disk_goes_on_at_its_offsets_and_tells_its_commits():
    commits: list[int] = []
    log = MemoryLog(capacity=2, topic="memory-spool", first_offset=40, on_commit=commits.append)
    for value in (b"a", b"b", b"c"):  # what a killed process held: taken beyond the capacity
        log.restore(value)
    assert log.topic == "memory-spool" and log.next_offset == 43
    assert [m.offset for m in log.read(5)] == [40, 41, 42]
    with pytest.raises(LogFull):
        log.append(b"d")
    log.commit(42)
    assert commits == [42] and len(log) == 1
