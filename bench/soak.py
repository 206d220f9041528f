"""Soak: the whole path at half the collector's measured capacity for 10 minutes
(`scripts/bench.sh soak`; RUM_SOAK_S changes the length). Not part of the default run.

`rum run` serves with Kafka as its transport and chdb as its store. wrk posts beacons
at half the rate the same process sustained in a short probe; every 2 s a probe beacon
with a route of its own is timed from its 204 until the API counts it. Every 10 s the
resident memory of every process (rum and the Kafka broker) is sampled. At the end the
stored page views must equal the beacons answered 204, memory must not have grown by
more than 10% after the warm-up, and freshness p99 must be under 2 s."""

import asyncio
import json
import os
import statistics
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx

from bench.collector import CONNECTIONS, lua, status_mib, wait_for_port, wrk
from tests.support import BROKER_PID, DASHBOARD_TOKEN, ROOT, free_port, make_beacon

DURATION_S = int(os.environ.get("RUM_SOAK_S", "600"))
WARM_UP_S = min(120, DURATION_S // 5)
AUTH = {"authorization": f"Bearer {DASHBOARD_TOKEN}"}


class Probes(threading.Thread):
    """Freshness: from a probe's 204 to the API counting it, every 2 s."""

    def __init__(self, url: str, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.url, self.stop, self.latencies_ms = url, stop, []

    def run(self) -> None:
        asyncio.run(self._probe_forever())

    async def _probe_forever(self) -> None:
        async with httpx.AsyncClient(timeout=10) as client:
            while not self.stop.is_set():
                route = f"probe-{uuid.uuid4().hex[:10]}"
                beacon = make_beacon("probe", id=f"pv{uuid.uuid4().hex[:20]}", route=route)
                response = await client.post(
                    f"{self.url}/v1/beacon",
                    content=json.dumps(beacon),
                    headers={"content-type": "text/plain"},
                )
                accepted = time.perf_counter()
                if response.status_code != 204:
                    continue
                params = {"site": "probe", "route": route}
                while not self.stop.is_set():
                    answer = await client.get(
                        f"{self.url}/api/v1/percentiles", params=params, headers=AUTH
                    )
                    if answer.json().get("total", {}).get("views"):
                        self.latencies_ms.append((time.perf_counter() - accepted) * 1000)
                        break
                    await asyncio.sleep(0.025)
                await asyncio.sleep(2)


def accepted_by_collector(url: str, site: str) -> int:
    """The collector's own count of beacons it answered 204 (wrk does not count the
    requests still in flight when its clock stops)."""
    for line in httpx.get(f"{url}/metrics", timeout=30).text.splitlines():
        if line.startswith(f'rum_beacons_accepted_total{{site="{site}"}}'):
            return int(float(line.split()[-1]))
    return 0


def stored(url: str, site: str, since: float) -> int:
    answer = httpx.get(
        f"{url}/api/v1/percentiles",
        params={"site": site, "from": str(since - 60), "bucket": "3600"},
        headers=AUTH,
        timeout=30,
    )
    return int(answer.json()["total"]["views"])


def run(kafka: str) -> list[tuple[str, float, float | None, str]]:
    folder = Path(tempfile.mkdtemp(prefix="rum-soak-"))
    (folder / "sites.toml").write_text(
        '[sites.soak]\norigins = ["*"]\ncount_bots = true\n'
        '[sites.probe]\norigins = ["*"]\ncount_bots = true\n'
        '[sites.capacity]\norigins = ["*"]\ncount_bots = true\n'
    )
    body = folder / "beacon.json"
    body.write_text(json.dumps(make_beacon("capacity")))
    port = free_port()
    env = {
        **os.environ,
        "RUM_TRANSPORT": f"kafka://{kafka}",
        "RUM_TOPIC": f"soak.{uuid.uuid4().hex[:8]}",
        "RUM_CONSUMER_GROUP": f"soak-{uuid.uuid4().hex[:6]}",
        "RUM_STORE": f"chdb://{folder}/ch",
        "RUM_SPOOL_DIR": str(folder / "spool"),
        "RUM_SITES_FILE": str(folder / "sites.toml"),
        "RUM_PORT": str(port),
        "RUM_RATE_PER_IP": "1000000000",
        "RUM_RATE_PER_SITE": "1000000000",
        "RUM_DASHBOARD_TOKEN": DASHBOARD_TOKEN,
        "RUM_API_CACHE_S": "0",
        "RUM_LOG_FORMAT": "text",
    }
    process = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "rum"), "run"],
        env=env,
        cwd=ROOT,
        stdout=(folder / "rum.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_port(port, 90)
        capacity = wrk(port, lua(folder, "capacity", body), seconds=10, core=None)["rps"]
        rate = capacity / 2
        body.write_text(json.dumps(make_beacon("soak")))
        paced = lua(folder, "soak", body, delay_ms=1000 * CONNECTIONS / rate)
        time.sleep(10)  # the probe's backlog drains before the clock starts

        pids = {"rum": process.pid, "kafka": int(BROKER_PID.read_text())}
        samples: dict[str, list[tuple[float, float]]] = {name: [] for name in pids}
        stop = threading.Event()
        probes = Probes(url, stop)
        started = time.time()

        def sample_memory() -> None:
            while not stop.wait(10):
                for name, pid in pids.items():
                    samples[name].append((time.time() - started, status_mib(pid, "VmRSS")))

        sampler = threading.Thread(target=sample_memory, daemon=True)
        sampler.start()
        probes.start()
        load = wrk(port, paced, seconds=DURATION_S, core=None)
        stop.set()
        probes.join(30)
        accepted = accepted_by_collector(url, "soak")
        deadline = time.time() + 120
        while (count := stored(url, "soak", started)) < accepted and time.time() < deadline:
            time.sleep(1)
    finally:
        process.terminate()
        process.wait(60)

    rows: list[tuple[str, float, float | None, str]] = [
        ("soak beacons/s offered", round(rate), round(capacity), "capacity of `rum run` here"),
        ("soak beacons answered 204", accepted, load["requests"], f"wrk's count in {DURATION_S} s"),
        ("soak error responses", load["errors"] + load["socket_errors"], 0, "none allowed"),
        ("soak page views stored", count, accepted, "answered 204 (exactly once)"),
    ]
    for name, series in samples.items():
        after = [mib for t, mib in series if t >= WARM_UP_S]
        first, last = statistics.mean(after[:6]), statistics.mean(after[-6:])
        rows.append(
            (
                f"soak {name} RSS MiB at the end",
                round(last, 1),
                round(first, 1),
                "after warm-up (growth < 10%)",
            )
        )
    fresh = sorted(probes.latencies_ms)
    p99 = fresh[min(len(fresh) - 1, round(0.99 * (len(fresh) - 1)))]
    rows += [
        ("soak freshness p50 ms", round(statistics.median(fresh)), 2000, "target"),
        ("soak freshness p99 ms", round(p99), 2000, "target"),
    ]
    return rows
