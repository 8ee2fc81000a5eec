"""Requests/s through the local backend's transport vs. the floor httpx itself costs.

For create, retrieve and list, the same httpx.Client code runs against (a) ``Backend.transport()`` and (b) an
``httpx.MockTransport`` answering the very bytes the backend answered, so (b) is the cost of httpx alone.
Target: the local backend reaches >= 0.5x of that floor for retrieve. Runs in well under a minute.

    .venv/bin/python benchmarks/bench_local.py [seconds-per-measurement]
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable

import httpx

from cortexbuild_sdk.local import Backend, Bucket, RateLimitConfig

SECONDS = float(sys.argv[1]) if len(sys.argv) > 1 else 0.4
ROUNDS = 5  # local and floor alternate in short rounds so machine noise hits both alike; medians reported
WEBHOOK = {"name": "Bench hook", "url": "https://example.com/hook", "events": ["project.created", "task.completed"]}


def rate(call: Callable[[], httpx.Response], seconds: float = SECONDS) -> float:
    for _ in range(50):  # warm up
        call()
    n, start = 0, time.perf_counter()
    deadline = start + seconds
    while True:
        for _ in range(100):
            call()
        n += 100
        now = time.perf_counter()
        if now >= deadline:
            return n / (now - start)


def main() -> None:
    # Limits so high they never refuse, but the limiter's bookkeeping still runs on every request.
    limits = RateLimitConfig(default=Bucket(10**9, 1e9))
    with Backend(tier="enterprise", rate_limits=limits) as backend:
        headers = {"Authorization": f"Bearer {backend.owner_api_key}"}
        local = httpx.Client(transport=backend.transport(), base_url="http://local", headers=headers)
        first = local.post("/api/integrations/webhooks", json=WEBHOOK)
        hook_id = first.json()["webhook"]["id"]
        for _ in range(19):
            local.post("/api/integrations/webhooks", json=WEBHOOK)
        cases: dict[str, Callable[[httpx.Client], httpx.Response]] = {
            "create": lambda c: c.post("/api/integrations/webhooks", json=WEBHOOK),
            "retrieve": lambda c: c.get(f"/api/integrations/webhooks/{hook_id}"),
            "list (20)": lambda c: c.get("/api/integrations/webhooks/list", params={"limit": 20}),
        }
        print(f"{'operation':<12}{'local req/s':>14}{'httpx floor req/s':>20}{'ratio':>8}")
        results: dict[str, float] = {}
        for name, op in cases.items():
            sample = op(local)
            assert sample.is_success, sample.text
            body, status = sample.content, sample.status_code
            mock = httpx.Client(
                transport=httpx.MockTransport(
                    lambda request, body=body, status=status: httpx.Response(
                        status, content=body, headers={"content-type": "application/json", "x-request-id": "req_x"}
                    )
                ),
                base_url="http://local",
                headers=headers,
            )
            pairs = [(rate(lambda op=op: op(local)), rate(lambda op=op, mock=mock: op(mock))) for _ in range(ROUNDS)]
            local_rate = statistics.median(p[0] for p in pairs)
            floor = statistics.median(p[1] for p in pairs)
            results[name] = statistics.median(p[0] / p[1] for p in pairs)
            print(f"{name:<12}{local_rate:>14,.0f}{floor:>20,.0f}{results[name]:>8.2f}x")
            mock.close()
        local.close()
    verdict = "met" if results["retrieve"] >= 0.5 else "NOT met"
    print(f"target retrieve >= 0.5x of the httpx floor: {verdict} ({results['retrieve']:.2f}x)")


if __name__ == "__main__":
    main()
