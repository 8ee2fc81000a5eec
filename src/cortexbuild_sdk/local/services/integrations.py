"""Integrations: provider catalogue checks, sealed credentials, activation under the plan, sync runs."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from .. import providers
from ..errors import Invalid, NotFound
from ..http import iso
from ..sealing import Purpose, seal
from . import plans
from .common import Page, dumps, paginate
from .context import Ctx

__all__ = ["create", "insert", "render"]

_PURPOSE = Purpose.INTEGRATION_CREDENTIALS
_SELECT = (
    "SELECT *, (credentials IS NOT NULL OR EXISTS (SELECT 1 FROM oauth_tokens"
    " WHERE oauth_tokens.integration_id = integrations.id)) AS has_credentials FROM integrations"
)


def render(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "user_id": row["user_id"],
        "company_id": row["company_id"],
        "provider": row["provider"],
        "name": row["name"],
        "config": json.loads(row["config"]),
        "is_active": bool(row["is_active"]),
        "last_sync_at": iso(row["last_sync_at"]),
        "sync_status": row["sync_status"],
        "hasCredentials": bool(row["has_credentials"]),
        "error": row["auth_error"],
        "created_at": iso(row["created_at"]),
        "updated_at": iso(row["updated_at"]),
    }


def _get(ctx: Ctx, conn: sqlite3.Connection, integration_id: int) -> sqlite3.Row:
    row = conn.execute(f"{_SELECT} WHERE id = ? AND account_id = ?", (integration_id, ctx.account.id)).fetchone()
    if row is None:
        raise NotFound("integration", integration_id)
    assert isinstance(row, sqlite3.Row)
    return row


def check_provider(provider: str) -> providers.Provider:
    found = providers.PROVIDERS.get(provider)
    if found is None:
        raise Invalid(
            f"unknown provider {provider!r}; expected one of: {', '.join(providers.PROVIDERS)}",
            details=[{"field": "provider", "message": "unknown provider"}],
        )
    return found


def insert(
    ctx: Ctx,
    conn: sqlite3.Connection,
    *,
    provider: str,
    name: str,
    config: dict[str, Any],
    credentials: dict[str, Any] | None,
) -> int:
    """Insert an active integration (plan-checked) inside the caller's write; return its id."""
    plans.check(ctx, conn, "active_integrations")
    now, acct = ctx.now_ms(), ctx.account
    cur = conn.execute(
        "INSERT INTO integrations (account_id, user_id, company_id, provider, name, config, created_at,"
        " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (acct.id, acct.user_id, acct.company_id, provider, name, dumps(config), now, now),
    )
    integration_id = cur.lastrowid
    assert integration_id is not None
    if credentials:
        sealed = seal(ctx.keyring, ctx.env.name, _PURPOSE, integration_id, dumps(credentials))
        conn.execute("UPDATE integrations SET credentials = ? WHERE id = ?", (sealed, integration_id))
    return integration_id


def create(ctx: Ctx, *, provider: str, name: str, credentials: Any, config: dict[str, Any]) -> dict[str, Any]:
    check_provider(provider)
    try:
        clean = providers.validate_credentials(provider, credentials)
    except providers.CredentialsError as exc:
        field = f"credentials.{exc.field}" if exc.field and exc.field != "credentials" else "credentials"
        raise Invalid(exc.message, details=[{"field": field, "message": exc.message}]) from None
    from .automations import normalize

    normalize(provider, config)  # config.automations: known events, this provider's actions, valid params
    with ctx.env.db.write() as conn:
        integration_id = insert(ctx, conn, provider=provider, name=name, config=config, credentials=clean)
        return render(_get(ctx, conn, integration_id))


def list_integrations(ctx: Ctx, page: Page) -> tuple[list[dict[str, Any]], int | None]:
    with ctx.env.db.read() as conn:
        rows, nxt = paginate(conn, f"{_SELECT} WHERE account_id = ?", (ctx.account.id,), page)
    return [render(r) for r in rows], nxt


def retrieve(ctx: Ctx, integration_id: int) -> dict[str, Any]:
    with ctx.env.db.read() as conn:
        return render(_get(ctx, conn, integration_id))


def set_status(ctx: Ctx, integration_id: int, is_active: bool) -> dict[str, Any]:
    with ctx.env.db.write() as conn:
        row = _get(ctx, conn, integration_id)
        if is_active and not row["is_active"]:
            plans.check(ctx, conn, "active_integrations")
        conn.execute(
            "UPDATE integrations SET is_active = ?, updated_at = ? WHERE id = ?",
            (int(is_active), ctx.now_ms(), integration_id),
        )
        return render(_get(ctx, conn, integration_id))


def delete(ctx: Ctx, integration_id: int) -> None:
    with ctx.env.db.write() as conn:
        _get(ctx, conn, integration_id)
        conn.execute("DELETE FROM integrations WHERE id = ?", (integration_id,))  # tokens and runs cascade
