"""Creating construction objects through the raw HTTP API (imported by module name)."""

from __future__ import annotations

from typing import Any

import httpx
from helpers_local import ok

ITEMS = [{"description": "Concrete C32/40 (m3)", "quantity": 12.5, "unit_price": 98.4}]


def create(client: httpx.Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(path, json=body)
    assert response.status_code == 201, response.text
    payload = ok(response)
    assert set(payload) == {"success", "data", "message"}
    data: dict[str, Any] = payload["data"]
    return data


def client_(client: httpx.Client, **extra: Any) -> dict[str, Any]:
    return create(client, "/api/clients", {"name": "Harbourside Developments", **extra})


def project(client: httpx.Client, **extra: Any) -> dict[str, Any]:
    return create(client, "/api/projects", {"name": "New Office Building", "budget": 5_000_000, **extra})


def task(client: httpx.Client, project_id: int, **extra: Any) -> dict[str, Any]:
    return create(client, "/api/tasks", {"project_id": project_id, "title": "Pour footings", **extra})


def rfi(client: httpx.Client, project_id: int, **extra: Any) -> dict[str, Any]:
    body = {"project_id": project_id, "subject": "Rebar spacing", "question": "150 or 200 mm?", **extra}
    return create(client, "/api/rfis", body)


def invoice(client: httpx.Client, client_id: int, **extra: Any) -> dict[str, Any]:
    body = {"client_id": client_id, "issue_date": "2025-10-01", "due_date": "2025-10-31", "items": ITEMS, **extra}
    return create(client, "/api/invoices", body)


def time_entry(client: httpx.Client, project_id: int, **extra: Any) -> dict[str, Any]:
    body = {"project_id": project_id, "start_time": "2025-10-09T08:00:00Z", "end_time": "2025-10-09T16:30:00Z"}
    return create(client, "/api/time-entries", {**body, "hourly_rate": 42.5, **extra})


def purchase_order(client: httpx.Client, **extra: Any) -> dict[str, Any]:
    body = {"vendor": "Hanson Concrete", "issue_date": "2025-10-02", "items": ITEMS, **extra}
    return create(client, "/api/purchase-orders", body)


def put(client: httpx.Client, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
    return client.put(path, json=body) if body is not None else client.put(path)
