"""The delivery benchmark's baselines (``bench_delivery.py``): the same emit pattern as the engine's rows, with
no database, as plain loops posting signed bodies (httpx, aiohttp, the engine's own fast stack) and as a
raw-socket ceiling posting pre-built unsigned requests.

Each loop takes the bodies to send ((event id, body) pairs), fans every one out to every URL through a queue
that ``concurrency`` workers drain, and returns (elapsed seconds, emit time per event id); the receiver
records the arrivals.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httptools
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "delivery"))

from delivery_helpers import SECRET

from cortexbuild_sdk.webhooks import sign

Bodies = list[tuple[str, str]]


# ---- plain loops: a queue filled by the "emit", ``concurrency`` workers posting -----------------------------


async def _loop(
    urls: list[str], bodies: Bodies, post: Callable[[int, str, str], Awaitable[None]], concurrency: int
) -> tuple[float, dict[str, float]]:
    queue: asyncio.Queue[tuple[int, str, str]] = asyncio.Queue()
    emitted: dict[str, float] = {}

    async def worker() -> None:
        while True:
            index, event_id, body = await queue.get()
            await post(index, event_id, body)
            queue.task_done()

    workers = [asyncio.create_task(worker()) for _ in range(concurrency)]
    started = time.monotonic()
    for event_id, body in bodies:
        emitted[event_id] = time.monotonic()
        for index in range(len(urls)):
            queue.put_nowait((index, event_id, body))
        await asyncio.sleep(0)
    await queue.join()
    elapsed = time.monotonic() - started
    for task in workers:
        task.cancel()
    return elapsed, emitted


def _signed(index: int, event_id: str, body: str) -> dict[str, str]:
    headers = sign(body, SECRET, webhook_id=index + 1, event="task.created", delivery_id=f"msg_{event_id}_{index}")
    headers["Content-Type"] = "application/json"
    return headers


async def httpx_loop(
    urls: list[str], bodies: Bodies, *, concurrency: int, per_endpoint: int
) -> tuple[float, dict[str, float]]:
    # One client per endpoint: httpcore scans every queued request against every connection of a pool, so
    # a single 64-connection pool would measure that scan; small pools are httpx's fastest plain loop.
    limits = httpx.Limits(max_connections=per_endpoint, max_keepalive_connections=per_endpoint)
    clients = [httpx.AsyncClient(limits=limits, trust_env=False) for _ in urls]

    async def post(index: int, event_id: str, body: str) -> None:
        response = await clients[index].post(urls[index], content=body.encode(), headers=_signed(index, event_id, body))
        await response.aread()

    try:
        return await _loop(urls, bodies, post, concurrency)
    finally:
        for client in clients:
            await client.aclose()


async def engine_stack_loop(
    urls: list[str], bodies: Bodies, *, concurrency: int, per_endpoint: int
) -> tuple[float, dict[str, float]]:
    """The engine's own fast stack (its httptools sender, SSRF check included), driven by a plain loop."""
    from cortexbuild_sdk.local.delivery import AddressPolicy
    from cortexbuild_sdk.local.delivery.senders import make_sender

    context = httpx.create_ssl_context(True, trust_env=False)
    sender = make_sender("httptools", AddressPolicy(), context, concurrency=concurrency, per_endpoint=per_endpoint)

    async def post(index: int, event_id: str, body: str) -> None:
        await sender.post(urls[index], _signed(index, event_id, body), body.encode())

    try:
        return await _loop(urls, bodies, post, concurrency)
    finally:
        await sender.aclose()


async def aiohttp_loop(urls: list[str], bodies: Bodies, *, concurrency: int) -> tuple[float, dict[str, float]]:
    import aiohttp

    connector = aiohttp.TCPConnector(limit=concurrency, limit_per_host=0)
    async with aiohttp.ClientSession(connector=connector, trust_env=False, auto_decompress=False) as session:

        async def post(index: int, event_id: str, body: str) -> None:
            async with session.post(urls[index], data=body.encode(), headers=_signed(index, event_id, body)) as r:
                await r.read()

        return await _loop(urls, bodies, post, concurrency)


class _RawClient(asyncio.Protocol):
    """One keep-alive connection sending pre-built requests one at a time (httptools parses the answers)."""

    def __init__(self) -> None:
        self.done: asyncio.Future[None] | None = None
        self._parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self._parser.feed_data(data)

    def on_message_complete(self) -> None:
        if self.done is not None and not self.done.done():
            self.done.set_result(None)

    async def send(self, request: bytes) -> None:
        assert self.transport is not None
        self.done = asyncio.get_running_loop().create_future()
        self.transport.write(request)
        await self.done


async def raw_loop(port: int, urls: list[str], bodies: Bodies, *, concurrency: int) -> tuple[float, dict[str, float]]:
    loop = asyncio.get_running_loop()
    pool: asyncio.Queue[_RawClient] = asyncio.Queue()
    for _ in range(concurrency):
        _, client = await loop.create_connection(_RawClient, "127.0.0.1", port)
        pool.put_nowait(client)
    paths = [url.split(str(port), 1)[1] for url in urls]

    async def post(index: int, event_id: str, body: str) -> None:
        data = body.encode()
        request = (
            f"POST {paths[index]} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(data)}\r\n\r\n"
        ).encode() + data
        client = await pool.get()
        try:
            await client.send(request)
        finally:
            pool.put_nowait(client)

    try:
        return await _loop(urls, bodies, post, concurrency)
    finally:
        while not pool.empty():
            client = pool.get_nowait()
            if client.transport is not None:
                client.transport.close()
