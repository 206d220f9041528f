"""End-to-end freshness under moderate load: from the collector's 204 to the page view
being counted by the percentile API, through Kafka, the pipeline and the rollups.

`rum run` serves with Kafka as its transport; a background load posts beacons at a
steady rate while probe beacons, each with a route of its own, are timed from their
204 until the API counts them."""

import asyncio
import json
import os
import statistics
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from bench.collector import wait_for_port
from tests.support import DASHBOARD_TOKEN, DESKTOP_CHROME, ROOT, free_port, make_beacon

LOAD_PER_S = 200
PROBES = 40
HEADERS = {"content-type": "text/plain", "user-agent": DESKTOP_CHROME}
AUTH = {"authorization": f"Bearer {DASHBOARD_TOKEN}"}


async def post(client: httpx.AsyncClient, url: str, beacon: dict) -> None:
    response = await client.post(f"{url}/v1/beacon", content=json.dumps(beacon), headers=HEADERS)
    response.raise_for_status()


async def background(client: httpx.AsyncClient, url: str, stop: asyncio.Event) -> None:
    while not stop.is_set():
        await post(client, url, make_beacon("load", id=f"pv{uuid.uuid4().hex[:20]}"))
        await asyncio.sleep(1 / LOAD_PER_S)


async def probe(client: httpx.AsyncClient, url: str, n: int) -> float:
    route = f"probe-{n}-{uuid.uuid4().hex[:6]}"
    await post(client, url, make_beacon("bench", id=f"pv{uuid.uuid4().hex[:20]}", route=route))
    accepted = time.perf_counter()
    params = {"site": "bench", "route": route}
    while True:
        answer = await client.get(f"{url}/api/v1/percentiles", params=params, headers=AUTH)
        series = answer.json()["series"]
        if sum(point["views"] for point in series) >= 1:
            return (time.perf_counter() - accepted) * 1000
        await asyncio.sleep(0.025)


async def measure(url: str) -> list[float]:
    async with httpx.AsyncClient(timeout=10) as client:
        stop = asyncio.Event()
        load = asyncio.create_task(background(client, url, stop))
        await asyncio.sleep(2)
        probes = []
        for n in range(PROBES):
            probes.append(asyncio.create_task(probe(client, url, n)))
            await asyncio.sleep(0.4)
        results = await asyncio.gather(*probes)
        stop.set()
        await load
        return results


def run(kafka: str) -> list[tuple[str, float, float | None, str]]:
    folder = Path(tempfile.mkdtemp(prefix="rum-bench-fresh-"))
    (folder / "sites.toml").write_text(
        '[sites.bench]\norigins = ["*"]\n[sites.load]\norigins = ["*"]\n'
    )
    port = free_port()
    env = {
        **os.environ,
        "RUM_TRANSPORT": f"kafka://{kafka}",
        "RUM_TOPIC": f"fresh.{uuid.uuid4().hex[:8]}",
        "RUM_CONSUMER_GROUP": f"fresh-{uuid.uuid4().hex[:6]}",
        "RUM_STORE": f"chdb://{folder}/ch",
        "RUM_SPOOL_DIR": str(folder / "spool"),
        "RUM_SITES_FILE": str(folder / "sites.toml"),
        "RUM_PORT": str(port),
        "RUM_RATE_PER_IP": "100000",
        "RUM_DASHBOARD_TOKEN": DASHBOARD_TOKEN,
        "RUM_API_CACHE_S": "0",  # every probe asks the store, as a fresh dashboard would
    }
    process = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "rum"), "run"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, 60)
        freshness = sorted(asyncio.run(measure(f"http://127.0.0.1:{port}")))
    finally:
        process.terminate()
        process.wait(60)
    p99 = freshness[min(len(freshness) - 1, round(0.99 * (len(freshness) - 1)))]
    return [
        (
            "freshness p50 ms (accept -> queryable)",
            round(statistics.median(freshness)),
            2000,
            "the 2 s target",
        ),
        ("freshness p99 ms (accept -> queryable)", round(p99), 2000, "the 2 s target"),
    ]
