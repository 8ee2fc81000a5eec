"""Sandbox sample data: counts, determinism, referential integrity and the services' own rules."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from cortexbuild_sdk.local.sample_data import seed_sample_data
from cortexbuild_sdk.local.schema import MIGRATIONS
from cortexbuild_sdk.local.schema_domain import DOMAIN_TABLES
from cortexbuild_sdk.local.services.context import Account
from cortexbuild_sdk.local.services.invoices import utc_date
from cortexbuild_sdk.local.store import Database

NOW = 1_760_000_000_000  # 2025-10-09T08:53:20Z
ACCOUNT = Account(1, "user-1", "company-1", "Acme Build", "free")
EXPECTED = {
    "clients": 8, "projects": 6, "tasks": 60, "rfis": 15, "invoices": 20, "time_entries": 80, "purchase_orders": 15,
}  # fmt: skip


@pytest.fixture
def make_db(tmp_path: Path):  # type: ignore[no-untyped-def]
    made: list[Database] = []

    def factory(name: str = "s.db") -> Database:
        db = Database(tmp_path / name, migrations=MIGRATIONS)
        made.append(db)
        return db

    yield factory
    for db in made:
        db.close()


def _seed(db: Database, seed: int = 42) -> dict[str, int]:
    with db.write() as conn:
        return seed_sample_data(conn, account=ACCOUNT, now_ms=NOW, rng_seed=seed)


def _dump(db: Database) -> dict[str, list[tuple[object, ...]]]:
    with db.read() as conn:
        return {t: [tuple(r) for r in conn.execute(f"SELECT * FROM {t} ORDER BY id")] for t in DOMAIN_TABLES}


def test_counts_match_rows(make_db) -> None:  # type: ignore[no-untyped-def]
    db = make_db()
    assert _seed(db) == EXPECTED
    with db.read() as conn:
        for table, n in EXPECTED.items():
            assert conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == n


def test_deterministic(make_db) -> None:  # type: ignore[no-untyped-def]
    a, b, c = make_db("a.db"), make_db("b.db"), make_db("c.db")
    _seed(a, 7)
    _seed(b, 7)
    _seed(c, 8)
    assert _dump(a) == _dump(b)
    assert _dump(a) != _dump(c)


def test_integrity_and_service_rules(make_db) -> None:  # type: ignore[no-untyped-def]
    db = make_db()
    _seed(db)
    with db.read() as conn:
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert conn.execute("SELECT COUNT(*) FROM accounts WHERE id = 1").fetchone()[0] == 1
        # rfi numbers are unique per project (the UNIQUE index would have refused otherwise)
        dupes = "SELECT COUNT(*) FROM (SELECT 1 FROM rfis GROUP BY project_id, rfi_number HAVING COUNT(*) > 1)"
        assert conn.execute(dupes).fetchone()[0] == 0
        for row in conn.execute("SELECT * FROM invoices"):
            row = dict(zip([d[0] for d in conn.execute("SELECT * FROM invoices").description], row, strict=True))
            amounts = [Decimal(str(i["amount"])) * 100 for i in json.loads(row["items"])]
            assert sum(amounts) == row["subtotal"]
            assert row["total"] == row["subtotal"] + row["tax_amount"]
            assert row["balance"] == row["total"] - row["paid_amount"]
            if row["status"] == "sent":  # nothing seeded is already overdue behind the scan's back
                assert row["due_date"] >= utc_date(NOW)
        for minutes, start, end in conn.execute("SELECT duration_minutes, start_time, end_time FROM time_entries"):
            assert end - start == minutes * 60_000
        assert (
            conn.execute("SELECT COUNT(*) FROM tasks WHERE status = 'completed' AND completed_at IS NULL").fetchone()[0]
            == 0
        )


def test_refuses_a_database_with_rows_and_writes_nothing(make_db) -> None:  # type: ignore[no-untyped-def]
    db = make_db()
    _seed(db)
    before = _dump(db)
    with pytest.raises(ValueError, match="already has rows"):
        _seed(db)
    assert _dump(db) == before


def test_runs_inside_the_callers_transaction(make_db) -> None:  # type: ignore[no-untyped-def]
    db = make_db()

    def seed_then_fail() -> None:
        with db.write() as conn:
            seed_sample_data(conn, account=ACCOUNT, now_ms=NOW)
            raise RuntimeError("roll back")

    with pytest.raises(RuntimeError):
        seed_then_fail()
    with db.read() as conn:
        assert conn.execute("SELECT COUNT(*) FROM projects").fetchone()[0] == 0
