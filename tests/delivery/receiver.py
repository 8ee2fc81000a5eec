"""A loopback HTTP/1.1 receiver for delivery tests and the benchmark.

An asyncio server on 127.0.0.1:0 in its own thread, keep-alive aware, that records every request
(headers, raw body, arrival time) and answers with a per-path script of replies (status, body, headers,
delay). Paths with no script answer 200 "ok".
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import struct
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from types import TracebackType


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b"ok"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    # Hostile receivers:
    trickle: float = 0.0  # send the whole answer one byte every `trickle` seconds
    hang: bool = False  # read the request, never answer
    reset_after: int | None = None  # announce the body, send this many bytes of it, then reset the connection
    stream_bytes: int = 0  # announce and stream this many zero bytes as the body (a huge answer)


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    headers: dict[str, str]  # names lowercased
    body: bytes
    received_at: float  # time.time()
    monotonic: float  # time.monotonic(): comparable across processes on one machine


_REASONS = {
    200: "OK",
    204: "No Content",
    302: "Found",
    410: "Gone",
    429: "Too Many Requests",
    500: "Internal Server Error",
}


async def _cancel_all() -> None:
    tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


class Receiver:
    def __init__(self, *, record: bool = True, tls: ssl.SSLContext | None = None) -> None:
        self._record = record
        self._tls = tls
        self._lock = threading.Lock()
        self._scripts: dict[str, deque[Reply]] = {}
        self._defaults: dict[str, Reply] = {}
        self._requests: list[Recorded] = []
        self._count = 0
        self._in_flight: dict[str, int] = {}
        self.max_in_flight: dict[str, int] = {}
        self._arrived = threading.Condition(self._lock)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.AbstractServer | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # -- control -----------------------------------------------------------------------------------

    def start(self) -> Receiver:
        ready = threading.Event()

        def main() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            self._server = loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", 0, ssl=self._tls))
            self.port = self._server.sockets[0].getsockname()[1]
            ready.set()
            loop.run_forever()
            self._server.close()
            loop.run_until_complete(_cancel_all())
            loop.run_until_complete(self._server.wait_closed())
            loop.close()

        self._thread = threading.Thread(target=main, name="test-receiver", daemon=True)
        self._thread.start()
        ready.wait(5)
        return self

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)
            self._thread = None

    def __enter__(self) -> Receiver:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def url(self, path: str = "/hook", host: str = "127.0.0.1") -> str:
        return f"{'https' if self._tls else 'http'}://{host}:{self.port}{path}"

    def script(self, path: str, *replies: Reply, then: Reply | None = None) -> None:
        """Answer the next requests to ``path`` with ``replies`` in order, then with ``then`` (default 200)."""
        with self._lock:
            self._scripts[path] = deque(replies)
            if then is not None:
                self._defaults[path] = then

    def requests(self, path: str | None = None) -> list[Recorded]:
        with self._lock:
            return [r for r in self._requests if path is None or r.path == path]

    @property
    def count(self) -> int:
        with self._lock:
            return self._count

    def wait_for(self, n: int, path: str | None = None, timeout: float = 10.0) -> list[Recorded]:
        deadline = time.monotonic() + timeout
        with self._arrived:
            while True:
                got = [r for r in self._requests if path is None or r.path == path]
                total = len(got) if self._record else self._count
                if total >= n:
                    return got
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{total} of {n} requests arrived within {timeout} s")
                self._arrived.wait(left)

    # -- server ------------------------------------------------------------------------------------

    def _reply_for(self, path: str) -> Reply:
        with self._lock:
            queue = self._scripts.get(path)
            if queue:
                return queue.popleft()
            return self._defaults.get(path, Reply())

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                lines = head.decode("latin-1").split("\r\n")
                method, target, _ = lines[0].split(" ", 2)
                headers: dict[str, str] = {}
                for line in lines[1:]:
                    if ":" in line:
                        name, value = line.split(":", 1)
                        headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                recorded = Recorded(method, target, headers, body, time.time(), time.monotonic())
                with self._arrived:
                    self._count += 1
                    if self._record:
                        self._requests.append(recorded)
                    self._arrived.notify_all()
                reply = self._reply_for(target)
                with self._lock:
                    now = self._in_flight[target] = self._in_flight.get(target, 0) + 1
                    self.max_in_flight[target] = max(now, self.max_in_flight.get(target, 0))
                if reply.delay:
                    await asyncio.sleep(reply.delay)
                if reply.hang:
                    await asyncio.sleep(3600)
                with self._lock:
                    self._in_flight[target] -= 1
                if not await self._answer(writer, reply):
                    return
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            return  # a cancelled handler (the receiver stopping) ends quietly
        finally:
            writer.close()

    async def _answer(self, writer: asyncio.StreamWriter, reply: Reply) -> bool:
        """Write the reply; False when the connection is finished (reset or streamed to the end)."""
        extra = "".join(f"{k}: {v}\r\n" for k, v in reply.headers.items())
        reason = _REASONS.get(reply.status, "Status")
        length = reply.stream_bytes or len(reply.body)
        head = f"HTTP/1.1 {reply.status} {reason}\r\nContent-Length: {length}\r\n{extra}\r\n".encode()
        if reply.trickle:
            for byte in head + reply.body:
                writer.write(bytes([byte]))
                await writer.drain()
                await asyncio.sleep(reply.trickle)
            return True
        if reply.reset_after is not None:
            writer.write(head + reply.body[: reply.reset_after])
            await writer.drain()
            sock = writer.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close = RST
            writer.transport.abort()
            return False
        if reply.stream_bytes:
            writer.write(head)
            chunk = bytes(64 * 1024)
            sent = 0
            while sent < reply.stream_bytes:
                writer.write(chunk)
                await writer.drain()
                sent += len(chunk)
            return False
        writer.write(head + reply.body)
        await writer.drain()
        return True
