"""Construction-domain hot paths: create-to-delivered latency of a domain change, list-page latency.

1. ``POST /api/projects`` through the in-process transport until ``project.created`` arrives at a loopback
   receiver in another process (signed, logged, durable), one at a time, next to a baseline: a plain httpx
   POST of the same body to the same receiver. Medians and p99 of 200 runs.
2. ``GET /api/projects`` (page 1, 20 rows, and with a ``status`` filter) and ``GET /api/tasks?project_id=``
   at 100 and 100,000 rows of the account. A page is one index range in id order, so the page itself should
   not grow with the table; ``pagination.total`` is a COUNT over the same index and does (O(matching rows)),
   which the "page only" column separates out.

Run: ``PYTHONPATH=src .venv/bin/python benchmarks/bench_domain.py``. Figures on a shared machine are noisy.
"""

from __future__ import annotations

import multiprocessing as mp
import statistics
import sys
import time
from multiprocessing.connection import Connection
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "delivery"))

from receiver import Receiver  # noqa: E402

from cortexbuild_sdk.local import Backend  # noqa: E402

RUNS = 200
LIST_RUNS = 300


def receiver_process(conn: Connection) -> None:
    """Serve on loopback; on ("wait", n) answer the arrival monotonic of the n-th request."""
    receiver = Receiver().start()
    conn.send(receiver.port)
    while True:
        command = conn.recv()
        if command == "stop":
            receiver.stop()
            return
        _, n = command
        conn.send(receiver.wait_for(n, timeout=30)[n - 1].monotonic)


def pct(samples: list[float], q: int) -> float:
    return statistics.quantiles(samples, n=100)[q - 1] * 1000


def delivery_latency() -> None:
    parent, child = mp.Pipe()
    proc = mp.Process(target=receiver_process, args=(child,), daemon=True)
    proc.start()
    port = parent.recv()
    url = f"http://127.0.0.1:{port}"
    with Backend(tier="pro") as backend:
        headers = {"Authorization": f"Bearer {backend.owner_api_key}"}
        with httpx.Client(transport=backend.transport(), base_url="http://local", headers=headers) as api:
            api.post("/api/integrations/webhooks", json={"name": "b", "url": f"{url}/hook", "events": ["*"]})
            body = {"name": "Benchmark Tower", "budget": 5000000, "city": "Leeds"}
            domain: list[float] = []
            for n in range(1, RUNS + 1):
                started = time.monotonic()
                api.post("/api/projects", json=body)
                parent.send(("wait", n))
                domain.append(parent.recv() - started)
            size = len(api.get("/api/projects/1").content)
    baseline: list[float] = []
    with httpx.Client() as plain:
        payload = b"x" * (size + 150)  # about the size of the signed event body
        for n in range(RUNS + 1, 2 * RUNS + 1):
            started = time.monotonic()
            plain.post(f"{url}/plain", content=payload)
            parent.send(("wait", n))
            baseline.append(parent.recv() - started)
    parent.send("stop")
    proc.join(10)
    d50, b50 = pct(domain, 50), pct(baseline, 50)
    print(f"create-to-delivered  median {d50:7.2f} ms   p99 {pct(domain, 99):7.2f} ms   ({RUNS} runs)")
    print(f"baseline plain POST  median {b50:7.2f} ms   p99 {pct(baseline, 99):7.2f} ms")
    print(f"ratio (domain / baseline median): {d50 / b50:.1f}x")


def seed(backend: Backend, rows: int) -> None:
    now = int(time.time() * 1000)
    statuses = ("planning", "active", "on-hold", "completed", "cancelled")
    with backend.db.write() as conn:
        conn.executemany(
            "INSERT INTO projects (account_id, company_id, name, status, progress, created_at, updated_at)"
            " VALUES (1, 'company-1', ?, ?, 0, ?, ?)",
            ((f"Project {i}", statuses[i % 5], now, now) for i in range(rows)),
        )
        conn.executemany(
            "INSERT INTO tasks (account_id, company_id, project_id, title, status, progress, created_at, updated_at)"
            " VALUES (1, 'company-1', ?, ?, 'todo', 0, ?, ?)",
            ((1 + i % 5, f"Task {i}", now, now) for i in range(rows)),  # >= 20 per project at 100 rows
        )


def median_ms(api: httpx.Client, path: str, params: dict[str, str]) -> float:
    samples = []
    for _ in range(LIST_RUNS):
        started = time.perf_counter()
        response = api.get(path, params=params)
        samples.append(time.perf_counter() - started)
        assert response.status_code == 200, response.text
    return statistics.median(samples) * 1000


def page_only_ms(backend: Backend, sql: str) -> float:
    samples = []
    with backend.db.read() as conn:
        for _ in range(LIST_RUNS):
            started = time.perf_counter()
            conn.execute(sql).fetchall()
            samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def list_latency() -> None:
    cases = [
        ("/api/projects", {"limit": "20"}, "SELECT * FROM projects WHERE account_id = 1"),
        ("/api/projects", {"limit": "20", "status": "active"},
         "SELECT * FROM projects WHERE account_id = 1 AND status = 'active'"),
        ("/api/tasks", {"limit": "20", "project_id": "3"},
         "SELECT * FROM tasks WHERE account_id = 1 AND project_id = 3"),
    ]  # fmt: skip
    results: dict[int, list[tuple[float, float]]] = {}
    for rows in (100, 100_000):
        with Backend(tier="pro") as backend:
            seed(backend, rows)
            headers = {"Authorization": f"Bearer {backend.owner_api_key}"}
            with httpx.Client(transport=backend.transport(), base_url="http://local", headers=headers) as api:
                results[rows] = [
                    (median_ms(api, path, params), page_only_ms(backend, f"{sql} ORDER BY id DESC LIMIT 20"))
                    for path, params, sql in cases
                ]
    print(f"\n{'list route (page 1, limit 20)':44} {'100 rows':>10} {'100k rows':>10} {'ratio':>7}"
          f"   {'page only 100':>13} {'100k':>7} {'ratio':>6}")  # fmt: skip
    for i, (path, params, _) in enumerate(cases):
        (small, small_page), (big, big_page) = results[100][i], results[100_000][i]
        label = path + (
            "?" + "&".join(f"{k}={v}" for k, v in params.items() if k != "limit") if len(params) > 1 else ""
        )
        print(f"{label:44} {small:8.3f}ms {big:8.3f}ms {big / small:6.2f}x"
              f"   {small_page:11.3f}ms {big_page:5.3f}ms {big_page / small_page:5.2f}x")  # fmt: skip


if __name__ == "__main__":
    delivery_latency()
    list_latency()
