"""Requests/s through the local backend's transport vs. the floor httpx itself costs.

For create, retrieve and list, the same httpx.Client code runs against (a) ``Backend.transport()`` and (b) an
``httpx.MockTransport`` answering the very response the backend answered (same status, body bytes and headers,
so the client does the same parsing work), so (b) is the cost of httpx alone. Local and floor alternate in short
rounds, each pair in alternating order, so machine noise and drift hit both alike; the ratio reported is the
median of the per-round ratios, with their range. Target: the local backend reaches >= 0.5x of that floor for
retrieve. Runs in about 25 s.

    .venv/bin/python benchmarks/bench_local.py [seconds-per-measurement]
"""

from __future__ import annotations

import functools
import statistics
import sys
import time
from collections.abc import Callable

import httpx

from cortexbuild_sdk.local import Backend, Bucket, RateLimitConfig

SECONDS = float(sys.argv[1]) if len(sys.argv) > 1 else 0.25
RESETS = 10
ROUNDS = 9
TARGET = 0.5
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


def floor_client(sample: httpx.Response, headers: dict[str, str]) -> httpx.Client:
    status, body = sample.status_code, sample.content
    answer = [(k, v) for k, v in sample.headers.multi_items() if k != "content-length"]  # httpx adds its own

    def respond(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=body, headers=answer)

    return httpx.Client(transport=httpx.MockTransport(respond), base_url="http://local", headers=headers)


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
        print(f"{'operation':<12}{'local req/s':>14}{'httpx floor req/s':>20}{'ratio':>8}   per-round range")
        results: dict[str, float] = {}
        for name, op in cases.items():
            sample = op(local)
            assert sample.is_success, sample.text
            mock = floor_client(sample, headers)
            assert op(mock).content == sample.content
            pairs: list[tuple[float, float]] = []
            for i in range(ROUNDS):
                on_local = functools.partial(op, local)
                on_floor = functools.partial(op, mock)
                if i % 2:
                    floor = rate(on_floor)
                    pairs.append((rate(on_local), floor))
                else:
                    pairs.append((rate(on_local), rate(on_floor)))
            ratios = [p[0] / p[1] for p in pairs]
            results[name] = statistics.median(ratios)
            local_rate = statistics.median(p[0] for p in pairs)
            floor_rate = statistics.median(p[1] for p in pairs)
            spread = f"{min(ratios):.2f}-{max(ratios):.2f}"
            print(f"{name:<12}{local_rate:>14,.0f}{floor_rate:>20,.0f}{results[name]:>7.2f}x   {spread}")
            mock.close()
        local.close()
    got = results["retrieve"]
    verdict = "met" if got >= TARGET else "NOT met"
    print(
        f"target: retrieve >= {TARGET:.2f}x of the httpx floor: {verdict} ({got:.2f}x = {got / TARGET:.2f} of target)"
    )


def sandbox_reset() -> None:
    """Issue 4 asks that a sandbox reset restore the initial state in under a second: time it, with data in it."""
    with Backend(tier="enterprise") as backend:
        headers = {"Authorization": f"Bearer {backend.owner_api_key}"}
        live = httpx.Client(transport=backend.transport(), base_url="http://local", headers=headers)
        created = live.post("/api/sdk/sandboxes", json={"name": "bench", "config": {"sampleDataEnabled": True}})
        sandbox_id, secret = created.json()["sandbox"]["id"], created.json()["secret"]
        inside = httpx.Client(
            transport=backend.transport(), base_url="http://local", headers={"Authorization": f"Bearer {secret}"}
        )
        times: list[float] = []
        for _ in range(RESETS):
            for i in range(50):  # something to throw away
                inside.post("/api/integrations/webhooks", json={**WEBHOOK, "name": f"hook {i}"})
            start = time.perf_counter()
            answer = live.post(f"/api/sdk/sandboxes/{sandbox_id}/reset")
            times.append(time.perf_counter() - start)
            assert answer.is_success, answer.text
            left = inside.get("/api/integrations/webhooks/list").json()["webhooks"]
            assert left == [], left
        inside.close()
        live.close()
    median, worst = statistics.median(times) * 1000, max(times) * 1000
    verdict = "met" if worst < 1000 else "NOT met"
    print(f"sandbox reset (sample data, 50 rows to discard): median {median:.1f} ms, worst {worst:.1f} ms of {RESETS}")
    print(f"target: reset < 1 s: {verdict}")


if __name__ == "__main__":
    main()
    sandbox_reset()
