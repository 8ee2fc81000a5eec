"""Assertions and payloads shared by the local backend tests (imported by module name: tests have no packages)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

ClientFactory = Callable[..., httpx.Client]


def ok(response: httpx.Response) -> dict[str, Any]:
    assert response.is_success, (response.status_code, response.text)
    body = response.json()
    assert body["success"] is True
    return body


def err(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.text)
    body = response.json()
    assert body["success"] is False and body["code"] == code, body
    assert isinstance(body["error"], str) and body["error"]
    assert response.headers["x-request-id"]
    return body


WEBHOOK = {"name": "Project feed", "url": "https://example.com/hook", "events": ["project.created"]}
