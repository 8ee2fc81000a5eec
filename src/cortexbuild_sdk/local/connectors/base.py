"""The connector engine: a provider request is described once and run by httpx, sync or async.

A connector never touches httpx directly. It returns :class:`ProviderRequest` descriptions (method, URL,
body, and how to read the answer); a :class:`Channel` runs them with ``httpx.Client`` (:meth:`Channel.call`)
or ``httpx.AsyncClient`` (:meth:`Channel.acall`). Both paths share the same request building, host rewriting,
authentication, throttling, retry decisions, logging and answer reading: only the send and the sleep differ.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit, urlunsplit

import anyio
import httpx

from ..errors import Conflict, UpstreamFailed
from .redact import MAX_LOGGED_BODY, body_of, redact_body, redact_url, text_of

__all__ = [
    "MAX_LOGGED_BODY",
    "Channel",
    "Exchange",
    "NotSent",
    "ProviderError",
    "ProviderRequest",
    "ReauthorizationRequired",
    "redact_body",
    "redact_url",
    "rewrite_url",
]

T = TypeVar("T")

MAX_RETRY_AFTER = 60.0
"""A provider asking for a longer pause fails the call instead of parking a worker for minutes."""


class ProviderError(UpstreamFailed):
    """A provider refused or failed a request. ``provider_error`` is the provider's own code when it sent one
    (Slack ``channel_not_found``, QuickBooks Fault code ``6240``...); ``status`` the HTTP status."""

    def __init__(
        self,
        provider: str,
        message: str,
        *,
        status: int | None = None,
        provider_error: str | None = None,
        code: str = "provider_error",
        retry_after: float | None = None,
    ) -> None:
        details = {"provider": provider, "status": status, "provider_error": provider_error}
        super().__init__(f"{provider}: {message}", code=code, details=details)
        self.provider = provider
        self.status = status
        self.provider_error = provider_error
        self.retry_after = retry_after


class ReauthorizationRequired(Conflict):
    """The provider revoked the grant (``invalid_grant``): the integration must be connected again."""

    def __init__(self, integration_id: int, reason: str) -> None:
        super().__init__(
            f"integration {integration_id} needs reauthorization: {reason}",
            code="reauthorization_required",
            details={"integration_id": integration_id, "reason": reason},
        )


class NotSent(Exception):
    """Raised instead of sending when the environment forbids provider traffic; the request was logged."""

    def __init__(self, method: str, url: str, log_id: int | None) -> None:
        super().__init__(f"{method} {url} was not sent: integrations are disabled in this sandbox")
        self.log_id = log_id


@dataclass(frozen=True)
class ProviderRequest(Generic[T]):
    """One provider call. ``read`` turns a successful answer into ``T``; ``retry_5xx`` marks calls that are
    safe to repeat (reads, and writes the provider deduplicates, e.g. QuickBooks ``requestid``)."""

    method: str
    url: str
    read: Callable[[httpx.Response], T]
    params: Mapping[str, str] | None = None
    headers: Mapping[str, str] | None = None
    json: Any = None
    data: Mapping[str, str] | None = None
    content: bytes | None = None
    retry_5xx: bool = False
    authenticate: bool = True
    timeout: float | None = None
    """Seconds for this call (uploads); None keeps the client's default."""
    user_host: bool = False
    """The host comes from the user's credentials (Jira site, Zapier hook): checked by the address guard."""


@dataclass(frozen=True)
class Exchange:
    """What the request log keeps of one attempt (never a header: that is where credentials travel)."""

    method: str
    url: str
    status: int | None
    duration_ms: int
    sent: bool
    error: str | None
    request_body: str | None
    response_body: str | None


ErrorReader = Callable[[httpx.Response], "ProviderError | None"]
"""Provider-specific: the error an answer carries (including HTTP-200 failures such as Slack's), or None."""


@dataclass
class Channel:
    """Runs one integration's provider requests: rewrite host, authenticate, throttle, send, log, read.

    ``auth`` returns the credential headers (called per attempt, so a refreshed token is picked up);
    ``on_unauthorized`` (OAuth) is called once on a 401 to force a refresh before one retry. ``log`` records
    every attempt; with ``send`` False nothing leaves the process: the request is logged ``sent: false`` and
    :class:`NotSent` raised.
    """

    provider: str
    auth: Callable[[], Mapping[str, str]]
    log: Callable[[Exchange], int | None]
    read_error: ErrorReader
    base_url: str | None = None
    send: bool = True
    throttle: Callable[[], float] | None = None
    on_unauthorized: Callable[[], bool] | None = None
    guard: Callable[[str], str | None] | None = None
    """For ``user_host`` requests (unless a provider URL override is set): why the URL's host is refused."""
    max_attempts: int = 4
    sleep: Callable[[float], None] = time.sleep
    requests_made: int = field(default=0, init=False)

    # ---- the shared steps ---------------------------------------------------------------------------------

    def _build(self, client: httpx.Client | httpx.AsyncClient, req: ProviderRequest[Any]) -> httpx.Request:
        headers = {"Accept": "application/json", **(req.headers or {})}
        if req.user_host and self.send and self.guard is not None and not self.base_url:
            refused = self.guard(req.url)
            if refused:
                raise ProviderError(
                    self.provider,
                    f"refused to connect to {urlsplit(req.url).hostname}: {refused}",
                    code="provider_address_refused",
                )
        if req.authenticate:
            headers.update(self.auth())
        return client.build_request(
            req.method,
            rewrite_url(req.url, self.base_url),
            params=dict(req.params) if req.params else None,
            headers=headers,
            json=req.json,
            data=dict(req.data) if req.data is not None else None,
            content=req.content,
            timeout=req.timeout if req.timeout is not None else httpx.USE_CLIENT_DEFAULT,
        )

    def _not_sent(self, request: httpx.Request) -> NotSent:
        log_id = self.log(
            Exchange(request.method, redact_url(str(request.url)), None, 0, False, None, body_of(request), None)
        )
        return NotSent(request.method, redact_url(str(request.url)), log_id)

    def _record(
        self, request: httpx.Request, response: httpx.Response | None, started: float, error: str | None
    ) -> None:
        self.requests_made += 1
        self.log(
            Exchange(
                request.method,
                redact_url(str(request.url)),
                response.status_code if response is not None else None,
                int((time.perf_counter() - started) * 1000),
                True,
                error,
                body_of(request),
                text_of(response) if response is not None else None,
            )
        )

    def _decide(self, req: ProviderRequest[T], response: httpx.Response, attempt: int) -> tuple[str, float, Any]:
        """("done", 0, value) | ("retry", delay, None) | ("reauth", 0, None); raises the provider's error."""
        problem = self.read_error(response)
        if problem is None and response.status_code < 400:
            return "done", 0.0, req.read(response)
        if response.status_code == 401 and self.on_unauthorized is not None and attempt == 1:
            return "reauth", 0.0, None
        if problem is None:
            problem = ProviderError(self.provider, f"HTTP {response.status_code}", status=response.status_code)
        last = attempt >= self.max_attempts
        if response.status_code == 429 or problem.code == "provider_rate_limited":
            delay = problem.retry_after if problem.retry_after is not None else retry_after(response, attempt)
            if not last and delay <= MAX_RETRY_AFTER:
                return "retry", delay, None
            raise ProviderError(
                self.provider,
                f"rate limited (HTTP {response.status_code}); retry after {delay:g} s",
                status=response.status_code,
                provider_error=problem.provider_error,
                code="provider_rate_limited",
                retry_after=delay,
            )
        if response.status_code >= 500 and req.retry_5xx and not last:
            return "retry", retry_after(response, attempt), None
        raise problem

    def _prepare(
        self, client: httpx.Client | httpx.AsyncClient, req: ProviderRequest[T]
    ) -> tuple[httpx.Request, float]:
        """An attempt's request (``NotSent`` when sending is off) and the throttle's pause before it."""
        request = self._build(client, req)
        if not self.send:
            raise self._not_sent(request)
        pause = self.throttle() if self.throttle is not None else 0.0
        return request, pause

    def _failed(
        self, req: ProviderRequest[T], request: httpx.Request, started: float, exc: httpx.HTTPError, attempt: int
    ) -> float:
        """After a transport error: the delay before the next attempt, or the ``provider_unreachable`` error."""
        self._record(request, None, started, f"{type(exc).__name__}: {exc}")
        if req.retry_5xx and attempt < self.max_attempts:
            return retry_after(None, attempt)
        raise ProviderError(self.provider, f"unreachable: {type(exc).__name__}", code="provider_unreachable") from None

    def _answered(
        self, req: ProviderRequest[T], request: httpx.Request, response: httpx.Response, started: float, attempt: int
    ) -> tuple[bool, float | None, Any]:
        """After a response: ``(True, None, value)`` when done, else ``(False, delay, None)`` - ``delay`` None
        to try again at once (credentials refreshed); raises the provider's error."""
        error = None if response.status_code < 400 else f"HTTP {response.status_code}"
        self._record(request, response, started, error)
        verdict, delay, value = self._decide(req, response, attempt)
        if verdict == "done":
            return True, None, value
        if verdict == "reauth":
            assert self.on_unauthorized is not None
            if not self.on_unauthorized():
                raise ProviderError(
                    self.provider, "HTTP 401: credentials rejected", status=401, code="provider_unauthorized"
                )
            return False, None, None
        return False, delay, None

    # ---- sync ---------------------------------------------------------------------------------------------

    def call(self, client: httpx.Client, req: ProviderRequest[T]) -> T:
        attempt = 0
        while True:
            attempt += 1
            request, pause = self._prepare(client, req)
            if pause > 0:
                self.sleep(pause)
            started = time.perf_counter()
            try:
                response = client.send(request)
            except httpx.HTTPError as exc:
                self.sleep(self._failed(req, request, started, exc, attempt))
                continue
            done, delay, value = self._answered(req, request, response, started, attempt)
            if done:
                return value  # type: ignore[no-any-return]
            if delay is not None:
                self.sleep(delay)

    # ---- async --------------------------------------------------------------------------------------------

    async def acall(self, client: httpx.AsyncClient, req: ProviderRequest[T]) -> T:
        attempt = 0
        while True:
            attempt += 1
            request, pause = self._prepare(client, req)
            if pause > 0:
                await anyio.sleep(pause)
            started = time.perf_counter()
            try:
                response = await client.send(request)
                await response.aread()
            except httpx.HTTPError as exc:
                await anyio.sleep(self._failed(req, request, started, exc, attempt))
                continue
            done, delay, value = self._answered(req, request, response, started, attempt)
            if done:
                return value  # type: ignore[no-any-return]
            if delay is not None:
                await anyio.sleep(delay)


# ---- helpers ------------------------------------------------------------------------------------------------


def retry_after(response: httpx.Response | None, attempt: int) -> float:
    """Seconds to wait: the provider's ``Retry-After`` (seconds or HTTP date) when given, else 0.5 s doubling."""
    if response is not None:
        value = response.headers.get("retry-after")
        if value:
            try:
                return max(0.0, float(value))
            except ValueError:
                from email.utils import parsedate_to_datetime

                try:
                    return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
                except (TypeError, ValueError):
                    pass
    return min(8.0, 0.5 * 2.0 ** (attempt - 1))


def rewrite_url(url: str, base_url: str | None) -> str:
    """Point ``url`` at ``base_url`` (scheme, host and a path prefix) when a provider override is set."""
    if not base_url:
        return url
    target, base = urlsplit(url), urlsplit(base_url)
    return urlunsplit((base.scheme, base.netloc, base.path.rstrip("/") + target.path, target.query, ""))


def json_of(response: httpx.Response) -> Any:
    """The answer's JSON, or None when it is not JSON (parsed once per response: the error check and the
    reader both look at it)."""
    if "cortexbuild.json" in response.extensions:
        return response.extensions["cortexbuild.json"]
    try:
        value: Any = json.loads(response.content) if response.content else None
    except ValueError:
        value = None
    response.extensions["cortexbuild.json"] = value
    return value
