"""The dead-letter topic for operators, against the real broker and engine: a summary
by reason, and a replay that sends each dead letter back exactly once, after which the
pipeline stores what is valid now and dead-letters the rest again."""

import asyncio
import os
import subprocess
import uuid

from aiokafka import AIOKafkaProducer

from pipeline.replay import replay, summarise
from tests.support import ROOT, count_rows, records_for, rollup_views, run_rum, run_until_stored


async def dead_letter(kafka: str, topic: str, letters: list[tuple[bytes, str]]) -> None:
    """Write to the dead-letter topic as the pipeline does (reason and source headers)."""
    producer = AIOKafkaProducer(bootstrap_servers=kafka, acks="all")
    await producer.start()
    try:
        for offset, (value, reason) in enumerate(letters):
            headers = [("reason", reason.encode()), ("source", f"{topic}/0/{offset}".encode())]
            await producer.send_and_wait(f"{topic}.dlq", value, headers=headers)
    finally:
        await producer.stop()


async def test_the_summary_counts_dead_letters_by_reason_and_shows_the_newest(kafka, topic):
    await dead_letter(
        kafka,
        topic,
        [
            (b"{", "invalid_record: page_view.seq: too small"),
            (b"{", "invalid_record: page_view: invalid JSON"),
            (b"x" * 10, "too_large"),
            (b"{", "invalid_record: bucky.type: not a type"),
        ],
    )
    summary = await summarise(kafka, f"{topic}.dlq", newest=2)
    assert summary.count == 4
    assert summary.by_reason == {"invalid_record": 3, "too_large": 1}
    assert [(d.offset, d.reason, d.size) for d in summary.newest] == [
        (2, "too_large", 10),
        (3, "invalid_record: bucky.type: not a type", 1),
    ]
    assert summary.newest[0].source == f"{topic}/0/2"


async def test_a_replay_sends_each_dead_letter_back_once_and_they_are_stored(
    kafka, topic, store, site
):
    good = records_for(site, 5)
    refused = "invalid_record: page_view: refused by an older pipeline"
    await dead_letter(
        kafka,
        topic,
        [
            (b"\n".join(good[:3]), refused),  # a whole packed message
            (good[3], refused),
            (b"", "empty"),  # can never be stored: not sent back
            (b"{still not json", "invalid_record: page_view: invalid JSON"),
            (good[4], refused),
        ],
    )
    group = f"g-{uuid.uuid4().hex[:6]}.replay"
    assert await replay(kafka, f"{topic}.dlq", topic, group) == 4
    assert await replay(kafka, f"{topic}.dlq", topic, group) == 0  # each is sent once

    group = f"g-{uuid.uuid4().hex[:6]}"
    await run_until_stored(kafka, topic, group, store, site, 5, dead_letters=1)
    assert count_rows(store, site) == 5 == rollup_views(store, site)
    summary = await summarise(kafka, f"{topic}.dlq")
    assert summary.count == 6  # the line still invalid came back, alone
    newest = summary.newest[-1]
    assert newest.size == len(b"{still not json") and newest.source.startswith(f"{topic}/")


async def test_an_aborted_replay_is_never_stored(kafka, topic, store, site):
    """A replay that dies mid-transaction is aborted; the pipeline reads committed
    messages only."""
    aborted, committed = records_for(site, 3), records_for(site, 2)
    producer = AIOKafkaProducer(bootstrap_servers=kafka, transactional_id=f"t-{uuid.uuid4()}")
    await producer.start()
    try:
        await producer.begin_transaction()
        for value in aborted:
            await producer.send(topic, value, key=site.encode())
        await producer.abort_transaction()
        async with producer.transaction():
            for value in committed:
                await producer.send(topic, value, key=site.encode())
    finally:
        await producer.stop()

    await run_until_stored(kafka, topic, f"g-{uuid.uuid4().hex[:6]}", store, site, 2)
    await asyncio.sleep(1)  # time for the aborted ones to arrive, if they could
    assert count_rows(store, site) == 2 == rollup_views(store, site)


def test_the_command_summarises_and_replays(kafka, topic, site):
    asyncio.run(dead_letter(kafka, topic, [(records_for(site, 1)[0], "invalid_record: a: b")]))
    env = {
        **os.environ,
        "RUM_TRANSPORT": f"kafka://{kafka}",
        "RUM_TOPIC": topic,
        "RUM_DEAD_LETTER_TOPIC": f"{topic}.dlq",
        "RUM_CONSUMER_GROUP": f"g-{uuid.uuid4().hex[:6]}",
        "RUM_LOG_FORMAT": "text",
    }

    def rum(*args: str) -> str:
        done = subprocess.run(
            [".venv/bin/rum", *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    summary = rum("dead-letters")
    assert f"1 dead letters in {topic}.dlq" in summary
    assert "invalid_record" in summary and f"from {topic}/0/0" in summary
    replayed = rum("dead-letters", "--replay")
    assert replayed == f"replayed 1 dead letters from {topic}.dlq to {topic}\n"
    assert rum("dead-letters", "--replay").startswith("replayed 0 ")


def test_a_missing_dead_letter_topic_is_one_line_that_says_what_makes_it(kafka):
    missing = f"test.{uuid.uuid4().hex[:10]}.dlq"
    env = {"RUM_TRANSPORT": f"kafka://{kafka}", "RUM_DEAD_LETTER_TOPIC": missing}
    result = run_rum("dead-letters", env=env)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        f"rum: topic {missing} does not exist: `rum migrate` creates it"
    )
