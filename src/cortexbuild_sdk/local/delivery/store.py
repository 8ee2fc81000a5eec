"""The engine's SQL: claiming due deliveries under a lease, and recording attempts with exact counters."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from .attempt import Job, Outcome
from .protocols import SigningSecrets
from .schedule import next_delay
from .sql import fetch_all, fetch_one

AUTO_DISABLE_AFTER: Final = 10
"""Consecutive failed attempts (a success resets the run) after which an endpoint is disabled."""

LEASE_MS: Final = 60_000
"""A claim's lifetime: longer than an attempt's 10 s timeout; a crashed claimer's rows are due after it."""

GONE_REASON: Final = "endpoint answered 410 Gone"
FAILURES_REASON: Final = f"{AUTO_DISABLE_AFTER} consecutive failed delivery attempts"

_CLAIM_SQL: Final = """
SELECT d.id, d.webhook_id, d.event_id, e.event_type, e.payload, w.url, w.rate_limit_per_second
FROM webhook_deliveries d
JOIN webhooks w ON w.id = d.webhook_id
JOIN webhook_events e ON e.id = d.event_id
WHERE d.status = 'pending' AND d.next_attempt_at <= ? AND w.is_active = 1 {exclude}
ORDER BY d.next_attempt_at, d.rowid
LIMIT ?
"""


@dataclass(frozen=True)
class Claim:
    jobs: list[Job]
    deferred: int  # due rows pushed back by a rate limit (the backlog was not empty)
    next_due_ms: int | None  # earliest due time of a pending row (to sleep until), None when there is none


def claim(
    conn: sqlite3.Connection,
    *,
    owner: str,
    now_ms: int,
    limit: int,
    per_endpoint: int,
    busy: Mapping[int, int],
    buckets: TokenBuckets,
    secrets: SigningSecrets,
    lease_ms: int = LEASE_MS,
) -> Claim:
    """Lease up to ``limit`` due deliveries (at most ``per_endpoint`` in flight per webhook, counting ``busy``).

    Runs in a ``BEGIN IMMEDIATE`` transaction, so two processes never lease the same row. A leased row's
    ``next_attempt_at`` becomes the lease expiry: if this process dies, the row is simply due again then.
    Rows over an endpoint's ``rate_limit_per_second`` budget are deferred to when a token will be there,
    so "nothing due now" is true of a throttled backlog (and a drain under a manual clock terminates).
    """
    jobs: list[Job] = []
    saturated = [w for w, n in busy.items() if n >= per_endpoint]
    exclude = f"AND d.webhook_id NOT IN ({','.join('?' * len(saturated))})" if saturated else ""
    rows = fetch_all(conn, _CLAIM_SQL.format(exclude=exclude), (now_ms, *saturated, limit * 4)) if limit else []
    taken: dict[int, int] = {}
    deferred: list[tuple[int, str]] = []
    backlog: dict[int, int] = {}
    secret_cache: dict[int, list[str]] = {}
    for delivery_id, webhook_id, event_id, event_type, payload, url, rate in rows:
        used = busy.get(webhook_id, 0) + taken.get(webhook_id, 0)
        if len(jobs) >= limit or used >= per_endpoint:
            continue
        if rate is not None and rate > 0 and not buckets.take(webhook_id, float(rate), now_ms):
            backlog[webhook_id] = backlog.get(webhook_id, 0) + 1
            deferred.append((now_ms + int(1000 * backlog[webhook_id] / rate) + 1, delivery_id))
            continue
        if webhook_id not in secret_cache:
            secret_cache[webhook_id] = secrets(conn, webhook_id, now_ms)
        taken[webhook_id] = taken.get(webhook_id, 0) + 1
        jobs.append(Job(delivery_id, webhook_id, event_id, event_type, payload, url, secret_cache[webhook_id]))
    expires = now_ms + lease_ms
    conn.executemany(
        "UPDATE webhook_deliveries SET lease_owner = ?, lease_expires_at = ?, next_attempt_at = ?,"
        " updated_at = ? WHERE id = ?",
        [(owner, expires, expires, now_ms, j.delivery_id) for j in jobs],
    )
    conn.executemany("UPDATE webhook_deliveries SET next_attempt_at = ? WHERE id = ?", deferred)
    row = fetch_one(
        conn,
        # ORDER BY + LIMIT walks the partial index and stops at once; MIN() over a join would scan it all.
        "SELECT d.next_attempt_at FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id"
        " WHERE d.status = 'pending' AND w.is_active = 1 ORDER BY d.next_attempt_at LIMIT 1",
    )
    return Claim(jobs, len(deferred), None if row is None or row[0] is None else int(row[0]))


class TokenBuckets:
    """Per-endpoint token buckets (capacity ``max(1, rate)``), on the engine's clock. Per process."""

    def __init__(self) -> None:
        self._state: dict[int, tuple[float, int]] = {}

    def take(self, webhook_id: int, rate: float, now_ms: int) -> bool:
        capacity = max(1.0, rate)
        tokens, last = self._state.get(webhook_id, (capacity, now_ms))
        tokens = min(capacity, tokens + max(0, now_ms - last) * rate / 1000)
        if tokens < 1.0:
            self._state[webhook_id] = (tokens, now_ms)
            return False
        self._state[webhook_id] = (tokens - 1.0, now_ms)
        return True


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
    """Log each attempt, update counters and the delivery, all in the caller's one transaction.

    Returns the log ids. A delivery row is only moved if this process still holds its lease (or, for
    manual and test attempts, regardless of the schedule); the log row and counters are always written,
    because the attempt did happen.
    """
    log_ids: list[int] = []
    for outcome in outcomes:
        job, now = outcome.job, outcome.delivered_at
        row = fetch_one(
            conn,
            "SELECT attempts, scheduled_attempts, lease_owner FROM webhook_deliveries WHERE id = ?",
            (job.delivery_id,),
        )
        attempts, scheduled, lease_owner = row if row is not None else (0, 0, None)
        log_ids.append(insert_log(conn, outcome, int(attempts) + 1))
        _update_webhook(conn, outcome)
        if row is None:
            continue
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
    return log_ids


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
