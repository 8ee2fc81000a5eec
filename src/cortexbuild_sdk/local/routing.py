"""A declarative route table and its matcher.

Literal segments beat ``:params`` at the same position (``/api/integrations/webhooks/list`` wins over
``/api/integrations/:id``). A path that matches some route but not the method answers 405 with ``Allow``.
Params named ``id`` or ``*_id`` must be positive integers (else 400); others are strings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import KW_ONLY, dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from .http import ApiError, RawResponse, RequestBody

if TYPE_CHECKING:
    from .services.context import Ctx, Runtime

__all__ = ["Call", "RawBody", "Route", "Router", "StreamedBody"]

_MAX_ID = 2**63 - 1
_INT = re.compile(r"^[0-9]{1,19}$")


@dataclass(frozen=True)
class Call:
    """What a handler gets: who/where (``ctx``), path params, query and the parsed JSON body (or None)."""

    ctx: Ctx
    params: Mapping[str, Any]
    query: Mapping[str, str]
    body: Any


Handler = Callable[[Call], "tuple[int, dict[str, Any] | RawResponse]"]


class StreamedBody(Protocol):
    """What a raw-body route's reader makes of the stream (the handler gets it as ``call.body``)."""

    def fingerprint(self) -> Any:
        """A JSON-able summary that identifies the request's content (for ``Idempotency-Key`` matching)."""

    def close(self) -> None:
        """Discard whatever the handler did not keep (the app calls this once the handler is done)."""


@dataclass(frozen=True)
class RawBody:
    """A route that takes its body unparsed: ``limit(ctx)`` bytes at most (checked against Content-Length
    before reading and while streaming), turned into a :class:`StreamedBody` by ``read``."""

    limit: Callable[[Ctx], int]
    read: Callable[[Ctx, RequestBody], StreamedBody]
    max_limit: Callable[[Runtime], int]
    """The largest ``limit`` any caller gets: bodies over it are refused before authentication."""
    overhead: int = 0
    """Bytes allowed beyond ``limit`` for the body's envelope (multipart boundaries and text fields)."""


@dataclass(frozen=True)
class Route:
    """One row of the route table: ``Route("GET", "/api/x/:id", handler, scope="x:read", group="x")``."""

    method: str
    pattern: str
    handler: Handler
    _: KW_ONLY
    scope: str  # the API-key scope the route needs
    group: str  # the rate-limit group it counts against
    live_only: bool = False  # refused to sandbox keys
    integrations: bool = False  # an integration route (with integrationsEnabled false, connectors log, not send)
    takes_body: bool = False
    raw_body: RawBody | None = None  # set: the body is streamed to raw_body.read, not parsed as JSON
    segments: tuple[str, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "segments", tuple(self.pattern.strip("/").split("/")))


class Router:
    def __init__(self, routes: Iterable[Route]) -> None:
        self.routes = tuple(routes)
        table: dict[tuple[str, ...], dict[str, Route]] = {}
        for route in self.routes:
            methods = table.setdefault(route.segments, {})
            if route.method in methods:
                raise ValueError(f"duplicate route {route.method} {route.pattern}")
            methods[route.method] = route
        by_len: dict[int, list[tuple[tuple[str, ...], dict[str, Route]]]] = {}
        for segs, methods in table.items():
            by_len.setdefault(len(segs), []).append((segs, methods))
        for entries in by_len.values():  # most literal first, position by position
            entries.sort(key=lambda e: tuple(0 if s.startswith(":") else 1 for s in e[0]), reverse=True)
        self._by_len = by_len
        self._cache: dict[tuple[str, str], tuple[Route, dict[str, Any]]] = {}

    def match(self, method: str, path: str) -> tuple[Route, dict[str, Any]]:
        hit = self._cache.get((method, path))
        if hit is not None:
            return hit[0], dict(hit[1])
        found = self._match(method, path)
        if len(self._cache) >= 4096:  # bounded: ids make paths unbounded
            self._cache.clear()
        self._cache[(method, path)] = found
        return found[0], dict(found[1])

    def _match(self, method: str, path: str) -> tuple[Route, dict[str, Any]]:
        parts = path.strip("/").split("/")
        for segs, methods in self._by_len.get(len(parts), ()):
            if all(s == p or (s[0] == ":" and p) for s, p in zip(segs, parts, strict=True)):
                route = methods.get(method.upper())
                if route is None:
                    allow = ", ".join(sorted({*methods, "HEAD"} if "GET" in methods else methods))
                    raise ApiError(
                        405,
                        "method_not_allowed",
                        f"{method} is not allowed on {path}; allowed: {allow}",
                        headers={"allow": allow},
                    )
                return route, _params(segs, parts)
        raise ApiError(404, "not_found", f"no route for {method} {path}")


def _params(segs: tuple[str, ...], parts: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for seg, part in zip(segs, parts, strict=True):
        if seg[0] != ":":
            continue
        name = seg[1:]
        if name == "id" or name.endswith("_id"):
            if not _INT.match(part) or not 0 < int(part) <= _MAX_ID:
                raise ApiError(
                    400,
                    "validation_error",
                    f"{name} must be a positive integer, got {part!r}",
                    details=[{"field": name, "message": "must be a positive integer"}],
                )
            out[name] = int(part)
        else:
            out[name] = part
    return out
