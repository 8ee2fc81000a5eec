"""Recording attempts: a log row per attempt, exact counters, the next schedule step; robust per row."""

from __future__ import annotations

import json
import logging
import random
import sqlite3
from collections.abc import Collection, Mapping, Sequence
from typing import Any, Final

from .attempt import Outcome
from .schedule import next_delay
from .sql import fetch_all, fetch_one

logger = logging.getLogger("cortexbuild_sdk.local.delivery")

AUTO_DISABLE_AFTER: Final = 10
"""Consecutive failed attempts (a success resets the run) after which an endpoint is disabled."""

GONE_REASON: Final = "endpoint answered 410 Gone"
FAILURES_REASON: Final = f"{AUTO_DISABLE_AFTER} consecutive failed delivery attempts"


_INSERT_LOG: Final = (
    "INSERT INTO webhook_logs (webhook_id, event_type, payload, response_status, response_body,"
    " error_message, delivered_at, attempt, delivery_id, duration_ms, event_id, succeeded)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def insert_log(conn: sqlite3.Connection, outcome: Outcome, attempt_no: int) -> int:
    cur = conn.execute(_INSERT_LOG, _log_values(outcome, attempt_no))
    return int(cur.lastrowid or 0)


def _log_values(outcome: Outcome, attempt_no: int) -> tuple[Any, ...]:
    job = outcome.job
    return (
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
    )


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

    The batch is written with a few bulk statements; if any fails (bad data, a constraint) it is rolled
    back and written again outcome by outcome, each under its own savepoint, so one bad outcome is logged
    and lost alone (its delivery keeps its lease and is re-sent), never taking the batch with it.
    An outcome whose delivery row is gone (the webhook was deleted, which cancels its deliveries) is
    dropped: it is never logged or counted on any other webhook. Its id is 0 in the returned list.

    A delivery row is only moved if this process still holds its lease (or, for manual and test attempts,
    regardless of the schedule); the log row and counters are written whenever the delivery still exists.
    """
    conn.execute("SAVEPOINT record_batch")
    try:
        log_ids = _record_batch(conn, outcomes, owner, rng)
    except Exception:  # then row by row: only the bad one is lost
        conn.execute("ROLLBACK TO record_batch")
        conn.execute("RELEASE record_batch")
        return _record_each(conn, outcomes, owner, rng)
    conn.execute("RELEASE record_batch")
    return log_ids


def _record_batch(conn: sqlite3.Connection, outcomes: Sequence[Outcome], owner: str, rng: random.Random) -> list[int]:
    """The fast path: a few statements for the whole batch (one lookup, bulk inserts and updates)."""
    rows = {
        str(r[0]): r
        for r in fetch_all(
            conn,
            "SELECT d.id, d.webhook_id, d.attempts, d.scheduled_attempts, d.lease_owner FROM webhook_deliveries d"
            " JOIN webhooks w ON w.id = d.webhook_id WHERE d.id IN (SELECT value FROM json_each(?))",
            (json.dumps([o.job.delivery_id for o in outcomes]),),
        )
    }
    kept: list[tuple[int, Outcome, int]] = []  # (position, outcome, attempt number)
    updates: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
    for position, outcome in enumerate(outcomes):
        job = outcome.job
        row = rows.get(job.delivery_id)
        if row is None or int(row[1]) != job.webhook_id:
            logger.info("dropped a late result for cancelled delivery %s (webhook %d)", job.delivery_id, job.webhook_id)
            continue
        attempts = int(row[2]) + 1
        row = (row[0], row[1], attempts, row[3], row[4])
        rows[job.delivery_id] = row  # a batch may hold two attempts of one delivery (a manual retry)
        kept.append((position, outcome, attempts))
        values = _delivery_values(outcome, attempts, int(row[3]), row[4], owner, rng)
        updates.setdefault(tuple(values), []).append((*values.values(), job.delivery_id))
    conn.executemany(_INSERT_LOG, [_log_values(o, n) for _, o, n in kept])
    log_ids = [0] * len(outcomes)
    if kept:  # AUTOINCREMENT under our write lock: the batch's ids are consecutive, ending at the sequence
        (last,) = fetch_one(conn, "SELECT seq FROM sqlite_sequence WHERE name = 'webhook_logs'") or (0,)
        for offset, (position, _, _) in enumerate(kept):
            log_ids[position] = int(last) - len(kept) + 1 + offset
    _update_webhooks(conn, [o for _, o, _ in kept])
    for columns, params in updates.items():
        assignments = ", ".join(f"{column} = ?" for column in columns)
        conn.executemany(f"UPDATE webhook_deliveries SET {assignments} WHERE id = ?", params)
    return log_ids


def _update_webhooks(conn: sqlite3.Connection, outcomes: Sequence[Outcome]) -> None:
    """Counters: one statement per webhook when all its attempts in the batch succeeded, else per attempt."""
    by_webhook: dict[int, list[Outcome]] = {}
    for outcome in outcomes:
        if outcome.sent:
            by_webhook.setdefault(outcome.job.webhook_id, []).append(outcome)
    for webhook_id, group in by_webhook.items():
        if all(o.succeeded for o in group):
            conn.execute(
                "UPDATE webhooks SET success_count = success_count + ?, consecutive_failures = 0,"
                " last_triggered_at = ?, disabled_reason = CASE WHEN is_active = 1 THEN NULL ELSE disabled_reason END,"
                " disabled_at = CASE WHEN is_active = 1 THEN NULL ELSE disabled_at END WHERE id = ?",
                (len(group), max(o.delivered_at for o in group), webhook_id),
            )
        else:
            for outcome in group:
                _update_webhook(conn, outcome)


def _record_each(conn: sqlite3.Connection, outcomes: Sequence[Outcome], owner: str, rng: random.Random) -> list[int]:
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
    job = outcome.job
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
    _update_delivery(
        conn, job.delivery_id, _delivery_values(outcome, int(attempts) + 1, int(scheduled), lease_owner, owner, rng)
    )
    return log_id


def _delivery_values(
    outcome: Outcome, attempts: int, scheduled: int, lease_owner: Any, owner: str, rng: random.Random
) -> dict[str, Any]:
    job, now = outcome.job, outcome.delivered_at
    values: dict[str, Any] = {
        "attempts": attempts,
        "last_attempt_at": now,
        "last_status": outcome.status,
        "last_error": outcome.error,
        "updated_at": now,
    }
    if job.kind == "scheduled":
        if lease_owner == owner:  # else the lease expired and another claimer owns the schedule now
            values.update(_schedule(outcome, scheduled + 1, rng))
    elif outcome.succeeded:
        values.update(status="succeeded", completed_at=now)
    elif job.kind == "test":
        values.update(status="failed", completed_at=now)
    return values


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
