"""The framework-free app: a :class:`LocalRequest` in, a :class:`LocalResponse` out.

Pipeline: size check -> route -> authenticate -> rate limit -> sandbox rules -> scope -> JSON body ->
idempotency (POSTs with an ``Idempotency-Key``) -> handler. Any :class:`ApiError` becomes the platform's error
shape; anything else is logged and answered as a 500 ``internal_error`` (a bug: bad input must never get there).
"""

from __future__ import annotations

import itertools
import json
import logging
import re
import secrets
from collections.abc import Iterable
from typing import Any

from . import errors
from .auth import authenticate
from .http import ApiError, LocalRequest, LocalResponse, json_body
from .ratelimit import RateLimiter
from .routing import Call, Route, Router
from .services import idempotency
from .services.context import Runtime

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
        given = request.header("x-request-id")
        rid = given if given and _REQUEST_ID.match(given) else f"{self._rid_prefix}{next(self._rid_counter):012x}"
        headers = {"content-type": "application/json", "x-request-id": rid}
        try:
            status, payload = self._dispatch(request, headers)
        except (ApiError, errors.DomainError) as caught:
            exc = api_error(caught) if isinstance(caught, errors.DomainError) else caught
            status, payload = exc.status, exc.payload()
            headers.update(exc.headers)
        except Exception:
            _log.exception("local backend: unhandled error on %s %s (%s)", request.method, request.path, rid)
            status = 500
            payload = {"success": False, "error": "internal error in the local backend", "code": "internal_error"}
        return LocalResponse(status, headers, json_body(payload))

    def _dispatch(self, request: LocalRequest, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if len(request.body) > MAX_BODY_BYTES:
            raise ApiError(
                413, "payload_too_large", f"request body is {len(request.body)} bytes; the limit is {MAX_BODY_BYTES}"
            )
        route, params = self.router.match(request.method, request.path)
        ctx = authenticate(self.rt, request.header("authorization"))
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
        body = _parse_json(request.body) if route.takes_body else None
        call = Call(ctx, params, request.query, body)
        key = request.header("idempotency-key") if request.method == "POST" else None
        if key is None:
            status, payload = route.handler(call)
            return status, {"success": True, **payload}
        return self._run_idempotently(route, call, request, key, headers)

    @staticmethod
    def _run_idempotently(
        route: Route, call: Call, request: LocalRequest, key: str, headers: dict[str, str]
    ) -> tuple[int, dict[str, Any]]:
        outcome = idempotency.reserve(call.ctx, key, idempotency.fingerprint(request.method, request.path, call.body))
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
        answer = {"success": True, **payload}
        idempotency.complete(call.ctx, outcome, status, answer, {})
        return status, answer


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _parse_json(raw: bytes) -> Any:
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw, parse_constant=_no_constants)
    except UnicodeDecodeError:
        raise ApiError(400, "invalid_json", "request body is not UTF-8 text") from None
    except ValueError as exc:
        raise ApiError(400, "invalid_json", f"request body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise ApiError(400, "validation_error", f"request body must be a JSON object, not {type(body).__name__}")
    return body
