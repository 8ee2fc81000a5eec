"""Time-sortable random ids: ``<prefix>_`` + 12 hex digits of epoch ms + 16 random hex digits."""

from __future__ import annotations

import secrets


def new_id(prefix: str, now_ms: int) -> str:
    return f"{prefix}_{now_ms:012x}{secrets.token_hex(8)}"
