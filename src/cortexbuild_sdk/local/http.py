"""The app's request/response values, its error type and the wire renderings shared by every route."""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from . import errors

__all__ = ["ApiError", "LocalRequest", "LocalResponse", "RawResponse", "RequestBody", "iso", "json_body"]


@dataclass(frozen=True)
class LocalRequest:
    """One request: header names are matched case-insensitively; ``query`` keeps the first value per name."""

    method: str
    path: str
    query: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    stream: Iterable[bytes] | None = None
    """When set, the body is read from here in chunks (``body`` is then ignored): transports and servers pass
    large bodies through without buffering them."""

    def header(self, name: str) -> str | None:
        value = self.headers.get(name)
        if value is None:
            lowered = name.lower()
            for key, val in self.headers.items():
                if key.lower() == lowered:
                    return val
        return value

    def content_length(self) -> int | None:
        """The declared ``Content-Length`` (None when absent); a malformed value is a 400."""
        raw = self.header("content-length")
        if raw is None:
            return None
        raw = raw.strip()
        if not (raw.isascii() and raw.isdigit()) or len(raw) > 19:
            raise ApiError(400, "validation_error", f"malformed Content-Length header {raw[:40]!r}")
        return int(raw)

    def chunks(self) -> Iterator[bytes]:
        if self.stream is None:
            if self.body:
                yield self.body
            return
        for chunk in self.stream:
            if chunk:
                yield chunk


@dataclass
class RequestBody:
    """A raw request body for routes that take it unparsed, read once, in chunks, never past ``limit`` bytes
    (:class:`~.errors.TooLarge` with the limit in ``details`` as soon as it would be)."""

    content_type: str | None
    content_length: int | None
    limit: int
    source: Iterable[bytes]
    details: Mapping[str, Any] = field(default_factory=dict)
    received: int = 0

    def chunks(self) -> Iterator[bytes]:
        for chunk in self.source:
            self.received += len(chunk)
            if self.received > self.limit:
                raise self.too_large()
            yield chunk

    def too_large(self, size: int | None = None) -> errors.TooLarge:
        """413: ``details.limit`` is the route's own limit (``details`` may name a smaller content limit than
        the bytes read, which include the envelope: multipart boundaries and fields)."""
        details = {"limit": self.limit, **self.details}
        tier = details.get("tier")
        shown = f"{size} bytes" if size is not None else f"over {self.limit} bytes"
        whose = f" on the {tier} tier" if tier else ""
        return errors.TooLarge(
            f"request body is {shown}; the limit{whose} is {details['limit']} bytes", details=details
        )


@dataclass
class RawResponse:
    """What a handler returns to answer bytes (or chunks) with their own content type instead of JSON."""

    content_type: str
    body: bytes | Iterable[bytes]
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class LocalResponse:
    status: int
    headers: dict[str, str]
    body: bytes
    stream: Iterable[bytes] | None = None
    """When set, the body is these chunks (``body`` is then empty): large downloads are never buffered."""

    def json(self) -> Any:
        return json.loads(self.body)

    def read(self) -> bytes:
        return self.body if self.stream is None else b"".join(self.stream)


class ApiError(Exception):
    """An error answered to the caller as ``{"success": false, "error", "code", "details"?}``."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        details: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = dict(headers or {})

    def payload(self) -> dict[str, Any]:
        out: dict[str, Any] = {"success": False, "error": self.message, "code": self.code}
        if self.details is not None:
            out["details"] = self.details
        return out


def not_found(what: str, ident: object) -> ApiError:
    return ApiError(404, "not_found", f"{what} {ident} not found")


def validation(message: str, *, details: Any = None) -> ApiError:
    return ApiError(400, "validation_error", message, details=details)


def iso(ms: int | None) -> str | None:
    """Epoch milliseconds -> ``2025-10-09T12:00:00.000Z`` (None stays None)."""
    if ms is None:
        return None
    return _iso(ms)


@functools.lru_cache(maxsize=4096)  # rows carry the same few timestamps over and over
def _iso(ms: int) -> str:
    secs, rem = divmod(int(ms), 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(secs)) + f".{rem:03d}Z"


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def json_body(payload: Any) -> bytes:
    # backslashreplace: a lone surrogate (only ever in an echoed path or header: bodies and queries are
    # checked on the way in) is written as its \\uXXXX escape instead of failing to encode.
    return _ENCODER.encode(payload).encode("utf-8", "backslashreplace")
