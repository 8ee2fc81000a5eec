"""Hot paths of the domain stay O(what they touch): the query plans use the indexes, never a table scan or
a sort of the whole table, and the scopes migration reaches keys of stores made before it."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from helpers_local import ok

from cortexbuild_sdk.local import Backend
from cortexbuild_sdk.local.schema import MIGRATIONS, grant_domain_scopes
from cortexbuild_sdk.local.services.keys import ALL_SCOPES, SANDBOX_SCOPES
from cortexbuild_sdk.local.store import Database

LIST = "SELECT * FROM {t} WHERE {w} ORDER BY id DESC LIMIT 20 OFFSET 0"
COUNT = "SELECT COUNT(*) FROM {t} WHERE {w}"
FILTERS = [
    ("projects", "account_id = 1"),
    ("projects", "account_id = 1 AND status = 'active'"),
    ("tasks", "account_id = 1 AND project_id = 3"),
    ("tasks", "account_id = 1 AND status = 'todo'"),
    ("tasks", "account_id = 1 AND project_id = 3 AND status = 'todo'"),
    ("rfis", "account_id = 1 AND project_id = 3 AND status = 'open'"),
    ("invoices", "account_id = 1 AND status = 'sent'"),
    ("invoices", "account_id = 1 AND project_id = 2"),
    ("clients", "account_id = 1 AND is_active = 1"),
    ("time_entries", "account_id = 1 AND project_id = 3 AND status = 'pending'"),
    ("purchase_orders", "account_id = 1 AND project_id = 3"),
]


@pytest.fixture
def db(tmp_path: Path) -> Database:
    database = Database(tmp_path / "plans.db", migrations=MIGRATIONS)
    yield database  # type: ignore[misc]
    database.close()


def _plan(db: Database, sql: str) -> str:
    with db.read() as conn:
        return " | ".join(row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}"))


@pytest.mark.parametrize(("table", "where"), FILTERS)
def test_list_pages_and_counts_use_an_index(db: Database, table: str, where: str) -> None:
    page = _plan(db, LIST.format(t=table, w=where))
    assert "USING" in page and "INDEX" in page, page  # an index search ...
    assert "TEMP B-TREE" not in page, page  # ... already in id order: no sort, so LIMIT stops after a page
    count = _plan(db, COUNT.format(t=table, w=where))
    assert "INDEX" in count and f"SCAN {table} " not in f"{count} ", count


def test_overdue_scan_touches_only_due_invoices(db: Database) -> None:
    plan = _plan(
        db,
        "SELECT i.id FROM invoices i JOIN accounts a ON a.id = i.account_id"
        " WHERE i.status = 'sent' AND i.due_date < '2025-10-10'",
    )
    assert "invoices_due" in plan and "due_date<?" in plan.replace(" ", ""), plan


def test_owner_and_sandbox_keys_of_an_older_store_gain_the_domain_scopes(
    client: httpx.Client, backend: Backend
) -> None:
    sandbox_id = ok(client.post("/api/sdk/sandboxes", json={"name": "Dev"}))["sandbox"]["id"]
    ok(client.post("/api/sdk/keys", json={"name": "narrow", "scopes": ["webhooks:read"]}))
    old_areas = ("integrations", "webhooks", "keys", "sandboxes", "usage", "marketplace")
    with backend.db.write() as conn:  # as a store made before the domain existed had them
        for key_id, scopes in conn.execute("SELECT id, scopes FROM api_keys").fetchall():
            kept = [s for s in json.loads(scopes) if s.split(":")[0] in old_areas]
            conn.execute("UPDATE api_keys SET scopes = ? WHERE id = ?", (json.dumps(kept), key_id))
        grant_domain_scopes(conn)  # what the _v_domain migration runs
        rows = conn.execute("SELECT id, sandbox_id, scopes FROM api_keys ORDER BY id").fetchall()
    owner, sandbox_key, narrow = ((r[0], r[1], set(json.loads(r[2]))) for r in rows)
    assert owner[2] == set(ALL_SCOPES)
    assert sandbox_key[1] == sandbox_id and sandbox_key[2] == set(SANDBOX_SCOPES)
    assert narrow[2] == {"webhooks:read"}  # keys a user narrowed stay narrow
