"""The framework-free app: a :class:`LocalRequest` in, a :class:`LocalResponse` out.

Pipeline: authenticate -> route -> size check (JSON: 1 MiB; raw-body routes: their largest limit) -> rate limit
-> sandbox rules -> scope -> body (JSON parsed, or a raw-body route's stream read within the caller's limit) ->
idempotency (POSTs with an ``Idempotency-Key``) -> handler -> render. Authentication comes first so that a
caller without a valid key learns nothing of the route table (every such request is a 401, whatever its
method, path or body). Handlers answer a JSON payload or a :class:`RawResponse` (bytes or chunks with their own
content type). Any :class:`ApiError` or domain error becomes the platform's error shape; anything else is
logged and answered as a 500 ``internal_error`` (a bug: bad input must never get there). The answer is
rendered inside that error handling, so even a bug cannot raise out of :meth:`App.handle`.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import re
import secrets
from collections.abc import Iterable
from typing import Any

from . import errors
from .auth import authenticate
from .http import ApiError, LocalRequest, LocalResponse, RawResponse, RequestBody, json_body
from .json_input import check_text, parse_body
from .ratelimit import RateLimiter
from .routing import Call, RawBody, Route, Router, StreamedBody
from .services import idempotency
from .services.context import Ctx, Runtime

__all__ = ["MAX_BODY_BYTES", "App"]

MAX_BODY_BYTES = 1024 * 1024
_log = logging.getLogger("cortexbuild_sdk.local")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")

# The one place domain errors become HTTP: status per class (most specific class first).
ERROR_STATUS: tuple[tuple[type[errors.DomainError], int], ...] = (
    (errors.Invalid, 400),
    (errors.Forbidden, 403),
    (errors.LimitExceeded, 403),
    (errors.NotFound, 404),
    (errors.Conflict, 409),
    (errors.TooLarge, 413),
    (errors.UpstreamFailed, 502),
    (errors.Unavailable, 503),
)


def api_error(exc: errors.DomainError) -> ApiError:
    """The HTTP rendering of a domain error: status from :data:`ERROR_STATUS`, plus retry advice headers."""
    status = next((code for cls, code in ERROR_STATUS if isinstance(exc, cls)), 500)
    headers: dict[str, str] = {}
    if isinstance(exc, errors.Conflict):
        # A state conflict stays a conflict however often it is retried: tell clients not to.
        headers["X-Should-Retry"] = "true" if exc.retryable else "false"
        if exc.retryable:
            headers["Retry-After"] = "1"
    elif isinstance(exc, errors.UpstreamFailed):
        # The connector already retried what was safe to retry; a blind client retry could post twice.
        headers["X-Should-Retry"] = "false"
    elif isinstance(exc, errors.Unavailable) and exc.retry_after is not None:
        headers["Retry-After"] = str(exc.retry_after)
    return ApiError(status, exc.code, exc.message, details=exc.details, headers=headers)


class App:
    def __init__(self, rt: Runtime, routes: Iterable[Route], limiter: RateLimiter) -> None:
        self.rt = rt
        self.router = Router(routes)
        self.limiter = limiter
        # Request ids: a random per-app prefix plus a counter - unique without a urandom call per request
        # (ids identify requests in logs; they are not secrets). Same shape as before: "req_" + 24 hex digits.
        self._rid_prefix = "req_" + secrets.token_hex(6)
        self._rid_counter = itertools.count(1)

    def handle(self, request: LocalRequest) -> LocalResponse:
        if request.method == "HEAD":  # RFC 9110: the GET answer's status and headers, without its body
            return _without_body(self.handle(dataclasses.replace(request, method="GET")))
        given = request.header("x-request-id")
        rid = given if given and _REQUEST_ID.match(given) else f"{self._rid_prefix}{next(self._rid_counter):012x}"
        headers = {"content-type": "application/json", "x-request-id": rid}
        try:
            status, payload = self._dispatch(request, headers)
            if isinstance(payload, RawResponse):
                headers.update(payload.headers)
                headers["content-type"] = payload.content_type
                if isinstance(payload.body, bytes):
                    return LocalResponse(status, headers, payload.body)
                return LocalResponse(status, headers, b"", stream=payload.body)
            body = json_body(payload)
        except (ApiError, errors.DomainError) as caught:
            exc = api_error(caught) if isinstance(caught, errors.DomainError) else caught
            status, body = exc.status, json_body(exc.payload())
            headers.update(exc.headers)
        except Exception:
            _log.exception(
                "local backend: unhandled error on %s %s (%s)",
                _printable(request.method),
                _printable(request.path),
                rid,
            )
            status = 500
            body = json_body(
                {"success": False, "error": "internal error in the local backend", "code": "internal_error"}
            )
        return LocalResponse(status, headers, body)

    def _dispatch(self, request: LocalRequest, headers: dict[str, str]) -> tuple[int, dict[str, Any] | RawResponse]:
        ctx = authenticate(self.rt, request.header("authorization"))
        check_text(request.headers, "header")
        if not request.path.isascii():  # string path params (":provider") reach handlers and fingerprints
            check_text({"path": request.path}, "path")
        if request.query:
            check_text(request.query, "query parameter")
        route, params = self.router.match(request.method, request.path)
        # Size before reading: nobody makes the backend read more than a route can take.
        raw = route.raw_body
        ceiling = MAX_BODY_BYTES if raw is None else raw.max_limit(self.rt) + raw.overhead
        size = len(request.body) if request.stream is None else request.content_length()
        if size is not None and size > ceiling:
            raise ApiError(
                413,
                "payload_too_large",
                f"request body is {size} bytes; the limit is {ceiling}",
                details={"limit": ceiling},
            )
        decision = self.limiter.check(ctx.principal.key_id, route.group, self.rt.clock.now())
        if decision is not None:
            headers.update(decision.headers())
            if not decision.allowed:
                why = (
                    "this key is blocked after repeated rate-limit violations"
                    if decision.blocked
                    else (f"rate limit exceeded for {route.group} requests")
                )
                raise ApiError(
                    429,
                    "rate_limited",
                    f"{why}; retry in {decision.retry_after} s",
                    details={"group": route.group, "retry_after": decision.retry_after, "blocked": decision.blocked},
                )
        if route.live_only and ctx.env.is_sandbox:
            raise ApiError(
                403, "sandbox_key_not_allowed", f"{route.method} {route.pattern} needs a live key, not a sandbox key"
            )
        # integrationsEnabled false: integration routes still work; connectors log requests unsent instead.
        if route.scope not in ctx.principal.scopes:
            raise ApiError(
                403,
                "insufficient_scope",
                f"this API key lacks the '{route.scope}' scope required by {route.method} {route.pattern}",
                details={"required_scope": route.scope},
            )
        if route.raw_body is not None:
            streamed = _read_raw(route.raw_body, ctx, request)
            try:
                return self._run(route, Call(ctx, params, request.query, streamed), request, headers)
            finally:
                streamed.close()
        body = parse_body(_read_limited(request, MAX_BODY_BYTES)) if route.takes_body else None
        return self._run(route, Call(ctx, params, request.query, body), request, headers)

    def _run(
        self, route: Route, call: Call, request: LocalRequest, headers: dict[str, str]
    ) -> tuple[int, dict[str, Any] | RawResponse]:
        key = request.header("idempotency-key") if request.method == "POST" else None
        if key is None:
            status, payload = route.handler(call)
            if isinstance(payload, RawResponse):
                return status, payload
            return status, {"success": True, **payload}
        return self._run_idempotently(route, call, request, key, headers)

    @staticmethod
    def _run_idempotently(
        route: Route, call: Call, request: LocalRequest, key: str, headers: dict[str, str]
    ) -> tuple[int, dict[str, Any]]:
        content = call.body.fingerprint() if route.raw_body is not None else call.body
        outcome = idempotency.reserve(call.ctx, key, idempotency.fingerprint(request.method, request.path, content))
        if isinstance(outcome, idempotency.Replay):
            headers.update(outcome.headers)
            headers["idempotent-replayed"] = "true"
            return outcome.status, outcome.payload
        try:
            try:
                status, payload = route.handler(call)
            except errors.DomainError as domain_exc:
                raise api_error(domain_exc) from domain_exc
        except ApiError as exc:
            if exc.status >= 500:
                idempotency.release(call.ctx, outcome)
            else:  # the request ran and was refused: the same request with the same key gets the same answer
                idempotency.complete(call.ctx, outcome, exc.status, exc.payload(), exc.headers)
            raise
        except BaseException:
            idempotency.release(call.ctx, outcome)
            raise
        if isinstance(payload, RawResponse):  # raw answers are for reads: nothing to replay
            idempotency.release(call.ctx, outcome)
            raise TypeError(f"{route.method} {route.pattern} answered raw bytes to an idempotent POST")
        answer = {"success": True, **payload}
        idempotency.complete(call.ctx, outcome, status, answer, {})
        return status, answer


def _read_raw(spec: RawBody, ctx: Ctx, request: LocalRequest) -> StreamedBody:
    limit = spec.limit(ctx)
    body = RequestBody(
        request.header("content-type"),
        request.content_length(),
        limit + spec.overhead,
        request.chunks(),
        details={"limit": limit, "tier": ctx.account.tier},
    )
    if body.content_length is not None and body.content_length > body.limit:
        raise body.too_large(body.content_length)  # refused before a byte is read
    return spec.read(ctx, body)


def _read_limited(request: LocalRequest, limit: int) -> bytes:
    """The whole (JSON) body, read from the stream when there is one, refused as soon as it passes ``limit``."""
    if request.stream is None:
        return request.body
    parts: list[bytes] = []
    size = 0
    for chunk in request.chunks():
        size += len(chunk)
        if size > limit:
            raise ApiError(
                413,
                "payload_too_large",
                f"request body is over {limit} bytes; the limit is {limit}",
                details={"limit": limit},
            )
        parts.append(chunk)
    return b"".join(parts)


def _printable(text: str) -> str:
    return text.encode("utf-8", "backslashreplace").decode("utf-8")[:200]


def _without_body(response: LocalResponse) -> LocalResponse:
    """A GET answer as HEAD answers it: same status and headers, ``Content-Length`` the body's (a stream names
    its own), and no body; a stream is closed unread, so no file is read for a HEAD."""
    close = getattr(response.stream, "close", None)
    if close is not None:
        close()
    headers = dict(response.headers)
    if response.stream is None:
        headers.setdefault("content-length", str(len(response.body)))
    return LocalResponse(response.status, headers, b"")
