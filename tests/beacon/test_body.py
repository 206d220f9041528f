"""Reading a body: within its size limit, and within its deadline, which one watchdog
keeps for every request."""

import asyncio

import pytest

from beacon.body import BodyReader
from beacon.ingest import Rejected


def messages(*chunks: bytes, stall: bool = False):
    """An ASGI receive() giving the chunks; with stall, the client stops sending after
    them (the last says more is coming) and receive() waits forever."""
    queue = [
        {"type": "http.request", "body": c, "more_body": stall or i < len(chunks) - 1}
        for i, c in enumerate(chunks)
    ]

    async def receive():
        if queue:
            return queue.pop(0)
        await asyncio.Event().wait()

    return receive


def read(reader: BodyReader, receive, declared: str | None = None, watch: bool = True):
    async def go():
        watchdog = asyncio.create_task(reader.watch()) if watch else None
        try:
            return await reader.read(receive, declared)
        finally:
            if watchdog:
                watchdog.cancel()

    return asyncio.run(go())


def test_a_body_in_one_message_or_many_is_read_whole():
    reader = BodyReader(limit=100)
    assert read(reader, messages(b"abc")) == b"abc"
    assert read(reader, messages(b"ab", b"c", b"")) == b"abc"


@pytest.mark.parametrize(
    ("chunks", "declared"), [((b"x" * 10,), "101"), ((b"x" * 60, b"x" * 60), None)]
)
def test_a_body_over_the_limit_is_refused_as_soon_as_that_is_known(chunks, declared):
    with pytest.raises(Rejected) as refused:
        read(BodyReader(limit=100), messages(*chunks), declared)
    assert refused.value.status == 413


def test_a_nonsense_content_length_is_refused():
    with pytest.raises(Rejected) as refused:
        read(BodyReader(limit=100), messages(b"x"), "12abc")
    assert refused.value.status == 400


def test_a_stalled_body_is_cut_off_at_its_deadline_with_408():
    reader = BodyReader(limit=100, timeout_s=0.2, every_s=0.05)

    async def go():
        watchdog = asyncio.create_task(reader.watch())
        started = asyncio.get_running_loop().time()
        with pytest.raises(Rejected) as refused:
            await reader.read(messages(b"part", stall=True), None)
        waited = asyncio.get_running_loop().time() - started
        # The request's task is not left cancelled: it goes on to answer the client.
        await asyncio.sleep(0.01)
        watchdog.cancel()
        return refused.value, waited

    refusal, waited = asyncio.run(go())
    assert refusal.status == 408 and refusal.reason == "body_timeout"
    assert 0.2 <= waited < 0.4


def test_reads_within_their_deadline_are_never_cut_off():
    reader = BodyReader(limit=100, timeout_s=0.2, every_s=0.05)

    async def slow_but_in_time():
        chunks = iter([b"a", b"b"])

        async def receive():
            await asyncio.sleep(0.05)
            body = next(chunks, b"")
            return {"type": "http.request", "body": body, "more_body": body != b""}

        return await reader.read(receive, None)

    async def go():
        watchdog = asyncio.create_task(reader.watch())
        bodies = await asyncio.gather(*(slow_but_in_time() for _ in range(50)))
        await asyncio.sleep(0.3)  # past every deadline: nothing left to cut off
        watchdog.cancel()
        return bodies

    assert asyncio.run(go()) == [b"ab"] * 50


def test_a_real_cancellation_is_not_mistaken_for_a_timeout():
    reader = BodyReader(limit=100, timeout_s=10)

    async def go():
        reading = asyncio.create_task(reader.read(messages(b"x", stall=True), None))
        await asyncio.sleep(0.01)
        reading.cancel()
        with pytest.raises(asyncio.CancelledError):
            await reading

    asyncio.run(go())
