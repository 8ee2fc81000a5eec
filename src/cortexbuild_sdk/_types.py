"""Small shared types: per-request options and the NOT_GIVEN sentinel."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import httpx
from typing_extensions import TypedDict, final, override

__all__ = ["NOT_GIVEN", "NotGiven", "RequestOptions", "Timeout", "check_max_retries"]

Timeout = float | httpx.Timeout | None


class RequestOptions(TypedDict, total=False):
    """Options every resource method accepts as keyword arguments."""

    timeout: Timeout
    """Overrides the client's timeout for this request (seconds or an ``httpx.Timeout``)."""
    extra_headers: Mapping[str, str]
    """Headers added to (or replacing) the ones the SDK sends."""
    extra_query: Mapping[str, Any]
    """Query parameters added to (or replacing) the method's own: for parameters the SDK does not know yet."""
    extra_body: Mapping[str, Any]
    """JSON fields merged into the request body (over the method's own): for fields the SDK does not know yet."""
    idempotency_key: str
    """Sent as ``Idempotency-Key``; by default every POST gets a fresh one, reused across its retries."""
    max_retries: int


@final
class NotGiven:
    """Marks an argument the caller did not pass, where ``None`` is itself a meaningful value."""

    def __bool__(self) -> Literal[False]:
        return False

    @override
    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN = NotGiven()


def check_max_retries(value: object) -> int:
    """``max_retries`` as given to a client or to one request: a non-negative int, refused before sending
    (``None`` or ``"2"`` once surfaced only after a failed attempt, as a bare comparison error)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"max_retries must be an int, not {type(value).__name__}")
    if value < 0:
        raise ValueError(f"max_retries must be >= 0, not {value}")
    return value
