"""The HTTP engine's errors: one class per status with message, code, request id and response; Retry-After on
rate limits; malformed success bodies."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
import respx

from cortexbuild_sdk import (
    APIResponseValidationError,
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    CortexBuildError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    UnprocessableEntityError,
)

from .conftest import Runner
from .contract_bodies import HOOK_PATH

ERRORS = [
    (400, BadRequestError),
    (401, AuthenticationError),
    (403, PermissionDeniedError),
    (404, NotFoundError),
    (409, ConflictError),
    (422, UnprocessableEntityError),
    (429, RateLimitError),
    (500, InternalServerError),
    (503, InternalServerError),
    (418, APIStatusError),
]


@pytest.mark.parametrize(("status", "error_class"), ERRORS)
def test_status_errors_carry_message_code_request_id_and_response(
    status: int, error_class: type[APIStatusError], run: Runner, api: respx.MockRouter
) -> None:
    body = {"success": False, "error": "Plan limit reached", "code": "plan_limit_exceeded", "details": {"limit": 3}}
    api.get(HOOK_PATH).respond(status, json=body, headers={"X-Request-Id": "req_123"})
    with pytest.raises(error_class) as info:
        run(lambda c: c.webhooks.retrieve(123))
    error = info.value
    assert type(error) is error_class
    assert isinstance(error, CortexBuildError)
    assert error.status_code == status
    assert error.message == "Plan limit reached"
    assert error.code == "plan_limit_exceeded"
    assert error.details == {"limit": 3}
    assert error.request_id == "req_123"
    assert error.response.status_code == status
    assert error.body == body
    assert "req_123" in str(error)


def test_platform_errors_without_code_still_carry_the_message(run: Runner, api: respx.MockRouter) -> None:
    api.get(HOOK_PATH).respond(404, json={"error": "Webhook not found"})
    with pytest.raises(NotFoundError) as info:
        run(lambda c: c.webhooks.retrieve(123))
    assert info.value.message == "Webhook not found"
    assert info.value.code is None


def test_non_json_error_bodies_are_reported(run: Runner, api: respx.MockRouter) -> None:
    api.get(HOOK_PATH).respond(502, text="<html>Bad Gateway</html>")
    with pytest.raises(InternalServerError) as info:
        run(lambda c: c.webhooks.retrieve(123))
    assert "Bad Gateway" in info.value.message


def test_rate_limit_error_exposes_retry_after(run: Runner, api: respx.MockRouter) -> None:
    api.get(HOOK_PATH).respond(429, json={"error": "slow down", "code": "rate_limited"}, headers={"Retry-After": "12"})
    with pytest.raises(RateLimitError) as info:
        run(lambda c: c.webhooks.retrieve(123))
    assert info.value.retry_after == 12.0


@pytest.mark.parametrize(
    "body",
    [b"not json", b'{"success": true}', b'{"success": true, "webhook": {"id": "abc"}}', b"[]"],
    ids=["invalid-json", "missing-key", "wrong-type", "wrong-shape"],
)
def test_malformed_success_bodies_raise_response_validation_error(
    body: bytes, run: Runner, api: respx.MockRouter
) -> None:
    api.get(HOOK_PATH).respond(200, content=body)
    with pytest.raises(APIResponseValidationError) as info:
        run(lambda c: c.webhooks.retrieve(123))
    assert info.value.status_code == 200


def test_rate_limit_error_reads_an_http_date_retry_after(run: Runner, api: respx.MockRouter) -> None:
    when = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=90), usegmt=True)
    api.get(HOOK_PATH).respond(429, json={"error": "slow down"}, headers={"Retry-After": when})
    with pytest.raises(RateLimitError) as info:
        run(lambda c: c.webhooks.retrieve(123))
    assert info.value.retry_after is not None
    assert 85 <= info.value.retry_after <= 90
