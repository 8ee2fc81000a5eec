"""SQL behind the routes' operations: test sends, retry of one log entry, recover."""

from __future__ import annotations

import sqlite3
from typing import Any, Final

from cortexbuild_sdk._events import TEST_EVENT

from .attempt import Job
from .errors import LogNotFoundError, WebhookNotFoundError
from .ids import new_id
from .outbox import build_payload, insert_event
from .protocols import SigningSecrets
from .schema import LOG_COLUMNS
from .sql import fetch_one

TEST_MESSAGE: Final = "This is a test delivery from CortexBuild"


def _webhook(conn: sqlite3.Connection, webhook_id: int) -> tuple[Any, ...]:
    row = fetch_one(conn, "SELECT account_id, company_id, user_id, url FROM webhooks WHERE id = ?", (webhook_id,))
    if row is None:
        raise WebhookNotFoundError(f"webhook {webhook_id} not found")
    return row


def prepare_test(conn: sqlite3.Connection, webhook_id: int, now_ms: int, secrets: SigningSecrets) -> Job:
    """A ``webhook.test`` event and its delivery, sent once and never retried automatically.

    The delivery row starts ``failed`` so no dispatcher claims it; recording a success flips it.
    """
    account_id, company_id, user_id, url = _webhook(conn, webhook_id)
    event_id = new_id("evt", now_ms)
    payload = build_payload(
        event=TEST_EVENT,
        timestamp_ms=now_ms,
        data={"message": TEST_MESSAGE, "webhook_id": webhook_id},
        company_id=company_id,
        user_id=user_id,
        event_id=event_id,
    )
    insert_event(conn, account_id=account_id, event=TEST_EVENT, payload=payload, event_id=event_id, now_ms=now_ms)
    delivery_id = new_id("msg", now_ms)
    conn.execute(
        "INSERT INTO webhook_deliveries (id, event_id, webhook_id, status, next_attempt_at, created_at,"
        " updated_at) VALUES (?, ?, ?, 'failed', ?, ?, ?)",
        (delivery_id, event_id, webhook_id, now_ms, now_ms, now_ms),
    )
    keys = secrets(conn, webhook_id, now_ms)
    return Job(delivery_id, webhook_id, event_id, TEST_EVENT, payload, url, keys, "test", int(account_id))


def prepare_retry(conn: sqlite3.Connection, webhook_id: int, log_id: int, now_ms: int, secrets: SigningSecrets) -> Job:
    """A manual attempt re-sending log ``log_id``'s payload under the same delivery id."""
    account_id, _, _, url = _webhook(conn, webhook_id)
    row = fetch_one(
        conn,
        "SELECT event_type, payload, delivery_id, event_id FROM webhook_logs WHERE id = ? AND webhook_id = ?",
        (log_id, webhook_id),
    )
    if row is None or row[2] is None:
        raise LogNotFoundError(f"log {log_id} not found for webhook {webhook_id}")
    event_type, payload, delivery_id, event_id = row
    keys = secrets(conn, webhook_id, now_ms)
    return Job(delivery_id, webhook_id, event_id, event_type, payload, url, keys, "manual", int(account_id))


def log_row(conn: sqlite3.Connection, log_id: int) -> dict[str, Any]:
    """A log row as the logs route serves it (the :data:`LOG_COLUMNS`)."""
    row = fetch_one(conn, f"SELECT {', '.join(LOG_COLUMNS)} FROM webhook_logs WHERE id = ?", (log_id,))
    if row is None:
        raise LogNotFoundError(f"log {log_id} not found")
    return dict(zip(LOG_COLUMNS, row, strict=True))


def requeue_failed(conn: sqlite3.Connection, webhook_id: int, since_ms: int, now_ms: int) -> int:
    """Put failed deliveries created at or after ``since_ms`` back on a fresh schedule, due now."""
    _webhook(conn, webhook_id)
    cur = conn.execute(
        "UPDATE webhook_deliveries SET status = 'pending', scheduled_attempts = 0, next_attempt_at = ?,"
        " lease_owner = NULL, lease_expires_at = NULL, completed_at = NULL, updated_at = ?,"
        " parked = (SELECT is_active = 0 FROM webhooks WHERE id = webhook_id)"
        " WHERE webhook_id = ? AND status = 'failed' AND created_at >= ?"
        " AND EXISTS (SELECT 1 FROM webhook_events e WHERE e.id = webhook_deliveries.event_id AND e.event_type != ?)",
        (now_ms, now_ms, webhook_id, since_ms, TEST_EVENT),
    )
    return int(cur.rowcount)
