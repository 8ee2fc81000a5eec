"""Sandbox sample data: schema, counts, determinism, referential integrity, transaction behaviour."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from cortexbuild_sdk.local.sample_data import SAMPLE_SCHEMA, SAMPLE_TABLES, seed_sample_data

NOW = 1_760_000_000_000  # 2025-10-09T08:53:20Z
EXPECTED = {
    "companies": 1, "clients": 8, "projects": 6, "tasks": 60, "rfis": 15,
    "invoices": 20, "time_entries": 80, "purchase_orders": 15,
}  # fmt: skip


def _conn() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def _dump(conn: sqlite3.Connection) -> dict[str, list[tuple[object, ...]]]:
    return {t: conn.execute(f"SELECT * FROM {t} ORDER BY id").fetchall() for t in SAMPLE_TABLES}


def test_counts_match_rows() -> None:
    conn = _conn()
    counts = seed_sample_data(conn, now_ms=NOW)
    assert counts == EXPECTED
    for table, n in counts.items():
        assert conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == n


def test_deterministic() -> None:
    a, b = _conn(), _conn()
    seed_sample_data(a, rng_seed=7, now_ms=NOW)
    seed_sample_data(b, rng_seed=7, now_ms=NOW)
    assert _dump(a) == _dump(b)
    c = _conn()
    seed_sample_data(c, rng_seed=8, now_ms=NOW)
    assert _dump(a) != _dump(c)


def _count(conn: sqlite3.Connection, sql: str, *args: object) -> int:
    return int(conn.execute(sql, args).fetchone()[0])


def test_referential_integrity_and_consistency() -> None:
    conn = _conn()
    seed_sample_data(conn, now_ms=NOW)
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # invoices bill the client of their project; time is booked on a task of the same project
    bad_client = (
        "SELECT COUNT(*) FROM invoices i JOIN projects p ON p.id = i.project_id WHERE p.client_id != i.client_id"
    )
    assert _count(conn, bad_client) == 0
    bad_task = "SELECT COUNT(*) FROM time_entries e JOIN tasks t ON t.id = e.task_id WHERE t.project_id != e.project_id"
    assert _count(conn, bad_task) == 0
    assert _count(conn, "SELECT COUNT(*) FROM invoices WHERE total_cents != amount_cents + tax_cents") == 0
    assert _count(conn, "SELECT COUNT(*) FROM invoices WHERE (status = 'paid') != (paid_date IS NOT NULL)") == 0
    assert _count(conn, "SELECT COUNT(*) FROM rfis WHERE (status = 'open') != (answer IS NULL)") == 0
    overdue_not_due = "SELECT COUNT(*) FROM invoices WHERE status = 'overdue' AND due_date >= ?"
    assert _count(conn, overdue_not_due, "2025-10-09") == 0
    for table in SAMPLE_TABLES:
        assert _count(conn, f"SELECT COUNT(*) FROM {table} WHERE created_at > ?", NOW) == 0


def test_seed_example_rows() -> None:
    conn = _conn()
    seed_sample_data(conn, company_name="Acme Build", now_ms=NOW)
    assert conn.execute("SELECT name FROM companies").fetchone()[0] == "Acme Build"
    name, status, budget = conn.execute("SELECT name, status, budget_cents FROM projects WHERE id = 1").fetchone()
    assert (name, status, budget) == ("New Office Building", "active", 500_000_000)
    subjects = {r[0] for r in conn.execute("SELECT subject FROM rfis")}
    assert "Foundation specifications clarification" in subjects
    statuses = {r[0] for r in conn.execute("SELECT DISTINCT status FROM invoices")}
    assert statuses <= {"draft", "sent", "paid", "overdue"}
    assert {r[0] for r in conn.execute("SELECT DISTINCT status FROM purchase_orders")} <= {
        "created",
        "approved",
        "received",
    }


def test_enum_checks_enforced() -> None:
    conn = _conn()
    seed_sample_data(conn, now_ms=NOW)
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("UPDATE rfis SET status = 'pending' WHERE id = 1")
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("UPDATE time_entries SET approved = 2 WHERE id = 1")


def test_runs_in_callers_transaction(tmp_path: Path) -> None:
    path = tmp_path / "sb.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA foreign_keys = ON")
    seed_sample_data(conn, now_ms=NOW)
    assert conn.in_transaction  # nothing committed by the seeder
    conn.rollback()
    other = sqlite3.connect(path)
    assert other.execute("SELECT COUNT(*) FROM projects").fetchone()[0] == 0
    seed_sample_data(conn, now_ms=NOW)
    conn.commit()
    assert other.execute("SELECT COUNT(*) FROM projects").fetchone()[0] == 6


def test_refuses_non_empty_database() -> None:
    conn = _conn()
    seed_sample_data(conn, now_ms=NOW)
    before = _dump(conn)
    with pytest.raises(ValueError, match="already has rows"):
        seed_sample_data(conn, now_ms=NOW)
    assert _dump(conn) == before
    with pytest.raises(ValueError, match="company_name"):
        seed_sample_data(_conn(), company_name="  ")


def test_schema_text_is_idempotent() -> None:
    conn = _conn()
    conn.executescript(SAMPLE_SCHEMA)
    conn.executescript(SAMPLE_SCHEMA)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert set(SAMPLE_TABLES) <= tables
    assert seed_sample_data(conn, now_ms=NOW) == EXPECTED
