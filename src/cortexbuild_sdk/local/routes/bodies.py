"""Request bodies and query parameters: strict pydantic models mapped to ``validation_error``."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from typing import Annotated, Any, TypeVar
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator

from ..._events import EVENT_TYPES, WILDCARD
from .. import errors
from ..http import ApiError, validation
from ..services.common import Page
from ..services.keys import ALL_SCOPES
from ..services.webhooks import RATE_MAX, RATE_MIN
from .times import parse_instant

__all__ = ["DEFAULT_PAGE_SIZE", "MAX_TIME_MS", "parse", "parse_page", "parse_time"]

DEFAULT_PAGE_SIZE = 100
"""Every cursor list answers at most this many items when no ``limit`` is given (the client follows
``next_cursor``): an answer's size, and its time to first item, must not grow with the store."""
MAX_TIME_MS = 253_402_300_799_999
"""9999-12-31T23:59:59.999Z: the last instant ISO-8601 (and the answers' timestamps) can write."""
MAX_TOKENS = 10**12
MAX_COST = 1e9
_ASCII_INT = re.compile(r"[0-9]{1,19}")
_PYDANTIC_PREFIXES = ("Value error, ", "Assertion failed, ")

M = TypeVar("M", bound=BaseModel)
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Text = Annotated[str, StringConstraints(max_length=5000)]
_EVENTS = frozenset((*EVENT_TYPES, WILDCARD))


class Body(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")


def parse(model: type[M], data: Any) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        details = [
            {
                "field": ".".join(str(p) for p in err["loc"]) or "body",
                "message": _message(err["msg"]),
                "type": err["type"],
            }
            for err in exc.errors(include_url=False, include_context=False, include_input=False)
        ]
        first = details[0]
        more = f" (and {len(details) - 1} more)" if len(details) > 1 else ""
        raise validation(f"invalid request body: {first['field']}: {first['message']}{more}", details=details) from None


def _message(msg: str) -> str:
    """A validator's own words, without pydantic's "Value error, " framing."""
    for prefix in _PYDANTIC_PREFIXES:
        if msg.startswith(prefix):
            return msg[len(prefix) :]
    return msg


def check_url(url: str) -> str:
    try:
        parts = urlsplit(url)
        usable = parts.scheme in ("http", "https") and bool(parts.hostname)
        _ = parts.port  # raises for a port that is not a number from 0 to 65535
    except ValueError:  # e.g. an unbalanced "[" in the host
        usable = False
    if not usable or any(c.isspace() for c in url):
        raise ValueError("must be an absolute http:// or https:// URL")
    return url


def check_webhook_url(url: str) -> str:
    """An absolute http(s) URL with no ``user:password@`` part (it would be stored and echoed in plain text)."""
    check_url(url)
    if "@" in urlsplit(url).netloc:
        raise ValueError(
            "must not carry credentials (user:password@host): authenticate receivers by the webhook's signature"
        )
    return url


def check_events(events: list[str]) -> list[str]:
    unknown = [e for e in events if e not in _EVENTS]
    if unknown:
        raise ValueError(
            f"unknown event(s) {', '.join(map(repr, unknown))}; "
            "see GET /api/integrations/webhooks/events/available or use '*'"
        )
    return list(dict.fromkeys(events))


def check_scopes(scopes: list[str]) -> list[str]:
    unknown = [s for s in scopes if s not in ALL_SCOPES]
    if unknown:
        raise ValueError(f"unknown scope(s) {', '.join(map(repr, unknown))}; valid scopes: {', '.join(ALL_SCOPES)}")
    return list(dict.fromkeys(scopes))


def parse_time(value: str | int | None, field: str, now_ms: int) -> int | None:
    """ISO-8601 text or epoch milliseconds -> epoch ms in the future (None stays None)."""
    if value is None:
        return None
    ms = parse_instant(value, field)
    if ms > MAX_TIME_MS:  # "+10000-..." is no ISO-8601 time: clients could not read the answer back
        raise errors.Invalid(f"{field} must be before the year 10000 (UTC), got {value!r}")
    if ms <= now_ms:
        raise validation(f"{field} must be in the future")
    return ms


def _int_param(query: Mapping[str, str], name: str, lo: int, hi: int) -> int | None:
    raw = query.get(name)
    if raw is None or raw == "":
        return None
    if not _ASCII_INT.fullmatch(raw) or not lo <= int(raw) <= hi:  # ASCII only: str.isdigit() takes "²"
        raise ApiError(
            400, "validation_error", f"query parameter {name} must be an integer from {lo} to {hi}, got {raw!r}"
        )
    return int(raw)


def int_param(query: Mapping[str, str], name: str, default: int, lo: int, hi: int) -> int:
    value = _int_param(query, name, lo, hi)
    return default if value is None else value


def encode_cursor(after: int | None) -> str | None:
    return None if after is None else base64.urlsafe_b64encode(f"id:{after}".encode()).rstrip(b"=").decode()


def parse_page(query: Mapping[str, str], *, default_limit: int = DEFAULT_PAGE_SIZE) -> Page:
    limit = _int_param(query, "limit", 1, 1000)
    cursor = query.get("cursor")
    after: int | None = None
    if cursor:
        try:
            text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
            if not text.startswith("id:") or not _ASCII_INT.fullmatch(text[3:]):
                raise ValueError(text)
            after = int(text[3:])
        except (ValueError, binascii.Error, UnicodeDecodeError):
            raise ApiError(
                400, "validation_error", f"invalid cursor {cursor!r}: pass back a next_cursor value"
            ) from None
    return Page(limit if limit is not None else default_limit, after)


# ---- bodies -----------------------------------------------------------------------------------------------


class KeyCreate(Body):
    name: Name
    scopes: list[str] = Field(min_length=1)
    expires_at: str | int | None = None
    _scopes = field_validator("scopes")(check_scopes)


class KeyUpdate(Body):
    name: Name | None = None
    scopes: list[str] | None = Field(default=None, min_length=1)
    expires_at: str | int | None = None

    @field_validator("scopes")
    @classmethod
    def _scopes(cls, v: list[str] | None) -> list[str] | None:
        return None if v is None else check_scopes(v)


RatePerSecond = Annotated[float, Field(ge=RATE_MIN, le=RATE_MAX, allow_inf_nan=False)]
"""A webhook's delivery rate limit: one attempt per 100 s at the slowest, 10,000/s at the fastest."""


class WebhookCreate(Body):
    name: Name
    url: Annotated[str, StringConstraints(min_length=1, max_length=2048)]
    events: list[str] = Field(min_length=1, max_length=64)
    rate_limit_per_second: RatePerSecond | None = None
    _url = field_validator("url")(check_webhook_url)
    _events = field_validator("events")(check_events)


class WebhookUpdate(Body):
    name: Name | None = None
    url: Annotated[str, StringConstraints(min_length=1, max_length=2048)] | None = None
    events: list[str] | None = Field(default=None, min_length=1, max_length=64)
    is_active: bool | None = None
    rate_limit_per_second: RatePerSecond | None = None

    @field_validator("url")
    @classmethod
    def _url(cls, v: str | None) -> str | None:
        return None if v is None else check_webhook_url(v)

    @field_validator("events")
    @classmethod
    def _events(cls, v: list[str] | None) -> list[str] | None:
        return None if v is None else check_events(v)


class IntegrationCreate(Body):
    provider: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    name: Name
    credentials: dict[str, Any] | None = None
    config: dict[str, Any] = Field(default_factory=dict)


class IntegrationStatus(Body):
    is_active: bool


class OAuthCallback(Body):
    code: Annotated[str, StringConstraints(min_length=1, max_length=4096)]
    state: Annotated[str, StringConstraints(min_length=1, max_length=512)]
    realmId: Annotated[str, StringConstraints(min_length=1, max_length=128)] | None = None


class SandboxConfig(BaseModel):
    # camelCase: the contract's names
    model_config = ConfigDict(strict=True, extra="forbid")
    sampleDataEnabled: bool | None = None
    webhooksEnabled: bool | None = None
    integrationsEnabled: bool | None = None

    def flags(self) -> dict[str, bool]:
        return {k: v for k, v in self.model_dump().items() if v is not None}


class SandboxCreate(Body):
    name: Name
    description: Text | None = None
    config: SandboxConfig | None = None


class SandboxUpdate(Body):
    name: Name | None = None
    description: Text | None = None
    config: SandboxConfig | None = None
    is_active: bool | None = None


class AIRequest(Body):
    model: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    provider: Annotated[str, StringConstraints(max_length=100)] | None = None
    # Bounded so that the usage reports' sums stay exact integers and finite floats for millions of rows.
    prompt_tokens: int = Field(default=0, ge=0, le=MAX_TOKENS)
    completion_tokens: int = Field(default=0, ge=0, le=MAX_TOKENS)
    total_tokens: int | None = Field(default=None, ge=0, le=2 * MAX_TOKENS)
    estimated_cost: float = Field(default=0.0, ge=0, le=MAX_COST, allow_inf_nan=False)
    metadata: dict[str, Any] | None = None


class Review(Body):
    rating: int = Field(ge=1, le=5)
    review: Text | None = None


def changes(model: BaseModel, *, nullable: tuple[str, ...] = ()) -> dict[str, Any]:
    """The fields a PATCH body actually gave; ``null`` only where clearing makes sense."""
    out: dict[str, Any] = {}
    for name in model.model_fields_set:
        value = getattr(model, name)
        if value is None and name not in nullable:
            raise validation(f"{name} cannot be null", details=[{"field": name, "message": "cannot be null"}])
        out[name] = value
    if not out:
        raise validation("nothing to update: the body has none of the updatable fields")
    return out
