"""The whole path under steady load while parts fail: the Kafka broker killed (SIGKILL)
and restarted, and two collectors restarted one after the other behind a client that
fails over like a load balancer. Each ends with every beacon answered 204 stored exactly
once, in the raw table and in the rollup."""

import asyncio
import os
import signal
import subprocess
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

import httpx

from tests.support import (
    BROKER_PID,
    ROOT,
    free_port,
    group_progress,
    new_beacon,
    post_beacon,
    query_chdb,
    running,
    spawned,
    wait_until,
)

RUM = ".venv/bin/rum"
SITE = "load"
RATE_PER_S = 150


def stack_env(kafka: str, topic: str, tmp_path: Path) -> dict[str, str]:
    (tmp_path / "sites.toml").write_text(f'[sites.{SITE}]\norigins = ["*"]\ncount_bots = true\n')
    return {
        "RUM_TRANSPORT": f"kafka://{kafka}",
        "RUM_TOPIC": topic,
        "RUM_DEAD_LETTER_TOPIC": f"{topic}.dlq",
        "RUM_CONSUMER_GROUP": f"g-{uuid.uuid4().hex[:6]}",
        "RUM_STORE": f"chdb://{tmp_path / 'ch'}",
        "RUM_SITES_FILE": str(tmp_path / "sites.toml"),
        "RUM_RATE_PER_IP": "1000000",
        "RUM_BATCH_ROWS": "500",
        "RUM_BATCH_WAIT_MS": "300",
        "RUM_LOG_FORMAT": "text",
        "RUM_PIPELINE_PORT": str(free_port()),
    }


class Load:
    """A steady stream of beacons, round-robin over collectors; a refused connection
    moves on to the next collector, as a load balancer's retry would."""

    def __init__(self, urls: list[str]) -> None:
        self.urls = urls
        self.accepted: list[str] = []
        self.refused = 0
        self.statuses: dict[int, int] = {}

    async def run(self, seconds: float, during=None) -> None:
        async with httpx.AsyncClient(timeout=5) as client:
            background = asyncio.create_task(during()) if during else None
            deadline = time.monotonic() + seconds
            sends = []
            while time.monotonic() < deadline:
                sends.append(asyncio.create_task(self._send(client, len(sends))))
                await asyncio.sleep(1 / RATE_PER_S)
            await asyncio.gather(*sends)
            if background:
                await background

    async def _send(self, client: httpx.AsyncClient, n: int) -> None:
        beacon = new_beacon(SITE)
        for attempt in range(len(self.urls) * 3):
            url = self.urls[(n + attempt) % len(self.urls)]
            try:
                response = await post_beacon(client, url, beacon)
            except httpx.TransportError:
                self.refused += 1
                await asyncio.sleep(0.05)
                continue
            self.statuses[response.status_code] = self.statuses.get(response.status_code, 0) + 1
            if response.status_code == 204:
                self.accepted.append(beacon["id"])
            return


def catch_up_and_stop(pipeline, kafka: str, topic: str, env: dict[str, str], within_s: float):
    """Wait until the pipeline has committed everything on the topic, then stop it
    gracefully (SIGTERM: flush, commit, leave the group). The collectors must have
    stopped first: until then the topic's end is not final (a collector can still hold
    beacons it is retrying, as after a broker outage)."""

    def drained() -> bool:
        done, total = asyncio.run(group_progress(kafka, topic, env["RUM_CONSUMER_GROUP"]))
        return total > 0 and done == total

    wait_until(drained, within_s, message="the pipeline caught up")
    pipeline.send_signal(signal.SIGTERM)
    assert pipeline.wait(60) == 0


def stored(store: Path) -> dict:
    (row,) = query_chdb(
        store,
        f"SELECT count() AS rows, uniqExact(page_view_id) AS ids, "
        f"groupArray(page_view_id) AS all_ids FROM rum.page_views WHERE site = '{SITE}'",
    )
    (rollup,) = query_chdb(
        store, f"SELECT sum(views) AS views FROM rum.vitals_1m WHERE site = '{SITE}'"
    )
    return {**row, "rollup": int(rollup["views"] or 0)}


def assert_exactly_once(load: Load, result: dict) -> None:
    assert len(load.accepted) == len(set(load.accepted)) > RATE_PER_S
    assert sorted(result["all_ids"]) == sorted(load.accepted)  # none lost, none doubled
    assert int(result["rows"]) == int(result["ids"]) == result["rollup"] == len(load.accepted)


def migrate(env: dict[str, str], log: Path) -> None:
    with spawned([RUM, "migrate"], env, log) as process:
        assert process.wait(120) == 0, log.read_text()[-2000:]


def test_the_broker_killed_and_restarted_under_load(kafka, topic, tmp_path):
    env = stack_env(kafka, topic, tmp_path)
    migrate(env, tmp_path / "migrate.log")
    with ExitStack() as stack:
        stack.callback(resume_broker)  # the broker comes back however the test ends
        collector = stack.enter_context(running([RUM, "collector"], env, tmp_path / "c.log"))
        pipeline = stack.enter_context(spawned([RUM, "pipeline"], env, tmp_path / "p.log"))
        load = Load([collector.url])

        async def outage() -> None:
            await asyncio.sleep(3)
            os.kill(int(BROKER_PID.read_text()), signal.SIGKILL)
            await asyncio.sleep(5)
            await asyncio.to_thread(resume_broker)

        asyncio.run(load.run(14, outage))
        assert collector.stopped_cleanly()  # SIGTERM: its buffer drains into Kafka
        catch_up_and_stop(pipeline, kafka, topic, env, within_s=90)
    assert load.statuses.get(204, 0) == len(load.accepted) and not load.statuses.get(500)
    assert "Connection refused" in (tmp_path / "c.log").read_text()  # the outage was felt
    assert_exactly_once(load, stored(tmp_path / "ch"))


def test_a_rolling_restart_of_two_collectors_under_load(kafka, topic, tmp_path):
    env = stack_env(kafka, topic, tmp_path)
    migrate(env, tmp_path / "migrate.log")
    with ExitStack() as stack:
        pipeline = stack.enter_context(spawned([RUM, "pipeline"], env, tmp_path / "p.log"))
        servers = [
            stack.enter_context(running([RUM, "collector"], env, tmp_path / f"c{i}.log"))
            for i in range(2)
        ]
        load = Load([server.url for server in servers])
        replacements = []

        async def rolling_restart() -> None:
            for i, server in enumerate(servers):
                await asyncio.sleep(2)
                # SIGTERM: stops accepting, drains its buffer into Kafka, exits.
                assert await asyncio.to_thread(server.stopped_cleanly)
                port = server.url.rsplit(":", 1)[1]
                again = running(
                    [RUM, "collector"], {**env, "RUM_PORT": port}, tmp_path / f"r{i}.log"
                )
                replacement = await asyncio.to_thread(stack.enter_context, again)
                assert replacement.url == server.url
                replacements.append(replacement)

        asyncio.run(load.run(12, rolling_restart))
        for replacement in replacements:
            replacement.stop()  # SIGTERM: its buffer drains into Kafka
        catch_up_and_stop(pipeline, kafka, topic, env, within_s=60)
    assert load.refused > 0  # the restarts were felt, and the client failed over
    assert_exactly_once(load, stored(tmp_path / "ch"))


def resume_broker() -> None:
    """Start the broker again on its data (no-op when it is running)."""
    subprocess.run(
        [str(ROOT / "scripts" / "kafka.sh"), "resume"], check=True, timeout=120, capture_output=True
    )
