"""Domain errors: what services raise when a request cannot be done.

Services know nothing of HTTP: they raise these, and only the app (``app.py``) maps each class to a status,
a machine ``code`` and headers, in one table. ``Backend`` methods that reuse services (``emit``, ...) see the
same errors as Python exceptions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

__all__ = [
    "Conflict",
    "DomainError",
    "Forbidden",
    "Invalid",
    "LimitExceeded",
    "NotFound",
    "TooLarge",
    "Unavailable",
    "UpstreamFailed",
]


class DomainError(Exception):
    """Base class. ``code`` is the machine code answered to clients; ``details`` is JSON-able context."""

    default_code: ClassVar[str] = "error"

    def __init__(self, message: str, *, code: str | None = None, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.details = details


class Invalid(DomainError):
    """The input is wrong (400)."""

    default_code = "validation_error"


class NotFound(DomainError):
    """No such object *for this account* (404): another tenant's ids look exactly like missing ones."""

    default_code = "not_found"

    def __init__(self, what: str, ident: object, *, message: str | None = None) -> None:
        super().__init__(message or f"{what} {ident} not found")
        self.what = what
        self.ident = ident


class Forbidden(DomainError):
    """The caller may not do this (403), e.g. ``insufficient_scope``."""

    default_code = "forbidden"


class Conflict(DomainError):
    """The object's state forbids the change (409).

    ``allowed`` lists what *is* possible from the current state (e.g. the legal transitions); it lands in
    ``details.allowed``. ``retryable`` conflicts (a concurrent request still running) invite a retry; state
    conflicts do not.
    """

    default_code = "conflict"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        allowed: Sequence[str] | None = None,
        details: Any = None,
        retryable: bool = False,
    ) -> None:
        if allowed is not None:
            details = {**(details or {}), "allowed": list(allowed)}
        super().__init__(message, code=code, details=details)
        self.retryable = retryable


class LimitExceeded(DomainError):
    """A tier limit would be passed (403 ``plan_limit_exceeded``)."""

    default_code = "plan_limit_exceeded"


class TooLarge(DomainError):
    """The input is over a size limit (413)."""

    default_code = "payload_too_large"


class Unavailable(DomainError):
    """A part of the backend cannot serve this now (503); ``retry_after`` seconds when known."""

    default_code = "unavailable"

    def __init__(
        self, message: str, *, code: str | None = None, details: Any = None, retry_after: int | None = None
    ) -> None:
        super().__init__(message, code=code, details=details)
        self.retry_after = retry_after


class UpstreamFailed(DomainError):
    """A provider the backend called answered badly or not at all (502), e.g. ``oauth_error``."""

    default_code = "upstream_error"
