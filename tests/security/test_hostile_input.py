"""Hostile and broken input against a real server (uvicorn, real HTTP parsing) and the
real store: every answer is a clear 4xx with a reason, never a 5xx; what is stored is
stored as text; slow clients are cut off."""

import json
import socket
import time
import uuid

import httpx
import pytest

from beacon.app import create_app
from beacon.publishers.memory import MemoryPublisher
from beacon.runtime import pipeline_service
from beacon.settings import Settings
from beacon.sites import Site, SiteRegistry
from pipeline.memory_log import MemoryLog
from tests.support import DESKTOP_CHROME, free_port, make_beacon, serve_in_thread

SITE = "hostile"
SQL = "'; DROP TABLE rum.page_views; --"


@pytest.fixture(scope="module")
def server(store):
    settings = Settings(batch_wait_ms=100, body_timeout_s=1, rate_per_ip=1_000_000)
    memory_log = MemoryLog(10_000)
    app = create_app(
        settings,
        publisher=MemoryPublisher(memory_log),
        sites=SiteRegistry([Site(SITE, frozenset({"*"}))]),
        store=store,
        services=[pipeline_service(settings, store, memory_log)],
    )
    with serve_in_thread(app, free_port()) as url:
        yield url


def post(url: str, body: bytes, content_type: str = "text/plain") -> httpx.Response:
    return httpx.post(
        f"{url}/v1/beacon",
        content=body,
        headers={"content-type": content_type, "user-agent": DESKTOP_CHROME},
        timeout=10,
    )


def beacon(**changes) -> bytes:
    return json.dumps(make_beacon(SITE, id=f"h{uuid.uuid4().hex[:12]}", **changes)).encode()


NASTY = {
    "deeply nested": b'{"v":1,"nav":' + b"[" * 5000 + b"]" * 5000 + b"}",
    "huge number": beacon().replace(b'"fcp": 612.3', b'"fcp": 1' + b"0" * 400),
    "NaN literal": beacon().replace(b'"fcp": 612.3', b'"fcp": NaN'),
    "Infinity literal": beacon().replace(b'"fcp": 612.3', b'"fcp": -Infinity'),
    "absurd timing": beacon().replace(b'"fcp": 612.3', b'"fcp": 9999999999999'),
    "invalid UTF-8": b'{"v":1,"site":"\xff\xfe"}',
    "lone surrogate": beacon(route="\ud800"),
    "not an object": b"[" + b"1," * 1000 + b"1]",
    "empty": b"",
    "only whitespace": b" \n\t ",
    "script tag in URL": beacon(url="https://x.example/<script>alert(1)</script>"),
    "javascript URL": beacon(url="javascript:alert(document.cookie)"),
    "broken host": beacon(url="https://[::1/x"),
    "too many errors": beacon(err=[{"m": "x"}] * 11),
    "huge string": beacon(route="r" * 100_000),
}


@pytest.mark.parametrize("name", NASTY)
def test_nasty_beacons_get_a_clear_4xx_with_a_reason(server, name):
    response = post(server, NASTY[name])
    assert response.status_code < 500, response.text
    if response.status_code != 204:  # a script tag in a path is just text: accepted
        assert 400 <= response.status_code < 500 and response.json()["error"]


def test_duplicate_keys_take_the_last_value(server):
    body = beacon().replace(b'"v": 1,', b'"v": 2, "v": 1,')
    assert post(server, body).status_code == 204


def test_header_injection_is_refused_by_the_http_parser(server):
    host, port = server.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as s:
        s.sendall(
            b"POST /v1/beacon HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
            b"X-Evil: a\rInjected: b\r\nContent-Length: 2\r\n\r\n{}"
        )
        answer = s.recv(1024)
    assert answer.startswith(b"HTTP/1.1 400")


def test_a_slow_loris_body_is_cut_off_with_408(server):
    host, port = server.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(
            b"POST /v1/beacon HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
            b'Content-Length: 1000\r\n\r\n{"v":'
        )
        started = time.monotonic()
        answer = s.recv(1024)  # we never send the rest
    assert answer.startswith(b"HTTP/1.1 408") and b"body_timeout" in answer
    assert time.monotonic() - started < 5


def test_sql_looking_strings_are_stored_as_text_and_nothing_is_executed(server, store):
    route = f"{SQL} {uuid.uuid4().hex[:6]}"
    assert post(server, beacon(route=route)).status_code == 204
    deadline = time.monotonic() + 20
    while True:
        rows = store.query(
            "SELECT route FROM rum.page_views WHERE site = {s:String} AND route = {r:String}",
            parameters={"s": SITE, "r": route},
        ).result_rows
        if rows or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert rows == [(route,)]
    assert store.command("EXISTS TABLE rum.page_views") == 1
