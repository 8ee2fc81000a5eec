"""Every class of bad input answers a clear 4xx with a code, never a 500, and writes nothing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from helpers_local import WEBHOOK, err

from cortexbuild_sdk.local import Backend

TABLES = ("api_keys", "webhooks", "integrations", "sandbox_environments", "ai_requests", "module_reviews")


def _counts(backend: Backend) -> dict[str, int]:
    with backend.db.read() as conn:
        return {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in TABLES}


JSON_CASES: list[tuple[str, str, Any, int, str]] = [
    ("POST", "/api/integrations/webhooks", {**WEBHOOK, "name": 5}, 400, "validation_error"),
    ("POST", "/api/integrations/webhooks", {**WEBHOOK, "events": [1]}, 400, "validation_error"),
    ("POST", "/api/integrations/webhooks", [WEBHOOK], 400, "validation_error"),
    ("POST", "/api/integrations/webhooks", "x", 400, "validation_error"),
    ("POST", "/api/integrations/webhooks", {**WEBHOOK, "rate_limit_per_second": -1}, 400, "validation_error"),
    ("PATCH", "/api/integrations/webhooks/1", {"is_active": "yes"}, 400, "validation_error"),
    ("POST", "/api/integrations", {"provider": "slack", "name": ["a"], "credentials": {}}, 400, "validation_error"),
    ("POST", "/api/integrations", {"provider": 1, "name": "a"}, 400, "validation_error"),
    (
        "POST",
        "/api/integrations",
        {"provider": "slack", "name": "a", "credentials": {"accessToken": 5}},
        400,
        "validation_error",
    ),
    ("PATCH", "/api/integrations/1/status", {"is_active": 1}, 400, "validation_error"),
    ("POST", "/api/sdk/keys", {"name": "k"}, 400, "validation_error"),
    ("POST", "/api/sdk/keys", {"name": "k", "scopes": ["everything"]}, 400, "validation_error"),
    (
        "POST",
        "/api/sdk/keys",
        {"name": "k", "scopes": ["usage:read"], "expires_at": "tomorrow"},
        400,
        "validation_error",
    ),
    ("POST", "/api/sdk/keys", {"name": "k", "scopes": ["usage:read"], "expires_at": True}, 400, "validation_error"),
    ("POST", "/api/sdk/sandboxes", {"name": "s", "config": {"sampleDataEnabled": "yes"}}, 400, "validation_error"),
    ("POST", "/api/sdk/sandboxes", {"name": "s", "config": {"unknownFlag": True}}, 400, "validation_error"),
    ("POST", "/api/sdk/sandboxes", {}, 400, "validation_error"),
    ("POST", "/api/sdk/usage/ai", {"model": "m", "prompt_tokens": -1}, 400, "validation_error"),
    ("POST", "/api/sdk/usage/ai", {"model": "m", "estimated_cost": "free"}, 400, "validation_error"),
    ("POST", "/api/sdk/usage/ai", {"prompt_tokens": 1}, 400, "validation_error"),
    ("POST", "/api/sdk/marketplace/modules/1/reviews", {"rating": 6}, 400, "validation_error"),
    ("POST", "/api/sdk/marketplace/modules/1/reviews", {"rating": 0}, 400, "validation_error"),
    ("POST", "/api/sdk/marketplace/modules/1/reviews", {"rating": 4.5}, 400, "validation_error"),
    ("POST", "/api/sdk/marketplace/modules/999/reviews", {"rating": 4}, 404, "not_found"),
]


@pytest.mark.parametrize(("method", "path", "body", "status", "code"), JSON_CASES)
def test_wrong_types_missing_fields_unknown_values(
    client: httpx.Client, backend: Backend, method: str, path: str, body: Any, status: int, code: str
) -> None:
    before = _counts(backend)
    err(client.request(method, path, json=body), status, code)
    assert _counts(backend) == before


@pytest.mark.parametrize("raw", [b"{", b"{'a': 1}", b"\xff\xfe", b'{"name": NaN}', b'{"a": 1} trailing', b"[1,"])
def test_malformed_json(client: httpx.Client, backend: Backend, raw: bytes) -> None:
    before = _counts(backend)
    err(
        client.post("/api/integrations/webhooks", content=raw, headers={"content-type": "application/json"}),
        400,
        "invalid_json",
    )
    assert _counts(backend) == before


def test_body_over_one_mib(client: httpx.Client, backend: Backend) -> None:
    big = {**WEBHOOK, "name": "x" * (1024 * 1024)}
    before = _counts(backend)
    err(client.post("/api/integrations/webhooks", json=big), 413, "payload_too_large")
    assert _counts(backend) == before


@pytest.mark.parametrize("ident", ["abc", "-1", "0", "1.5", "99999999999999999999", "1e3"])
def test_non_numeric_ids(client: httpx.Client, ident: str) -> None:
    body = err(client.get(f"/api/integrations/webhooks/{ident}"), 400, "validation_error")
    assert "positive integer" in body["error"]
    err(client.delete(f"/api/integrations/{ident}"), 400, "validation_error")


def test_unknown_route_and_method(client: httpx.Client) -> None:
    err(client.get("/api/nothing/here"), 404, "not_found")
    response = client.put("/api/integrations/webhooks/list")
    err(response, 405, "method_not_allowed")
    assert response.headers["allow"] == "GET, HEAD"  # HEAD is answered wherever GET is


@pytest.mark.parametrize("query", [{"limit": "x"}, {"limit": "5000"}, {"cursor": "%%%"}])
def test_bad_query(client: httpx.Client, query: dict[str, str]) -> None:
    err(client.get("/api/integrations/list", params=query), 400, "validation_error")


def test_bad_days(client: httpx.Client) -> None:
    err(client.get("/api/sdk/usage/ai", params={"days": "-3"}), 400, "validation_error")


def test_validation_details_name_fields(client: httpx.Client) -> None:
    body = err(client.post("/api/integrations/webhooks", json={"name": "n", "url": 3}), 400, "validation_error")
    fields = {d["field"] for d in body["details"]}
    assert {"url", "events"} <= fields
