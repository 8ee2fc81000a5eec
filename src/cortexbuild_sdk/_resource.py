"""One declarative description per endpoint, served to both the sync and the async client.

A resource method is written once, as a function that *describes* the request (a :class:`RequestSpec`).
The :class:`endpoint` descriptor turns it into a method that executes the description on whichever
client the resource is bound to: ``Webhooks[SyncAPIClient]().retrieve(...)`` returns a ``Webhook``,
``Webhooks[AsyncAPIClient]().retrieve(...)`` returns an awaitable of one. No twin bodies exist.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Concatenate, Generic, TypeVar, overload
from urllib.parse import quote

import pydantic
from typing_extensions import ParamSpec, Self

from ._types import NotGiven, RequestOptions
from ._uploads import Saved, Sink, Upload

if TYPE_CHECKING:
    from ._base_client import AsyncAPIClient, SyncAPIClient
    from .pagination import AsyncNumberedPaginator, AsyncPaginator, SyncNumberedPage, SyncPage

__all__ = [
    "APIResource",
    "NumberedPageSpec",
    "PageSpec",
    "RequestSpec",
    "Saved",
    "Sink",
    "Upload",
    "ack",
    "as_iso",
    "compact",
    "endpoint",
    "paged",
    "paginated",
    "path_id",
    "unwrap",
    "unwrap_list",
    "whole",
    "with_secret",
]

T = TypeVar("T")
P = ParamSpec("P")
ClientT = TypeVar("ClientT", "SyncAPIClient", "AsyncAPIClient")


@dataclass(frozen=True)
class RequestSpec(Generic[T]):
    """Everything needed to make one API call and turn its 2xx body into ``T``."""

    method: str
    path: str
    parse: Callable[[Any], T]
    body: Any = None
    query: Mapping[str, Any] | None = None
    options: RequestOptions = field(default_factory=lambda: RequestOptions())
    files: Mapping[str, Upload] | None = None
    """Multipart file parts; ``body`` then holds the form's text fields instead of JSON."""
    raw: bool = False
    """The 2xx body is not JSON: ``parse`` receives the whole ``httpx.Response`` (read into memory)."""
    sink: Sink | None = None
    """Stream the 2xx body into this path or binary file object; ``parse`` receives a :class:`Saved`."""

    @property
    def transfers_files(self) -> bool:
        return self.files is not None or self.raw or self.sink is not None


@dataclass(frozen=True)
class PageSpec(Generic[T]):
    """A list route: ``{"success": true, "<items_key>": [...], "next_cursor": ...}``."""

    path: str
    items_key: str
    parse_item: Callable[[Any], T]
    query: Mapping[str, Any] | None = None
    options: RequestOptions = field(default_factory=lambda: RequestOptions())


class APIResource(Generic[ClientT]):
    """A group of endpoints bound to one client (sync or async)."""

    def __init__(self, client: ClientT) -> None:
        self._client: ClientT = client


class endpoint(Generic[P, T]):
    """Decorates a request-describing function; the result is a method on sync and async resources."""

    def __init__(self, describe: Callable[Concatenate[Any, P], RequestSpec[T]]) -> None:
        self._describe = describe
        functools.update_wrapper(self, describe)  # type: ignore[arg-type]

    @overload
    def __get__(self, resource: None, owner: type[Any]) -> Self: ...
    @overload
    def __get__(self, resource: APIResource[SyncAPIClient], owner: type[Any]) -> Callable[P, T]: ...
    @overload
    def __get__(self, resource: APIResource[AsyncAPIClient], owner: type[Any]) -> Callable[P, Awaitable[T]]: ...
    def __get__(self, resource: APIResource[Any] | None, owner: type[Any]) -> Any:
        return self if resource is None else _bind(self._describe, resource, resource._client._execute)


class paginated(Generic[P, T]):
    """Like :class:`endpoint`, for list routes: returns a page that iterates every item across pages."""

    def __init__(self, describe: Callable[Concatenate[Any, P], PageSpec[T]]) -> None:
        self._describe = describe
        functools.update_wrapper(self, describe)  # type: ignore[arg-type]

    @overload
    def __get__(self, resource: None, owner: type[Any]) -> Self: ...
    @overload
    def __get__(self, resource: APIResource[SyncAPIClient], owner: type[Any]) -> Callable[P, SyncPage[T]]: ...
    @overload
    def __get__(self, resource: APIResource[AsyncAPIClient], owner: type[Any]) -> Callable[P, AsyncPaginator[T]]: ...
    def __get__(self, resource: APIResource[Any] | None, owner: type[Any]) -> Any:
        return self if resource is None else _bind(self._describe, resource, resource._client._paginate)


@dataclass(frozen=True)
class NumberedPageSpec(Generic[T]):
    """A page-numbered list route: ``{"success": true, "data": [...], "pagination": {"page", "limit",
    "total", "totalPages"}}``, asked for with ``page`` (from 1) and ``limit`` in the query."""

    path: str
    parse_item: Callable[[Any], T]
    query: Mapping[str, Any] | None = None
    options: RequestOptions = field(default_factory=lambda: RequestOptions())
    items_key: str = "data"


class paged(Generic[P, T]):
    """Like :class:`paginated`, for page-numbered list routes: iterating the page walks every later page."""

    def __init__(self, describe: Callable[Concatenate[Any, P], NumberedPageSpec[T]]) -> None:
        self._describe = describe
        functools.update_wrapper(self, describe)  # type: ignore[arg-type]

    @overload
    def __get__(self, resource: None, owner: type[Any]) -> Self: ...
    @overload
    def __get__(self, resource: APIResource[SyncAPIClient], owner: type[Any]) -> Callable[P, SyncNumberedPage[T]]: ...
    @overload
    def __get__(
        self, resource: APIResource[AsyncAPIClient], owner: type[Any]
    ) -> Callable[P, AsyncNumberedPaginator[T]]: ...
    def __get__(self, resource: APIResource[Any] | None, owner: type[Any]) -> Any:
        return self if resource is None else _bind(self._describe, resource, resource._client._paginate_numbered)


def _bind(describe: Callable[..., Any], resource: APIResource[Any], run: Callable[[Any], Any]) -> Any:
    """The bound method: describe the request, then hand the description to the client to run."""

    @functools.wraps(describe)
    def method(*args: Any, **kwargs: Any) -> Any:
        return run(describe(resource, *args, **kwargs))

    return method


def path_id(value: int | str) -> str:
    """Quote an id for a URL path; refuses values that could change the route (``..``, ``/``, empty)."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise TypeError(f"id must be an int or str, not {type(value).__name__}")
    text = str(value)
    if not text or text in {".", ".."}:
        raise ValueError(f"invalid id: {value!r}")
    return quote(text, safe="")


def compact(**fields: Any) -> dict[str, Any]:
    """The given fields minus those left NOT_GIVEN: the body of a partial update."""
    return {key: value for key, value in fields.items() if not isinstance(value, NotGiven)}


M = TypeVar("M", bound=pydantic.BaseModel)


def unwrap(key: str, model: type[M]) -> Callable[[Any], M]:
    """Parse ``body[key]`` (the platform's ``{"success": true, key: {...}}`` envelope) as ``model``."""
    validate = model.model_validate

    def parse(body: Any) -> M:
        return validate(body[key])

    return parse


def unwrap_list(key: str, model: type[M]) -> Callable[[Any], list[M]]:
    validate = model.model_validate

    def parse(body: Any) -> list[M]:
        return [validate(item) for item in body[key]]

    return parse


def with_secret(key: str, model: type[M]) -> Callable[[Any], M]:
    """Parse ``{key: {...}, "secret": "..."}``: the object plus the secret shown only once."""
    validate = model.model_validate

    def parse(body: Any) -> M:
        return validate({**body[key], "secret": body["secret"]})

    return parse


def whole(model: type[M]) -> Callable[[Any], M]:
    """Parse the envelope itself, for routes whose fields sit beside ``success`` (which is dropped: a
    parsed result always succeeded)."""
    validate = model.model_validate

    def parse(body: Any) -> M:
        return validate({key: value for key, value in body.items() if key != "success"})

    return parse


def ack(body: Any) -> None:
    """For ``{"success": true}`` routes: success is not raising."""
    return None


def as_iso(value: datetime | str | int | float | None) -> str | int | float | None:
    """Datetimes go on the wire as ISO-8601 (naive ones are taken as UTC); other forms pass through."""
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).isoformat()
    return value
