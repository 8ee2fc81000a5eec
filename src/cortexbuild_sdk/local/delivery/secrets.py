"""The engine's signing-secret reader for the backend's sealed ``webhooks.secret`` columns.

The backend injects this as the engine's ``signing_secrets``; the engine never calls into the services.
"""

from __future__ import annotations

import sqlite3
from typing import Final

from ..crypto import Keyring
from ..sealing import Purpose, unseal
from .errors import WebhookNotFoundError
from .sql import fetch_one

__all__ = ["SECRET_PURPOSE", "sealed_signing_secrets"]

SECRET_PURPOSE: Final = Purpose.WEBHOOK_SECRET
"""Associated-data prefix of a sealed webhook secret."""


def sealed_signing_secrets(
    conn: sqlite3.Connection,
    webhook_id: int,
    now_ms: int,
    *,
    keyring: Keyring | None = None,
    environment: str | None = None,
) -> list[str]:
    """Plaintext secrets to sign with: the current one first, then the previous one while still valid.

    The keyring and environment default to those of the local ``Database`` the connection came from.
    """
    ring = keyring if keyring is not None else getattr(conn, "keyring", None)
    env = environment if environment is not None else getattr(conn, "environment", "live")
    if ring is None:
        raise ValueError("no keyring: pass keyring= or use a connection from a local Database")
    row = fetch_one(
        conn, "SELECT secret, previous_secret, previous_secret_expires_at FROM webhooks WHERE id = ?", (webhook_id,)
    )
    if row is None:
        raise WebhookNotFoundError(f"webhook {webhook_id} not found")
    out = [unseal(ring, env, SECRET_PURPOSE, webhook_id, row[0])]
    if row[1] is not None and row[2] is not None and row[2] > now_ms:
        out.append(unseal(ring, env, SECRET_PURPOSE, webhook_id, row[1]))
    return out
