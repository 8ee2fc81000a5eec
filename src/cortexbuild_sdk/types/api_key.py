from __future__ import annotations

from pydantic import Field

from .._models import BaseModel, JsonList, Timestamp

__all__ = ["ApiKey", "ApiKeyWithSecret"]


class ApiKey(BaseModel):
    """An SDK API key. Only the visible prefix is ever returned, never the hash."""

    id: int
    user_id: str | None = None
    sandbox_id: int | None = None
    """The sandbox a sandbox key works in (``cbk_test_...``); None for live keys."""
    name: str
    key_prefix: str
    scopes: JsonList = Field(default_factory=list)
    is_active: bool = True
    last_used_at: Timestamp | None = None
    expires_at: Timestamp | None = None
    revoked_at: Timestamp | None = None
    """When the key was revoked (it then no longer authenticates)."""
    created_at: Timestamp | None = None
    updated_at: Timestamp | None = None


class ApiKeyWithSecret(ApiKey):
    """Returned by create and roll: ``secret`` is the full key, shown this once."""

    secret: str = Field(repr=False)
