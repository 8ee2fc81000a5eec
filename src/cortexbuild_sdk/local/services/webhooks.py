"""Webhooks: CRUD, secrets (sealed at rest, rotation with a 24 h overlap), the delivery log listing and the
delivery operations (test send, retry of one log entry, recover), which run on the environment's engine."""

from __future__ import annotations

import contextlib
import json
import secrets
import sqlite3
from collections.abc import Mapping
from typing import Any

from ..delivery import DeliveryEngine, DeliveryError, LogNotFoundError, PayloadTooLargeError, WebhookNotFoundError
from ..delivery.schema import LOG_COLUMNS
from ..delivery.secrets import SECRET_PURPOSE, sealed_signing_secrets
from ..errors import DomainError, Invalid, NotFound, TooLarge, Unavailable
from ..http import iso
from ..sealing import seal, unseal
from . import plans
from .common import Page, dumps, fetch_owned, paginate, update_columns
from .context import Ctx

__all__ = ["ROTATION_OVERLAP_MS", "delivery_error", "new_secret", "webhook_signing_secrets"]

ROTATION_OVERLAP_MS = 24 * 3600 * 1000
RATE_MIN, RATE_MAX = 0.01, 10_000.0
_PURPOSE = SECRET_PURPOSE
_LOG_COLUMNS = ", ".join(LOG_COLUMNS)


def new_secret() -> str:
    """64 hex characters (32 random bytes), as the platform's Node server makes them.

    Receivers key the seed's HMAC with the secret string's UTF-8 bytes, so the secret must not look like
    the Standard Webhooks ``whsec_<base64>`` form, whose key is the decoded bytes instead: a secret that did
    would sign with one key and be checked with another. ``webhooks.standard_secret()`` gives that form."""
    return secrets.token_hex(32)


def render(row: sqlite3.Row, *, secret: str | None = None) -> dict[str, Any]:
    out = {
        "id": row["id"],
        "user_id": row["user_id"],
        "company_id": row["company_id"],
        "name": row["name"],
        "url": row["url"],
        "events": json.loads(row["events"]),
        "is_active": bool(row["is_active"]),
        "success_count": row["success_count"],
        "failure_count": row["failure_count"],
        "consecutive_failures": row["consecutive_failures"],
        "disabled_reason": row["disabled_reason"],
        "disabled_at": iso(row["disabled_at"]),
        "rate_limit_per_second": row["rate_limit_per_second"],
        "last_triggered_at": iso(row["last_triggered_at"]),
        "created_at": iso(row["created_at"]),
        "updated_at": iso(row["updated_at"]),
    }
    if secret is not None:
        out["secret"] = secret
    return out


def _get(ctx: Ctx, conn: sqlite3.Connection, webhook_id: int) -> sqlite3.Row:
    return fetch_owned(conn, "webhooks", "webhook", webhook_id, ctx.account.id)


def _check_rate(rate: float | None) -> None:
    """The bounds the routes validate, enforced for every caller (a rate steers the claim arithmetic)."""
    if rate is not None and not (RATE_MIN <= rate <= RATE_MAX):
        raise Invalid(f"rate_limit_per_second must be between {RATE_MIN:g} and {RATE_MAX:g}, or null")


def create(
    ctx: Ctx, *, name: str, url: str, events: list[str], rate_limit_per_second: float | None = None
) -> dict[str, Any]:
    _check_rate(rate_limit_per_second)
    secret = new_secret()
    now = ctx.now_ms()
    acct = ctx.account
    with ctx.env.db.write() as conn:
        plans.check(ctx, conn, "webhooks")
        cur = conn.execute(
            "INSERT INTO webhooks (account_id, user_id, company_id, name, url, events, secret,"
            " rate_limit_per_second, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, '', ?, ?, ?)",
            (acct.id, acct.user_id, acct.company_id, name, url, dumps(events), rate_limit_per_second, now, now),
        )
        webhook_id = cur.lastrowid
        sealed = seal(ctx.keyring, ctx.env.name, _PURPOSE, webhook_id, secret)
        conn.execute("UPDATE webhooks SET secret = ? WHERE id = ?", (sealed, webhook_id))
        row = conn.execute("SELECT * FROM webhooks WHERE id = ?", (webhook_id,)).fetchone()
    return render(row, secret=secret)


def list_webhooks(ctx: Ctx, page: Page) -> tuple[list[dict[str, Any]], int | None]:
    with ctx.env.db.read() as conn:
        rows, nxt = paginate(conn, "SELECT * FROM webhooks WHERE account_id = ?", (ctx.account.id,), page)
    return [render(r) for r in rows], nxt


def retrieve(ctx: Ctx, webhook_id: int) -> dict[str, Any]:
    with ctx.env.db.read() as conn:
        return render(_get(ctx, conn, webhook_id))


def update(ctx: Ctx, webhook_id: int, changes: dict[str, Any]) -> dict[str, Any]:
    _check_rate(changes.get("rate_limit_per_second"))
    now = ctx.now_ms()
    resumed = False
    with ctx.env.db.write() as conn:
        row = _get(ctx, conn, webhook_id)
        sets: dict[str, Any] = {}
        for key in ("name", "url", "rate_limit_per_second"):
            if key in changes:
                sets[key] = changes[key]
        if "events" in changes:
            sets["events"] = dumps(changes["events"])
        if "is_active" in changes:
            active = bool(changes["is_active"])
            sets["is_active"] = int(active)
            if active and not row["is_active"]:  # re-enable: a fresh start for the failure run
                sets.update(consecutive_failures=0, disabled_reason=None, disabled_at=None)
                resumed = True
            elif not active and row["is_active"]:
                sets.update(disabled_reason="disabled via the API", disabled_at=now)
        sets["updated_at"] = now
        update_columns(conn, "webhooks", webhook_id, sets)
        out = render(_get(ctx, conn, webhook_id))
    if resumed:  # what was pending while disabled is due: wake the dispatcher after the commit
        _engine(ctx).notify()
    return out


def delete(ctx: Ctx, webhook_id: int) -> None:
    """Delete the webhook, its logs and subscriptions, and cancel its pending deliveries (all cascade);
    an attempt still in flight is dropped when it ends (ids are never reused, so it cannot land elsewhere)."""
    with ctx.env.db.write() as conn:
        _get(ctx, conn, webhook_id)
        conn.execute("DELETE FROM webhooks WHERE id = ?", (webhook_id,))


def get_secret(ctx: Ctx, webhook_id: int) -> str:
    with ctx.env.db.read() as conn:
        row = _get(ctx, conn, webhook_id)
    return unseal(ctx.keyring, ctx.env.name, _PURPOSE, webhook_id, row["secret"])


def rotate_secret(ctx: Ctx, webhook_id: int) -> dict[str, Any]:
    """New secret now; the old one keeps verifying (deliveries carry both signatures) for 24 h."""
    secret = new_secret()
    now = ctx.now_ms()
    with ctx.env.db.write() as conn:
        row = _get(ctx, conn, webhook_id)
        sealed = seal(ctx.keyring, ctx.env.name, _PURPOSE, webhook_id, secret)
        conn.execute(
            "UPDATE webhooks SET previous_secret = ?, previous_secret_expires_at = ?, secret = ?, updated_at = ?"
            " WHERE id = ?",
            (row["secret"], now + ROTATION_OVERLAP_MS, sealed, now, webhook_id),
        )
        return render(_get(ctx, conn, webhook_id), secret=secret)


def _render_log(row: Mapping[str, Any] | sqlite3.Row) -> dict[str, Any]:
    out = {key: row[key] for key in row.keys()}  # noqa: SIM118 (sqlite3.Row has keys() but no iteration by key)
    with contextlib.suppress(ValueError):  # a payload that is not JSON is served as the text sent
        out["payload"] = json.loads(row["payload"])
    out["delivered_at"] = iso(row["delivered_at"])
    return out


def logs(ctx: Ctx, webhook_id: int, page: Page) -> tuple[list[dict[str, Any]], int | None]:
    with ctx.env.db.snapshot() as conn:
        _get(ctx, conn, webhook_id)
        rows, nxt = paginate(conn, f"SELECT {_LOG_COLUMNS} FROM webhook_logs WHERE webhook_id = ?", (webhook_id,), page)
    return [_render_log(r) for r in rows], nxt


# ---- delivery operations ---------------------------------------------------------------------------------


def delivery_error(exc: DeliveryError) -> DomainError:
    """The domain error for an engine error."""
    if isinstance(exc, PayloadTooLargeError):
        return TooLarge(str(exc), details={"size": exc.size, "limit": exc.limit})
    if isinstance(exc, WebhookNotFoundError | LogNotFoundError):
        return NotFound("webhook" if isinstance(exc, WebhookNotFoundError) else "log", "", message=str(exc))
    return Invalid(str(exc))


def _engine(ctx: Ctx) -> DeliveryEngine:
    hub = ctx.rt.delivery
    if hub is None:
        raise Unavailable("webhook delivery is not running in this backend", code="delivery_unavailable")
    try:
        return hub.engine(ctx.env.sandbox_id)
    except (FileNotFoundError, RuntimeError) as exc:
        raise Unavailable(f"webhook delivery is unavailable: {exc}", code="delivery_unavailable") from None


def _owned(ctx: Ctx, webhook_id: int) -> None:
    with ctx.env.db.read() as conn:
        _get(ctx, conn, webhook_id)  # tenancy first: the engine's operations take any id


def send_test(ctx: Ctx, webhook_id: int) -> tuple[bool, str | None]:
    """Send ``webhook.test`` now (even to a disabled endpoint), logged, never retried."""
    _owned(ctx, webhook_id)
    try:
        return _engine(ctx).send_test(webhook_id)
    except DeliveryError as exc:
        raise delivery_error(exc) from None


def retry_log(ctx: Ctx, webhook_id: int, log_id: int) -> dict[str, Any]:
    """Re-send one log entry's payload now as a new attempt of its delivery; the new log row."""
    _owned(ctx, webhook_id)
    try:
        return _render_log(_engine(ctx).retry_log(webhook_id, log_id))
    except DeliveryError as exc:
        raise delivery_error(exc) from None


def recover(ctx: Ctx, webhook_id: int, since_ms: int) -> int:
    """Re-queue the webhook's failed deliveries created at or after ``since_ms``; how many."""
    _owned(ctx, webhook_id)
    try:
        return _engine(ctx).recover(webhook_id, since_ms)
    except DeliveryError as exc:
        raise delivery_error(exc) from None


webhook_signing_secrets = sealed_signing_secrets
"""Kept under its old name: the engine's secret reader now lives in the delivery layer."""
