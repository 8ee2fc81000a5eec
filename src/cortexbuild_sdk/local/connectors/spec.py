"""What a provider connector is, and what it is given: a :class:`Session` on one integration."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import httpx
from pydantic import BaseModel, ConfigDict

from .base import ProviderError, ProviderRequest
from .local_data import LocalData

__all__ = ["Action", "ActionParams", "Connector", "Mapping_", "Session", "SyncCounts"]

T = TypeVar("T")


class ActionParams(BaseModel):
    """Base of every action's parameters: strict, unknown keys refused (a typo must not be ignored)."""

    model_config = ConfigDict(strict=True, extra="forbid")


@dataclass
class SyncCounts:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    failed: int = 0
    problems: list[str] = field(default_factory=list)
    """One line per failed object, kept on the run's error."""

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "skipped": self.skipped, "failed": self.failed}


@dataclass(frozen=True)
class Mapping_:
    """A local object's provider twin: ``remote_id`` plus the provider's version stamp (``sync_token``)."""

    local_id: str
    remote_id: str
    sync_token: str | None
    local_updated_at: int | None
    remote_updated: str | None


class Session(Protocol):
    """One integration's connection, as a connector sees it (built by ``services.connections``)."""

    @property
    def integration_id(self) -> int: ...

    @property
    def provider(self) -> str: ...

    @property
    def credentials(self) -> Mapping[str, str]: ...

    @property
    def config(self) -> Mapping[str, Any]: ...

    def call(self, req: ProviderRequest[T]) -> T: ...

    def local_data(self) -> LocalData: ...

    def has_local_data(self) -> bool:
        """Whether construction data is bound (syncs that only *add* to it can run without)."""
        ...

    def now(self) -> float:
        """The backend clock, epoch seconds (reminders are due by it)."""
        ...

    def mappings(self, kind: str) -> dict[str, Mapping_]:
        """Every mapping of ``kind``, by local id."""
        ...

    def lookup_mappings(
        self, kind: str, *, local_ids: Iterable[str] = (), remote_ids: Iterable[str] = ()
    ) -> dict[str, Mapping_]:
        """The mappings of ``kind`` whose local id is one of ``local_ids`` or whose remote id is one of
        ``remote_ids``, by local id: O(ids asked), for syncs that read only what changed."""
        ...

    def save_mapping(
        self,
        kind: str,
        local_id: str,
        remote_id: str,
        *,
        sync_token: str | None = None,
        local_updated_at: int | None = None,
        remote_updated: str | None = None,
    ) -> None: ...

    def save_mappings(self, kind: str, rows: list[Mapping_]) -> None:
        """Upsert many mappings in one transaction (a batch's results)."""
        ...

    def delete_mappings(self, kind: str, remote_ids: Iterable[str]) -> None:
        """Forget the mappings of ``kind`` whose remote id is one of ``remote_ids`` (O(ids given))."""
        ...

    def save_record(self, kind: str, remote_id: str, data: Mapping[str, Any]) -> bool:
        """Upsert a typed record pulled from the provider; True when it was new."""
        ...

    def set_config(self, key: str, value: str) -> None:
        """Remember a provider value on the integration's config (e.g. the Drive root folder id)."""
        ...


@dataclass(frozen=True)
class Action:
    """``POST /api/integrations/:id/actions/<name>``: validated ``params`` in, a JSON object out."""

    name: str
    params: type[ActionParams]
    run: Callable[[Session, Any], dict[str, Any]]
    description: str


class Connector(Protocol):
    provider: str
    actions: Mapping[str, Action]

    def read_error(self, response: httpx.Response) -> ProviderError | None: ...

    def auth_headers(self, session: Session, access_token: str | None) -> dict[str, str]:
        """Credential headers; ``access_token`` is the OAuth token when the integration has one."""
        ...

    def test(self, session: Session) -> dict[str, Any]:
        """The provider's cheapest authenticated call: proves the credentials work."""
        ...

    def sync(self, session: Session, counts: SyncCounts) -> None: ...
