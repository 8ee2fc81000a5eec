from __future__ import annotations

from typing import Literal

from pydantic import Field

from .._models import BaseModel, JsonObject, Timestamp

__all__ = ["Integration", "OAuthAuthorization", "OAuthRefresh", "Provider", "SyncStatus"]

SyncStatus = Literal["idle", "syncing", "success", "error"] | str
"""One of the four documented states; an unknown state from a newer server is kept as its string."""


class Integration(BaseModel):
    """A third-party integration. ``credentials`` are write-only: the server never returns them."""

    id: int
    user_id: str | None = None
    company_id: str | None = None
    provider: str
    name: str
    config: JsonObject = Field(default_factory=dict)
    is_active: bool = True
    last_sync_at: Timestamp | None = None
    sync_status: SyncStatus = "idle"
    has_credentials: bool = Field(default=False, alias="hasCredentials")
    error: str | None = None
    """Set when the provider revoked the grant (``invalid_grant``): reconnect through OAuth."""
    created_at: Timestamp | None = None
    updated_at: Timestamp | None = None


class Provider(BaseModel):
    id: str
    name: str
    requires_oauth: bool = Field(default=False, alias="requiresOAuth")


class OAuthAuthorization(BaseModel):
    """Send the user to ``authorization_url``; the provider redirects back with ``code`` and ``state``."""

    authorization_url: str
    state: str


class OAuthRefresh(BaseModel):
    expires_at: Timestamp | None = None
