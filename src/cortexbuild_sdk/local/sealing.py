"""Secrets at rest: every sealed column is a keyring token bound to its environment and its row.

The associated data ``"<purpose>:<row id>"`` ties a token to one record, so a token copied onto another row
(or into another environment's database) fails to decrypt instead of leaking the wrong secret.
"""

from __future__ import annotations

import sqlite3

from .crypto import Keyring
from .schema import SEALED_COLUMNS

__all__ = ["reseal_all", "seal", "unseal"]


def _aad(purpose: str, row_id: object) -> bytes:
    return f"{purpose}:{row_id}".encode()


def seal(keyring: Keyring, environment: str, purpose: str, row_id: object, plaintext: str) -> str:
    return keyring.encrypt(plaintext.encode("utf-8"), environment=environment, associated_data=_aad(purpose, row_id))


def unseal(keyring: Keyring, environment: str, purpose: str, row_id: object, token: str) -> str:
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
            conn.execute(f"UPDATE {table} SET {column} = ? WHERE {pk} = ?", (fresh, row_id))
            count += 1
    return count
