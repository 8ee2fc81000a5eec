"""One HTTP attempt: sign, POST, classify. No database access here."""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

import httpx

from cortexbuild_sdk._version import __version__

from .errors import AddressNotAllowedError
from .outbox import restamp
from .schedule import parse_retry_after

TIMEOUT: Final = 10.0
"""Seconds allowed for a whole attempt (connect, send, response)."""

MAX_RESPONSE_BODY: Final = 4096
"""Characters of the response body kept in the log row."""

_READ_LIMIT: Final = 64 * 1024  # read this much so the connection can be reused; keep MAX_RESPONSE_BODY
DISABLED_MESSAGE: Final = "webhooks disabled in this sandbox: delivery recorded, not sent"
USER_AGENT: Final = f"CortexBuild-Webhooks/{__version__}"
# What httpx.AsyncClient would add (minus brotli/zstd): attempts go to the transport directly, see attempt().
_DEFAULT_HEADERS: Final = {"Accept": "*/*", "Accept-Encoding": "gzip, deflate", "Connection": "keep-alive"}


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


def _headers(job: Job, body: str, now_ms: int) -> dict[str, str]:
    from cortexbuild_sdk.webhooks import sign  # imported late: the signing module stays optional to load

    headers = dict(
        sign(
            body,
            job.secrets,
            timestamp_ms=now_ms,
            webhook_id=job.webhook_id,
            event=job.event_type,
            delivery_id=job.delivery_id,
        )
    )
    headers.update(_DEFAULT_HEADERS)
    headers["Content-Type"] = "application/json"
    headers["User-Agent"] = USER_AGENT
    return headers


@lru_cache(maxsize=1024)
def _parse_url(url: str) -> httpx.URL:
    # Endpoints are few and their URLs repeat on every attempt: parse each once.
    return httpx.URL(url)


async def _read_body(response: httpx.Response) -> str:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= _READ_LIMIT:
            break
    return b"".join(chunks).decode("utf-8", errors="replace")[:MAX_RESPONSE_BODY]


def _describe(exc: Exception) -> str:
    if isinstance(exc, AddressNotAllowedError):
        return str(exc)
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out after {TIMEOUT:g} s ({type(exc).__name__})"
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"


async def attempt(transport: httpx.AsyncBaseTransport, job: Job, *, now_ms: int, wall: float, send: bool) -> Outcome:
    """POST ``job`` once. ``now_ms`` (engine clock) stamps the body and headers; ``wall`` is epoch seconds
    for ``Retry-After`` dates. Never raises for network or policy errors: they become the outcome.

    The request goes straight to the (guarded) transport, not through ``httpx.AsyncClient``: an attempt
    needs no auth, redirects (never followed) or cookie jar (a jar shared by a pool's endpoints would send
    one receiver's cookies to another), and skipping them is a large share of the per-attempt CPU.
    """
    body = restamp(job.payload, job.event_type, now_ms)
    if not send:
        return Outcome(job, body, now_ms, 0, error=DISABLED_MESSAGE, sent=False)
    started = time.perf_counter()
    try:
        headers = _headers(job, body, now_ms)
        if not job.url.lower().startswith(("http://", "https://")):
            raise httpx.UnsupportedProtocol(f"unsupported URL scheme in {job.url!r}")
        request = httpx.Request(
            "POST",
            _parse_url(job.url),
            content=body.encode("utf-8"),
            headers=headers,
            extensions={"timeout": dict.fromkeys(("connect", "read", "write", "pool"), TIMEOUT)},
        )
        response = await transport.handle_async_request(request)
        try:
            text = await _read_body(response)
        finally:
            await response.aclose()
        retry_after = parse_retry_after(response.headers.get("retry-after"), wall)
        status = response.status_code
    except Exception as exc:  # every failure of an attempt is data for the log, not a crash
        duration = int((time.perf_counter() - started) * 1000)
        return Outcome(job, body, now_ms, duration, error=_describe(exc))
    duration = int((time.perf_counter() - started) * 1000)
    error = None if 200 <= status < 300 else f"endpoint answered HTTP {status}"
    return Outcome(job, body, now_ms, duration, status, text, error, retry_after)
