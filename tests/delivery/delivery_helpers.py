"""Test helpers: a real ``Database`` with the webhooks table and the delivery schema; row readers."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cortexbuild_sdk.local.delivery import DeliveryEngine
from cortexbuild_sdk.local.schema import MIGRATIONS
from cortexbuild_sdk.local.store import Database

EngineFactory = Callable[..., DeliveryEngine]
"""What the ``make_engine`` fixture returns."""


SECRET = "whsec-test-secret-0123456789"


def open_db(path: Path | str) -> Database:
    # The backend's own migrations: the engine is tested against the real tables, not a copy of them.
    return Database(path, migrations=MIGRATIONS)


def plain_secrets(conn: sqlite3.Connection, webhook_id: int, now_ms: int) -> list[str]:
    """The tests store secrets in plaintext; the backend decrypts them here."""
    cur = conn.cursor()
    cur.row_factory = None
    row = cur.execute(
        "SELECT secret, previous_secret, previous_secret_expires_at FROM webhooks WHERE id = ?", (webhook_id,)
    ).fetchone()
    secrets = [row[0]]
    if row[1] is not None and row[2] is not None and row[2] > now_ms:
        secrets.append(row[1])
    return secrets


def add_webhook(
    db: Database,
    url: str,
    *,
    events: list[str] | None = None,
    account_id: int = 1,
    secret: str = SECRET,
    rate: float | None = None,
    active: bool = True,
) -> int:
    with db.write() as conn:
        cur = conn.execute(
            "INSERT INTO webhooks (account_id, user_id, company_id, name, url, events, secret, is_active,"
            " rate_limit_per_second, created_at, updated_at) VALUES (?, 'user-1', 'company-1', 'hook', ?, ?, ?,"
            " ?, ?, 0, 0)",
            (account_id, url, json.dumps(events or ["*"]), secret, int(active), rate),
        )
        return int(cur.lastrowid or 0)


def webhook(db: Database, webhook_id: int) -> dict[str, Any]:
    with db.read() as conn:
        return dict(conn.execute("SELECT * FROM webhooks WHERE id = ?", (webhook_id,)).fetchone())


def logs(db: Database, webhook_id: int | None = None) -> list[dict[str, Any]]:
    with db.read() as conn:
        rows = conn.execute(
            "SELECT * FROM webhook_logs WHERE ? IS NULL OR webhook_id = ? ORDER BY id", (webhook_id, webhook_id)
        ).fetchall()
        return [dict(r) for r in rows]


def deliveries(db: Database) -> list[dict[str, Any]]:
    with db.read() as conn:
        return [dict(r) for r in conn.execute("SELECT * FROM webhook_deliveries ORDER BY rowid").fetchall()]


def emit(engine: DeliveryEngine, event: str = "project.created", data: dict[str, Any] | None = None) -> str:
    return engine.emit(
        account_id=1, company_id="company-1", user_id="user-1", event=event, data=data or {"project": {"id": 1}}
    )
