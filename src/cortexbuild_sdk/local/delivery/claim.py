"""Claiming due deliveries under a lease: per endpoint, fair across accounts, O(what is claimed).

The claim never walks rows it cannot take. It lists the endpoints that have claimable rows with a skip
scan over the ``webhook_deliveries_ready`` index (one seek per endpoint with a backlog; a disabled
endpoint's rows are *parked* and not in that index at all), then reads at most the endpoint's free
slots of due rows from each. 100k rows behind a saturated or disabled endpoint cost nothing.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from .attempt import Job
from .protocols import SigningSecrets
from .sql import fetch_all

logger = logging.getLogger("cortexbuild_sdk.local.delivery")

LEASE_MS: Final = 60_000
"""A claim's lifetime: longer than an attempt's 10 s deadline; a crashed claimer's rows are due after it."""

BAD_ROW_DELAY_MS: Final = 60_000
"""An endpoint whose rows cannot be claimed (corrupt data) is skipped, logged and retried after this."""

MAX_DEFER_MS: Final = 86_400_000
"""Longest a rate limit pushes a row back (bounds the arithmetic whatever the stored rate)."""

# Skip scan: each step seeks the next webhook id that has a claimable row, and its earliest due time.
ENDPOINTS_SQL: Final = """
WITH RECURSIVE ep(webhook_id) AS (
    SELECT (SELECT webhook_id FROM webhook_deliveries INDEXED BY webhook_deliveries_ready
            WHERE status = 'pending' AND parked = 0 AND webhook_id >= -9223372036854775808
            ORDER BY webhook_id LIMIT 1)
    UNION ALL
    SELECT (SELECT webhook_id FROM webhook_deliveries INDEXED BY webhook_deliveries_ready
            WHERE status = 'pending' AND parked = 0 AND webhook_id > ep.webhook_id ORDER BY webhook_id LIMIT 1)
    FROM ep WHERE ep.webhook_id IS NOT NULL
)
SELECT ep.webhook_id,
       (SELECT MIN(next_attempt_at) FROM webhook_deliveries INDEXED BY webhook_deliveries_ready
        WHERE webhook_id = ep.webhook_id AND status = 'pending' AND parked = 0),
       w.account_id, w.url, w.rate_limit_per_second, w.is_active
FROM ep JOIN webhooks w ON w.id = ep.webhook_id
WHERE ep.webhook_id IS NOT NULL
"""

ROWS_SQL: Final = """
SELECT d.id, d.event_id, e.event_type, e.payload
FROM webhook_deliveries d INDEXED BY webhook_deliveries_ready
JOIN webhook_events e ON e.id = d.event_id
WHERE d.webhook_id = ? AND d.status = 'pending' AND d.parked = 0 AND d.next_attempt_at <= ?
ORDER BY d.next_attempt_at
LIMIT ?
"""


@dataclass(frozen=True)
class Claim:
    jobs: list[Job]
    deferred: int  # kept for callers; a throttled endpoint is "not due" until its next token (see next_due_ms)
    next_due_ms: int | None  # earliest time more work can be claimed (due row, token), None when none


@dataclass(frozen=True)
class Limits:
    """Slot limits for one claim. ``account_cap``: the most one account may hold in flight, so some slots
    are always left for other accounts' deliveries (a tenant with slow endpoints cannot take them all)."""

    free: int
    per_endpoint: int
    account_cap: int


@dataclass
class _Endpoint:
    webhook_id: int
    due: int
    account_id: int
    url: str
    rate: float | None
    quota: int


def claim(
    conn: sqlite3.Connection,
    *,
    owner: str,
    now_ms: int,
    limits: Limits,
    busy: Mapping[int, int],
    account_busy: Mapping[int, int],
    buckets: TokenBuckets,
    secrets: SigningSecrets,
    lease_ms: int = LEASE_MS,
) -> Claim:
    """Lease up to ``limits.free`` due deliveries, round-robin over accounts, then over their endpoints.

    Runs in a ``BEGIN IMMEDIATE`` transaction, so two processes never lease the same row. A leased row's
    ``next_attempt_at`` becomes the lease expiry: if this process dies, the row is simply due again then.
    One endpoint whose rows cannot be read (bad data) is logged and skipped; the others are claimed.
    """
    next_due: int | None = None
    by_account: dict[int, list[_Endpoint]] = {}
    for webhook_id, due, account_id, url, rate, active in fetch_all(conn, ENDPOINTS_SQL):
        if due is None or not active:
            continue
        wid, acct = int(webhook_id), int(account_id)
        quota = limits.per_endpoint - busy.get(wid, 0)
        if due > now_ms:
            next_due = due if next_due is None else min(next_due, due)
            continue
        if quota <= 0:
            continue  # saturated: a slot freeing wakes the dispatcher
        rate_value = _rate(rate)
        if rate_value is not None:
            tokens = buckets.available(wid, rate_value, now_ms)
            if tokens < 1:
                ready = now_ms + min(MAX_DEFER_MS, buckets.wait_ms(wid, rate_value, now_ms))
                next_due = ready if next_due is None else min(next_due, ready)
                continue
            quota = min(quota, int(tokens))
        by_account.setdefault(acct, []).append(_Endpoint(wid, int(due), acct, str(url), rate_value, quota))

    jobs: list[Job] = []
    taken_by_account = {a: account_busy.get(a, 0) for a in by_account}
    accounts = sorted(by_account, key=lambda a: taken_by_account[a])  # the least served account first
    free = limits.free
    # Round-robin: each pass gives every account one endpoint's worth of slots, until nothing moves.
    while free > 0 and accounts:
        progressed: list[int] = []
        for acct in accounts:
            endpoints = by_account[acct]
            room = min(free, limits.account_cap - taken_by_account[acct])
            if room <= 0 or not endpoints:
                continue
            endpoint = endpoints.pop(0)
            got = _claim_endpoint(conn, endpoint, min(room, endpoint.quota), now_ms, secrets, buckets)
            jobs.extend(got)
            free -= len(got)
            taken_by_account[acct] += len(got)
            if endpoints:
                progressed.append(acct)
        accounts = progressed
    expires = now_ms + lease_ms
    if jobs:  # one statement for the batch (primary-key seeks), not one step per row
        conn.execute(
            "UPDATE webhook_deliveries SET lease_owner = ?, lease_expires_at = ?, next_attempt_at = ?,"
            " updated_at = ? WHERE id IN (SELECT value FROM json_each(?))",
            (owner, expires, expires, now_ms, json.dumps([j.delivery_id for j in jobs])),
        )
    return Claim(jobs, 0, next_due)


def _rate(value: Any) -> float | None:
    try:
        rate = float(value) if value is not None else None
    except (TypeError, ValueError):
        return None
    return rate if rate is not None and 0 < rate < float("inf") else None


def _claim_endpoint(
    conn: sqlite3.Connection,
    endpoint: _Endpoint,
    count: int,
    now_ms: int,
    secrets: SigningSecrets,
    buckets: TokenBuckets,
) -> list[Job]:
    if count <= 0:
        return []
    wid = endpoint.webhook_id
    try:  # reads only (the rows, then the secrets): a failure here leaves nothing to undo
        rows = fetch_all(conn, ROWS_SQL, (wid, now_ms, count))
        keys = secrets(conn, wid, now_ms) if rows else []
        jobs = [
            Job(str(d), wid, str(e), str(t), str(p), endpoint.url, keys, account_id=endpoint.account_id)
            for d, e, t, p in rows
        ]
    except Exception:  # one endpoint's bad data must not stop every other account's deliveries
        logger.exception("cannot claim deliveries of webhook %d; skipped for %d s", wid, BAD_ROW_DELAY_MS // 1000)
        _push_back(conn, wid, now_ms)
        return []
    if endpoint.rate is not None:
        buckets.take(wid, endpoint.rate, now_ms, len(jobs))
    return jobs


def _push_back(conn: sqlite3.Connection, webhook_id: int, now_ms: int) -> None:
    try:
        conn.execute(
            "UPDATE webhook_deliveries SET next_attempt_at = ? WHERE webhook_id = ? AND status = 'pending'"
            " AND parked = 0 AND next_attempt_at <= ?",
            (now_ms + BAD_ROW_DELAY_MS, webhook_id, now_ms),
        )
    except sqlite3.Error:
        logger.exception("cannot push back deliveries of webhook %d", webhook_id)


class TokenBuckets:
    """Per-endpoint token buckets (capacity ``max(1, rate)``), on the engine's clock. Per process."""

    def __init__(self) -> None:
        self._state: dict[int, tuple[float, int]] = {}

    def available(self, webhook_id: int, rate: float, now_ms: int) -> float:
        capacity = max(1.0, rate)
        tokens, last = self._state.get(webhook_id, (capacity, now_ms))
        tokens = min(capacity, tokens + max(0, now_ms - last) * rate / 1000)
        self._state[webhook_id] = (tokens, now_ms)
        return tokens

    def wait_ms(self, webhook_id: int, rate: float, now_ms: int) -> int:
        """Milliseconds until one token is there."""
        tokens = self.available(webhook_id, rate, now_ms)
        return 0 if tokens >= 1 else int(min((1 - tokens) * 1000 / rate, MAX_DEFER_MS)) + 1

    def take(self, webhook_id: int, rate: float, now_ms: int, count: int = 1) -> bool:
        tokens = self.available(webhook_id, rate, now_ms)
        if tokens < count:
            return False
        self._state[webhook_id] = (tokens - count, now_ms)
        return True
