"""Re-shape clean JSON into the platform's loose wire forms, as its SQLite-backed server sends them.

The platform's server writes rows straight out of SQLite: booleans as 0/1, JSON columns as JSON text,
timestamps as ``YYYY-MM-DD HH:MM:SS`` (or epoch ms for delivery times). Serving the local backend's
answers through this filter gives the respx target a stateful platform with the real platform's quirks.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import httpx

_BOOLEAN_COLUMNS = frozenset({"is_active", "hasCredentials", "requiresOAuth", "is_public", "is_billable"})
_JSON_COLUMNS = frozenset({"events", "scopes", "config", "items"})  # items: invoices, purchase orders
_EPOCH_MS_COLUMNS = frozenset({"last_triggered_at"})


def loosen(value: Any, key: str | None = None, in_row: bool = False) -> Any:
    """``in_row``: inside a database row (an object with an ``id``), where JSON columns are text."""
    if isinstance(value, dict):
        row = "id" in value
        return {k: loosen(v, k, row) for k, v in value.items()}
    if isinstance(value, list):
        items = [loosen(item) for item in value]
        return json.dumps(items) if in_row and key in _JSON_COLUMNS else items
    if key in _BOOLEAN_COLUMNS and isinstance(value, bool):
        return int(value)
    if key and key.endswith("_at") and isinstance(value, str):
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if key in _EPOCH_MS_COLUMNS:
            return int(moment.timestamp() * 1000)
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    return value


def loosen_config(body: Any) -> Any:
    # `config` objects are JSON text on the platform too.
    if isinstance(body, dict):
        return {
            k: (json.dumps(v) if k == "config" and isinstance(v, dict) else loosen_config(v)) for k, v in body.items()
        }
    if isinstance(body, list):
        return [loosen_config(item) for item in body]
    return body


def platform_response(response: httpx.Response) -> httpx.Response:
    """The same answer, in the platform's loose shapes; error bodies keep only what the platform sends."""
    response.read()
    try:
        body = response.json()
    except ValueError:
        return response
    if response.status_code >= 400 and isinstance(body, dict):
        body = {key: body[key] for key in ("error", "code", "details") if key in body}
    else:
        body = loosen_config(loosen(body))
    headers = {k: v for k, v in response.headers.items() if k.lower() not in {"content-length", "content-type"}}
    return httpx.Response(response.status_code, json=body, headers=headers)
