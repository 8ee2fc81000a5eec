"""``client.keys``: SDK API keys with scopes, expiry, revocation and rolling."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from typing_extensions import Unpack

from .._resource import (
    APIResource,
    ClientT,
    PageSpec,
    RequestSpec,
    ack,
    as_iso,
    compact,
    endpoint,
    paginated,
    path_id,
    unwrap,
    with_secret,
)
from .._types import NOT_GIVEN, NotGiven, RequestOptions
from ..types.api_key import ApiKey, ApiKeyWithSecret

__all__ = ["Keys"]

_BASE = "/api/sdk/keys"


class Keys(APIResource[ClientT]):
    @paginated
    def list(self, *, limit: int | None = None, **options: Unpack[RequestOptions]) -> PageSpec[ApiKey]:
        """Every API key of the account (prefixes only, never secrets). ``limit`` sets the page size."""
        return PageSpec(_BASE, "keys", ApiKey.model_validate, {"limit": limit}, options)

    @endpoint
    def create(
        self,
        *,
        name: str,
        scopes: Sequence[str],
        expires_at: datetime | str | None = None,
        **options: Unpack[RequestOptions],
    ) -> RequestSpec[ApiKeyWithSecret]:
        """Create a key. Its full ``secret`` is in the result and is never shown again."""
        if isinstance(scopes, str):
            raise TypeError('scopes must be a list, e.g. ["webhooks:write"]')
        body = {"name": name, "scopes": list(scopes), "expires_at": as_iso(expires_at)}
        return RequestSpec("POST", _BASE, with_secret("key", ApiKeyWithSecret), body=body, options=options)

    @endpoint
    def retrieve(self, key_id: int, **options: Unpack[RequestOptions]) -> RequestSpec[ApiKey]:
        """One API key by id (its prefix, scopes and dates; never the secret)."""
        return RequestSpec("GET", f"{_BASE}/{path_id(key_id)}", unwrap("key", ApiKey), options=options)

    @endpoint
    def update(
        self,
        key_id: int,
        *,
        name: str | NotGiven = NOT_GIVEN,
        scopes: Sequence[str] | NotGiven = NOT_GIVEN,
        expires_at: datetime | str | NotGiven | None = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> RequestSpec[ApiKey]:
        """Change only the fields given; ``expires_at=None`` removes the expiry."""
        if isinstance(scopes, str):
            raise TypeError("scopes must be a list")
        body = compact(
            name=name,
            scopes=scopes if isinstance(scopes, NotGiven) else list(scopes),
            expires_at=expires_at if isinstance(expires_at, NotGiven) else as_iso(expires_at),
        )
        return RequestSpec("PATCH", f"{_BASE}/{path_id(key_id)}", unwrap("key", ApiKey), body=body, options=options)

    @endpoint
    def revoke(self, key_id: int, **options: Unpack[RequestOptions]) -> RequestSpec[None]:
        """Revoke at once: the next request with this key gets 401."""
        return RequestSpec("POST", f"{_BASE}/{path_id(key_id)}/revoke", ack, options=options)

    @endpoint
    def roll(self, key_id: int, **options: Unpack[RequestOptions]) -> RequestSpec[ApiKeyWithSecret]:
        """Replace the secret: the old one stops working now; the new one is in the result, once."""
        path = f"{_BASE}/{path_id(key_id)}/roll"
        return RequestSpec("POST", path, with_secret("key", ApiKeyWithSecret), options=options)
