"""Costs that must not grow with the store: the same calls at 100, 10k and 100k rows per table.

* ``plan.retrieve`` (usage counters: one primary-key read per limit, not a COUNT per limit);
* ``webhooks.list()`` with no ``limit``: the first page (the backend pages by default) and the time until the
  client's iterator yields its first webhook;
* ``webhooks.create`` on a tier with a webhook limit (the limit check reads the same counter).

Rows are filled with SQL (``INSERT ... SELECT`` from a recursive CTE: seconds, not minutes). Each figure is the
median of many calls; the ratio is against the 100-row store of the same run. Target: every ratio within 2x.

    .venv/bin/python benchmarks/bench_costs.py [repeats]
"""

from __future__ import annotations

import contextlib
import statistics
import sys
import time
from collections.abc import Callable

from cortexbuild_sdk import CortexBuild, PermissionDeniedError
from cortexbuild_sdk.local import Backend, RateLimitConfig

SIZES = (100, 10_000, 100_000)
REPEATS = int(sys.argv[1]) if len(sys.argv) > 1 else 200
TARGET = 2.0


def median_us(call: Callable[[], object], repeats: int = REPEATS) -> float:
    for _ in range(min(20, repeats)):  # warm up
        call()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1e6


def fill(backend: Backend, rows: int) -> None:
    now = int(backend.clock.now() * 1000)
    with backend.db.write() as conn:
        account, user, company = conn.execute("SELECT id, user_id, company_id FROM accounts LIMIT 1").fetchone()
        series = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)"
        conn.execute(
            f"{series} INSERT INTO webhooks (account_id, user_id, company_id, name, url, events, secret, created_at,"
            " updated_at) SELECT ?, ?, ?, 'hook ' || i, 'https://example.com/h' || i, '[\"*\"]', 'unused', ?, ? FROM n",
            (rows, account, user, company, now, now),
        )
        conn.execute(
            f"{series} INSERT INTO ai_requests (account_id, user_id, company_id, model, total_tokens, created_at)"
            " SELECT ?, ?, ?, 'model', 10, ? FROM n",
            (rows, account, user, company, now),
        )
        conn.execute(
            f"{series} INSERT INTO integrations (account_id, user_id, company_id, provider, name, created_at,"
            " updated_at) SELECT ?, ?, ?, 'stripe', 'i' || i, ?, ? FROM n",
            (rows, account, user, company, now, now),
        )


def measure(rows: int) -> dict[str, float]:
    with Backend(tier="enterprise", rate_limits=RateLimitConfig.disabled()) as backend:
        fill(backend, rows)
        with CortexBuild.local(backend=backend) as client:
            out = {
                "plan.retrieve": median_us(client.plan.retrieve),
                "webhooks.list() first page": median_us(client.webhooks.list),
                "webhooks.list() first item": median_us(lambda: next(iter(client.webhooks.list()))),
            }
            backend.set_tier("starter")  # 20 webhooks: every create is refused after the counter lookup

            def refused() -> None:
                with contextlib.suppress(PermissionDeniedError):
                    client.webhooks.create(name="x", url="https://example.com/x", events=["*"])

            out["webhooks.create limit check"] = median_us(refused, max(20, REPEATS // 4))
    return out


def main() -> None:
    results = {rows: measure(rows) for rows in SIZES}
    base = results[SIZES[0]]
    print(f"median microseconds per call ({REPEATS} repeats; ratio vs {SIZES[0]} rows; target <= {TARGET}x)")
    print(f"{'call':32}" + "".join(f"{rows:>14,} rows" for rows in SIZES) + "   worst ratio")
    worst_all = 0.0
    for name in base:
        ratios = [results[rows][name] / base[name] for rows in SIZES]
        worst = max(ratios)
        worst_all = max(worst_all, worst)
        cells = "".join(f"{results[rows][name]:>11.0f} us {r:4.2f}x" for rows, r in zip(SIZES, ratios, strict=True))
        print(f"{name:32}{cells}   {worst:.2f}x {'ok' if worst <= TARGET else 'OVER'}")
    print(f"flat within {TARGET}x: {'yes' if worst_all <= TARGET else 'no'} (worst {worst_all:.2f}x)")


if __name__ == "__main__":
    main()
