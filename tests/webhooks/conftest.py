"""Shared fixtures for the webhook tests (helpers live in webhook_test_support.py)."""

from __future__ import annotations

import pytest


@pytest.fixture
def secret() -> str:
    return "3f9a1c0e5b7d4e2fa8c6b0d1e9f7a5c3"


@pytest.fixture
def body() -> bytes:
    return (
        b'{"event":"project.created","timestamp":1709876543210,"data":{"project":{"id":123,'
        b'"name":"New Office Building","status":"active","budget":5000000,"client_id":45}},'
        b'"company_id":"company-1","user_id":"user-1"}'
    )


@pytest.fixture
def now() -> float:
    """A receiver clock 2 s after the fixture body's timestamp."""
    return 1709876543.210 + 2
