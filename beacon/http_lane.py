"""POST /v1/beacon served from uvicorn's HTTP protocol itself, without the ASGI round.

uvicorn turns every request into an ASGI scope, a task, a request-response cycle and
four messages: measured under wrk on this project's machine, about 11 µs of CPU per
request, more than half of a bare ASGI app's whole cost and, with the answers' futures,
a fifth of the collector's. A beacon needs none of it: its request is small, complete
when its last byte is parsed, and answered with a status and a few headers.

`BeaconLane` is uvicorn's httptools protocol with one lane added. A request takes the
lane when it is the usual beacon: POST to the beacon path, its length declared and
within the limit, no `Expect: 100-continue`, no request of the same connection still
unanswered. Its body is collected as httptools parses it; the collector's own steps
(`CollectEndpoint`: the checks before the body, ingestion in the loop turn's run,
metrics and answers) decide the answer, which is written to the transport directly.
Every other request, including a beacon that is chunked, too large or pipelined behind
another, goes to the ASGI app as before, with uvicorn's own handling: one set of
answers, two ways in. Keep-alive (an idle connection's deadline is kept with the
bodies' deadlines, by their one watchdog), pipelining order, graceful shutdown (the
answer of a beacon in flight closes its connection) and the body deadline hold on
both.

The lane leans on the protocol class's own attributes (`cycle`, `pipeline`, `url`,
`headers`, `on_response_complete`, `_start_asgi_task`), which are not a public API:
uvicorn is pinned in requirements.lock, and tests/beacon/test_http_lane.py is what
tells an upgrade's change.
"""

import asyncio
import functools
from typing import Any

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from beacon.collect import (
    WANTED_HEADERS,
    Answer,
    CollectEndpoint,
    encoded,
    raw_cors_headers,
)
from beacon.ingest import Rejected


class _NoEvent:
    """uvicorn sets its cycle's message event when the connection is lost; an exchange
    has nothing waiting on one."""

    def set(self) -> None:
        pass


NO_EVENT = _NoEvent()


class Exchange:
    """One beacon request in the lane, from its headers to its answer. It stands in
    uvicorn's protocol for the request-response cycle (the attributes uvicorn reads
    are here), and it is the waiter of its beacon's run (see TurnBatches)."""

    __slots__ = (
        "address",
        "chunks",
        "disconnected",
        "headers",
        "keep_alive",
        "lane",
        "message_event",
        "raw",
        "response_complete",
        "size",
        "watched",
    )

    def __init__(self, lane: "BeaconLane", headers: dict[bytes, str], keep_alive: bool) -> None:
        self.lane = lane
        self.headers = headers
        self.raw = raw_cors_headers(headers.get(b"origin"), lane.collect.ingestion.sites())
        self.chunks: list[bytes] = []
        self.keep_alive = keep_alive
        self.response_complete = False
        self.disconnected = False
        self.message_event = NO_EVENT
        self.address = ""
        self.size = 0
        self.watched = False

    # The waiter of its beacon's run.
    def cancelled(self) -> bool:
        return False  # a beacon whole when its client left is still taken, as on ASGI

    def set_result(self, site: str) -> None:
        self.answer(self.lane.collect.accepted(site, self.size))

    def set_exception(self, error: BaseException) -> None:
        self.answer(self.lane.collect.refused(error, self.raw))

    def expire(self) -> None:
        """Its body did not arrive in time: answered 408 (unless it was refused from its
        headers already), and its connection closed, the rest of the body unread."""
        if self.response_complete:
            self.lane.transport.close()
            return
        self.keep_alive = False
        collect = self.lane.collect
        self.answer(collect.refused(collect.bodies.timed_out(), self.raw))

    def answer(self, answer: Answer) -> None:
        if self.response_complete:
            return
        self.response_complete = True
        self.lane.write_answer(answer, self.raw, self.keep_alive)


class AnswerHeads:
    """Answers' status lines and headers, each encoded once while uvicorn's default
    headers last (it makes new ones every second, for the date) rather than once per
    answer: 0.63 -> 0.26 µs for a 204. At most MAX kinds are kept: an answer's headers
    can name the request's origin."""

    MAX = 256

    def __init__(self) -> None:
        self._defaults: list[tuple[bytes, bytes]] | None = None
        self._heads: dict[tuple[object, ...], bytes] = {}

    def head(
        self, status: int, defaults: list[tuple[bytes, bytes]], headers: list[tuple[bytes, bytes]]
    ) -> bytes:
        if defaults is not self._defaults or len(self._heads) >= self.MAX:
            self._defaults, self._heads = defaults, {}
        key = (status, *headers)
        head = self._heads.get(key)
        if head is None:
            lines = [STATUS_LINE[status]]
            for name, value in (*defaults, *headers):
                lines += [name, b": ", value, b"\r\n"]
            lines.append(b"\r\n")
            head = self._heads[key] = b"".join(lines)
        return head


class BeaconLane(HttpToolsProtocol):
    """uvicorn's httptools protocol, serving beacons without ASGI (see the module)."""

    def __init__(
        self,
        *args: Any,
        collect: CollectEndpoint,
        path: str = "/v1/beacon",
        heads: AnswerHeads,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.collect = collect
        self.beacon_path = path.encode("ascii")
        self.exchange: Exchange | None = None
        self.wanted: dict[bytes, str] = {}
        """The request's headers that the collector reads (see on_header)."""
        self.heads = heads

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        # Silent from the start counts as idle: a client that opens connections and
        # sends nothing must not hold them (uvicorn's timer waits for a first answer).
        self._rest()

    def _rest(self) -> None:
        """Wait for a request, until the keep-alive timeout: a deadline kept by the
        bodies' watchdog, where uvicorn arms a timer after every answer and cancels it
        at the next request (measured in process: 1.4 µs of a beacon's CPU)."""
        self.collect.bodies.deadlines.add(self, self.timeout_keep_alive, self._close_if_idle)

    def _close_if_idle(self) -> None:
        cycle = self.cycle
        if cycle is None or cycle.response_complete:  # else its answer rests it again
            self.timeout_keep_alive_handler()

    def on_response_complete(self) -> None:
        """uvicorn's, with the connection rested instead of a keep-alive timer armed."""
        self.server_state.total_requests += 1
        if self.transport.is_closing():
            return
        self.flow.resume_reading()
        if self.pipeline:
            cycle, app = self.pipeline.pop()
            self._start_asgi_task(cycle, app)
        else:
            self._rest()

    # The scope of a request is made only once it is known not to be a lane beacon.
    def on_message_begin(self) -> None:
        self.url = b""
        self.expect_100_continue = False
        self.headers = []
        self.wanted = {}
        self.exchange = None

    def on_header(self, name: bytes, value: bytes) -> None:
        """uvicorn's, with the headers the collector reads kept as they are parsed
        (collect.wanted_headers, without a second pass over them all)."""
        name = name.lower()
        if name in WANTED_HEADERS:
            self.wanted[name] = value.decode("latin-1")
        elif name == b"expect" and value.lower() == b"100-continue":
            self.expect_100_continue = True
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        parser = self.parser
        if (
            parser.get_method() == b"POST"
            and self.url == self.beacon_path
            and not self.expect_100_continue
            and (self.cycle is None or self.cycle.response_complete)
            and not parser.should_upgrade()
        ):
            headers = self.wanted
            length = headers.get(b"content-length")
            if length is not None and length.isdigit() and int(length) <= self.collect.bodies.limit:
                keep_alive = parser.get_http_version() != "1.0" and parser.should_keep_alive()
                self._begin(Exchange(self, headers, keep_alive))
                return
        # Not for the lane: the scope uvicorn would have begun, with what was parsed.
        url, headers_seen, expect_100 = self.url, self.headers, self.expect_100_continue
        super().on_message_begin()
        self.url, self.expect_100_continue = url, expect_100
        self.headers.extend(headers_seen)
        super().on_headers_complete()

    def _begin(self, exchange: Exchange) -> None:
        self.exchange = self.cycle = exchange  # type: ignore[assignment]
        peer = self.client[0] if self.client else None
        try:
            exchange.address = self.collect.admit(exchange.headers, peer)
        except Rejected as error:
            exchange.answer(self.collect.refused(error, exchange.raw))

    def on_body(self, body: bytes) -> None:
        exchange = self.exchange
        if exchange is None:
            super().on_body(body)
        elif not exchange.response_complete:
            exchange.chunks.append(body)

    def on_message_complete(self) -> None:
        exchange = self.exchange
        if exchange is None:
            super().on_message_complete()
            return
        self.exchange = None
        if exchange.watched:
            self.collect.bodies.deadlines.discard(exchange)
        if exchange.response_complete:  # answered before its body was read (415, 429)
            self._rest()  # and now idle: its body came meanwhile
            return
        collect = self.collect
        body = b"".join(exchange.chunks)  # a single chunk is not copied
        exchange.size = len(body)
        received = collect.received(
            body, exchange.headers.get(b"origin"), exchange.headers, exchange.address
        )
        collect.batches.submit_to(received, exchange, self.loop)

    def data_received(self, data: bytes) -> None:
        self.collect.bodies.deadlines.discard(self)  # not idle
        super().data_received(data)
        exchange = self.exchange
        if exchange is not None and not exchange.watched:
            # The body is still coming: from now on it has a deadline, even when the
            # request was refused from its headers (a beacon whose request arrived
            # whole never needs one).
            exchange.watched = True
            bodies = self.collect.bodies
            bodies.deadlines.add(exchange, bodies.timeout_s, exchange.expire)

    def connection_lost(self, exc: Exception | None) -> None:
        exchange = self.exchange
        if exchange is not None:  # gone before its body was whole: nothing to take
            self.exchange = None
            self.collect.bodies.deadlines.discard(exchange)
            if not exchange.response_complete:
                exchange.response_complete = True
                self.collect.refused(Rejected(400, "client_disconnected"), exchange.raw)
        self.collect.bodies.deadlines.discard(self)
        super().connection_lost(exc)

    def write_answer(self, answer: Answer, headers: list[tuple[bytes, bytes]], keep: bool) -> None:
        status, content = answer
        body = encoded(content, headers)
        if not keep:
            headers.append((b"connection", b"close"))
        head = self.heads.head(status, self.server_state.default_headers, headers)
        transport = self.transport
        if not transport.is_closing():
            transport.write(head + body)
            if not keep:
                transport.close()
        self.on_response_complete()


def lane_protocol(collect: CollectEndpoint, path: str = "/v1/beacon") -> Any:
    """The protocol factory to give uvicorn as `http`."""
    return functools.partial(BeaconLane, collect=collect, path=path, heads=AnswerHeads())
