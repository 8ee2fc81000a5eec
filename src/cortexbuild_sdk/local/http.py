"""The app's request/response values, its error type and the wire renderings shared by every route."""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ApiError", "LocalRequest", "LocalResponse", "iso", "json_body"]


@dataclass(frozen=True)
class LocalRequest:
    """One request: header names are matched case-insensitively; ``query`` keeps the first value per name."""

    method: str
    path: str
    query: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        value = self.headers.get(name)
        if value is None:
            lowered = name.lower()
            for key, val in self.headers.items():
                if key.lower() == lowered:
                    return val
        return value


@dataclass
class LocalResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


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
