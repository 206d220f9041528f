"""The floor below ASGI: an asyncio protocol on uvloop that parses each request with
httptools, as uvicorn does, and answers 204 with no ASGI round. The collector's beacons
skip ASGI the same way (beacon/http_lane.py), so this is the fairest ceiling for them.

Usage: python -m bench.baselines.bare_protocol PORT"""

import asyncio
import sys
from typing import cast

import httptools
import uvloop

NO_CONTENT = b"HTTP/1.1 204 No Content\r\n\r\n"


class Bare(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        self.parser = httptools.HttpRequestParser(self)
        self.body: list[bytes] = []

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            self.transport.close()

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        b"".join(self.body)
        self.body = []
        self.transport.write(NO_CONTENT)


async def serve(port: int) -> None:
    server = await asyncio.get_running_loop().create_server(Bare, "127.0.0.1", port)
    await server.serve_forever()


if __name__ == "__main__":
    uvloop.run(serve(int(sys.argv[1])))
