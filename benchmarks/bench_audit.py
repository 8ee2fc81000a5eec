"""The SQL audit's hot paths at 100, 10k and 100k rows: each must cost the same whatever the store holds.

Each call is the service function a route runs (or, for the recover route, the statement it runs, rolled
back so every call finds the same failed delivery), on a store filled with SQL:

* ``projects.delete`` of an empty project, beside one project holding N tasks, time entries, invoices,
  purchase orders and documents (the foreign-key check of each child table on the parent's delete);
* ``documents.delete`` of a first version, beside N documents of the same account;
* ``webhooks.recover``'s requeue of one failed delivery, with N events in the store;
* the sandbox delete's revoke of the sandbox's keys, with N API keys in the store;
* ``usage.integrations`` (the per-provider report) of an account with one integration, with N sync runs of
  another account in the store;
* the automation claim, with N integrations in the account and one due job of a syncing integration;
* ``time_entries.list(user_id=...)`` for a user with one entry, beside N entries of the account's user;
* a sync start's stale-run check of an integration with N finished runs.

Rounds are interleaved across the three stores; figures are medians of the per-call time, ratios are against
the 100-row store. Target: every ratio within 2x.

    .venv/bin/python benchmarks/bench_audit.py [rounds]
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack

from flat_costs import measure, report

from cortexbuild_sdk.local import Backend, RateLimitConfig
from cortexbuild_sdk.local.auth import authenticate
from cortexbuild_sdk.local.delivery.ops import requeue_failed
from cortexbuild_sdk.local.services import automations, documents, projects, sandboxes, sync_runs, time_entries
from cortexbuild_sdk.local.services.domain import ListQuery
from cortexbuild_sdk.local.services.keys import insert_key
from cortexbuild_sdk.local.services.usage import integrations_report

SIZES = (100, 10_000, 100_000)
ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 10
PER_ROUND = 10
WARMUP = 3
TARGET = 2.0
SERIES = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)"
SPARE = ROUNDS * PER_ROUND + WARMUP  # rows the deleting calls consume


def _fill(backend: Backend, rows: int) -> tuple[dict[str, int], str]:
    """The N rows of every table above, plus the few rows the calls act on: their ids, and a key of account 3."""
    now = int(backend.clock.now() * 1000)
    with backend.db.write() as conn:
        acct, user, co = conn.execute("SELECT id, user_id, company_id FROM accounts LIMIT 1").fetchone()
        tenant = (acct, co, now, now)

        def project(name: str) -> int:
            cur = conn.execute(
                "INSERT INTO projects (account_id, company_id, created_at, updated_at, name) VALUES (?, ?, ?, ?, ?)",
                (*tenant, name),
            )
            return int(cur.lastrowid or 0)

        big = project("big")
        client = conn.execute(
            "INSERT INTO clients (account_id, company_id, created_at, updated_at, name) VALUES (?, ?, ?, ?, 'c')",
            tenant,
        ).lastrowid
        stamps = "account_id, company_id, created_at, updated_at"
        children = {
            "tasks": ("project_id, title", "?, 't' || i", (big,)),
            "time_entries": ("user_id, project_id, start_time", "?, ?, i", (user, big)),
            "purchase_orders": (
                "project_id, vendor, po_number, issue_date, subtotal, tax_amount, total, items",
                "?, 'v', 'PO' || i, '2025-01-01', 0, 0, 0, '[]'",
                (big,),
            ),
            "invoices": (
                "project_id, client_id, invoice_number, issue_date, due_date, subtotal, tax_amount, total, balance,"
                " items",
                "?, ?, 'IN' || i, '2025-01-01', '2025-02-01', 0, 0, 0, 0, '[]'",
                (big, client),
            ),
            "documents": (
                "project_id, name, file_size, file_type, sha256",
                "?, 'd' || i, 1, 'text/plain', printf('%064d', i)",
                (big,),
            ),
        }
        for table, (cols, values, args) in children.items():
            conn.execute(
                f"{SERIES} INSERT INTO {table} ({stamps}, {cols}) SELECT ?, ?, ?, ?, {values} FROM n",
                (rows, *tenant, *args),
            )
        conn.execute(  # the one entry of the user the list asks for
            f"INSERT INTO time_entries ({stamps}, user_id, project_id, start_time) VALUES (?, ?, ?, ?, 'rare', ?, 0)",
            (*tenant, big),
        )
        first_project = project("empty 0")
        for k in range(1, SPARE):
            project(f"empty {k}")
        doc = (
            "INSERT INTO documents ({s}, project_id, name, file_size, file_type, sha256)"
            " VALUES (?, ?, ?, ?, ?, 'x', 1, 'text/plain', ?)"
        )
        first_doc = conn.execute(doc.format(s=stamps), (*tenant, big, "f" * 64)).lastrowid
        for k in range(1, SPARE):
            conn.execute(doc.format(s=stamps), (*tenant, big, f"{k:x}".rjust(64, "e")))
        conn.execute(
            f"{SERIES} INSERT INTO webhook_events (id, account_id, event_type, payload, created_at)"
            " SELECT 'evt_' || i, ?, 'rfi.created', '{{}}', ? FROM n",
            (rows, acct, now),
        )
        hook = conn.execute(
            "INSERT INTO webhooks (account_id, user_id, company_id, name, url, events, secret, created_at, updated_at)"
            " VALUES (?, ?, ?, 'h', 'https://example.com/h', '[]', 'unused', ?, ?)",
            (acct, user, co, now, now),
        ).lastrowid
        conn.execute(
            "INSERT INTO webhook_deliveries (id, event_id, webhook_id, status, next_attempt_at, created_at, updated_at)"
            " VALUES ('msg_1', 'evt_1', ?, 'failed', ?, ?, ?)",
            (hook, now, now, now),
        )
        conn.execute(
            f"{SERIES} INSERT INTO api_keys (account_id, user_id, name, key_hash, key_prefix, scopes, created_at,"
            " updated_at) SELECT ?, ?, 'k', 'hash' || i, 'cbk_', '[]', ?, ? FROM n",
            (rows, acct, user, now, now),
        )
        integration = (
            "INSERT INTO integrations (account_id, user_id, company_id, provider, name, sync_status, created_at,"
            " updated_at) VALUES (?, ?, ?, 'stripe', ?, ?, ?, ?)"
        )
        for other_id in (2, 3):  # 2 holds the N sync runs; 3 asks for the report (one integration, no run)
            conn.execute(
                "INSERT INTO accounts (id, user_id, company_id, company_name, tier, created_at)"
                " VALUES (?, ?, ?, 'Other', 'pro', ?)",
                (other_id, f"u{other_id}", f"c{other_id}", now),
            )
        conn.execute(integration, (3, "u3", "c3", "mine", "idle", now, now))
        _, reporter = insert_key(conn, account_id=3, user_id="u3", name="r", scopes=["usage:read"], now=now)
        other = conn.execute(integration, (2, "u2", "c2", "o", "idle", now, now)).lastrowid
        conn.execute(
            f"{SERIES} INSERT INTO integration_sync_runs (integration_id, account_id, provider, status, started_at,"
            " finished_at) SELECT ?, 2, 'stripe', 'success', ?, ? FROM n",
            (rows, other, now, now),
        )
        conn.execute(
            f"{SERIES} INSERT INTO integrations (account_id, user_id, company_id, provider, name, created_at,"
            " updated_at) SELECT ?, ?, ?, 'stripe', 'i' || i, ?, ? FROM n",
            (rows, acct, user, co, now, now),
        )
        syncing = conn.execute(integration, (acct, user, co, "busy", "syncing", now, now)).lastrowid
        conn.execute(
            "INSERT INTO automation_jobs (integration_id, account_id, event_id, event, action, params, status,"
            " next_at, created_at, updated_at) VALUES (?, ?, 'evt_1', 'rfi.created', 'slack.post', '{}', 'pending',"
            " 0, ?, ?)",
            (syncing, acct, now, now),
        )
    ids = {"project": first_project, "document": int(first_doc or 0), "webhook": int(hook or 0), "runs": other}
    return ids, reporter


def calls(backend: Backend, rows: int) -> dict[str, Callable[[], object]]:
    ids, reporter = _fill(backend, rows)
    ctx = authenticate(backend._rt, f"Bearer {backend.owner_api_key}")
    other = authenticate(backend._rt, f"Bearer {reporter}")
    project_ids: Iterator[int] = iter(range(ids["project"], ids["project"] + SPARE))
    document_ids: Iterator[int] = iter(range(ids["document"], ids["document"] + SPARE))

    def recover() -> None:
        conn = backend.db.connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            assert requeue_failed(conn, ids["webhook"], 0, 1) == 1
        finally:
            conn.execute("ROLLBACK")

    def stale_check() -> None:
        with backend.db.write() as conn:
            sync_runs._close_stale(ctx, conn, ids["runs"])

    def claim() -> None:
        assert automations._claim(ctx) is None

    return {
        "projects.delete": lambda: projects.delete(ctx, next(project_ids)),
        "documents.delete": lambda: documents.delete(ctx, next(document_ids)),
        "webhooks.recover (requeue)": recover,
        "sandbox delete (revoke keys)": lambda: sandboxes._forget(ctx, 10**9),
        "usage.integrations report": lambda: integrations_report(other),
        "automation claim": claim,
        "time_entries.list(user_id)": lambda: time_entries.list_entries(ctx, ListQuery(filters={"user_id": "rare"})),
        "sync start stale-run check": stale_check,
    }


def main() -> None:
    with ExitStack() as stack:
        targets = {}
        for rows in SIZES:
            backend = stack.enter_context(Backend(tier="enterprise", rate_limits=RateLimitConfig.disabled()))
            targets[rows] = calls(backend, rows)
        medians = measure(targets, rounds=ROUNDS, per_round=PER_ROUND, warmup=WARMUP)
    report(medians, target=TARGET, header=f"median microseconds per call ({ROUNDS} rounds x {PER_ROUND} calls)")


if __name__ == "__main__":
    main()
