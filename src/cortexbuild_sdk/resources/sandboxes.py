"""``client.sandboxes``: isolated environments seeded with sample construction data."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from typing_extensions import Unpack

from .._resource import (
    APIResource,
    ClientT,
    PageSpec,
    RequestSpec,
    ack,
    compact,
    endpoint,
    paginated,
    path_id,
    unwrap,
    with_secret,
)
from .._types import NOT_GIVEN, NotGiven, RequestOptions
from ..types.sandbox import Sandbox, SandboxWithSecret

__all__ = ["Sandboxes"]

_BASE = "/api/sdk/sandboxes"


class Sandboxes(APIResource[ClientT]):
    @paginated
    def list(self, *, limit: int | None = None, **options: Unpack[RequestOptions]) -> PageSpec[Sandbox]:
        """Every sandbox of the account. ``limit`` sets the page size where the server pages."""
        return PageSpec(_BASE, "sandboxes", Sandbox.model_validate, {"limit": limit}, options)

    @endpoint
    def create(
        self,
        *,
        name: str,
        description: str | None = None,
        config: Mapping[str, Any] | None = None,
        **options: Unpack[RequestOptions],
    ) -> RequestSpec[SandboxWithSecret]:
        """Create a sandbox. ``config`` takes ``sampleDataEnabled``, ``webhooksEnabled`` and
        ``integrationsEnabled``. The result's ``secret`` is the sandbox's ``cbk_test_`` key, shown once."""
        body: dict[str, Any] = {"name": name}
        if description is not None:
            body["description"] = description
        if config is not None:
            body["config"] = dict(config)
        return RequestSpec("POST", _BASE, with_secret("sandbox", SandboxWithSecret), body=body, options=options)

    @endpoint
    def retrieve(self, sandbox_id: int, **options: Unpack[RequestOptions]) -> RequestSpec[Sandbox]:
        """One sandbox by id."""
        return RequestSpec("GET", f"{_BASE}/{path_id(sandbox_id)}", unwrap("sandbox", Sandbox), options=options)

    @endpoint
    def update(
        self,
        sandbox_id: int,
        *,
        name: str | NotGiven = NOT_GIVEN,
        description: str | NotGiven | None = NOT_GIVEN,
        config: Mapping[str, Any] | NotGiven = NOT_GIVEN,
        is_active: bool | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> RequestSpec[Sandbox]:
        """Change only the fields given; ``config`` keys not given keep their values."""
        body = compact(
            name=name,
            description=description,
            config=config if isinstance(config, NotGiven) else dict(config),
            is_active=is_active,
        )
        path = f"{_BASE}/{path_id(sandbox_id)}"
        return RequestSpec("PATCH", path, unwrap("sandbox", Sandbox), body=body, options=options)

    @endpoint
    def delete(self, sandbox_id: int, **options: Unpack[RequestOptions]) -> RequestSpec[None]:
        """Delete the sandbox and its data."""
        return RequestSpec("DELETE", f"{_BASE}/{path_id(sandbox_id)}", ack, options=options)

    @endpoint
    def reset(self, sandbox_id: int, **options: Unpack[RequestOptions]) -> RequestSpec[Sandbox]:
        """Restore the sandbox's data to its initial state."""
        path = f"{_BASE}/{path_id(sandbox_id)}/reset"
        return RequestSpec("POST", path, unwrap("sandbox", Sandbox), options=options)
