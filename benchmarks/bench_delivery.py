"""Webhook delivery throughput and latency: the durable engine next to plain loops and a raw-socket ceiling.

2,000 events fanned out to 20 endpoints (40,000 deliveries) on a fast loopback receiver in its own process
(an asyncio Protocol on httptools). Every row uses the same emit pattern (all events as fast as they come)
and the same concurrency; p50/p99 are emit-to-receive. Rows:

- raw sockets: pre-built requests over keep-alive connections, no signing (the distance to the wire);
- plain loops, signed: workers posting each signed body with httpx (``AsyncClient``), aiohttp (when
  installed) and the engine's own fast stack (its httptools sender), no database;
- the engine on its fastest stack (``--engine-on-httpx`` adds httpx): outbox emit, leased claims, signing,
  one log row per attempt (all counted); ``--before SRC``: an earlier engine, same run, in a child process.

Targets (issue 8): the engine >= 8,000 deliveries/s and >= 5x the plain httpx loop; the 2,000 emits complete
within 1 s while the engine dispatches. Run: ``python benchmarks/bench_delivery.py`` (about three minutes: three
interleaved rounds, medians reported; ``--rounds``, ``--engine-on-httpx``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests" / "delivery"))

from delivery_baselines import aiohttp_loop, engine_stack_loop, httpx_loop, raw_loop  # noqa: E402
from delivery_helpers import add_webhook, open_db, plain_secrets  # noqa: E402
from fast_receiver import serve  # noqa: E402

from cortexbuild_sdk.local.clock import SystemClock  # noqa: E402
from cortexbuild_sdk.local.delivery import DeliveryEngine, available_stacks  # noqa: E402
from cortexbuild_sdk.local.delivery.outbox import build_payload  # noqa: E402

EVENTS = 2000
ENDPOINTS = 20
CONCURRENCY = 64
PER_ENDPOINT = 8
TARGET_RATE = 8000.0
TARGET_RATIO = 5.0
TARGET_EMIT_S = 1.0
RAW = "raw sockets, unsigned (ceiling)"
HTTPX = "plain httpx loop, signed"
AIOHTTP = "plain aiohttp loop, signed"
OWN_STACK = "plain loop, engine's stack, signed"
BEFORE = "engine before (--before)"


def _data(n: int) -> dict[str, object]:
    return {"task": {"id": n, "title": f"Pour slab level {n % 12}", "status": "open", "assignee": "crew-4"}}


def percentiles(latencies: list[float]) -> tuple[float, float]:
    q = statistics.quantiles(latencies, n=100)
    return q[49] * 1000, q[98] * 1000


def measure(
    emitted: dict[str, float], arrivals: list[tuple[str, float]], elapsed: float, cpu: float
) -> tuple[float, ...]:
    """(rate, p50 ms, p99 ms, CPU microseconds per delivery) of one run."""
    latencies = [arrived - emitted[event_id] for event_id, arrived in arrivals if event_id in emitted]
    return (len(arrivals) / elapsed, *percentiles(latencies), cpu * 1e6 / max(1, len(arrivals)))


def cpu_seconds() -> float:
    """This process's CPU time (user + system, every thread): less noisy than rates on a shared machine."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# ---- the engine -------------------------------------------------------------------------------------------


def engine_run(urls: list[str], tmp: Path, stack: str) -> tuple[float, dict[str, float], int, float, float]:
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
    cpu_started = cpu_seconds()
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
    cpu = cpu_seconds() - cpu_started
    with db.read() as conn:
        logged = int(conn.execute("SELECT COUNT(*) FROM webhook_logs").fetchone()[0])
    engine.close()
    db.close()
    return elapsed, emitted, logged, emit_seconds, cpu


def engine_run_elsewhere(src: str, urls: list[str], stack: str) -> tuple[float, dict[str, float], int, float, float]:
    """``engine_run`` in a child interpreter importing the SDK from ``src`` (an earlier version, to compare
    before and after in one run against the same receiver and baselines)."""
    env = {**os.environ, "PYTHONPATH": src}
    command = [sys.executable, __file__, "--child-engine", json.dumps([urls, stack, EVENTS, CONCURRENCY])]
    out = subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout
    elapsed, emitted, logged, emit_seconds, cpu = json.loads(out.strip().splitlines()[-1])
    return elapsed, emitted, logged, emit_seconds, cpu


def _child_engine(spec: str) -> None:
    global EVENTS, CONCURRENCY
    urls, stack, EVENTS, CONCURRENCY = json.loads(spec)
    with tempfile.TemporaryDirectory() as tmp:
        print(json.dumps(engine_run(urls, Path(tmp), stack)))


def main() -> None:
    global EVENTS, CONCURRENCY, PER_ENDPOINT
    if len(sys.argv) == 3 and sys.argv[1] == "--child-engine":
        _child_engine(sys.argv[2])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=EVENTS)
    parser.add_argument("--concurrency", type=int, default=CONCURRENCY)
    parser.add_argument("--per-endpoint", type=int, default=PER_ENDPOINT)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; medians are reported")
    parser.add_argument("--engine-on-httpx", action="store_true", help="also run the engine on its httpx stack")
    parser.add_argument(
        "--before", metavar="SRC", help="also run the engine imported from SRC (an earlier src/ tree), in a child"
    )
    args = parser.parse_args()
    EVENTS, CONCURRENCY, PER_ENDPOINT = args.events, args.concurrency, args.per_endpoint
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=serve, args=(child,), daemon=True)
    proc.start()
    port = parent.recv()
    urls = [f"http://127.0.0.1:{port}/e{i}" for i in range(ENDPOINTS)]
    print(f"{EVENTS} events x {ENDPOINTS} endpoints, concurrency {CONCURRENCY} (per endpoint {PER_ENDPOINT}),")
    print(f"{args.rounds} interleaved rounds (the machine is shared: medians; load average {_load()})")
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

    loops: list[tuple[str, Callable[[], Any]]] = [
        (RAW, lambda: raw_loop(port, urls, bodies, concurrency=CONCURRENCY)),
        (HTTPX, lambda: httpx_loop(urls, bodies, concurrency=CONCURRENCY, per_endpoint=PER_ENDPOINT)),
    ]
    try:
        import aiohttp  # noqa: F401

        loops.append((AIOHTTP, lambda: aiohttp_loop(urls, bodies, concurrency=CONCURRENCY)))
    except ImportError:
        pass
    stacks = available_stacks() if args.engine_on_httpx else available_stacks()[:1]
    if "httptools" in stacks:
        loops.append(
            (OWN_STACK, lambda: engine_stack_loop(urls, bodies, concurrency=CONCURRENCY, per_endpoint=PER_ENDPOINT))
        )
    rows = [name for name, _ in loops] + [f"engine on {stack} (outbox+sign+log)" for stack in stacks]
    if args.before:
        rows.append(BEFORE)
    runs: dict[str, list[tuple[float, ...]]] = {name: [] for name in rows}
    emits: dict[str, list[float]] = {name: [] for name in rows}
    try:
        for round_no in range(args.rounds):
            order = rows[round_no % len(rows) :] + rows[: round_no % len(rows)]  # interleaved, rotated
            for name in order:
                run = dict(loops).get(name)
                if run is not None:
                    cpu = cpu_seconds()
                    elapsed, emitted = asyncio.run(run())
                    cpu = cpu_seconds() - cpu
                    runs[name].append(measure(emitted, collect(), elapsed, cpu))
                    continue
                if name == BEFORE:
                    elapsed, emitted, logged, emit_seconds, cpu = engine_run_elsewhere(args.before, urls, stacks[0])
                else:
                    with tempfile.TemporaryDirectory() as tmp:
                        elapsed, emitted, logged, emit_seconds, cpu = engine_run(urls, Path(tmp), name.split()[2])
                arrivals = collect()
                if logged != len(arrivals) or len(arrivals) != EVENTS * ENDPOINTS:
                    raise SystemExit(f"{name}: {len(arrivals)} received, {logged} logged")
                runs[name].append(measure(emitted, arrivals, elapsed, cpu))
                emits[name].append(emit_seconds)
            print(f"  round {round_no + 1}: " + ", ".join(f"{n.split(',')[0]} {runs[n][-1][0]:.0f}/s" for n in rows))
        head = f"{'rate':>10}  {'emit-to-receive p50':>20} {'p99':>10}  {'CPU/delivery':>12}  {f'{EVENTS:,} emits':>11}"
        print(f"\n{'row (medians)':<36} {head}")
        median = {name: tuple(statistics.median(x[i] for x in runs[name]) for i in range(4)) for name in rows}
        for name in rows:
            rate, p50, p99, cpu_us = median[name]
            emit = f"{statistics.median(emits[name]):8.2f} s" if emits[name] else ""
            print(f"{name:<36} {rate:8.0f}/s  {p50:17.1f} ms {p99:7.1f} ms  {cpu_us:9.0f} us  {emit:>11}")
        best = max((n for n in rows if n.startswith("engine on")), key=lambda n: median[n][0])
        rate, httpx_rate = median[best][0], median[HTTPX][0]
        print(f"\nfastest: {best}")
        print(
            f"  {rate:.0f} deliveries/s ({'meets' if rate >= TARGET_RATE else 'misses'} the {TARGET_RATE:.0f}/s target)"
        )
        ratio = rate / httpx_rate
        verdict = "meets" if ratio >= TARGET_RATIO else "misses"
        print(f"  {ratio:.2f}x the plain httpx loop ({verdict} the {TARGET_RATIO:g}x target)")
        for name in (OWN_STACK, AIOHTTP):
            if name in median:
                print(f"  {rate / median[name][0]:.2f}x the {name}")
        print(f"  {rate / median[RAW][0]:.2f}x the raw-socket ceiling")
        if BEFORE in median:
            print(f"  {rate / median[BEFORE][0]:.2f}x the {BEFORE}")
        emit_s = statistics.median(emits[best])
        print(
            f"  emits: {emit_s:.2f} s for {EVENTS}"
            f" ({'meets' if emit_s <= TARGET_EMIT_S else 'misses'} the <= {TARGET_EMIT_S:g} s target)"
        )
        print(f"  load average at the end: {_load()}")
    finally:
        parent.send("stop")
        proc.join(5)


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


if __name__ == "__main__":
    main()
