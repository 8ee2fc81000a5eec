"""Webhook delivery throughput and latency: the durable engine next to a plain async httpx loop.

2,000 events fanned out to 20 endpoints (40,000 deliveries) on a loopback receiver running in its own
process. The engine writes the outbox, claims under leases, signs both schemes and logs every attempt; the
baseline posts the same bodies at the same concurrency with no database and no signing. Target: the
engine reaches >= 0.7x the baseline's deliveries/s. Run: ``.venv/bin/python benchmarks/bench_delivery.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import statistics
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "delivery"))

from delivery_helpers import add_webhook, open_db, plain_secrets  # noqa: E402
from receiver import Receiver  # noqa: E402

from cortexbuild_sdk.local.clock import SystemClock  # noqa: E402
from cortexbuild_sdk.local.delivery import DeliveryEngine  # noqa: E402
from cortexbuild_sdk.local.delivery.outbox import build_payload  # noqa: E402

EVENTS = 2000
ENDPOINTS = 20
CONCURRENCY = 64
PER_ENDPOINT = 8
TARGET = 0.7


def receiver_process(conn: Connection) -> None:
    """Serve on loopback; on "collect" send back [(event id, arrival monotonic)] and forget them."""
    receiver = Receiver().start()
    conn.send(receiver.port)
    while True:
        command = conn.recv()
        if command == "stop":
            receiver.stop()
            return
        if command == "collect":
            requests = receiver.requests()
            conn.send([(json.loads(r.body)["id"], r.monotonic) for r in requests])
            with receiver._lock:  # the benchmark owns this receiver: reset between phases
                receiver._requests.clear()
                receiver._count = 0


def percentiles(latencies: list[float]) -> tuple[float, float]:
    q = statistics.quantiles(latencies, n=100)
    return q[49] * 1000, q[98] * 1000


async def baseline(urls: list[str], bodies: list[tuple[str, str]]) -> tuple[float, dict[str, float]]:
    """Post every (event id, body) to every URL with CONCURRENCY workers; the queue time is the emit.

    Endpoints are spread over the same number of connection pools as the engine uses (one pool of 64
    connections makes httpcore scan every queued request against every connection on each request, which
    would make both sides measure that scan instead of delivery).
    """
    queue: asyncio.Queue[tuple[int, bytes]] = asyncio.Queue()
    emitted: dict[str, float] = {}
    shards = max(1, min(32, 2 * CONCURRENCY // PER_ENDPOINT))
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=PER_ENDPOINT * 2)
    clients = [httpx.AsyncClient(limits=limits, trust_env=False) for _ in range(shards)]
    # The engine's shard is the webhook id (1-based here) modulo the shard count: the same split.
    route = [(urls[i], clients[(i + 1) % shards]) for i in range(len(urls))]

    async def worker() -> None:
        while True:
            index, body = await queue.get()
            url, client = route[index]
            response = await client.post(url, content=body, headers={"Content-Type": "application/json"})
            await response.aread()
            queue.task_done()

    workers = [asyncio.create_task(worker()) for _ in range(CONCURRENCY)]
    started = time.monotonic()
    for event_id, body in bodies:
        emitted[event_id] = time.monotonic()
        encoded = body.encode()
        for index in range(len(urls)):
            queue.put_nowait((index, encoded))
        await asyncio.sleep(0)  # let workers run while "emitting", like the engine's producer
    await queue.join()
    elapsed = time.monotonic() - started
    for task in workers:
        task.cancel()
    for client in clients:
        await client.aclose()
    return elapsed, emitted


def engine_run(urls: list[str], tmp: Path) -> tuple[float, dict[str, float], int]:
    db = open_db(tmp / "bench.db")
    for url in urls:
        add_webhook(db, url)
    engine = DeliveryEngine(
        db,
        clock=SystemClock(),
        signing_secrets=plain_secrets,
        concurrency=CONCURRENCY,
        per_endpoint=PER_ENDPOINT,
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
    engine.drain(timeout=600)  # every delivery sent AND its attempt logged
    elapsed = time.monotonic() - started
    with db.read() as conn:
        logged = int(conn.execute("SELECT COUNT(*) FROM webhook_logs").fetchone()[0])
    engine.close()
    db.close()
    return elapsed, emitted, logged


def _data(n: int) -> dict[str, object]:
    return {"task": {"id": n, "title": f"Pour slab level {n % 12}", "status": "open", "assignee": "crew-4"}}


def report(name: str, elapsed: float, emitted: dict[str, float], arrivals: list[tuple[str, float]]) -> float:
    latencies = [arrived - emitted[event_id] for event_id, arrived in arrivals]
    rate = len(arrivals) / elapsed
    p50, p99 = percentiles(latencies)
    figures = f"{elapsed:6.2f} s {rate:7.0f}/s  p50 {p50:7.1f} ms  p99 {p99:7.1f} ms"
    print(f"{name:<34} {len(arrivals):>6} deliveries {figures}")
    return rate


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
    proc = ctx.Process(target=receiver_process, args=(child,), daemon=True)
    proc.start()
    port = parent.recv()
    urls = [f"http://127.0.0.1:{port}/e{i}" for i in range(ENDPOINTS)]
    print(f"{EVENTS} events x {ENDPOINTS} endpoints, concurrency {CONCURRENCY} (per endpoint {PER_ENDPOINT})")
    try:
        bodies = []
        for n in range(EVENTS):
            event_id = f"evt_base{n:06d}"
            body = build_payload(
                event="task.created",
                timestamp_ms=int(time.time() * 1000),
                data=_data(n),
                company_id="company-1",
                user_id="user-1",
                event_id=event_id,
            )
            bodies.append((event_id, body))
        elapsed, emitted = asyncio.run(baseline(urls, bodies))
        parent.send("collect")
        base_rate = report("plain httpx loop (no DB, no sign)", elapsed, emitted, parent.recv())
        with tempfile.TemporaryDirectory() as tmp:
            elapsed, emitted, logged = engine_run(urls, Path(tmp))
        parent.send("collect")
        arrivals = parent.recv()
        engine_rate = report("delivery engine (outbox+log+sign)", elapsed, emitted, arrivals)
        print(f"attempts logged: {logged} of {len(arrivals)} deliveries received")
        ratio = engine_rate / base_rate
        verdict = "meets" if ratio >= TARGET else "misses"
        print(f"ratio engine/baseline: {ratio:.2f}x ({verdict} the {TARGET}x target)")
    finally:
        parent.send("stop")
        proc.join(5)


if __name__ == "__main__":
    main()
