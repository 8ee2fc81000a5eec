"""One declarative description per endpoint, served to both the sync and the async client.

A resource method is written once, as a function that *describes* the request (a :class:`RequestSpec`).
The :class:`endpoint` descriptor turns it into a method that executes the description on whichever
client the resource is bound to: ``Webhooks[SyncAPIClient]().retrieve(...)`` returns a ``Webhook``,
``Webhooks[AsyncAPIClient]().retrieve(...)`` returns an awaitable of one. No twin bodies exist.
"""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Any, Concatenate, Generic, TypeVar, overload
from urllib.parse import quote

import pydantic
from typing_extensions import ParamSpec, Self

from ._types import NotGiven, RequestOptions, check_max_retries
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


class _Described:
    """What :class:`endpoint` and :class:`paginated` share: the method's real signature and docstring.

    ``inspect.signature``, ``help()`` and IDEs see the parameters of the describing function and the type the
    call returns on the bound client (``Webhook``, ``Awaitable[Webhook]``, ``SyncPage[Webhook]``...), not the
    ``RequestSpec`` it builds. Calling the descriptor on a resource (``Webhooks.retrieve(resource, 1)``) runs it.
    """

    _describe: Callable[..., Any]
    _runner: str  # the client method that runs the description: "_execute" or "_paginate"

    def _setup(self, describe: Callable[..., Any]) -> None:
        self._describe = describe
        self._name = describe.__name__
        functools.update_wrapper(self, describe)

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self._name = name

    def __getattr__(self, name: str) -> Any:
        # Computed on first use (``help()``, ``inspect``), so defining a resource costs no introspection.
        if name == "__signature__":
            from ._base_client import SyncAPIClient  # the class-level view shows what the sync client returns

            returns = _returns(SyncAPIClient, self._runner)
            signature = _signature(self._describe, _spec_item(self._describe), returns, bound=False)
            self.__dict__["__signature__"] = signature
            return signature
        raise AttributeError(name)

    def __call__(self, resource: APIResource[Any], /, *args: Any, **kwargs: Any) -> Any:
        return self._method(resource)(*args, **kwargs)

    def _method(self, resource: APIResource[Any]) -> Any:
        method = _bind(self._describe, resource, getattr(resource._client, self._runner))
        resource.__dict__[self._name] = method  # later lookups skip the descriptor: no per-call rebinding
        return method


class endpoint(_Described, Generic[P, T]):
    """Decorates a request-describing function; the result is a method on sync and async resources."""

    _runner = "_execute"

    def __init__(self, describe: Callable[Concatenate[Any, P], RequestSpec[T]]) -> None:
        self._setup(describe)

    @overload
    def __get__(self, resource: None, owner: type[Any]) -> Self: ...
    @overload
    def __get__(self, resource: APIResource[SyncAPIClient], owner: type[Any]) -> Callable[P, T]: ...
    @overload
    def __get__(self, resource: APIResource[AsyncAPIClient], owner: type[Any]) -> Callable[P, Awaitable[T]]: ...
    def __get__(self, resource: APIResource[Any] | None, owner: type[Any]) -> Any:
        return self if resource is None else self._method(resource)


class paginated(_Described, Generic[P, T]):
    """Like :class:`endpoint`, for list routes: returns a page that iterates every item across pages."""

    _runner = "_paginate"

    def __init__(self, describe: Callable[Concatenate[Any, P], PageSpec[T]]) -> None:
        self._setup(describe)

    @overload
    def __get__(self, resource: None, owner: type[Any]) -> Self: ...
    @overload
    def __get__(self, resource: APIResource[SyncAPIClient], owner: type[Any]) -> Callable[P, SyncPage[T]]: ...
    @overload
    def __get__(self, resource: APIResource[AsyncAPIClient], owner: type[Any]) -> Callable[P, AsyncPaginator[T]]: ...
    def __get__(self, resource: APIResource[Any] | None, owner: type[Any]) -> Any:
        return self if resource is None else self._method(resource)


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


_OPTION_NAMES = frozenset(RequestOptions.__annotations__)


def _bind(describe: Callable[..., Any], resource: APIResource[Any], run: Callable[[Any], Any]) -> Any:
    """The bound method: describe the request, then hand the description to the client to run. Its signature
    is the describing function's, returning what ``run`` returns (so any descriptor built on this gets it)."""

    @functools.wraps(describe)
    def method(*args: Any, **kwargs: Any) -> Any:
        spec = describe(resource, *args, **kwargs)
        if spec.options and not _OPTION_NAMES.issuperset(spec.options):  # a misspelt or unknown parameter
            unknown = sorted(set(spec.options) - _OPTION_NAMES)
            raise TypeError(f"{describe.__qualname__}() got an unexpected keyword argument {unknown[0]!r}")
        if "max_retries" in spec.options:
            check_max_retries(spec.options["max_retries"])
        return run(spec)

    method.__signature__ = _bound_signature(describe, run)  # type: ignore[attr-defined]
    return method


_BOUND_SIGNATURES: dict[tuple[Callable[..., Any], type[Any], str], inspect.Signature] = {}


def _bound_signature(describe: Callable[..., Any], run: Callable[[Any], Any]) -> inspect.Signature:
    client_type, runner = type(getattr(run, "__self__", None)), getattr(run, "__name__", "")
    key = (describe, client_type, runner)
    signature = _BOUND_SIGNATURES.get(key)
    if signature is None:
        try:
            returns = _returns(client_type, runner)
        except Exception:  # not a client method with a resolvable annotation: show the item type
            returns = _ANY_ITEM
        signature = _signature(describe, _spec_item(describe), returns, bound=True)
        _BOUND_SIGNATURES[key] = signature
    return signature


def _spec_item(describe: Callable[..., Any]) -> Any:
    """``Webhook`` from a describing function annotated ``-> RequestSpec[Webhook]`` (as text if unresolvable)."""
    annotation = describe.__annotations__.get("return", Any)
    if isinstance(annotation, str):
        try:
            annotation = eval(annotation, describe.__globals__)  # the module's own annotation text
        except Exception:
            inner = annotation.partition("[")[2].rpartition("]")[0]
            return inner or Any
    args = typing.get_args(annotation)
    return None if args and args[0] is type(None) else (args[0] if args else Any)


_RETURNS: dict[tuple[type[Any], str], Any] = {}


def _returns(client_type: type[Any], runner: str) -> Any:
    """What ``client_type.<runner>`` returns for an item type ``T`` (``T``, ``SyncPage[T]``...), awaitable
    when it is a coroutine function; the item is substituted by :func:`_signature`."""
    key = (client_type, runner)
    if key not in _RETURNS:
        run = getattr(client_type, runner)
        hint = typing.get_type_hints(run).get("return", Any)
        _RETURNS[key] = Awaitable[hint] if inspect.iscoroutinefunction(run) else hint  # type: ignore[valid-type]
    return _RETURNS[key]


_ANY_ITEM = TypeVar("_ANY_ITEM")


def _substitute(hint: Any, item: Any) -> Any:
    if isinstance(hint, TypeVar):
        return item
    if getattr(hint, "__parameters__", ()):
        return _substitute_args(hint, item)
    return hint


def _substitute_args(hint: Any, item: Any) -> Any:
    params = hint.__parameters__
    if len(params) != 1:
        return hint
    try:
        return hint[item]
    except TypeError:
        return hint


def _signature(describe: Callable[..., Any], item: Any, returns: Any, *, bound: bool) -> inspect.Signature:
    """The describing function's parameters (``self`` dropped when bound) with the call's real return type."""
    try:
        signature = inspect.signature(describe, eval_str=True)
    except Exception:  # an annotation naming a TYPE_CHECKING-only import: keep the text
        signature = inspect.signature(describe)
    params = list(signature.parameters.values())
    if bound:
        params = params[1:]
    return_annotation = _substitute(returns, item)
    return signature.replace(parameters=params, return_annotation=return_annotation)


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


class Unwrap(Generic[M]):
    """Parses ``body[key]`` as ``model``. A class rather than a closure so that the engine can recognise it
    and read the object straight from the response bytes (see ``BaseClient._parse``)."""

    __slots__ = ("key", "model")

    def __init__(self, key: str, model: type[M]) -> None:
        self.key = key
        self.model = model

    def __call__(self, body: Any) -> M:
        return self.model.model_validate(body[self.key])


def unwrap(key: str, model: type[M]) -> Callable[[Any], M]:
    """Parse ``body[key]`` (the platform's ``{"success": true, key: {...}}`` envelope) as ``model``."""
    return Unwrap(key, model)


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
    """Datetimes go on the wire as ISO-8601 (naive ones are taken as UTC); other forms pass through, except a
    bare ``date``, refused with a clear ``TypeError`` (JSON encoding would fail on it less clearly)."""
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).isoformat()
    if isinstance(value, date):
        raise TypeError("pass a datetime, not a date: a date has no time of day (use datetime.combine(day, time))")
    return value
