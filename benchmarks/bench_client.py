"""What the typed client costs per request next to plain httpx, and what importing it costs.

One run starts a loopback HTTP/1.1 keep-alive server (``http.server`` in a child process, so its work does
not share the benchmark's GIL), then times ``client.webhooks.retrieve(id)`` on a sync ``CortexBuild``
against ``httpx.Client.get(url).json()`` for the same URL and body: the median of interleaved repeats, after a
warm-up. Target: the SDK costs at most 1.10x plain httpx.

Then a page of 1,000 webhooks (platform-shaped: SQLite text timestamps, 0/1 booleans, events as JSON text, each
row distinct) is read into models by ``client.webhooks.list()`` (through an in-memory transport, so the figure
is the SDK's own work), against ``json.loads`` of the same bytes alone. Target: at most 3x.

Then it times imports, each in a fresh interpreter (median of several): ``import httpx``,
``import cortexbuild_sdk`` and ``from cortexbuild_sdk import CortexBuild``.

    python benchmarks/bench_client.py [--requests 300] [--repeats 9] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TARGET_RATIO = 1.10
LIST_TARGET_RATIO = 3.0
LIST_ITEMS = 1000
WEBHOOK_ID = 42

# Shaped as the platform sends it: SQLite text timestamps, 0/1 booleans, events as a JSON string.
BODY = json.dumps(
    {
        "success": True,
        "webhook": {
            "id": WEBHOOK_ID,
            "user_id": "user-1",
            "company_id": "company-1",
            "name": "Project Updates",
            "url": "https://myapp.example/webhook",
            "events": '["project.created", "project.updated", "task.completed"]',
            "is_active": 1,
            "success_count": 12,
            "failure_count": 0,
            "last_triggered_at": "2025-10-09 12:00:00",
            "created_at": "2025-10-01 08:30:00",
            "updated_at": "2025-10-09 12:00:00",
        },
    }
).encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the platform's server speaks
    # Headers and body go out in separate writes; without TCP_NODELAY, Nagle plus delayed ACK adds ~40 ms.
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        if self.path != f"/api/integrations/webhooks/{WEBHOOK_ID}":
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(BODY)))
        self.send_header("X-Request-Id", "req_bench")
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def serve() -> None:
    """Child-process entry point: serve until stdin closes, after printing the port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    import threading

    threading.Thread(target=server.serve_forever, daemon=True).start()
    sys.stdin.read()  # the parent closing our stdin is the stop signal
    server.shutdown()


def _time_calls(call: Callable[[], object], n: int) -> tuple[float, float]:
    """Per-call wall time and per-call CPU time of this (client) process."""
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(n):
        call()
    return (time.perf_counter() - wall) / n, (time.process_time() - cpu) / n


def bench_requests(port: int, n: int, repeats: int, profile: bool) -> None:
    import httpx

    from cortexbuild_sdk import CortexBuild

    base_url = f"http://127.0.0.1:{port}"
    url = f"{base_url}/api/integrations/webhooks/{WEBHOOK_ID}"
    headers = {"Authorization": "Bearer cbk_live_bench", "Accept": "application/json"}

    with CortexBuild(api_key="cbk_live_bench", base_url=base_url) as client, httpx.Client() as plain:

        def sdk_call() -> object:
            return client.webhooks.retrieve(WEBHOOK_ID)

        def plain_call() -> object:
            return plain.get(url, headers=headers).json()

        hook = client.webhooks.retrieve(WEBHOOK_ID)
        assert hook.id == WEBHOOK_ID and hook.events[0] == "project.created", hook

        for call in (sdk_call, plain_call):  # warm-up: connections, caches, validators
            _time_calls(call, max(50, n // 3))

        sdk_runs: list[tuple[float, float]] = []
        plain_runs: list[tuple[float, float]] = []
        for _ in range(repeats):  # interleaved so that drift hits both sides alike
            sdk_runs.append(_time_calls(sdk_call, n))
            plain_runs.append(_time_calls(plain_call, n))

        sdk, base = statistics.median(w for w, _ in sdk_runs), statistics.median(w for w, _ in plain_runs)
        sdk_cpu = statistics.median(c for _, c in sdk_runs)
        base_cpu = statistics.median(c for _, c in plain_runs)
        ratio = sdk / base
        verdict = "OK" if ratio <= TARGET_RATIO else "MISSED"
        print(f"per request, median of {repeats} x {n} (loopback HTTP/1.1 keep-alive):")
        print(f"  {'':32} {'wall':>9}   {'client CPU':>10}")
        print(f"  {'plain httpx get + json()':32} {base * 1e6:6.1f} us   {base_cpu * 1e6:7.1f} us")
        print(f"  {'CortexBuild.webhooks.retrieve':32} {sdk * 1e6:6.1f} us   {sdk_cpu * 1e6:7.1f} us")
        print(f"  {'SDK cost on top':32} {(sdk - base) * 1e6:6.1f} us   {(sdk_cpu - base_cpu) * 1e6:7.1f} us")
        print(
            f"  ratio {ratio:.3f}x wall ({sdk_cpu / base_cpu:.3f}x client CPU)"
            f"   target <= {TARGET_RATIO:.2f}x   {verdict}"
        )
        best = min(w for w, _ in sdk_runs) / min(w for w, _ in plain_runs)
        print(f"  (best-of-{repeats} ratio, for reference: {best:.3f}x)")

        if profile or ratio > TARGET_RATIO:
            # The SDK's own frames (and pydantic's), cumulative: what the SDK adds on top of httpx.
            print("\nprofile of the SDK call, SDK and pydantic frames (cumulative):")
            profiler = cProfile.Profile()
            profiler.enable()
            _time_calls(sdk_call, n)
            profiler.disable()
            stats = pstats.Stats(profiler).sort_stats("cumulative")
            stats.print_stats(r"cortexbuild_sdk|pydantic|httpx/_client\.py:\d+\(send\)", 25)


def _page_body(items: int) -> bytes:
    """A page as the platform would send it, every row distinct (ids, names, URLs, timestamps)."""
    rows = []
    for number in range(items):
        minute, second = divmod(number, 60)
        rows.append(
            {
                "id": number + 1,
                "user_id": "user-1",
                "company_id": "company-1",
                "name": f"Project Updates {number}",
                "url": f"https://myapp.example/webhook/{number}",
                "events": '["project.created", "project.updated", "task.completed"]',
                "is_active": number % 2,
                "success_count": number,
                "failure_count": number % 7,
                "last_triggered_at": f"2025-10-09 {minute // 60:02d}:{minute % 60:02d}:{second:02d}",
                "created_at": f"2025-10-01 08:{minute % 60:02d}:{second:02d}",
                "updated_at": f"2025-10-09T12:{minute % 60:02d}:{second:02d}.000Z",
            }
        )
    return json.dumps({"success": True, "webhooks": rows, "next_cursor": None}).encode()


def bench_list(repeats: int, profile: bool) -> None:
    import httpx

    from cortexbuild_sdk import CortexBuild

    body = _page_body(LIST_ITEMS)
    headers = {"Content-Type": "application/json", "Content-Length": str(len(body))}
    transport = httpx.MockTransport(lambda request: httpx.Response(200, headers=headers, content=body))
    rounds = 10
    with CortexBuild(
        api_key="cbk_live_bench", base_url="http://bench.invalid", http_client=httpx.Client(transport=transport)
    ) as client:

        def sdk_call() -> object:
            return client.webhooks.list(limit=LIST_ITEMS).data

        def loads_call() -> object:
            return json.loads(body)

        hooks = client.webhooks.list(limit=LIST_ITEMS).data
        assert len(hooks) == LIST_ITEMS and hooks[-1].created_at is not None and hooks[0].events[0] == "project.created"
        for call in (sdk_call, loads_call):
            _time_calls(call, 5)
        sdk_runs: list[tuple[float, float]] = []
        loads_runs: list[tuple[float, float]] = []
        for _ in range(repeats):  # short interleaved runs: a load spike on a shared machine hits both sides
            sdk_runs.append(_time_calls(sdk_call, rounds))
            loads_runs.append(_time_calls(loads_call, rounds))
        sdk, base = statistics.median(w for w, _ in sdk_runs), statistics.median(w for w, _ in loads_runs)
        sdk_cpu, base_cpu = statistics.median(c for _, c in sdk_runs), statistics.median(c for _, c in loads_runs)
        ratio = sdk / base
        verdict = "OK" if ratio <= LIST_TARGET_RATIO else "MISSED"
        print(f"\na page of {LIST_ITEMS:,} webhooks ({len(body) / 1024:.0f} KiB), median of {repeats} x {rounds}:")
        print(f"  {'':32} {'wall':>10}   {'CPU':>8}")
        print(f"  {'json.loads alone':32} {base * 1e3:7.2f} ms   {base_cpu * 1e3:5.2f} ms")
        print(
            f"  {'webhooks.list() into models':32} {sdk * 1e3:7.2f} ms   {sdk_cpu * 1e3:5.2f} ms"
            f"   ({sdk / LIST_ITEMS * 1e6:.2f} us per webhook)"
        )
        cpu_ratio = sdk_cpu / base_cpu
        print(f"  ratio {ratio:.2f}x wall ({cpu_ratio:.2f}x CPU)   target <= {LIST_TARGET_RATIO:.1f}x   {verdict}")
        if profile or ratio > LIST_TARGET_RATIO:
            print("\nprofile of the list call (internal time):")
            profiler = cProfile.Profile()
            profiler.enable()
            _time_calls(sdk_call, rounds)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(12)


def _import_time(statement: str, runs: int) -> float:
    """Median wall time of ``statement`` in a fresh interpreter, measured inside it (no start-up)."""
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    samples = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
        samples.append(float(out))
    return statistics.median(samples)


def bench_imports(runs: int) -> None:
    print(f"\nimport time, fresh interpreter, median of {runs}:")
    httpx_time = _import_time("import httpx", runs)
    rows = [
        ("import httpx", httpx_time),
        ("import cortexbuild_sdk", _import_time("import cortexbuild_sdk", runs)),
        ("from cortexbuild_sdk import CortexBuild", _import_time("from cortexbuild_sdk import CortexBuild", runs)),
        (
            "... + CortexBuild(...).webhooks",
            _import_time("from cortexbuild_sdk import CortexBuild; CortexBuild(api_key='k').webhooks", runs),
        ),
        ("import cortexbuild_sdk.webhooks", _import_time("import cortexbuild_sdk.webhooks", runs)),
    ]
    for label, seconds in rows:
        print(f"  {label:<42} {seconds * 1e3:7.1f} ms   ({seconds / httpx_time:.2f}x import httpx)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=300, help="requests per timed repeat")
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--import-runs", type=int, default=7)
    parser.add_argument("--profile", action="store_true", help="profile the SDK call even if on target")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve()
        return

    server = subprocess.Popen(
        [sys.executable, __file__, "--serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        print(f"Python {sys.version.split()[0]}, server on 127.0.0.1:{port} (child process {server.pid})\n")
        bench_requests(port, args.requests, args.repeats, args.profile)
    finally:
        assert server.stdin is not None
        server.stdin.close()
        server.wait(timeout=10)
    bench_list(max(args.repeats, 15), args.profile)
    bench_imports(args.import_runs)


if __name__ == "__main__":
    main()
