from __future__ import annotations

from pydantic import Field

from .._models import BaseModel, JsonList, Timestamp

__all__ = ["ApiKey", "ApiKeyWithSecret"]


class ApiKey(BaseModel):
    """An SDK API key. Only the visible prefix is ever returned, never the hash."""

    id: int
    user_id: str | None = None
    name: str
    key_prefix: str
    scopes: JsonList = Field(default_factory=list)
    is_active: bool = True
    last_used_at: Timestamp | None = None
    expires_at: Timestamp | None = None
    created_at: Timestamp | None = None


class ApiKeyWithSecret(ApiKey):
    """Returned by create and roll: ``secret`` is the full key, shown this once."""

    secret: str = Field(repr=False)
