"""A fast loopback webhook receiver for the delivery benchmark: an asyncio Protocol on httptools' parser.

Runs in its own process (so it never shares the benchmark's GIL); answers every POST ``200 ok`` with
keep-alive and records (event id, arrival ``time.monotonic()``) per request. The event id is read from the
body's trailing ``"id":"evt_..."`` member (``build_payload`` always ends with it), not by a JSON parse.
"""

from __future__ import annotations

import asyncio
import socket
import time
from multiprocessing.connection import Connection

import httptools

_OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"
_ID = b'"id":"'


class _Server(asyncio.Protocol):
    def __init__(self, arrivals: list[tuple[str, float]]) -> None:
        self._arrivals = arrivals
        self._parser = httptools.HttpRequestParser(self)
        self._body: list[bytes] = []
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError:
            assert self._transport is not None
            self._transport.close()

    def on_message_begin(self) -> None:
        self._body = []

    def on_body(self, body: bytes) -> None:
        self._body.append(body)

    def on_message_complete(self) -> None:
        body = b"".join(self._body)
        start = body.rfind(_ID)
        event_id = body[start + len(_ID) : body.index(b'"', start + len(_ID))].decode() if start >= 0 else ""
        self._arrivals.append((event_id, time.monotonic()))
        assert self._transport is not None
        self._transport.write(_OK)


def serve(conn: Connection) -> None:
    """Process entry: send the port, then answer commands: "collect" (arrivals, then forget), "stop"."""

    async def main() -> None:
        arrivals: list[tuple[str, float]] = []
        loop = asyncio.get_running_loop()
        server = await loop.create_server(lambda: _Server(arrivals), "127.0.0.1", 0, backlog=1024)
        conn.send(server.sockets[0].getsockname()[1])
        while True:
            command = await loop.run_in_executor(None, conn.recv)
            if command == "stop":
                server.close()
                return
            if command == "collect":
                conn.send(list(arrivals))
                arrivals.clear()

    asyncio.run(main())
