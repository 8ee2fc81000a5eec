"""The SDK's error tree. Everything the client raises derives from :class:`CortexBuildError`."""

from __future__ import annotations

from typing import Any

import httpx

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "CortexBuildError",
    "InternalServerError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "UnprocessableEntityError",
]


class CortexBuildError(Exception):
    """Base class of every error raised by this SDK."""


class APIError(CortexBuildError):
    """An error tied to one HTTP request."""

    message: str
    request: httpx.Request
    body: object | None
    """The decoded JSON body of the error response, or its text, or None."""

    def __init__(self, message: str, request: httpx.Request, *, body: object | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.request = request
        self.body = body


class APIConnectionError(APIError):
    """The request never got a response: DNS, refused connection, reset, TLS..."""

    def __init__(self, request: httpx.Request, *, message: str = "Connection error.") -> None:
        super().__init__(message, request)


class APITimeoutError(APIConnectionError):
    """The request timed out (after any retries)."""

    def __init__(self, request: httpx.Request) -> None:
        super().__init__(request, message="Request timed out.")


class APIResponseValidationError(APIError):
    """The server answered 2xx with a body that does not match the documented shape."""

    response: httpx.Response
    status_code: int

    def __init__(self, response: httpx.Response, body: object | None, *, message: str) -> None:
        super().__init__(message, response.request, body=body)
        self.response = response
        self.status_code = response.status_code


class APIStatusError(APIError):
    """The server answered 4xx or 5xx."""

    response: httpx.Response
    status_code: int
    code: str | None
    """The machine-readable code (``not_found``, ``plan_limit_exceeded``...), when the server sends one."""
    details: Any
    request_id: str | None

    def __init__(self, message: str, *, response: httpx.Response, body: object | None) -> None:
        super().__init__(message, response.request, body=body)
        self.response = response
        self.status_code = response.status_code
        self.request_id = response.headers.get("x-request-id")
        self.code = None
        self.details = None
        if isinstance(body, dict):
            code = body.get("code")
            self.code = code if isinstance(code, str) else None
            self.details = body.get("details")

    def __str__(self) -> str:
        parts = [f"{self.status_code}"]
        if self.code:
            parts.append(f"[{self.code}]")
        parts.append(self.message)
        if self.request_id:
            parts.append(f"(request id {self.request_id})")
        return " ".join(parts)


class BadRequestError(APIStatusError):
    """400: the request was malformed."""


class AuthenticationError(APIStatusError):
    """401: the API key is missing, unknown, revoked or expired."""


class PermissionDeniedError(APIStatusError):
    """403: the key lacks a scope, or the plan does not allow the operation."""


class NotFoundError(APIStatusError):
    """404: no such resource for this account."""


class ConflictError(APIStatusError):
    """409: the request conflicts with the resource's current state."""


class UnprocessableEntityError(APIStatusError):
    """422: the request was well-formed but invalid."""


class RateLimitError(APIStatusError):
    """429: too many requests; ``retry_after`` tells how long to wait, when the server says."""

    @property
    def retry_after(self) -> float | None:
        """Seconds the server asked to wait (from ``Retry-After`` in seconds or as a date, or ``Retry-After-Ms``)."""
        from ._retry_after import parse_retry_after

        return parse_retry_after(self.response.headers)


class InternalServerError(APIStatusError):
    """5xx: the server failed."""


_STATUS_ERRORS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def make_status_error(response: httpx.Response) -> APIStatusError:
    """Build the typed error for an error response, taking the message from its ``error`` field."""
    body: object | None
    try:
        body = response.json()
    except ValueError:
        body = response.text or None
    message = _message_from(body) or f"HTTP {response.status_code} {response.reason_phrase}".strip()
    if response.status_code >= 500:
        cls: type[APIStatusError] = InternalServerError
    else:
        cls = _STATUS_ERRORS.get(response.status_code, APIStatusError)
    return cls(message, response=response, body=body)


def _message_from(body: object | None) -> str | None:
    if isinstance(body, dict):
        for key in ("error", "message"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value
            if isinstance(value, dict) and isinstance(value.get("message"), str):
                return str(value["message"])
        return None
    if isinstance(body, str) and body.strip():
        return body.strip()[:500]
    return None
