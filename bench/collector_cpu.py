"""The collector's own CPU per beacon, without the network: a steadier instrument than
wrk on a shared machine, for changes worth a microsecond or two.

The real protocol (the HTTP lane on uvicorn's httptools protocol), app and ingestion
are fed whole HTTP requests through a transport that only counts the answers; the
event loop runs each turn's beacons as in the server, and the Kafka publisher takes
them with its spool on disk (its delivery is left out: the wrk benchmark has it).
Measured with the process's CPU clock, best of ROUNDS, for two kinds of traffic:

- one client and one page, as wrk sends them: every cache of the collector hits;
- as deployed behind a load balancer: the peer a trusted proxy, each beacon from a new
  client address (X-Forwarded-For) and for a new page (a product id in the path).
"""

import asyncio
import json
import random
import tempfile
import time
from pathlib import Path
from typing import Any

import uvloop
from uvicorn.config import Config
from uvicorn.server import ServerState

from beacon.app import create_app
from beacon.cli import server_options
from beacon.publishers.kafka import KafkaPublisher
from beacon.publishers.spool import Spool
from beacon.settings import Settings
from beacon.sites import Site, SiteRegistry
from pipeline.gc_thresholds import use_thresholds_for
from tests.support import DESKTOP_CHROME, make_beacon

BEACONS = 60_000
ROUNDS = 4
CONNECTIONS = 32
PER_TURN = 16
"""Beacons whose requests arrive in one loop turn (wrk's 32 connections make 10-30)."""
PROXY = "10.1.2.3"


class CountingTransport:
    """Stands for a client's connection: the answers are counted, not sent."""

    def __init__(self) -> None:
        self.answers = 0

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": (PROXY, 40000), "sockname": ("127.0.0.1", 8000)}.get(name, default)

    def write(self, data: bytes) -> None:
        self.answers += 1

    def is_closing(self) -> bool:
        return False

    def close(self) -> None:
        pass

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def set_write_buffer_limits(self, *args: Any, **kwargs: Any) -> None:
        pass

    def get_write_buffer_size(self) -> int:
        return 0


def requests(count: int, deployed: bool, round_: int) -> list[bytes]:
    body = json.dumps(make_beacon("bench"))
    made = []
    for i in range(count):
        beacon = body.replace('"id": "', f'"id": "r{round_}n{i:08d}', 1)
        headers = f"User-Agent: {DESKTOP_CHROME}\r\n"
        if deployed:
            beacon = beacon.replace("/products/42?", f"/products/{round_}{i}?", 1)
            client = ".".join(str(random.randint(1, 223)) for _ in range(4))
            headers += f"X-Forwarded-For: {client}\r\n"
        data = beacon.encode()
        made.append(
            b"POST /v1/beacon HTTP/1.1\r\nHost: rum.example\r\nContent-Type: text/plain\r\n"
            + headers.encode()
            + b"Content-Length: %d\r\n\r\n" % len(data)
            + data
        )
    return made


async def cpu_us_per_beacon(deployed: bool) -> float:
    folder = Path(tempfile.mkdtemp(prefix="rum-bench-cpu-"))
    (folder / "rum.js").write_text("/* snippet */")
    spool = Spool(folder / "spool")
    spool.open()
    publisher = KafkaPublisher("127.0.0.1:9", "unused", capacity=10**7, spool=spool)
    settings = Settings(
        snippet_path=str(folder / "rum.js"),
        rate_per_ip=10**9,
        rate_per_site=10**9,
        trusted_proxies=PROXY if deployed else "",
    )
    app = create_app(
        settings, publisher=publisher, sites=SiteRegistry([Site("bench", frozenset({"*"}))])
    )
    options = server_options(app)
    config = Config(app, **{k: v for k, v in options.items() if k != "http"})
    config.load()
    state = ServerState()
    connections = []
    for _ in range(CONNECTIONS):
        protocol = options["http"](config=config, server_state=state, app_state={})
        protocol.connection_made(CountingTransport())
        connections.append(protocol)
    use_thresholds_for("collector")
    best = float("inf")
    try:
        for round_ in range(ROUNDS):
            made = requests(BEACONS, deployed, round_)
            started = time.process_time()
            for turn in range(0, BEACONS, PER_TURN):
                for i in range(turn, min(BEACONS, turn + PER_TURN)):
                    connections[i % CONNECTIONS].data_received(made[i])
                await asyncio.sleep(0)  # the turn's beacons are ingested and answered
                # As if delivered: a buffer left to grow would make the garbage
                # collector's passes dearer than in the server.
                publisher._buffer.clear()
            best = min(best, (time.process_time() - started) / BEACONS * 1e6)
    finally:
        spool.close()
    answered = sum(c.transport.answers for c in connections)
    assert answered == BEACONS * ROUNDS, f"{answered} answers"
    return best


def run() -> list[tuple[str, float, float | None, str]]:
    single = uvloop.run(cpu_us_per_beacon(deployed=False))
    deployed = uvloop.run(cpu_us_per_beacon(deployed=True))
    return [
        ("collector CPU µs a beacon, no network", round(single, 1), None, "one client and page"),
        (
            "... as deployed, no network",
            round(deployed, 1),
            round(single, 1),
            "one client and page (deployed: behind a proxy, new client and page each)",
        ),
    ]
