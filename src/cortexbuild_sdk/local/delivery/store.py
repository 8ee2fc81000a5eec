"""Recording attempts: a log row per attempt, exact counters, the next schedule step; robust per row."""

from __future__ import annotations

import logging
import random
import sqlite3
from collections.abc import Collection, Mapping, Sequence
from typing import Any, Final

from .attempt import Outcome
from .schedule import next_delay
from .sql import fetch_one

logger = logging.getLogger("cortexbuild_sdk.local.delivery")

AUTO_DISABLE_AFTER: Final = 10
"""Consecutive failed attempts (a success resets the run) after which an endpoint is disabled."""

GONE_REASON: Final = "endpoint answered 410 Gone"
FAILURES_REASON: Final = f"{AUTO_DISABLE_AFTER} consecutive failed delivery attempts"


def insert_log(conn: sqlite3.Connection, outcome: Outcome, attempt_no: int) -> int:
    job = outcome.job
    cur = conn.execute(
        "INSERT INTO webhook_logs (webhook_id, event_type, payload, response_status, response_body,"
        " error_message, delivered_at, attempt, delivery_id, duration_ms, event_id, succeeded)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            job.webhook_id,
            job.event_type,
            outcome.body,
            outcome.status,
            outcome.response_body,
            outcome.error,
            outcome.delivered_at,
            attempt_no,
            job.delivery_id,
            outcome.duration_ms,
            job.event_id,
            int(outcome.succeeded),
        ),
    )
    return int(cur.lastrowid or 0)


def _update_webhook(conn: sqlite3.Connection, outcome: Outcome) -> None:
    """Counters and auto-disable, in the attempt's transaction (``x = x + 1`` is exact under concurrency)."""
    job, now = outcome.job, outcome.delivered_at
    if not outcome.sent:
        return  # a sandbox with webhooks disabled: nothing reached the endpoint, nothing to count
    if outcome.succeeded:
        conn.execute(
            "UPDATE webhooks SET success_count = success_count + 1, consecutive_failures = 0,"
            " last_triggered_at = ?, disabled_reason = CASE WHEN is_active = 1 THEN NULL ELSE disabled_reason END,"
            " disabled_at = CASE WHEN is_active = 1 THEN NULL ELSE disabled_at END WHERE id = ?",
            (now, job.webhook_id),
        )
        return
    # A run restarts after a re-enable: the backend flips is_active back but may leave the old count.
    conn.execute(
        "UPDATE webhooks SET failure_count = failure_count + 1, last_triggered_at = ?,"
        " consecutive_failures = CASE WHEN disabled_at IS NOT NULL AND is_active = 1 THEN 1"
        " ELSE consecutive_failures + 1 END,"
        " disabled_reason = CASE WHEN disabled_at IS NOT NULL AND is_active = 1 THEN NULL ELSE disabled_reason END,"
        " disabled_at = CASE WHEN is_active = 1 THEN NULL ELSE disabled_at END WHERE id = ?",
        (now, job.webhook_id),
    )
    reason = GONE_REASON if outcome.gone else None
    if reason is None:
        row = fetch_one(conn, "SELECT consecutive_failures FROM webhooks WHERE id = ?", (job.webhook_id,))
        if row is not None and int(row[0]) >= AUTO_DISABLE_AFTER:
            reason = FAILURES_REASON
    if reason is not None:
        conn.execute(
            "UPDATE webhooks SET is_active = 0, disabled_reason = ?, disabled_at = ? WHERE id = ? AND is_active = 1",
            (reason, now, job.webhook_id),
        )


def record(conn: sqlite3.Connection, outcomes: Sequence[Outcome], *, owner: str, rng: random.Random) -> list[int]:
    """Log each attempt, update counters and the delivery, in the caller's one transaction; the log ids.

    Each outcome is written under its own savepoint: one that fails (its webhook was deleted a moment ago,
    a constraint, bad data) is rolled back alone and logged, never taking the rest of the batch with it.
    An outcome whose delivery row is gone (the webhook was deleted, which cancels its deliveries) is
    dropped: it is never logged or counted on any other webhook. Its id is 0 in the returned list.

    A delivery row is only moved if this process still holds its lease (or, for manual and test attempts,
    regardless of the schedule); the log row and counters are written whenever the delivery still exists.
    """
    log_ids: list[int] = []
    for outcome in outcomes:
        conn.execute("SAVEPOINT record_one")
        try:
            log_ids.append(_record_one(conn, outcome, owner, rng))
        except Exception:
            conn.execute("ROLLBACK TO record_one")
            logger.exception("recording the attempt of delivery %s failed; it is re-sent", outcome.job.delivery_id)
            log_ids.append(0)
        conn.execute("RELEASE record_one")
    return log_ids


def _record_one(conn: sqlite3.Connection, outcome: Outcome, owner: str, rng: random.Random) -> int:
    job, now = outcome.job, outcome.delivered_at
    row = fetch_one(
        conn,
        "SELECT d.attempts, d.scheduled_attempts, d.lease_owner FROM webhook_deliveries d"
        " JOIN webhooks w ON w.id = d.webhook_id WHERE d.id = ? AND d.webhook_id = ?",
        (job.delivery_id, job.webhook_id),
    )
    if row is None:
        logger.info("dropped a late result for cancelled delivery %s (webhook %d)", job.delivery_id, job.webhook_id)
        return 0
    attempts, scheduled, lease_owner = row
    log_id = insert_log(conn, outcome, int(attempts) + 1)
    _update_webhook(conn, outcome)
    values: dict[str, Any] = {
        "attempts": int(attempts) + 1,
        "last_attempt_at": now,
        "last_status": outcome.status,
        "last_error": outcome.error,
        "updated_at": now,
    }
    if job.kind == "scheduled":
        if lease_owner == owner:  # else the lease expired and another claimer owns the schedule now
            values.update(_schedule(outcome, int(scheduled) + 1, rng))
    elif outcome.succeeded:
        values.update(status="succeeded", completed_at=now)
    elif job.kind == "test":
        values.update(status="failed", completed_at=now)
    _update_delivery(conn, job.delivery_id, values)
    return log_id


def _schedule(outcome: Outcome, scheduled: int, rng: random.Random) -> dict[str, Any]:
    now = outcome.delivered_at
    base: dict[str, Any] = {"scheduled_attempts": scheduled, "lease_owner": None, "lease_expires_at": None}
    if outcome.succeeded:
        return {**base, "status": "succeeded", "completed_at": now, "next_attempt_at": now}
    if not outcome.sent:
        return {**base, "status": "failed", "completed_at": now, "next_attempt_at": now}
    delay = next_delay(scheduled, rng, outcome.retry_after)
    if delay is None:
        return {**base, "status": "failed", "completed_at": now, "next_attempt_at": now}
    return {**base, "next_attempt_at": now + int(delay * 1000)}


def _update_delivery(conn: sqlite3.Connection, delivery_id: str, values: Mapping[str, Any]) -> None:
    assignments = ", ".join(f"{column} = ?" for column in values)
    conn.execute(f"UPDATE webhook_deliveries SET {assignments} WHERE id = ?", (*values.values(), delivery_id))


def release(conn: sqlite3.Connection, owner: str, delivery_ids: Collection[str], now_ms: int) -> None:
    """Give back leases of claimed rows that were never attempted (clean stop): due again at once."""
    conn.executemany(
        "UPDATE webhook_deliveries SET lease_owner = NULL, lease_expires_at = NULL, next_attempt_at = ?"
        " WHERE id = ? AND lease_owner = ? AND status = 'pending'",
        [(now_ms, d, owner) for d in delivery_ids],
    )
