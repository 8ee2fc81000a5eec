"""Webhook delivery throughput and latency: the durable engine next to plain loops and a raw-socket ceiling.

2,000 events fanned out to 20 endpoints (40,000 deliveries) on a fast loopback receiver in its own process
(an asyncio Protocol on httptools). Every row uses the same emit pattern (all events as fast as they come)
and the same concurrency; p50/p99 are emit-to-receive. Rows:

- raw sockets: pre-built requests over keep-alive connections, no signing (the distance to the wire);
- plain loops, signed: workers posting each signed body with httpx (``AsyncClient``), aiohttp (when
  installed) and the engine's own fast stack (its httptools sender), no database;
- the engine on each stack: outbox emit, leased claims, signing, one log row per attempt (all counted).

Targets (issue 8): the engine >= 8,000 deliveries/s and >= 5x the plain httpx loop; the 2,000 emits complete
within 1 s while the engine dispatches. Run: ``python benchmarks/bench_delivery.py`` (about a minute).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httptools
import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests" / "delivery"))

from delivery_helpers import SECRET, add_webhook, open_db, plain_secrets  # noqa: E402
from fast_receiver import serve  # noqa: E402

from cortexbuild_sdk.local.clock import SystemClock  # noqa: E402
from cortexbuild_sdk.local.delivery import DeliveryEngine, available_stacks  # noqa: E402
from cortexbuild_sdk.local.delivery.outbox import build_payload  # noqa: E402
from cortexbuild_sdk.webhooks import sign  # noqa: E402

EVENTS = 2000
ENDPOINTS = 20
CONCURRENCY = 64
PER_ENDPOINT = 8
TARGET_RATE = 8000.0
TARGET_RATIO = 5.0
TARGET_EMIT_S = 1.0

Bodies = list[tuple[str, str]]


def _data(n: int) -> dict[str, object]:
    return {"task": {"id": n, "title": f"Pour slab level {n % 12}", "status": "open", "assignee": "crew-4"}}


def percentiles(latencies: list[float]) -> tuple[float, float]:
    q = statistics.quantiles(latencies, n=100)
    return q[49] * 1000, q[98] * 1000


def report(name: str, elapsed: float, emitted: dict[str, float], arrivals: list[tuple[str, float]]) -> float:
    latencies = [arrived - emitted[event_id] for event_id, arrived in arrivals if event_id in emitted]
    rate = len(arrivals) / elapsed
    p50, p99 = percentiles(latencies)
    print(f"{name:<36} {len(arrivals):>6} {elapsed:7.2f} s {rate:8.0f}/s  p50 {p50:8.1f} ms  p99 {p99:8.1f} ms")
    return rate


# ---- plain loops: a queue filled by the "emit", CONCURRENCY workers posting ------------------------------


async def _loop(
    urls: list[str], bodies: Bodies, post: Callable[[int, str, str], Awaitable[None]]
) -> tuple[float, dict[str, float]]:
    queue: asyncio.Queue[tuple[int, str, str]] = asyncio.Queue()
    emitted: dict[str, float] = {}

    async def worker() -> None:
        while True:
            index, event_id, body = await queue.get()
            await post(index, event_id, body)
            queue.task_done()

    workers = [asyncio.create_task(worker()) for _ in range(CONCURRENCY)]
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


async def httpx_loop(urls: list[str], bodies: Bodies) -> tuple[float, dict[str, float]]:
    # One client per endpoint: httpcore scans every queued request against every connection of a pool, so
    # a single 64-connection pool would measure that scan; small pools are httpx's fastest plain loop.
    limits = httpx.Limits(max_connections=PER_ENDPOINT, max_keepalive_connections=PER_ENDPOINT)
    clients = [httpx.AsyncClient(limits=limits, trust_env=False) for _ in urls]

    async def post(index: int, event_id: str, body: str) -> None:
        response = await clients[index].post(urls[index], content=body.encode(), headers=_signed(index, event_id, body))
        await response.aread()

    try:
        return await _loop(urls, bodies, post)
    finally:
        for client in clients:
            await client.aclose()


async def engine_stack_loop(urls: list[str], bodies: Bodies) -> tuple[float, dict[str, float]]:
    """The engine's own fast stack (its httptools sender, SSRF check included), driven by a plain loop."""
    from cortexbuild_sdk.local.delivery import AddressPolicy
    from cortexbuild_sdk.local.delivery.senders import make_sender

    context = httpx.create_ssl_context(True, trust_env=False)
    sender = make_sender("httptools", AddressPolicy(), context, concurrency=CONCURRENCY, per_endpoint=PER_ENDPOINT)

    async def post(index: int, event_id: str, body: str) -> None:
        await sender.post(urls[index], _signed(index, event_id, body), body.encode())

    try:
        return await _loop(urls, bodies, post)
    finally:
        await sender.aclose()


async def aiohttp_loop(urls: list[str], bodies: Bodies) -> tuple[float, dict[str, float]]:
    import aiohttp

    connector = aiohttp.TCPConnector(limit=CONCURRENCY, limit_per_host=0)
    async with aiohttp.ClientSession(connector=connector, trust_env=False, auto_decompress=False) as session:

        async def post(index: int, event_id: str, body: str) -> None:
            async with session.post(urls[index], data=body.encode(), headers=_signed(index, event_id, body)) as r:
                await r.read()

        return await _loop(urls, bodies, post)


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


async def raw_loop(port: int, urls: list[str], bodies: Bodies) -> tuple[float, dict[str, float]]:
    loop = asyncio.get_running_loop()
    pool: asyncio.Queue[_RawClient] = asyncio.Queue()
    for _ in range(CONCURRENCY):
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
        return await _loop(urls, bodies, post)
    finally:
        while not pool.empty():
            client = pool.get_nowait()
            if client.transport is not None:
                client.transport.close()


# ---- the engine -------------------------------------------------------------------------------------------


def engine_run(urls: list[str], tmp: Path, stack: str) -> tuple[float, dict[str, float], int, float]:
    db = open_db(tmp / f"bench-{stack}.db")
    for url in urls:
        add_webhook(db, url)
    engine = DeliveryEngine(
        db,
        clock=SystemClock(),
        signing_secrets=plain_secrets,
        concurrency=CONCURRENCY,
        per_endpoint=PER_ENDPOINT,
        http_stack=stack,
    )
    engine.start()
    emitted: dict[str, float] = {}
    started = time.monotonic()
    for n in range(EVENTS):
        t = time.monotonic()
        event_id = engine.emit(
            account_id=1, company_id="company-1", user_id="user-1", event="task.created", data=_data(n)
        )
        emitted[event_id] = t
    emit_seconds = time.monotonic() - started
    engine.drain(timeout=600)  # every delivery sent AND its attempt logged
    elapsed = time.monotonic() - started
    with db.read() as conn:
        logged = int(conn.execute("SELECT COUNT(*) FROM webhook_logs").fetchone()[0])
    engine.close()
    db.close()
    return elapsed, emitted, logged, emit_seconds


def main() -> None:
    global EVENTS, CONCURRENCY, PER_ENDPOINT
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=EVENTS)
    parser.add_argument("--concurrency", type=int, default=CONCURRENCY)
    parser.add_argument("--per-endpoint", type=int, default=PER_ENDPOINT)
    args = parser.parse_args()
    EVENTS, CONCURRENCY, PER_ENDPOINT = args.events, args.concurrency, args.per_endpoint
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=serve, args=(child,), daemon=True)
    proc.start()
    port = parent.recv()
    urls = [f"http://127.0.0.1:{port}/e{i}" for i in range(ENDPOINTS)]
    print(f"{EVENTS} events x {ENDPOINTS} endpoints, concurrency {CONCURRENCY} (per endpoint {PER_ENDPOINT})")
    print(f"{'row':<36} {'recvd':>6} {'time':>9} {'rate':>10}  {'emit-to-receive':>32}")
    now_ms = int(time.time() * 1000)
    bodies = [
        (
            f"evt_base{n:06d}",
            build_payload(
                event="task.created",
                timestamp_ms=now_ms,
                data=_data(n),
                company_id="company-1",
                user_id="user-1",
                event_id=f"evt_base{n:06d}",
            ),
        )
        for n in range(EVENTS)
    ]

    def collect() -> list[tuple[str, float]]:
        parent.send("collect")
        arrivals: list[tuple[str, float]] = parent.recv()
        return arrivals

    rates: dict[str, float] = {}
    loops: list[tuple[str, Callable[[], Any]]] = [
        ("raw sockets, unsigned (ceiling)", lambda: raw_loop(port, urls, bodies)),
        ("plain httpx loop, signed", lambda: httpx_loop(urls, bodies)),
    ]
    try:
        import aiohttp  # noqa: F401

        loops.append(("plain aiohttp loop, signed", lambda: aiohttp_loop(urls, bodies)))
    except ImportError:
        pass
    if "httptools" in available_stacks():
        loops.append(("plain loop, engine's stack, signed", lambda: engine_stack_loop(urls, bodies)))
    try:
        for name, run in loops:
            elapsed, emitted = asyncio.run(run())
            rates[name] = report(name, elapsed, emitted, collect())
        emits: dict[str, float] = {}
        for stack in available_stacks():
            with tempfile.TemporaryDirectory() as tmp:
                elapsed, emitted, logged, emit_seconds = engine_run(urls, Path(tmp), stack)
            arrivals = collect()
            name = f"engine on {stack} (outbox+sign+log)"
            rates[name] = report(name, elapsed, emitted, arrivals)
            emits[name] = emit_seconds
            print(f"{'':<36} attempts logged {logged} of {len(arrivals)}; {EVENTS} emits took {emit_seconds:.2f} s")
        best = max((n for n in rates if n.startswith("engine")), key=rates.__getitem__)
        rate, httpx_rate = rates[best], rates["plain httpx loop, signed"]
        print(f"\nfastest: {best}")
        print(
            f"  {rate:.0f} deliveries/s ({'meets' if rate >= TARGET_RATE else 'misses'} the {TARGET_RATE:.0f}/s target)"
        )
        ratio = rate / httpx_rate
        verdict = "meets" if ratio >= TARGET_RATIO else "misses"
        print(f"  {ratio:.2f}x the plain httpx loop ({verdict} the {TARGET_RATIO:g}x target)")
        for name in ("plain loop, engine's stack, signed", "plain aiohttp loop, signed"):
            if name in rates:
                print(f"  {rate / rates[name]:.2f}x the {name}")
        print(f"  {rate / rates['raw sockets, unsigned (ceiling)']:.2f}x the raw-socket ceiling")
        emit_s = emits[best]
        print(
            f"  emits: {emit_s:.2f} s for {EVENTS}"
            f" ({'meets' if emit_s <= TARGET_EMIT_S else 'misses'} the <= {TARGET_EMIT_S:g} s target)"
        )
    finally:
        parent.send("stop")
        proc.join(5)


if __name__ == "__main__":
    main()
