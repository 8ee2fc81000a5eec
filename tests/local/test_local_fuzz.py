"""Fuzzing every route: whatever arrives, the backend answers a well-formed 4xx (never a 500), and a refused
request writes nothing.

Delivery-triggering routes (test, retry, recover) are left out, and the delivery policy refuses every
address, so no example can make the backend send traffic anywhere.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cortexbuild_sdk.local import Backend, ManualClock, RateLimitConfig
from cortexbuild_sdk.local.delivery import AddressPolicy
from cortexbuild_sdk.local.providers import PROVIDERS
from cortexbuild_sdk.local.routes import ROUTES

FUZZED = [r for r in ROUTES if not r.pattern.endswith(("/test", "/retry", "/recover"))]
FIELDS = [
    "name", "url", "events", "provider", "credentials", "config", "is_active", "scopes", "expires_at",
    "description", "rating", "review", "model", "total_tokens", "estimated_cost", "prompt_tokens", "code",
    "state", "since", "rate_limit_per_second", "sampleDataEnabled",
    "title", "project_id", "client_id", "task_id", "subject", "question", "answer", "status", "budget", "items",
    "issue_date", "due_date", "tax_rate", "start_time", "end_time", "hourly_rate", "vendor", "payment_date",
    "amount", "received_date", "progress", "tax_amount", "invoice_number", "rfi_number", "po_number",
]  # fmt: skip
TABLES = [
    "api_keys", "webhooks", "integrations", "oauth_tokens", "sandbox_environments", "module_reviews",
    "ai_requests", "webhook_events", "webhook_deliveries", "webhook_logs",
    "projects", "tasks", "rfis", "invoices", "clients", "time_entries", "purchase_orders",
]  # fmt: skip

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=8,
)
plausible = st.sampled_from(
    [
        "project.created",
        "*",
        "https://myapp.example/h",
        "stripe",
        "slack",
        "free",
        "1",
        "webhooks:write",
        "",
        "2025-10-01",
        "active",
        "in-progress",
        "2025-10-09T08:00:00Z",
        "12.50",
    ]
)
bodies = st.one_of(
    st.dictionaries(st.sampled_from(FIELDS), json_values | plausible | st.lists(plausible, max_size=3), max_size=5),
    json_values,
)
raw_bodies = st.one_of(
    st.binary(max_size=40),
    st.sampled_from(
        [b"{", b'{"name": NaN}', b'{"rating": Infinity}', b"\xff\xfe", b"[]", b"null", b'{"a": 1}{"b": 2}', b" "]
    ),
)
ids = st.one_of(
    st.integers(-3, 4).map(str),
    st.sampled_from(["abc", "1e3", "99999999999999999999999", "0x10", " 1", "1.5", "%00", "slack", "stripe"]),
    st.text(min_size=1, max_size=6),
)
queries = st.dictionaries(
    st.sampled_from(
        [
            "limit",
            "cursor",
            "days",
            "redirect_uri",
            "name",
            "since",
            "page",
            "status",
            "search",
            "project_id",
            "is_active",
        ]
    ),
    st.text(max_size=8) | st.integers(-5, 10**12).map(str),
    max_size=3,
)


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    path = Path(tmp_path_factory.mktemp("fuzz")) / "fuzz.db"
    policy = AddressPolicy.build(deny=["0.0.0.0/0", "::/0"])
    # A manual clock: deliveries of the events successful requests cause are attempted (and refused by the
    # policy) at once by drain(); their retries never fall due in the middle of an example.
    clock = ManualClock()
    # Connectors point at a closed loopback port: a provider action fails upstream, never leaves the machine.
    nowhere = {provider: "http://127.0.0.1:9" for provider in PROVIDERS}
    with Backend(
        path,
        rate_limits=RateLimitConfig.disabled(),
        delivery_policy=policy,
        tier="pro",
        clock=clock,
        provider_urls=nowhere,
    ) as running:
        running.connectors.sleep = lambda seconds: None
        with client_for(running) as http:  # something for the ids to find
            http.post(
                "/api/integrations/webhooks", json={"name": "h", "url": "https://myapp.example/h", "events": ["*"]}
            )
            http.post("/api/integrations", json={"provider": "stripe", "name": "s", "credentials": {"apiKey": "sk_x"}})
            http.post("/api/sdk/keys", json={"name": "k", "scopes": ["webhooks:read"]})
            http.post("/api/sdk/marketplace/modules/1/reviews", json={"rating": 4, "review": "ok"})
            http.post("/api/clients", json={"name": "c"})
            http.post("/api/projects", json={"name": "p", "client_id": 1})
            http.post("/api/tasks", json={"project_id": 1, "title": "t"})
            http.post("/api/rfis", json={"project_id": 1, "subject": "s", "question": "q"})
            item = {"description": "d", "quantity": 1, "unit_price": 2}
            http.post("/api/invoices", json={"client_id": 1, "issue_date": "2025-10-01", "due_date": "2025-12-01",
                                             "items": [item]})  # fmt: skip
            http.post("/api/time-entries", json={"project_id": 1, "start_time": "2025-10-09T08:00:00Z"})
            http.post("/api/purchase-orders", json={"vendor": "v", "issue_date": "2025-10-01", "items": [item]})
        yield running


def client_for(backend: Backend) -> httpx.Client:
    headers = {"Authorization": f"Bearer {backend.owner_api_key}"}
    return httpx.Client(transport=backend.transport(), base_url="http://local", headers=headers)


def counts(backend: Backend) -> dict[str, int]:
    backend.drain()  # quiescent first: earlier examples' deliveries are logged, not racing this one
    conn = sqlite3.connect(backend.db.path)
    try:
        return {table: conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in TABLES}
    finally:
        conn.close()


STATUSES: Counter[int] = Counter()


def check(backend: Backend, response: httpx.Response, before: dict[str, int]) -> None:
    STATUSES[response.status_code] += 1
    upstream = response.status_code == 502 and response.json().get("code", "").startswith("provider_")
    assert response.status_code < 500 or upstream, response.text
    assert response.headers.get("x-request-id")
    body: Any = response.json()
    assert isinstance(body, dict)
    if response.status_code >= 400:
        assert body["success"] is False
        assert isinstance(body["error"], str)
        assert body["error"]
        assert isinstance(body["code"], str)
        assert counts(backend) == before, f"{response.request.method} {response.request.url} wrote on {body}"


def path_for(pattern: str, values: list[str]) -> str:
    parts = pattern.strip("/").split("/")
    it = iter(values)
    return "/" + "/".join(quote(next(it), safe="") if p.startswith(":") else p for p in parts)


FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(data=st.data())
def test_json_bodies_on_every_route(backend: Backend, data: st.DataObject) -> None:
    route = data.draw(st.sampled_from(FUZZED))
    values = data.draw(st.lists(ids, min_size=8, max_size=8))
    body = data.draw(bodies) if route.takes_body else None
    before = counts(backend)
    with client_for(backend) as http:
        response = http.request(route.method, path_for(route.pattern, values), json=body, params=data.draw(queries))
    check(backend, response, before)


@FUZZ
@given(data=st.data())
def test_raw_bodies_and_wrong_methods(backend: Backend, data: st.DataObject) -> None:
    route = data.draw(st.sampled_from(FUZZED))
    method = data.draw(st.sampled_from(["GET", "POST", "PATCH", "DELETE", "PUT"]))
    before = counts(backend)
    with client_for(backend) as http:
        response = http.request(method, path_for(route.pattern, ["1"] * 8), content=data.draw(raw_bodies))
    check(backend, response, before)


def test_the_fuzz_reached_the_handlers() -> None:
    """Guards the two tests above against fuzzing only the front door (404s and 400s)."""
    successes = sum(n for status, n in STATUSES.items() if status < 300)
    refusals = {status for status in STATUSES if 400 <= status < 500}
    assert successes > 10, STATUSES
    assert {400, 404, 405} <= refusals, STATUSES
