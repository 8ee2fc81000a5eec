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
import sys
from collections.abc import Callable
from contextlib import ExitStack

from flat_costs import measure, report

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
    with ExitStack() as stack:
        targets = {}
        for rows in SIZES:
            backend = stack.enter_context(Backend(tier="starter", rate_limits=RateLimitConfig.disabled()))
            fill(backend, rows)  # starter allows 20 webhooks: every create below is refused after the lookup
            client = stack.enter_context(CortexBuild.local(backend=backend))
            targets[rows] = {**calls(client), **automation_lookups(backend), REFERENCE: old_counts(backend)}
        medians = measure(targets, rounds=ROUNDS, per_round=PER_ROUND, warmup=5)
    header = f"median microseconds per call ({ROUNDS} interleaved rounds x {PER_ROUND} calls)"
    report(medians, target=TARGET, header=header, not_judged=NOT_JUDGED)


if __name__ == "__main__":
    main()
