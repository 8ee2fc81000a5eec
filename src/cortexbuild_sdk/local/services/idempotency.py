"""Idempotent POSTs, as Stripe does them: an ``Idempotency-Key`` makes a retried request safe.

The first request with a key runs and its response (status, body, the headers that matter) is stored, sealed,
for 24 hours; a repeat with the same key and the same request replays it without running anything again.
The same key with a different request is refused (422), and a repeat that arrives while the first is still
running gets a retryable 409. Keys are scoped to the API key that sent them. Requests that never reached
the handler (bad auth, rate limit, scope, unparsable JSON) store nothing, and neither do 5xx answers.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from ..errors import Conflict, Invalid
from ..http import ApiError
from ..sealing import Purpose, seal, unseal
from .context import Ctx

__all__ = ["IN_PROGRESS_STALE_MS", "TTL_MS", "Replay", "Reservation", "complete", "release", "reserve"]

TTL_MS = 24 * 3600 * 1000
IN_PROGRESS_STALE_MS = 60_000
"""A reservation older than this belongs to a request that died (a crashed process): it may be taken over."""
MAX_KEY_LENGTH = 255
_PURPOSE = Purpose.IDEMPOTENT_RESPONSE
REPLAYED_HEADERS = frozenset({"x-should-retry", "retry-after"})
"""Headers of an error answer that a replay must repeat, so clients treat it exactly as the first."""


@dataclass(frozen=True)
class Replay:
    status: int
    payload: dict[str, Any]
    headers: dict[str, str]


@dataclass(frozen=True)
class Reservation:
    row_id: int


def fingerprint(method: str, path: str, body: Any) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode()).hexdigest()


def reserve(ctx: Ctx, key: str, request_fingerprint: str) -> Replay | Reservation:
    """Claim ``key`` for this request, or return the stored answer of the request that claimed it."""
    if not (0 < len(key) <= MAX_KEY_LENGTH and key.isascii() and key.isprintable()):
        raise Invalid(f"Idempotency-Key must be 1-{MAX_KEY_LENGTH} printable ASCII characters")
    now = ctx.now_ms()
    with ctx.env.db.write() as conn:
        conn.execute("DELETE FROM idempotency_keys WHERE created_at < ?", (now - TTL_MS,))
        row = conn.execute(
            "SELECT id, fingerprint, status, response, created_at FROM idempotency_keys"
            " WHERE key_id = ? AND idem_key = ?",
            (ctx.principal.key_id, key),
        ).fetchone()
        if row is None:
            cur = conn.execute(
                "INSERT INTO idempotency_keys (key_id, idem_key, fingerprint, created_at) VALUES (?, ?, ?, ?)",
                (ctx.principal.key_id, key, request_fingerprint, now),
            )
            return Reservation(int(cur.lastrowid or 0))
        if row["fingerprint"] != request_fingerprint:
            # 422 is HTTP's own answer to a reused Idempotency-Key (an HTTP header): no domain error fits it.
            raise ApiError(
                422,
                "idempotency_key_reused",
                "this Idempotency-Key was already used for a different request; use a new key for a new request",
            )
        if row["status"] is None:
            if now - row["created_at"] < IN_PROGRESS_STALE_MS:
                raise Conflict(
                    "a request with this Idempotency-Key is still being processed; retry shortly",
                    code="idempotency_key_in_use",
                    retryable=True,
                )
            conn.execute("UPDATE idempotency_keys SET created_at = ? WHERE id = ?", (now, row["id"]))
            return Reservation(int(row["id"]))
        stored = json.loads(unseal(ctx.keyring, ctx.env.name, _PURPOSE, row["id"], row["response"]))
        return Replay(int(row["status"]), stored["payload"], stored["headers"])


def complete(ctx: Ctx, reservation: Reservation, status: int, payload: dict[str, Any], headers: dict[str, str]) -> None:
    kept = {name: value for name, value in headers.items() if name.lower() in REPLAYED_HEADERS}
    answer = json.dumps({"payload": payload, "headers": kept}, separators=(",", ":"))
    with ctx.env.db.write() as conn:  # sealed inside the write: after its keyring check (another process's rotation)
        sealed = seal(ctx.keyring, ctx.env.name, _PURPOSE, reservation.row_id, answer)
        conn.execute(
            "UPDATE idempotency_keys SET status = ?, response = ? WHERE id = ?", (status, sealed, reservation.row_id)
        )


def release(ctx: Ctx, reservation: Reservation) -> None:
    """Forget a reservation whose request failed on our side (5xx), so that a retry runs afresh."""
    with ctx.env.db.write() as conn:
        conn.execute("DELETE FROM idempotency_keys WHERE id = ? AND status IS NULL", (reservation.row_id,))
