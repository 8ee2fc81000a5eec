"""One HTTP attempt: sign, POST within one deadline, classify. No database access here."""

from __future__ import annotations

import asyncio
import time
import zlib
from collections import deque
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


class _Deadline:
    __slots__ = ("at", "done", "fired", "task")

    def __init__(self, at: float, task: asyncio.Task[object]) -> None:
        self.at, self.task, self.done, self.fired = at, task, False, False


class Deadlines:
    """Every attempt's one deadline, kept by one timer for all of them.

    A timer per attempt (``asyncio.timeout``: a timer handle made, rescheduled and cancelled each time) cost
    about a tenth of the loop's time. Attempts start in order and their deadlines are their start plus the
    same :data:`TIMEOUT`, so the deadlines come in order too: a queue whose head is checked every
    :data:`TICK` seconds. A deadline fires at most ``TICK`` late. One instance per event loop.
    """

    TICK: Final = 0.05

    def __init__(self) -> None:
        self._queue: deque[_Deadline] = deque()
        self._timer: asyncio.TimerHandle | None = None

    async def within(self, awaitable: Awaitable[T], seconds: float) -> T:
        """``await awaitable``, or :class:`AttemptTimeout` once ``seconds`` have passed."""
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None
        deadline = _Deadline(loop.time() + seconds, task)
        queue = self._queue
        queue.append(deadline)
        if len(queue) > 1 and queue[-2].at > deadline.at:  # TIMEOUT was lowered meanwhile: keep the order
            self._queue = deque(sorted(queue, key=lambda d: d.at))
        if self._timer is None:
            self._timer = loop.call_later(self.TICK, self._sweep)
        try:
            return await awaitable
        except asyncio.CancelledError:
            if not deadline.fired:
                raise
            uncancel = getattr(task, "uncancel", None)  # Python 3.11+: this cancellation is handled here
            if uncancel is not None:
                uncancel()
            raise AttemptTimeout() from None
        finally:
            deadline.done = True

    def _sweep(self) -> None:
        now = asyncio.get_running_loop().time()
        queue = self._queue
        while queue and (queue[0].done or queue[0].at <= now):
            self._fire(queue.popleft())
        self._timer = asyncio.get_running_loop().call_later(self.TICK, self._sweep) if queue else None

    @staticmethod
    def _fire(deadline: _Deadline) -> None:
        if not deadline.done:
            deadline.fired = True
            deadline.task.cancel()


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


async def attempt(
    sender: Sender, job: Job, *, now_ms: int, wall: float, send: bool, deadlines: Deadlines | None = None
) -> Outcome:
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
        raw = await (deadlines or Deadlines()).within(sender.post(job.url, headers, data), TIMEOUT)
        text = decode_body(raw.body, raw.content_encoding)
        retry_after = retry_after_seconds(raw.retry_after, wall, strict=True)
    except Exception as exc:  # every failure of an attempt is data for the log, not a crash
        duration = int((time.perf_counter() - started) * 1000)
        return Outcome(job, body, now_ms, duration, error=_describe(exc))
    duration = int((time.perf_counter() - started) * 1000)
    status = raw.status
    error = None if 200 <= status < 300 else f"endpoint answered HTTP {status}"
    return Outcome(job, body, now_ms, duration, status, text, error, retry_after)
