"""Time-sortable random ids: ``<prefix>_`` + 12 hex digits of epoch ms + 16 random hex digits."""

from __future__ import annotations

import secrets


def new_id(prefix: str, now_ms: int) -> str:
    return f"{prefix}_{now_ms:012x}{secrets.token_hex(8)}"


def new_id_sql(prefix: str, now_ms_param: str) -> str:
    """The same id made by SQLite (``randomblob`` draws from its OS-seeded generator), so one
    ``INSERT ... SELECT`` can write many rows; ``now_ms_param`` names the statement's parameter."""
    if not prefix.isalpha():
        raise ValueError("an id prefix is letters only")
    return f"'{prefix}_' || printf('%012x', {now_ms_param}) || lower(hex(randomblob(8)))"
