"""Secrets at rest: every sealed column is a keyring token bound to its environment and its row.

The associated data ``"<purpose>:<row id>"`` ties a token to one record, so a token copied onto another row
(or into another environment's database) fails to decrypt instead of leaking the wrong secret.
:class:`Purpose` is the one list of purposes; :data:`SEALED_COLUMNS` says where each one is stored.
"""

from __future__ import annotations

import enum
import sqlite3

from .crypto import Keyring
from .sql import update_columns

__all__ = ["SEALED_COLUMNS", "Purpose", "reseal_all", "seal", "unseal"]


class Purpose(str, enum.Enum):
    """What a sealed value is for: the prefix of its associated data (never change a value that shipped)."""

    OWNER_KEY = "owner-key"
    INTEGRATION_CREDENTIALS = "integration-credentials"
    OAUTH_ACCESS = "oauth-access"
    OAUTH_REFRESH = "oauth-refresh"
    OAUTH_STATE = "oauth-state"
    WEBHOOK_SECRET = "webhook-secret"
    IDEMPOTENT_RESPONSE = "idempotent-response"


SEALED_COLUMNS: tuple[tuple[str, str, str, Purpose], ...] = (
    # (table, primary key column, sealed column, purpose): what key rotation re-encrypts.
    ("accounts", "id", "owner_key_secret", Purpose.OWNER_KEY),
    ("integrations", "id", "credentials", Purpose.INTEGRATION_CREDENTIALS),
    ("oauth_tokens", "integration_id", "access_token", Purpose.OAUTH_ACCESS),
    ("oauth_tokens", "integration_id", "refresh_token", Purpose.OAUTH_REFRESH),
    ("oauth_states", "state_hash", "code_verifier", Purpose.OAUTH_STATE),
    ("webhooks", "id", "secret", Purpose.WEBHOOK_SECRET),
    ("webhooks", "id", "previous_secret", Purpose.WEBHOOK_SECRET),
    ("idempotency_keys", "id", "response", Purpose.IDEMPOTENT_RESPONSE),
)


def _aad(purpose: Purpose, row_id: object) -> bytes:
    return f"{purpose.value}:{row_id}".encode()


def seal(keyring: Keyring, environment: str, purpose: Purpose, row_id: object, plaintext: str) -> str:
    return keyring.encrypt(plaintext.encode("utf-8"), environment=environment, associated_data=_aad(purpose, row_id))


def unseal(keyring: Keyring, environment: str, purpose: Purpose, row_id: object, token: str) -> str:
    return keyring.decrypt(token, environment=environment, associated_data=_aad(purpose, row_id)).decode("utf-8")


def reseal_all(conn: sqlite3.Connection, keyring: Keyring, environment: str) -> int:
    """Re-encrypt every sealed value under the keyring's active key (inside the caller's write)."""
    active = keyring.active_key_id
    count = 0
    for table, pk, column, purpose in SEALED_COLUMNS:
        rows = conn.execute(f"SELECT {pk}, {column} FROM {table} WHERE {column} IS NOT NULL").fetchall()
        for row_id, token in rows:
            if keyring.key_id_of(token) == active:
                continue
            fresh = keyring.reencrypt(token, environment=environment, associated_data=_aad(purpose, row_id))
            update_columns(conn, table, row_id, {column: fresh}, key=pk)
            count += 1
    return count
