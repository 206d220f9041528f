"""Helpers for tests that run real processes: free ports, servers stopped by PID,
reading another process's chdb store, and polling with a deadline."""

import asyncio
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from aiokafka import AIOKafkaConsumer

from pipeline.batching import Limits
from pipeline.consumer import Pipeline
from pipeline.dead_letters import KafkaDeadLetters, LoggedDeadLetters
from pipeline.kafka_source import KafkaSource
from pipeline.sink import ClickHouseSink

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


BROKER_PID = Path(os.environ.get("RUM_CACHE", ROOT / ".cache")) / "kafka" / "run" / "kafka.pid"
BROKER_CA = BROKER_PID.parent / "tls" / "ca.pem"
"""The certificate of the broker's TLS listener (127.0.0.1:9094, scripts/kafka.sh)."""
"""Where scripts/kafka.sh keeps the PID of the broker it started."""
ARTIFACTS = ROOT / "test-artifacts"
"""Screenshots and other things a person should look at after a run."""
DASHBOARD_TOKEN = "test-dashboard-token"
"""The dashboard token `running` gives its processes (unless a test passes its own)."""


def api(url: str, answer: str, token: str = DASHBOARD_TOKEN, **params: object) -> dict:
    """One answer of the collector's JSON API, as a dashboard would ask for it."""
    response = httpx.get(
        f"{url}/api/v1/{answer}", params=params, headers={"authorization": f"Bearer {token}"}
    )
    response.raise_for_status()
    return response.json()


def run_rum(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`rum ARGS` as an operator runs it, with only `env` set: its exit status and output."""
    return subprocess.run(
        [".venv/bin/rum", *args],
        env={"PATH": "/usr/bin:/bin", **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def query_chdb(path: Path, sql: str, write: bool = False) -> list[dict]:
    """Read (or with `write`, change) another process's chdb store while that process
    is stopped, from a child process, since this one may already hold another path."""
    code = "import json,sys; from pipeline.store import open_store; c=open_store(sys.argv[1]); " + (
        "c.command(sys.argv[2]); print('[]')"
        if write
        else "print(json.dumps(list(c.query(sys.argv[2]).named_results()), default=str))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, f"chdb://{path}", sql],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        check=True,
    )
    return json.loads(out.stdout)


class Server:
    def __init__(self, process: subprocess.Popen, url: str, log: Path) -> None:
        self.process = process
        self.url = url
        self.log = log

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM (graceful drain), then SIGKILL if it does not exit in time. Returns
        the exit status (uvicorn re-raises SIGTERM after its graceful shutdown: -15)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        return self.process.returncode

    def stopped_cleanly(self) -> bool:
        return self.stop() in (0, -signal.SIGTERM) and "stopped cleanly" in self.log.read_text()


@contextmanager
def running(
    command: list[str], env: dict[str, str], log: Path, ready_timeout: float = 90
) -> Iterator[Server]:
    """Start a `rum` process on a free 127.0.0.1 port, wait for /readyz, and stop it
    by PID however the test ends. A RUM_PORT in `env` is kept (a restart in place);
    a collector spools beside its log unless `env` names a RUM_SPOOL_DIR."""
    port = int(env.get("RUM_PORT") or free_port())
    full_env = {
        **os.environ,
        "RUM_HOST": "127.0.0.1",
        "RUM_PORT": str(port),
        "RUM_DASHBOARD_TOKEN": DASHBOARD_TOKEN,
        "RUM_SPOOL_DIR": str(log.with_suffix(".spool")),
        **env,
    }
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, env=full_env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
        )
    server = Server(process, f"http://127.0.0.1:{port}", log)
    try:
        deadline = time.monotonic() + ready_timeout
        while True:
            if process.poll() is not None:
                raise AssertionError(f"{command} exited early:\n{log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{server.url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{command} not ready in {ready_timeout}s:\n{log.read_text()[-3000:]}"
                )
            time.sleep(0.2)
        yield server
    finally:
        server.stop()


@contextmanager
def spawned(command: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen]:
    """A process without an HTTP endpoint (the pipeline, a lock holder): started with
    its output in `log`, and killed by PID however the test ends."""
    spool = {"RUM_SPOOL_DIR": str(log.with_suffix(".spool"))}
    with log.open("ab") as out:
        process = subprocess.Popen(
            command,
            env={**os.environ, **spool, **env},
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)


@contextmanager
def disk_full_after(size: int):
    """Writes past `size` bytes fail, as on a full disk (the file-size limit: EFBIG)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)


async def produce(kafka: str, topic: str, key: str, values: list[bytes]) -> None:
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(bootstrap_servers=kafka, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        for value in values:
            await producer.send(topic, value, key=key.encode())
        await producer.flush()
    finally:
        await producer.stop()


async def group_progress(kafka: str, topic: str, group: str) -> tuple[int, int]:
    """(messages committed by the group, messages in the topic), over all partitions."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    consumer = AIOKafkaConsumer(bootstrap_servers=kafka, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        if not partitions:
            await consumer._client.force_metadata_update()
            partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
        ends = await consumer.end_offsets(partitions)
        committed = [await consumer.committed(tp) or 0 for tp in partitions]
        return sum(committed), sum(ends.values())
    finally:
        await consumer.stop()


def pipeline_status(env: dict[str, str], path: str) -> httpx.Response:
    """GET a path of a `rum pipeline` process's status server (RUM_PIPELINE_PORT)."""
    return httpx.get(f"http://127.0.0.1:{env['RUM_PIPELINE_PORT']}{path}", timeout=5)


def pipeline_ready(env: dict[str, str]) -> bool:
    """A `rum pipeline` process answers its /readyz with 200 (its status server starts
    a moment after the process does)."""
    try:
        return pipeline_status(env, "/readyz").status_code == 200
    except httpx.TransportError:
        return False


def pipeline_metric(env: dict[str, str], name: str) -> float:
    """A sample's value (a labelled family's summed) scraped from a `rum pipeline`."""
    from prometheus_client.parser import text_string_to_metric_families

    families = text_string_to_metric_families(pipeline_status(env, "/metrics").text)
    return sum(s.value for f in families for s in f.samples if s.name == name)


def exposed_metrics(store, folder: Path) -> dict[str, set[str]]:
    """{sample name: its label names} over the /metrics of both roles: a collector that
    accepted a beacon, refused one, rate-limited one and took a Bucky line, and a
    pipeline that dead-lettered a message."""
    from prometheus_client.parser import text_string_to_metric_families
    from starlette.testclient import TestClient

    from beacon.app import create_app
    from beacon.pipeline_status import pipeline_status_app
    from beacon.publishers.memory import MemoryPublisher
    from beacon.runtime import pipeline_service
    from beacon.settings import Settings
    from beacon.sites import Site, SiteRegistry
    from pipeline.memory_log import MemoryLog

    (folder / "rum.js").write_text("/* snippet */")
    collector = create_app(
        Settings(snippet_path=str(folder / "rum.js"), rate_per_ip=1),  # bursts of 2
        publisher=MemoryPublisher(MemoryLog(10)),
        sites=SiteRegistry([Site("shop", frozenset({"*"}))]),
    )
    with TestClient(collector) as client:
        for body in (json.dumps(make_beacon("shop")), "{not json", "{rate limited"):
            client.post("/v1/beacon", content=body, headers={"content-type": "text/plain"})
        client.post("/bucky/v1/send", content="app.load:812|ms")
        texts = [client.get("/metrics").text]
    service = pipeline_service(Settings(), store, MemoryLog(10))
    service.pipeline.stats.dead_letters["invalid_record"] += 1
    texts.append(TestClient(pipeline_status_app(service)).get("/metrics").text)
    labels: dict[str, set[str]] = {}
    for text in texts:
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                labels.setdefault(sample.name, set()).update(sample.labels)
    return labels


def wait_until(predicate, timeout: float, interval: float = 0.2, message: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)


DESKTOP_CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)


def records_for(site: str, count: int, **overrides: object) -> list[bytes]:
    """Transport messages for `count` page views of a site, made by the real ingestion
    steps from realistic beacons (load times 905.6 + i ms), with `overrides` as in
    make_beacon."""
    from beacon.ingest import Ingestion, Received
    from beacon.sites import Site, SiteRegistry

    ingestion = Ingestion(lambda: SiteRegistry([Site(site, frozenset({"*"}))]))
    messages = []
    for i in range(count):
        beacon = make_beacon(site, **{"id": f"pv-{site}-{i:05d}", **overrides})
        beacon["nav"]["loadEventEnd"] = 905.6 + i
        received = Received(
            json.dumps(beacon).encode(), None, int(time.time() * 1000), DESKTOP_CHROME
        )
        messages.append(json.dumps(ingestion(received)).encode())
    return messages


def insert_settling_views(store, site: str, hour, views: int, first_id: int = 0) -> None:
    """`views` page views in `hour` (a datetime): first beacons with small CLS and no
    INP, follow-ups a minute later with the final, larger values (CLS 0.3, INP 320).
    Views 0, 3, 6, ... are on mobile; the odd ones on route /a, the even on /b."""
    from pipeline.records import PAGE_VIEW_COLUMNS, PageViewRecord

    ts = int(hour.timestamp() * 1000) + 60_000
    rows = []
    for i in range(first_id, first_id + views):
        first = dict(
            site=site,
            page_view_id=f"settle{i:05d}",
            ts=ts + i,
            received_at=0,
            url="https://x/",
            route="/a" if i % 2 else "/b",
            device_class="mobile" if i % 3 == 0 else "desktop",
            navigation_type="navigate",
            load_event_end=900.0,
        )
        rows.append(PageViewRecord(**first, seq=0, cls=0.05))
        rows.append(
            PageViewRecord(
                **{**first, "ts": ts + 60_000 + i, "load_event_end": 0.0}, seq=1, cls=0.3, inp=320.0
            )
        )
    store.insert(
        "rum.page_views",
        [[getattr(r, c) for c in PAGE_VIEW_COLUMNS] for r in rows],
        column_names=PAGE_VIEW_COLUMNS,
    )


def make_beacon(site: str = "demo", **overrides: object) -> dict:
    """A realistic v1 beacon as the snippet sends it."""
    now = time.time() * 1000
    beacon = {
        "v": 1,
        "site": site,
        "id": f"pv{int(now)}{os.urandom(3).hex()}",
        "url": "https://shop.example/products/42?utm_source=mail&email=a@b.c#reviews",
        "t": round(now - 5_000),
        "sent": round(now),
        "nav": {
            "type": "navigate",
            "nextHopProtocol": "h2",
            "deliveryType": "",
            "workerStart": 0,
            "redirectStart": 0,
            "redirectEnd": 0,
            "fetchStart": 1.2,
            "domainLookupStart": 3.4,
            "domainLookupEnd": 20.1,
            "connectStart": 20.1,
            "secureConnectionStart": 31.5,
            "connectEnd": 60.7,
            "requestStart": 61.0,
            "responseStart": 180.4,
            "responseEnd": 210.9,
            "domInteractive": 480.2,
            "domContentLoadedEventStart": 481.0,
            "domContentLoadedEventEnd": 490.3,
            "domComplete": 900.8,
            "loadEventStart": 901.0,
            "loadEventEnd": 905.6,
            "activationStart": 0,
            "redirectCount": 0,
            "transferSize": 35120,
            "encodedBodySize": 34820,
            "decodedBodySize": 120400,
            "responseStatus": 200,
        },
        "fcp": 612.3,
    }
    beacon.update(overrides)
    return beacon


SNIPPET_RUNNING = "!String(history.pushState).includes('[native code]')"
"""A page-side test that the snippet's stage two has run: its set-up, one synchronous
task, wraps history.pushState to see route changes."""


@contextmanager
def chromium() -> Iterator:
    """Debian's Chromium driven by Playwright (no browser download), with the
    back/forward cache on as in users' browsers (Playwright turns it off by default)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            ignore_default_args=["--disable-back-forward-cache"],
        )
        try:
            yield browser
        finally:
            browser.close()


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot as a test artefact, to be looked at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page, url: str, token: str = DASHBOARD_TOKEN) -> None:
    """Sign in to the built-in dashboard through its form, and wait for it to load."""
    page.goto(f"{url}/dashboard")
    page.fill("input[name=token]", token)
    page.click("button[type=submit]")
    page.wait_for_selector("body[data-loaded]", state="attached")


@dataclass(frozen=True)
class Page:
    body: str | bytes
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    delay_s: float = 0.0
    """Wait before the first byte (a slow server)."""
    content_type: str = "text/html; charset=utf-8"


@contextmanager
def page_server(pages: dict[str, "str | Page"]) -> Iterator[str]:
    """Serve pages on a free 127.0.0.1 port, in a thread; yields the origin. The dict
    may be filled in after start."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            page = pages.get(self.path.split("?")[0])
            if page is None:
                self.send_error(404)
                return
            if isinstance(page, str):
                page = Page(page)
            time.sleep(page.delay_s)
            data = page.body.encode() if isinstance(page.body, str) else page.body
            self.send_response(page.status)
            self.send_header("content-type", page.content_type)
            self.send_header("content-length", str(len(data)))
            if not any(name.lower() == "cache-control" for name, _ in page.headers):
                self.send_header("cache-control", "no-store" if page.status != 200 else "max-age=0")
            for name, value in page.headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    class Server(ThreadingHTTPServer):
        def handle_error(self, request: object, client_address: object) -> None:
            # A browser that left a page while it was being answered is no server error.
            if not isinstance(sys.exc_info()[1], ConnectionError):
                super().handle_error(request, client_address)

    server = Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def serve_in_thread(app, port: int, timeout: float = 30, **options: object) -> Iterator[str]:
    """Run an ASGI app with uvicorn in a background thread of this process (so tests
    can read the store it writes); always shut down when the block ends. `options`
    change uvicorn's."""
    import threading

    import uvicorn

    from beacon.cli import server_options
    from beacon.collect import BeaconHotPath

    # The collector is served as `rum` serves it (beacons in the HTTP lane); other apps plainly.
    served_as = server_options(app) if isinstance(app, BeaconHotPath) else {"log_level": "warning"}
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="on", **served_as, **options)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise AssertionError("in-process server did not start")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout)


# The pipeline against the real broker and engine (tests/pipeline).

FAST = Limits(rows=20, bytes=1 << 20, wait_s=0.3)


def new_beacon(site: str) -> dict:
    """A beacon with a page-view id of its own (load tests send thousands)."""
    return make_beacon(site, id=f"pv{uuid.uuid4().hex[:20]}")


async def post_beacon(client: httpx.AsyncClient, url: str, beacon: dict) -> httpx.Response:
    """POST one beacon to a collector at `url` as the snippet does (text/plain)."""
    return await client.post(
        f"{url}/v1/beacon", content=json.dumps(beacon), headers={"content-type": "text/plain"}
    )


async def post_under_load(
    url: str, seconds: float, at_s: float, interrupt, site: str = "load"
) -> list[str]:
    """16 clients post beacons for `seconds`, calling `interrupt()` after `at_s`; the ids
    answered 204. A beacon whose request failed was never answered."""
    accepted: list[str] = []
    deadline = time.monotonic() + seconds

    async def sender(client: httpx.AsyncClient) -> None:
        while time.monotonic() < deadline:
            beacon = new_beacon(site)
            try:
                response = await post_beacon(client, url, beacon)
            except httpx.HTTPError:
                await asyncio.sleep(0.01)  # refused: the collector is going away
                continue
            if response.status_code == 204:
                accepted.append(beacon["id"])

    async with httpx.AsyncClient(timeout=5) as client:
        senders = [asyncio.create_task(sender(client)) for _ in range(16)]
        await asyncio.sleep(at_s)
        interrupt()
        await asyncio.gather(*senders)
    return accepted


def count_rows(store, site: str) -> int:
    return store.query(
        "SELECT count() FROM rum.page_views WHERE site = {s:String}", parameters={"s": site}
    ).result_rows[0][0]


def rollup_views(store, site: str) -> int:
    return store.query(
        "SELECT sum(views) FROM rum.vitals_1m WHERE site = {s:String}", parameters={"s": site}
    ).result_rows[0][0]


async def wait_for_rows(store, site: str, expected: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while (found := await asyncio.to_thread(count_rows, store, site)) < expected:
        assert time.monotonic() < deadline, f"{found} of {expected} rows after {timeout}s"
        await asyncio.sleep(0.2)


async def run_until_stored(
    kafka, topic, group, store, site: str, rows: int, dead_letters: int = 0
) -> Pipeline:
    """A pipeline with a real dead-letter topic, run until `rows` page views are stored
    and `dead_letters` messages were dead-lettered (when the test expects some)."""
    letters = KafkaDeadLetters(kafka, topic, f"{topic}.dlq")
    pipeline = new_pipeline(kafka, topic, group, ClickHouseSink(store), letters)
    task = asyncio.create_task(pipeline.run())
    await wait_for_rows(store, site, rows)
    deadline = time.monotonic() + 30
    while pipeline.stats.poison < dead_letters and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    pipeline.stop()
    await task
    return pipeline


async def dead_lettered(kafka: str, dlq_topic: str) -> list:
    """The messages in the dead-letter topic (what one fetch brings)."""
    dlq = AIOKafkaConsumer(
        dlq_topic, bootstrap_servers=kafka, auto_offset_reset="earliest", group_id=None
    )
    await dlq.start()
    try:
        return [m for batch in (await dlq.getmany(timeout_ms=10_000)).values() for m in batch]
    finally:
        await dlq.stop()


def new_pipeline(kafka, topic, group, sink, dead_letters=None) -> Pipeline:
    return Pipeline(
        KafkaSource(kafka, topic, group), sink, dead_letters or LoggedDeadLetters(), FAST
    )
