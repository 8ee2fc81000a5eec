"""One HTTP attempt: sign, POST within one deadline, classify. No database access here."""

from __future__ import annotations

import asyncio
import sys
import time
import zlib
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Final, Protocol, TypeVar

from cortexbuild_sdk._retry_after import retry_after_seconds
from cortexbuild_sdk._version import __version__

from .errors import AddressNotAllowedError
from .outbox import restamp
from .signing import signed_headers

T = TypeVar("T")

TIMEOUT: Final = 10.0
"""Seconds allowed for a whole attempt (connect, send, response headers and body): one deadline."""

MAX_RESPONSE_BODY: Final = 4096
"""Characters of the response body kept in the log row."""

READ_LIMIT: Final = 64 * 1024
"""Raw (still compressed) response bytes read at most; a longer body closes the connection."""

MAX_INFLATED: Final = 4 * MAX_RESPONSE_BODY
"""Bytes a compressed response body may inflate to, at most (the log keeps MAX_RESPONSE_BODY characters)."""

DISABLED_MESSAGE: Final = "webhooks disabled in this sandbox: delivery recorded, not sent"
USER_AGENT: Final = f"CortexBuild-Webhooks/{__version__}"
_FIXED_HEADERS: Final = {
    "Accept": "*/*",
    "Accept-Encoding": "gzip, deflate",
    "Connection": "keep-alive",
    "Content-Type": "application/json",
    "User-Agent": USER_AGENT,
}


@dataclass(frozen=True)
class Job:
    """A claimed delivery, with everything needed to send it (secrets in plaintext, memory only)."""

    delivery_id: str
    webhook_id: int
    event_id: str
    event_type: str
    payload: str
    url: str
    secrets: list[str]
    kind: str = "scheduled"  # scheduled | manual (retry of a log) | test
    account_id: int = 0


@dataclass(frozen=True)
class Outcome:
    job: Job
    body: str
    delivered_at: int
    duration_ms: int
    status: int | None = None
    response_body: str | None = None
    error: str | None = None
    retry_after: float | None = None
    sent: bool = True

    @property
    def succeeded(self) -> bool:
        return self.sent and self.status is not None and 200 <= self.status < 300

    @property
    def gone(self) -> bool:
        return self.status == 410


@dataclass(frozen=True)
class RawResponse:
    """What a sender hands back: the status, two headers and at most :data:`READ_LIMIT` raw body bytes."""

    status: int
    retry_after: str | None
    content_encoding: str | None
    body: bytes


class Sender(Protocol):
    """An HTTP stack for attempts: POST without redirects, proxies or environment settings, through the
    address policy at connect time, reading at most :data:`READ_LIMIT` raw bytes of the answer."""

    name: str

    async def post(self, url: str, headers: dict[str, str], body: bytes) -> RawResponse: ...

    async def aclose(self) -> None: ...


class ConnectError(Exception):
    """The connection could not be made (refused, unreachable, TLS handshake failed)."""


class AttemptTimeout(Exception):
    """The attempt's one deadline (connect + send + headers + body) passed."""


def _headers(job: Job, body: bytes, now_ms: int) -> dict[str, str]:
    headers = signed_headers(
        body,
        tuple(job.secrets),
        timestamp_ms=now_ms,
        webhook_id=job.webhook_id,
        event=job.event_type,
        delivery_id=job.delivery_id,
    )
    headers.update(_FIXED_HEADERS)
    return headers


if sys.version_info >= (3, 11):

    async def _within(awaitable: Awaitable[T], seconds: float) -> T:
        async with asyncio.timeout(seconds):  # a cancel timer, no extra task per attempt
            return await awaitable

else:

    async def _within(awaitable: Awaitable[T], seconds: float) -> T:
        return await asyncio.wait_for(awaitable, seconds)


def decode_body(raw: bytes, content_encoding: str | None) -> str:
    """The response body as logged: inflated at most to :data:`MAX_INFLATED` bytes (a gzip bomb stays
    small), decoded leniently, cut to :data:`MAX_RESPONSE_BODY` characters."""
    encoding = (content_encoding or "").strip().lower()
    if encoding in ("gzip", "x-gzip", "deflate"):
        try:
            inflater = zlib.decompressobj(47 if encoding != "deflate" else 15)  # 47: gzip or zlib header
            raw = inflater.decompress(raw, MAX_INFLATED)
        except zlib.error:
            try:
                raw = zlib.decompressobj(-15).decompress(raw, MAX_INFLATED)  # deflate sent without a header
            except zlib.error:
                return "<undecodable compressed body>"
    return raw[:MAX_INFLATED].decode("utf-8", errors="replace")[:MAX_RESPONSE_BODY]


def _describe(exc: BaseException) -> str:
    if isinstance(exc, AddressNotAllowedError):
        return str(exc)
    if isinstance(exc, AttemptTimeout | asyncio.TimeoutError):
        return f"timed out after {TIMEOUT:g} s (connect, send and response together)"
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"


async def attempt(sender: Sender, job: Job, *, now_ms: int, wall: float, send: bool) -> Outcome:
    """POST ``job`` once within one deadline of :data:`TIMEOUT` s for the whole exchange. ``now_ms`` (engine
    clock) stamps the body and headers; ``wall`` is epoch seconds for ``Retry-After`` dates. Never raises for
    network, policy or data errors: they become the outcome (and so a log row).
    """
    started = time.perf_counter()
    body = job.payload
    try:
        body = restamp(job.payload, job.event_type, now_ms)
        if not send:
            return Outcome(job, body, now_ms, 0, error=DISABLED_MESSAGE, sent=False)
        if not job.url.lower().startswith(("http://", "https://")):
            raise ValueError(f"unsupported URL scheme in {job.url!r}")
        data = body.encode("utf-8")
        headers = _headers(job, data, now_ms)
        try:
            raw = await _within(sender.post(job.url, headers, data), TIMEOUT)
        except asyncio.TimeoutError:
            raise AttemptTimeout() from None
        text = decode_body(raw.body, raw.content_encoding)
        retry_after = retry_after_seconds(raw.retry_after, wall, strict=True)
    except Exception as exc:  # every failure of an attempt is data for the log, not a crash
        duration = int((time.perf_counter() - started) * 1000)
        return Outcome(job, body, now_ms, duration, error=_describe(exc))
    duration = int((time.perf_counter() - started) * 1000)
    status = raw.status
    error = None if 200 <= status < 300 else f"endpoint answered HTTP {status}"
    return Outcome(job, body, now_ms, duration, status, text, error, retry_after)
