"""``client.integrations``: third-party integrations, their providers and OAuth connections."""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from functools import cached_property
from typing import Any

from typing_extensions import Unpack

from .._resource import (
    APIResource,
    ClientT,
    PageSpec,
    RequestSpec,
    ack,
    endpoint,
    paginated,
    path_id,
    unwrap,
    unwrap_list,
    whole,
)
from .._types import RequestOptions
from ..types.integration import Integration, OAuthAuthorization, OAuthRefresh, Provider

__all__ = ["Integrations", "IntegrationsOAuth"]

_BASE = "/api/integrations"


class Integrations(APIResource[ClientT]):
    @paginated
    def list(self, *, limit: int | None = None, **options: Unpack[RequestOptions]) -> PageSpec[Integration]:
        """Every integration of the account. ``limit`` sets the page size where the server pages."""
        return PageSpec(f"{_BASE}/list", "integrations", Integration.model_validate, {"limit": limit}, options)

    @endpoint
    def retrieve(self, integration_id: int, **options: Unpack[RequestOptions]) -> RequestSpec[Integration]:
        """One integration by id."""
        return RequestSpec(
            "GET", f"{_BASE}/{path_id(integration_id)}", unwrap("integration", Integration), options=options
        )

    @endpoint
    def create(
        self,
        *,
        provider: str,
        name: str,
        credentials: Mapping[str, Any] | None = None,
        config: Mapping[str, Any] | None = None,
        **options: Unpack[RequestOptions],
    ) -> RequestSpec[Integration]:
        """Create an integration. ``credentials`` are encrypted at rest and never returned."""
        body: dict[str, Any] = {"provider": provider, "name": name, "credentials": dict(credentials or {})}
        if config is not None:
            body["config"] = dict(config)
        return RequestSpec("POST", _BASE, unwrap("integration", Integration), body=body, options=options)

    @endpoint
    def update_status(
        self, integration_id: int, *, is_active: bool, **options: Unpack[RequestOptions]
    ) -> RequestSpec[None]:
        """Activate or deactivate. Activating counts against the plan's active-integration limit."""
        path = f"{_BASE}/{path_id(integration_id)}/status"
        return RequestSpec("PATCH", path, ack, body={"is_active": is_active}, options=options)

    @endpoint
    def sync(self, integration_id: int, **options: Unpack[RequestOptions]) -> RequestSpec[str]:
        """Start a sync; returns the server's message (``"Sync started"``)."""
        path = f"{_BASE}/{path_id(integration_id)}/sync"
        return RequestSpec("POST", path, lambda body: str(body.get("message", "")), options=options)

    @endpoint
    def delete(self, integration_id: int, **options: Unpack[RequestOptions]) -> RequestSpec[None]:
        """Disconnect the integration and forget its stored credentials."""
        return RequestSpec("DELETE", f"{_BASE}/{path_id(integration_id)}", ack, options=options)

    @endpoint
    def providers(self, **options: Unpack[RequestOptions]) -> RequestSpec[builtins.list[Provider]]:
        """The provider catalogue, with which ones connect through OAuth."""
        path = f"{_BASE}/providers/available"
        return RequestSpec("GET", path, unwrap_list("providers", Provider), options=options)

    @cached_property
    def oauth(self) -> IntegrationsOAuth[ClientT]:
        return IntegrationsOAuth(self._client)


class IntegrationsOAuth(APIResource[ClientT]):
    """``client.integrations.oauth``: connect an integration through the provider's OAuth flow."""

    @endpoint
    def authorize(
        self, provider: str, *, redirect_uri: str, name: str, **options: Unpack[RequestOptions]
    ) -> RequestSpec[OAuthAuthorization]:
        """Start the flow: send the user to ``authorization_url``, then call :meth:`callback`."""
        path = f"{_BASE}/oauth/{path_id(provider)}/authorize"
        query = {"redirect_uri": redirect_uri, "name": name}
        return RequestSpec("GET", path, whole(OAuthAuthorization), query=query, options=options)

    @endpoint
    def callback(
        self, provider: str, *, code: str, state: str, **options: Unpack[RequestOptions]
    ) -> RequestSpec[Integration]:
        """Finish the flow with the ``code`` and ``state`` the provider redirected back with."""
        path = f"{_BASE}/oauth/{path_id(provider)}/callback"
        body = {"code": code, "state": state}
        return RequestSpec("POST", path, unwrap("integration", Integration), body=body, options=options)

    @endpoint
    def refresh(self, integration_id: int, **options: Unpack[RequestOptions]) -> RequestSpec[OAuthRefresh]:
        """Refresh the access token now (the backend also refreshes before expiry on its own)."""
        path = f"{_BASE}/{path_id(integration_id)}/oauth/refresh"
        return RequestSpec("POST", path, whole(OAuthRefresh), options=options)
