"""The HTTP lane: beacons served from uvicorn's protocol without ASGI answer exactly as
the ASGI path does, and HTTP keeps working around them (keep-alive, pipelining,
chunked bodies, 100-continue, HTTP/1.0, clients that stop sending).

Each test runs a real uvicorn server in a thread, as `rum` serves the collector."""

import json
import socket
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import orjson
import pytest
from starlette.testclient import TestClient

from beacon.app import create_app
from beacon.http_lane import AnswerHeads, Exchange
from beacon.publishers.memory import MemoryPublisher
from beacon.settings import Settings
from beacon.sites import Site, SiteRegistry
from pipeline.memory_log import MemoryLog
from tests.support import free_port, make_beacon, serve_in_thread

ORIGIN = "https://shop.example"
SITES = SiteRegistry([Site("shop", frozenset({ORIGIN}))])


def collector(tmp_path: Path, capacity: int = 1000, **settings: object):
    tmp_path.mkdir(exist_ok=True)
    snippet = tmp_path / "rum.js"
    snippet.write_text("/* snippet */")
    log = MemoryLog(capacity)
    app = create_app(
        Settings(snippet_path=str(snippet), body_timeout_s=1, **settings),  # type: ignore[arg-type]
        publisher=MemoryPublisher(log),
        sites=SITES,
    )
    return app, log


@contextmanager
def lane_server(tmp_path: Path, capacity: int = 1000, keep_alive_s: float = 5, **settings: object):
    """A real server of the collector; yields its URL, its log, and the waiters its
    beacons were answered through (an Exchange for each one that took the lane)."""
    app, log = collector(tmp_path, capacity, **settings)
    waiters: list[object] = []
    submit_to = app.collect.batches.submit_to

    def spied(item, waiter, loop=None):
        waiters.append(waiter)
        submit_to(item, waiter, loop)

    app.collect.batches.submit_to = spied  # type: ignore[method-assign]
    with serve_in_thread(app, free_port(), timeout_keep_alive=keep_alive_s) as url:
        yield url, log, waiters


def beacon(**changes) -> bytes:
    return json.dumps(make_beacon("shop", **changes)).encode()


def disordered() -> bytes:
    body = make_beacon("shop")
    body["nav"]["loadEventEnd"] = 1.0
    return json.dumps(body).encode()


def answer(response: httpx.Response) -> tuple[int, dict[str, str], bytes]:
    headers = {k: v for k, v in response.headers.items() if k not in ("date", "connection")}
    return response.status_code, headers, response.content


def test_every_answer_is_the_one_the_asgi_path_gives(tmp_path):
    first = beacon()
    requests = [  # (body, content type, origin)
        (first, "text/plain", ORIGIN),
        (beacon(), "application/json; charset=utf-8", ORIGIN),
        (beacon(), "image/png", ORIGIN),
        (b"{not json", "text/plain", ORIGIN),
        (beacon(fcp="fast"), "text/plain", ORIGIN),
        (json.dumps(make_beacon("other")).encode(), "text/plain", ORIGIN),
        (beacon(), "text/plain", "https://evil.example"),
        (disordered(), "text/plain", ORIGIN),
        (first, "text/plain", ORIGIN),  # a duplicate
        (beacon(), "text/plain", ORIGIN),  # the buffer's third and last
        (beacon(), "text/plain", ORIGIN),  # the buffer is full: 503
    ]

    def send(client: httpx.Client | TestClient) -> list:
        return [
            answer(
                client.post(
                    "/v1/beacon", content=body, headers={"content-type": kind, "origin": origin}
                )
            )
            for body, kind, origin in requests
        ]

    asgi_app, asgi_log = collector(tmp_path / "asgi", capacity=3)
    with TestClient(asgi_app) as client:
        through_asgi = send(client)
    with (
        lane_server(tmp_path, capacity=3) as (url, log, waiters),
        httpx.Client(base_url=url) as client,
    ):
        through_lane = send(client)

    assert [status for status, _, _ in through_lane] == [
        204, 204, 415, 400, 400, 403, 403, 422, 409, 204, 503,
    ]  # fmt: skip
    assert through_lane == through_asgi
    # Every one took the lane; all but the 415, refused from its headers, were ingested.
    assert len(waiters) == len(requests) - 1 and all(isinstance(w, Exchange) for w in waiters)
    stored = [orjson.loads(m.value)["page_view_id"] for m in log.read(10)]
    assert stored == [orjson.loads(m.value)["page_view_id"] for m in asgi_log.read(10)]


def test_an_address_past_its_rate_is_429_with_retry_after_before_its_body_is_read(tmp_path):
    with lane_server(tmp_path, rate_per_ip=2) as (url, log, _), httpx.Client(base_url=url) as c:
        statuses = [
            c.post("/v1/beacon", content=beacon(), headers={"content-type": "text/plain"})
            for _ in range(5)
        ]
        assert [r.status_code for r in statuses] == [204, 204, 204, 204, 429]
        assert statuses[-1].json()["error"] == "rate_limited_ip"
        assert int(statuses[-1].headers["retry-after"]) >= 1
        assert len(log) == 4
        assert 'rum_rate_limited_total{scope="ip"} 1.0' in c.get("/metrics").text


def raw_request(body: bytes, *extra: bytes, version: bytes = b"1.1") -> bytes:
    head = [
        b"POST /v1/beacon HTTP/" + version,
        b"Host: collector",
        b"Content-Type: text/plain",
        b"Content-Length: %d" % len(body),
        *extra,
    ]
    return b"\r\n".join(head) + b"\r\n\r\n" + body


def read_answers(sock: socket.socket, count: int, timeout: float = 10) -> list[bytes]:
    """`count` HTTP answers from a socket (their status lines and headers; bodies are
    JSON of a declared length)."""
    sock.settimeout(timeout)
    data = b""
    answers: list[bytes] = []
    while len(answers) < count:
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                return answers
            data += chunk
        head, data = data.split(b"\r\n\r\n", 1)
        length = next(
            (int(line.split(b":")[1]) for line in head.lower().split(b"\r\n")
             if line.startswith(b"content-length:")),
            0,
        )  # fmt: skip
        while len(data) < length:
            data += sock.recv(65536)
        answers.append(head + b"\r\n\r\n" + data[:length])
        data = data[length:]
    return answers


def connect(url: str) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=10)


def test_one_connection_carries_many_beacons_and_pipelined_requests_are_answered_in_order(
    tmp_path,
):
    with lane_server(tmp_path) as (url, log, waiters), connect(url) as sock:
        for _ in range(3):  # keep-alive
            sock.sendall(raw_request(beacon()))
            (reply,) = read_answers(sock, 1)
            assert reply.startswith(b"HTTP/1.1 204")
        # Pipelined in one write: two beacons and a GET; the second beacon, behind an
        # unanswered one, goes through ASGI. The answers keep the requests' order.
        sock.sendall(
            raw_request(beacon())
            + raw_request(b"{bad")
            + b"GET /healthz HTTP/1.1\r\nHost: collector\r\n\r\n"
        )
        replies = read_answers(sock, 3)
    assert [r.split(b"\r\n")[0] for r in replies] == [
        b"HTTP/1.1 204 No Content",
        b"HTTP/1.1 400 Bad Request",
        b"HTTP/1.1 200 OK",
    ]
    assert b"not_json" in replies[1]
    assert len(log) == 4
    assert sum(isinstance(w, Exchange) for w in waiters) == 4


def test_chunked_oversized_and_100_continue_beacons_go_through_asgi_with_the_same_rules(
    tmp_path,
):
    with lane_server(tmp_path) as (url, log, waiters), connect(url) as sock:
        body = beacon()
        sock.sendall(
            b"POST /v1/beacon HTTP/1.1\r\nHost: c\r\nContent-Type: text/plain\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
            + b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n"
        )  # fmt: skip
        assert read_answers(sock, 1)[0].startswith(b"HTTP/1.1 204")

        body = beacon()
        sock.sendall(raw_request(body, b"Expect: 100-continue")[: -len(body)])
        sock.settimeout(10)
        assert sock.recv(1024).startswith(b"HTTP/1.1 100")
        sock.sendall(body)
        assert read_answers(sock, 1)[0].startswith(b"HTTP/1.1 204")

        sock.sendall(raw_request(b"x" * (64 * 1024 + 1)))
        (too_large,) = read_answers(sock, 1)
        assert too_large.startswith(b"HTTP/1.1 413") and b"body_too_large" in too_large
    assert len(log) == 2
    assert not any(isinstance(w, Exchange) for w in waiters)


def test_a_connection_idle_past_the_keep_alive_timeout_is_closed_and_a_busy_one_kept(
    tmp_path,
):
    with lane_server(tmp_path, keep_alive_s=1) as (url, log, _):
        with connect(url) as busy, connect(url) as idle:
            idle.sendall(raw_request(beacon()))
            (reply,) = read_answers(idle, 1)
            assert reply.startswith(b"HTTP/1.1 204")
            for _ in range(8):  # a beacon every 0.3 s for 2.4 s: never idle for 1 s
                busy.sendall(raw_request(beacon()))
                (reply,) = read_answers(busy, 1)
                assert reply.startswith(b"HTTP/1.1 204")
                time.sleep(0.3)
            idle.settimeout(5)
            assert idle.recv(1024) == b""  # closed by the server, idle since its answer
            busy.sendall(raw_request(beacon()))
            (reply,) = read_answers(busy, 1)
            assert reply.startswith(b"HTTP/1.1 204")
        assert len(log) == 10


def test_a_connection_silent_from_the_start_or_idle_after_asgi_is_closed_too(tmp_path):
    with (
        lane_server(tmp_path, keep_alive_s=1) as (url, _, _),
        connect(url) as silent,
        connect(url) as after_asgi,
        connect(url) as after_early_answer,
    ):
        after_asgi.sendall(b"GET /healthz HTTP/1.1\r\nHost: rum.example\r\n\r\n")
        (reply,) = read_answers(after_asgi, 1)
        assert reply.startswith(b"HTTP/1.1 200")
        # Refused from its headers, then its body arrives: idle from then on.
        head, body = raw_request(b"x" * 500).replace(b"text/plain", b"image/png").split(b"\r\n\r\n")
        after_early_answer.sendall(head + b"\r\n\r\n")
        (reply,) = read_answers(after_early_answer, 1)
        assert reply.startswith(b"HTTP/1.1 415")
        after_early_answer.sendall(body)
        for sock in (silent, after_asgi, after_early_answer):
            sock.settimeout(5)
            assert sock.recv(1024) == b""  # closed by the server


def test_answer_heads_are_encoded_once_per_date_and_kept_in_bounded_memory():
    heads, vary = AnswerHeads(), [(b"vary", b"Origin")]
    head = heads.head(204, [(b"date", b"one")], vary)
    assert head == b"HTTP/1.1 204 No Content\r\ndate: one\r\nvary: Origin\r\n\r\n"
    assert heads.head(204, [(b"date", b"one")], vary) is not head  # new defaults: a new date
    defaults = [(b"date", b"two")]
    assert heads.head(204, defaults, vary) is heads.head(204, defaults, vary)
    for i in range(1000):
        allowed = [*vary, (b"access-control-allow-origin", b"https://%d.example" % i)]
        assert heads.head(204, defaults, allowed).endswith(b"%d.example\r\n\r\n" % i)
        assert len(heads._heads) <= AnswerHeads.MAX


def test_an_http_1_0_beacon_is_answered_and_its_connection_closed(tmp_path):
    with lane_server(tmp_path) as (url, log, waiters), connect(url) as sock:
        sock.sendall(raw_request(beacon(), version=b"1.0"))
        (reply,) = read_answers(sock, 1)
        assert reply.startswith(b"HTTP/1.1 204") and b"connection: close" in reply
        assert sock.recv(1024) == b""  # closed by the server
    assert len(log) == 1 and isinstance(waiters[0], Exchange)


def test_a_client_gone_before_its_body_was_whole_leaves_nothing_and_is_counted(tmp_path):
    with lane_server(tmp_path) as (url, log, _):
        with connect(url) as sock:
            whole = raw_request(beacon())
            sock.sendall(whole[: len(whole) - 20])
            time.sleep(0.2)
        deadline = time.monotonic() + 10
        while 'reason="client_disconnected"} 1.0' not in (text := httpx.get(f"{url}/metrics").text):
            assert time.monotonic() < deadline, text
            time.sleep(0.05)
        assert len(log) == 0


@pytest.mark.parametrize("stalls_after", [b"", b'{"v":'])
def test_a_body_that_stops_coming_is_cut_off_with_408_and_the_connection_closed(
    tmp_path, stalls_after
):
    with lane_server(tmp_path) as (url, log, _), connect(url) as sock:
        head = raw_request(b"x" * 500).split(b"\r\n\r\n")[0] + b"\r\n\r\n"
        sock.sendall(head + stalls_after)
        started = time.monotonic()
        (reply,) = read_answers(sock, 1)
        assert reply.startswith(b"HTTP/1.1 408") and b"body_timeout" in reply
        assert b"connection: close" in reply
        assert 0.9 < time.monotonic() - started < 5  # RUM_BODY_TIMEOUT_S is 1 here
        assert sock.recv(1024) == b""
    assert len(log) == 0


def test_a_body_refused_from_its_headers_still_has_a_deadline(tmp_path):
    with lane_server(tmp_path) as (url, log, _), connect(url) as sock:
        head = raw_request(b"x" * 500).replace(b"text/plain", b"image/png")
        sock.sendall(head.split(b"\r\n\r\n")[0] + b"\r\n\r\n")
        (reply,) = read_answers(sock, 1)
        assert reply.startswith(b"HTTP/1.1 415")  # at once, from the headers
        started = time.monotonic()
        assert sock.recv(1024) == b""  # the body never comes: closed at its deadline
        assert 0.5 < time.monotonic() - started < 5
    assert len(log) == 0
