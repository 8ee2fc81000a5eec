"""What the SQL audit fixed stays fixed: every request path below reads by index what it touches, never a
scan of a table that grows with use (``benchmarks/bench_audit.py`` measures the same paths at 100k rows).

Plans are checked on the statements the services really run (captured with a trace callback), so a reworded
query is checked too."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from cortexbuild_sdk.local import Backend
from cortexbuild_sdk.local.auth import authenticate
from cortexbuild_sdk.local.delivery.ops import requeue_failed
from cortexbuild_sdk.local.schema import MIGRATIONS
from cortexbuild_sdk.local.schema_audit import v_audit_indexes
from cortexbuild_sdk.local.services import automations, documents, projects, sandboxes, sync_runs, time_entries
from cortexbuild_sdk.local.services.context import Ctx
from cortexbuild_sdk.local.services.domain import ListQuery
from cortexbuild_sdk.local.services.usage import integrations_report

UNINDEXED_FOREIGN_KEYS = {("webhook_deliveries", "event_id")}  # events are never deleted: nothing checks it


@pytest.fixture
def backend(tmp_path: Path) -> Iterator[Backend]:
    with Backend(tmp_path / "store.db") as b:
        yield b


@pytest.fixture
def ctx(backend: Backend) -> Ctx:
    return authenticate(backend._rt, f"Bearer {backend.owner_api_key}")


def _traced(backend: Backend, call: Callable[[], object]) -> list[str]:
    conn = backend.db.connection()
    seen: list[str] = []
    conn.set_trace_callback(seen.append)
    try:
        call()
    finally:
        conn.set_trace_callback(None)
    return seen


def _plan(backend: Backend, sql: str) -> list[str]:
    with backend.db.read() as conn:
        return [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}")]


def _assert_no_scan(backend: Backend, statements: list[str], marker: str) -> list[str]:
    """Every captured statement containing ``marker`` searches by index; returns their joined plans."""
    chosen = [s for s in statements if marker in s]
    assert chosen, statements
    plans = []
    for sql in chosen:
        plan = _plan(backend, sql)
        assert not any(step.startswith("SCAN") or "LIST SUBQUERY" in step for step in plan), (sql, plan)
        plans.extend(plan)
    return plans


def _ids(conn: sqlite3.Connection) -> tuple[int, str, str]:
    row = conn.execute("SELECT id, user_id, company_id FROM accounts LIMIT 1").fetchone()
    return int(row[0]), str(row[1]), str(row[2])


def _project(conn: sqlite3.Connection, name: str) -> int:
    acct, _, co = _ids(conn)
    cur = conn.execute(
        "INSERT INTO projects (account_id, company_id, name, created_at, updated_at) VALUES (?, ?, ?, 0, 0)",
        (acct, co, name),
    )
    return int(cur.lastrowid or 0)


def test_every_foreign_key_child_column_leads_an_index(backend: Backend) -> None:
    """Deleting a parent makes SQLite look for children by the child column: without an index whose first
    column it is, that look is a scan of the whole child table (every account's rows)."""
    missing = []
    with backend.db.read() as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            leading = {
                conn.execute(f"PRAGMA index_info({idx[1]})").fetchone()[2]
                for idx in conn.execute(f"PRAGMA index_list({table})")
            }
            leading |= {r[1] for r in conn.execute(f"PRAGMA table_info({table})") if r[5] == 1}
            missing += [
                (table, fk[3]) for fk in conn.execute(f"PRAGMA foreign_key_list({table})") if fk[3] not in leading
            ]
    assert set(missing) <= UNINDEXED_FOREIGN_KEYS, missing


def _delete_steps(rows: int, tmp_path: Path) -> int:
    with Backend(tmp_path / f"steps{rows}.db") as backend:
        ctx = authenticate(backend._rt, f"Bearer {backend.owner_api_key}")
        with backend.db.write() as conn:
            acct, user, co = _ids(conn)
            big, empty = _project(conn, "big"), _project(conn, "empty")
            for i in range(rows):
                conn.execute(
                    "INSERT INTO tasks (account_id, company_id, project_id, title, created_at, updated_at)"
                    " VALUES (?, ?, ?, 't', 0, 0)",
                    (acct, co, big),
                )
                conn.execute(
                    "INSERT INTO time_entries (account_id, company_id, user_id, project_id, start_time, created_at,"
                    " updated_at) VALUES (?, ?, ?, ?, ?, 0, 0)",
                    (acct, co, user, big, i),
                )
        steps = 0

        def count() -> int:
            nonlocal steps
            steps += 1
            return 0

        conn = backend.db.connection()
        conn.set_progress_handler(count, 100)
        projects.delete(ctx, empty)
        conn.set_progress_handler(None, 0)
        return steps


def test_deleting_a_project_costs_the_same_beside_many_children(tmp_path: Path) -> None:
    small, large = _delete_steps(10, tmp_path), _delete_steps(3000, tmp_path)
    assert large <= small * 1.5 + 5, (small, large)


def test_the_requeue_of_recover_reads_each_delivery_event_by_key(backend: Backend) -> None:
    with backend.db.write() as conn:
        acct, user, co = _ids(conn)
        hook = conn.execute(
            "INSERT INTO webhooks (account_id, user_id, company_id, name, url, events, secret, created_at, updated_at)"
            " VALUES (?, ?, ?, 'h', 'https://example.com/h', '[]', 'unused', 0, 0)",
            (acct, user, co),
        ).lastrowid
        statements = _traced(backend, lambda: requeue_failed(conn, int(hook or 0), 0, 1))
    plans = _assert_no_scan(backend, [s for s in statements if s.startswith("UPDATE")], "webhook_events")
    assert any("SEARCH e USING INDEX sqlite_autoindex_webhook_events_1 (id=?)" in p for p in plans), plans


def test_the_automation_claim_checks_each_candidate_integration_by_key(backend: Backend, ctx: Ctx) -> None:
    plans = _assert_no_scan(backend, _traced(backend, lambda: automations._claim(ctx)), "sync_status = 'syncing'")
    assert any("SEARCH i USING INTEGER PRIMARY KEY (rowid=?)" in p for p in plans), plans


def test_deleting_a_document_reads_its_chain_not_the_account(backend: Backend, ctx: Ctx) -> None:
    with backend.db.write() as conn:
        acct, _, co = _ids(conn)
        doc = conn.execute(
            "INSERT INTO documents (account_id, company_id, project_id, name, file_size, file_type, sha256,"
            " created_at, updated_at) VALUES (?, ?, ?, 'd', 1, 'text/plain', ?, 0, 0)",
            (acct, co, _project(conn, "p"), "a" * 64),
        ).lastrowid
    statements = _traced(backend, lambda: documents.delete(ctx, int(doc or 0)))
    plans = _assert_no_scan(backend, statements, "parent_document_id = ")
    assert all("documents_parent" in p for p in plans), plans


def test_deleting_a_sandbox_revokes_its_keys_by_index(backend: Backend, ctx: Ctx) -> None:
    plans = _assert_no_scan(backend, _traced(backend, lambda: sandboxes._forget(ctx, 7)), "WHERE sandbox_id")
    assert any("api_keys_sandbox" in p for p in plans), plans


def test_the_integrations_report_counts_only_the_accounts_runs(backend: Backend, ctx: Ctx) -> None:
    plans = _assert_no_scan(backend, _traced(backend, lambda: integrations_report(ctx)), "integration_sync_runs")
    assert any("integration_sync_runs_provider (account_id=? AND provider=?)" in p for p in plans), plans


def test_a_sync_start_finds_unfinished_runs_without_walking_the_history(backend: Backend, ctx: Ctx) -> None:
    with backend.db.write() as conn:
        statements = _traced(backend, lambda: sync_runs._close_stale(ctx, conn, 1))
    plans = _assert_no_scan(backend, statements, "integration_sync_runs")
    assert all("integration_sync_runs_syncing (integration_id=?)" in p for p in plans), plans


def test_the_time_entries_user_filter_walks_that_users_entries(backend: Backend, ctx: Ctx) -> None:
    query = ListQuery(filters={"user_id": "someone"})
    plans = _assert_no_scan(
        backend, _traced(backend, lambda: time_entries.list_entries(ctx, query)), "user_id = 'someone'"
    )
    assert all("time_entries_user (account_id=? AND user_id=?)" in p for p in plans), plans
    assert not any("TEMP B-TREE" in p for p in plans), plans


def test_the_migration_is_idempotent_and_reaches_an_older_store(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with Backend(path):
        pass
    conn = sqlite3.connect(path)
    with conn:
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'").fetchall():
            if name.endswith("_fk") or name in ("api_keys_sandbox", "time_entries_user"):
                conn.execute(f"DROP INDEX {name}")
        conn.execute(f"PRAGMA user_version = {MIGRATIONS.index(v_audit_indexes)}")
    conn.close()
    with Backend(path) as backend, backend.db.write() as wconn:
        v_audit_indexes(wconn)  # a second run changes nothing
        names = {r[0] for r in wconn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"tasks_project_fk", "documents_project_fk", "api_keys_sandbox", "time_entries_user"} <= names
