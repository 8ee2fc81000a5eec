"""``CortexBuild`` and ``AsyncCortexBuild``: configuration, resources, local mode and lifecycle."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Mapping
from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, cast

import httpx
from typing_extensions import Self, Unpack

from ._base_client import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT, AsyncAPIClient, BaseClient, SyncAPIClient
from ._exceptions import CortexBuildError
from ._resource import ClientT
from ._types import NOT_GIVEN, NotGiven, Timeout

if TYPE_CHECKING:
    from .local import Backend
    from .local.backend import BackendOptions
    from .resources.clients import Clients
    from .resources.documents import Documents
    from .resources.integrations import Integrations
    from .resources.invoices import Invoices
    from .resources.keys import Keys
    from .resources.marketplace import Marketplace
    from .resources.plan import PlanResource
    from .resources.projects import Projects
    from .resources.purchase_orders import PurchaseOrders
    from .resources.rfis import Rfis
    from .resources.sandboxes import Sandboxes
    from .resources.tasks import Tasks
    from .resources.time_entries import TimeEntries
    from .resources.usage import Usage
    from .resources.webhooks import Webhooks

__all__ = ["DEFAULT_BASE_URL", "LOCAL_BASE_URL", "AsyncCortexBuild", "CortexBuild"]

DEFAULT_BASE_URL = "http://localhost:3001"
LOCAL_BASE_URL = "http://cortexbuild.local"
"""The local transport never opens a socket; this host only names the in-process backend."""


class _ClientMixin(Generic[ClientT]):
    """Everything the two clients share: resources (imported lazily), options, local mode."""

    api_key: str
    base_url: str
    timeout: Timeout
    max_retries: int
    backend: Backend | None
    _default_headers: dict[str, str]
    _http: Any
    _owns_http: bool
    _owns_backend: bool

    def _client(self) -> ClientT:
        return cast(ClientT, self)

    @cached_property
    def integrations(self) -> Integrations[ClientT]:
        from .resources.integrations import Integrations

        return Integrations(self._client())

    @cached_property
    def webhooks(self) -> Webhooks[ClientT]:
        from .resources.webhooks import Webhooks

        return Webhooks(self._client())

    @cached_property
    def keys(self) -> Keys[ClientT]:
        from .resources.keys import Keys

        return Keys(self._client())

    @cached_property
    def sandboxes(self) -> Sandboxes[ClientT]:
        from .resources.sandboxes import Sandboxes

        return Sandboxes(self._client())

    @cached_property
    def plan(self) -> PlanResource[ClientT]:
        from .resources.plan import PlanResource

        return PlanResource(self._client())

    @cached_property
    def usage(self) -> Usage[ClientT]:
        from .resources.usage import Usage

        return Usage(self._client())

    @cached_property
    def marketplace(self) -> Marketplace[ClientT]:
        from .resources.marketplace import Marketplace

        return Marketplace(self._client())

    # The construction objects (CONTRACT.md, "Construction domain").
    @cached_property
    def projects(self) -> Projects[ClientT]:
        from .resources.projects import Projects

        return Projects(self._client())

    @cached_property
    def tasks(self) -> Tasks[ClientT]:
        from .resources.tasks import Tasks

        return Tasks(self._client())

    @cached_property
    def rfis(self) -> Rfis[ClientT]:
        from .resources.rfis import Rfis

        return Rfis(self._client())

    @cached_property
    def invoices(self) -> Invoices[ClientT]:
        from .resources.invoices import Invoices

        return Invoices(self._client())

    @cached_property
    def clients(self) -> Clients[ClientT]:
        from .resources.clients import Clients

        return Clients(self._client())

    @cached_property
    def documents(self) -> Documents[ClientT]:
        from .resources.documents import Documents

        return Documents(self._client())

    @cached_property
    def time_entries(self) -> TimeEntries[ClientT]:
        from .resources.time_entries import TimeEntries

        return TimeEntries(self._client())

    @cached_property
    def purchase_orders(self) -> PurchaseOrders[ClientT]:
        from .resources.purchase_orders import PurchaseOrders

        return PurchaseOrders(self._client())

    def __repr__(self) -> str:
        # Never the key: reprs end up in logs and tracebacks.
        if self.backend is not None:
            return f"{type(self).__name__}(mode='local', backend={self.backend!r})"
        return f"{type(self).__name__}(mode='remote', base_url={self.base_url!r})"

    def with_options(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        max_retries: int | None = None,
        default_headers: Mapping[str, str] | None = None,
    ) -> Self:
        """A copy with some options changed. It shares this client's connection pool and local backend,
        which is how a script acts as another API key or inside a sandbox."""
        copy = type(self)(
            api_key=api_key or self.api_key,
            base_url=base_url or self.base_url,
            timeout=self.timeout if isinstance(timeout, NotGiven) else timeout,
            max_retries=self.max_retries if max_retries is None else max_retries,
            default_headers={**self._default_headers, **(default_headers or {})},
            http_client=self._http,
        )
        copy.backend = self.backend
        return copy

    @classmethod
    def local(
        cls,
        path: str | os.PathLike[str] | None = None,
        *,
        backend: Backend | None = None,
        api_key: str | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        **backend_options: Unpack[BackendOptions],
    ) -> Self:
        """A client served in-process by the embedded SQLite backend: no server, no sockets.

        ``path`` persists the store in a file; without it the store is a throwaway one. Pass ``backend``
        to share one backend between several clients (the client then does not close it). Other keyword
        arguments configure a new :class:`~cortexbuild_sdk.local.Backend` (``tier``, ``clock``...).
        """
        from .local import Backend

        owns_backend = backend is None
        if backend is None:
            backend = Backend(path, **backend_options)
        elif path is not None or backend_options:
            raise TypeError("pass either backend= or the options to build one, not both")
        client = cls(
            api_key=api_key or backend.owner_api_key,
            base_url=LOCAL_BASE_URL,
            max_retries=max_retries,
            http_client=cls._local_http_client(backend),
        )
        client._owns_http = True
        client.backend = backend
        client._owns_backend = owns_backend
        return client

    @staticmethod
    def _local_http_client(backend: Backend) -> Any:
        raise NotImplementedError

    def _configure(
        self,
        *,
        api_key: str | None,
        base_url: str | None,
        timeout: Timeout,
        max_retries: int,
        default_headers: Mapping[str, str] | None,
        http_client: Any,
        new_http: Callable[[], Any],
    ) -> None:
        """The body of both constructors; each keeps its own signature, typed for its own httpx client."""
        BaseClient.__init__(
            cast(BaseClient, self),
            api_key=_resolve_api_key(api_key),
            base_url=_resolve_base_url(base_url),
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
        )
        self._owns_http = http_client is None
        self._http = http_client or new_http()
        self.backend = None
        self._owns_backend = False

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
        http_client: Any = None,
    ) -> None:
        raise NotImplementedError  # each client defines it; declared here for with_options/local


def _resolve_api_key(api_key: str | None) -> str:
    key = api_key if api_key is not None else os.environ.get("CORTEXBUILD_API_KEY")
    if not key:
        raise CortexBuildError(
            "No API key: pass api_key=... or set the CORTEXBUILD_API_KEY environment variable "
            "(or use CortexBuild.local() for the embedded backend, which needs none)."
        )
    return key


def _resolve_base_url(base_url: str | None) -> str:
    return base_url or os.environ.get("CORTEXBUILD_BASE_URL") or DEFAULT_BASE_URL


class CortexBuild(_ClientMixin[SyncAPIClient], SyncAPIClient):
    """The synchronous client.

    >>> client = CortexBuild(api_key="cbk_live_...")          # doctest: +SKIP
    >>> for hook in client.webhooks.list(): print(hook.name)  # doctest: +SKIP
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx.Client | None = None,
    ) -> None:
        self._configure(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            http_client=http_client,
            new_http=lambda: httpx.Client(timeout=timeout),
        )

    @staticmethod
    def _local_http_client(backend: Backend) -> httpx.Client:
        return httpx.Client(transport=backend.transport())

    def close(self) -> None:
        """Close the connection pool (if this client created it) and an owned local backend."""
        if self._owns_http:
            self._http.close()
        if self._owns_backend and self.backend is not None:
            self.backend.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class AsyncCortexBuild(_ClientMixin[AsyncAPIClient], AsyncAPIClient):
    """The asyncio client: the same resources as :class:`CortexBuild`, every method awaitable."""

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        self._configure(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            http_client=http_client,
            new_http=lambda: httpx.AsyncClient(timeout=timeout),
        )

    @staticmethod
    def _local_http_client(backend: Backend) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=backend.async_transport())

    async def close(self) -> None:
        """Close the connection pool (if this client created it) and an owned local backend."""
        if self._owns_http:
            await self._http.aclose()
        if self._owns_backend and self.backend is not None:
            await asyncio.to_thread(self.backend.close)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()
