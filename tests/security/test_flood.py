"""Floods against a real `rum run` (uvicorn, real HTTP): from one address the per-address
limit holds, from many addresses the per-site limit holds, foreign origins and unknown
sites never get in, the server keeps answering, and exactly what was accepted is
stored."""

import asyncio
import json
import time
import uuid
from collections import Counter

import httpx
import pytest

from tests.support import DESKTOP_CHROME, api, make_beacon, running, wait_until

SITE = "shop"
ORIGIN = "https://shop.example"
PER_IP, PER_SITE = 20, 50
"""Low enough that a flood outruns them on a slow machine too: at 200 a second the site's
limit held nothing back in a CI run whose client sent fewer than 230 a second."""


@pytest.fixture(scope="module")
def collector(tmp_path_factory):
    folder = tmp_path_factory.mktemp("flood")
    (folder / "sites.toml").write_text(f'[sites.{SITE}]\norigins = ["{ORIGIN}"]\n')
    env = {
        "RUM_STORE": f"chdb://{folder / 'ch'}",
        "RUM_SITES_FILE": str(folder / "sites.toml"),
        "RUM_TRUSTED_PROXIES": "127.0.0.1/32",  # the test plays the load balancer
        "RUM_RATE_PER_IP": str(PER_IP),
        "RUM_RATE_PER_SITE": str(PER_SITE),
        "RUM_BATCH_WAIT_MS": "200",
        "RUM_API_CACHE_S": "0",
    }
    with running([".venv/bin/rum", "run"], env, folder / "rum.log") as rum:
        yield rum


async def flood(url: str, count: int, address, origin: str = ORIGIN, site: str = SITE):
    """`count` beacons over 64 connections; returns (statuses, accepted ids, seconds,
    Retry-After values)."""
    statuses: Counter[int] = Counter()
    accepted: list[str] = []
    retry_after: set[str] = set()
    queue = list(range(count))
    limits = httpx.Limits(max_connections=64)

    async def worker(client: httpx.AsyncClient) -> None:
        while queue:
            n = queue.pop()
            beacon = make_beacon(site, id=f"f{uuid.uuid4().hex[:16]}")
            response = await client.post(
                f"{url}/v1/beacon",
                content=json.dumps(beacon),
                headers={
                    "content-type": "text/plain",
                    "origin": origin,
                    "user-agent": DESKTOP_CHROME,
                    "x-forwarded-for": address(n),
                },
            )
            statuses[response.status_code] += 1
            if response.status_code == 204:
                accepted.append(beacon["id"])
            elif response.status_code == 429:
                retry_after.add(response.headers.get("retry-after", ""))

    started = time.monotonic()
    async with httpx.AsyncClient(limits=limits, timeout=10) as client:
        await asyncio.gather(*(worker(client) for _ in range(64)))
    return statuses, accepted, time.monotonic() - started, retry_after


def stored_views(url: str) -> int:
    return api(url, "percentiles", site=SITE, **{"from": str(time.time() - 3600)})["total"]["views"]


def test_a_flood_from_one_address_is_held_to_its_rate(collector):
    before = stored_views(collector.url)
    statuses, accepted, seconds, retry_after = asyncio.run(
        flood(collector.url, 1500, lambda n: "203.0.113.7")
    )
    assert set(statuses) == {204, 429}, statuses
    assert 2 * PER_IP <= len(accepted) <= 2 * PER_IP + PER_IP * seconds + 1
    assert retry_after and all(value.isdigit() and int(value) >= 1 for value in retry_after)
    wait_until(lambda: stored_views(collector.url) == before + len(accepted), 30)


def test_a_flood_from_many_addresses_is_held_to_the_sites_rate(collector):
    before = stored_views(collector.url)
    statuses, accepted, seconds, _ = asyncio.run(
        flood(collector.url, 3000, lambda n: f"198.51.{n // 250}.{n % 250 + 1}")
    )
    assert set(statuses) == {204, 429}, (statuses, seconds)
    assert 2 * PER_SITE * 0.9 <= len(accepted) <= 2 * PER_SITE + PER_SITE * seconds + 1
    wait_until(lambda: stored_views(collector.url) == before + len(accepted), 30)


def test_foreign_origins_and_unknown_sites_never_get_in_during_a_flood(collector):
    before = stored_views(collector.url)
    foreign, *_ = asyncio.run(
        flood(collector.url, 500, lambda n: f"192.0.2.{n % 200 + 1}", origin="https://evil.example")
    )
    unknown, *_ = asyncio.run(
        flood(collector.url, 500, lambda n: f"192.0.2.{n % 200 + 1}", site="nobody")
    )
    assert set(foreign) <= {403, 429} and foreign[403] > 0
    assert set(unknown) <= {403, 429} and unknown[403] > 0
    started = time.monotonic()
    assert httpx.get(f"{collector.url}/healthz").status_code == 200
    assert time.monotonic() - started < 1  # still answering promptly
    time.sleep(1)
    assert stored_views(collector.url) == before
