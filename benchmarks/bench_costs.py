"""Costs that must not grow with the store: the same calls at 100, 10k and 100k rows per table.

* ``plan.retrieve`` (usage counters: one primary-key read per limit, not a COUNT per limit);
* ``webhooks.list()`` with no ``limit``: the first page (the backend pages by default) and the time until the
  client's iterator yields its first webhook;
* ``webhooks.create`` refused by the Starter tier's webhook limit (the check reads the same counter);
* the automation lookup every published event makes (``automations.enqueue`` in its write transaction, an
  event no integration subscribes to), next to the query it replaced (every integration of the account with
  a ``config.automations``), printed for reference.

Rows are filled with SQL (``INSERT ... SELECT`` from a recursive CTE: seconds, not minutes). The three stores
are measured in interleaved rounds (so machine noise hits every size alike); each figure is the median over
all rounds of the per-call time, and the ratio is against the 100-row store. Target: every ratio within 2x.

    .venv/bin/python benchmarks/bench_costs.py [rounds]
"""

from __future__ import annotations

import contextlib
import statistics
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack

from cortexbuild_sdk import CortexBuild, PermissionDeniedError
from cortexbuild_sdk.local import Backend, RateLimitConfig
from cortexbuild_sdk.local.auth import authenticate
from cortexbuild_sdk.local.services.automations import enqueue

SIZES = (100, 10_000, 100_000)
ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 15
PER_ROUND = 20
TARGET = 2.0


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


REFERENCE = "(old) COUNT(*) per limit"
OLD_AUTOMATIONS = "(old) automation lookup"
NOT_JUDGED = (REFERENCE, OLD_AUTOMATIONS)


def automation_lookups(backend: Backend) -> dict[str, Callable[[], object]]:
    """What publishing an event reads to find automations: now, and the query it replaced."""
    ctx = authenticate(backend._rt, f"Bearer {backend.owner_api_key}")
    event = {"rfi": {"id": 1, "subject": "Beam"}}

    def lookup() -> None:
        with ctx.env.db.write() as conn:
            enqueue(ctx, conn, "rfi.created", event, "evt_bench")

    def old() -> None:
        with backend.db.read() as conn:
            conn.execute(
                "SELECT id, provider, config FROM integrations WHERE account_id = ? AND is_active = 1"
                " AND auth_error IS NULL AND json_extract(config, '$.automations') IS NOT NULL",
                (ctx.account.id,),
            ).fetchall()

    return {"automation lookup (publish)": lookup, OLD_AUTOMATIONS: old}


def old_counts(backend: Backend) -> Callable[[], object]:
    """What plan.retrieve used to run (a COUNT per limit): printed for reference, not judged."""
    queries = (
        "SELECT COUNT(*) FROM ai_requests WHERE account_id = 1 AND created_at >= 0",
        "SELECT COUNT(*) FROM integrations WHERE account_id = 1 AND is_active = 1",
        "SELECT COUNT(*) FROM webhooks WHERE account_id = 1",
    )

    def run() -> None:
        with backend.db.read() as conn:
            for sql in queries:
                conn.execute(sql).fetchone()

    return run


def calls(client: CortexBuild) -> dict[str, Callable[[], object]]:
    def refused_create() -> None:
        with contextlib.suppress(PermissionDeniedError):
            client.webhooks.create(name="x", url="https://example.com/x", events=["*"])

    return {
        "plan.retrieve": client.plan.retrieve,
        "webhooks.list() first page": client.webhooks.list,
        "webhooks.list() first item": lambda: next(iter(client.webhooks.list())),
        "webhooks.create limit check": refused_create,
    }


def main() -> None:
    samples: dict[int, dict[str, list[float]]] = {rows: {} for rows in SIZES}
    with ExitStack() as stack:
        targets = {}
        for rows in SIZES:
            backend = stack.enter_context(Backend(tier="starter", rate_limits=RateLimitConfig.disabled()))
            fill(backend, rows)  # starter allows 20 webhooks: every create below is refused after the lookup
            client = stack.enter_context(CortexBuild.local(backend=backend))
            targets[rows] = {**calls(client), **automation_lookups(backend), REFERENCE: old_counts(backend)}
            for call in targets[rows].values():  # warm up
                for _ in range(5):
                    call()
        for _ in range(ROUNDS):
            for rows in SIZES:
                for name, call in targets[rows].items():
                    for _ in range(PER_ROUND):
                        start = time.perf_counter()
                        call()
                        samples[rows].setdefault(name, []).append(time.perf_counter() - start)
    medians = {rows: {name: statistics.median(v) * 1e6 for name, v in by.items()} for rows, by in samples.items()}
    base = medians[SIZES[0]]
    print(
        f"median microseconds per call ({ROUNDS} interleaved rounds x {PER_ROUND} calls; "
        f"ratio vs {SIZES[0]} rows; target <= {TARGET}x)"
    )
    print(f"{'call':30}" + "".join(f"{rows:>16,} rows" for rows in SIZES) + "   worst")
    worst_all = 0.0
    for name in base:
        ratios = [medians[rows][name] / base[name] for rows in SIZES]
        worst = max(ratios)
        if name not in NOT_JUDGED:
            worst_all = max(worst_all, worst)
        cells = "".join(f"{medians[rows][name]:>12.0f} us {r:4.2f}x" for rows, r in zip(SIZES, ratios, strict=True))
        verdict = "(not judged)" if name in NOT_JUDGED else ("ok" if worst <= TARGET else "OVER")
        print(f"{name:30}{cells}   {worst:.2f}x {verdict}")
    print(f"flat within {TARGET}x: {'yes' if worst_all <= TARGET else 'no'} (worst {worst_all:.2f}x)")


if __name__ == "__main__":
    main()
