"""The client against the published route table: every client method is exactly one route (same method, path and
body fields) and every route has a client method. Requests are recorded by a mock transport, never sent."""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from cortexbuild_sdk import CortexBuild
from cortexbuild_sdk.local.http import ApiError
from cortexbuild_sdk.local.routes import ROUTES
from cortexbuild_sdk.local.routes.schemas import MULTIPART, REQUESTS
from cortexbuild_sdk.local.routing import Router

# A plausible value for every parameter name the client's methods take.
VALUES: dict[str, Any] = {
    "name": "n", "url": "https://example.com/h", "events": ["*"], "scopes": ["keys:read"], "provider": "slack",
    "since": "2025-01-01T00:00:00Z", "is_active": True, "rating": 5, "review": "good", "model": "m",
    "redirect_uri": "https://example.com/cb", "code": "c", "state": "s", "credentials": {"a": "b"},
    "config": {}, "description": "d", "expires_at": "2099-01-01T00:00:00Z", "rate_limit_per_second": 1.0,
    "limit": 5, "days": 7, "prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2,
    "estimated_cost": 0.1, "metadata": {}, "realm_id": "r",
    "project_id": 1, "client_id": 1, "title": "t", "subject": "s", "question": "q", "answer": "a",
    "issue_date": "2025-01-01", "due_date": "2025-02-01", "payment_date": "2025-01-15", "vendor": "v",
    "items": [{"description": "x", "quantity": 1, "unit_price": 1}], "start_time": "2025-01-01T08:00:00Z",
    "file": b"%PDF-1.4", "filename": "a.pdf", "emails": ["a@example.com"], "is_public": True,
}  # fmt: skip
VALUES["params"] = {}  # integrations.action(id, name, params)
# Typed views of another method's route (same request, narrower answer): checked to send that same request.
VIEWS = {"integrations.expenses": "integrations.records"}
RESOURCES = ("integrations", "integrations.oauth", "webhooks", "keys", "sandboxes", "plan", "usage",
             "marketplace.modules", "marketplace.reviews", "projects", "tasks", "rfis", "invoices", "clients",
             "documents", "time_entries", "purchase_orders")  # fmt: skip
# Conveniences built on another method (which is held to its route), not endpoints of their own.
HELPERS = {"documents.download_to"}


def _methods(client: CortexBuild) -> Iterator[tuple[str, Any]]:
    for dotted in RESOURCES:
        resource: Any = client
        for part in dotted.split("."):
            resource = getattr(resource, part)
        for name in dir(type(resource)):
            if name.startswith("_") or isinstance(getattr(type(resource), name, None), property):
                continue
            member = getattr(resource, name)
            if callable(member) and not isinstance(member, type):
                yield f"{dotted}.{name}", member


def _call(method: Any) -> None:
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    for param in inspect.signature(method).parameters.values():
        if param.kind is param.VAR_KEYWORD or param.name == "self":
            continue
        value = VALUES.get(param.name, 1)
        if param.kind is param.POSITIONAL_OR_KEYWORD or param.kind is param.POSITIONAL_ONLY:
            args.append("slack" if param.name == "provider" else value)
        elif param.name in VALUES:
            kwargs[param.name] = value
    try:
        result = method(*args, **kwargs)
        if hasattr(result, "__iter__") and not isinstance(result, (str, bytes, dict)):
            next(iter(result), None)
    except Exception:
        pass


def test_every_client_method_is_one_route_and_every_route_has_a_method() -> None:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"success": True})

    client = CortexBuild(api_key="k", base_url="http://t", max_retries=0, http_client=httpx.Client(
        transport=httpx.MockTransport(record)))  # fmt: skip
    router = Router(ROUTES)
    covered: dict[tuple[str, str], str] = {}
    views: dict[str, tuple[str, str]] = {}
    for label, method in _methods(client):
        if label in HELPERS:
            continue
        before = len(seen)
        _call(method)
        requests = seen[before:]
        if not requests:
            continue  # a helper, not an endpoint
        assert len({(r.method, r.url.path) for r in requests}) == 1, f"{label} sent several different requests"
        request = requests[0]
        try:
            route, _ = router.match(request.method, request.url.path)
        except ApiError as exc:
            pytest.fail(f"{label}: {request.method} {request.url.path} is no route ({exc.message})")
        key = (route.method, route.pattern)
        if label in VIEWS:
            views[label] = key
            continue
        assert key not in covered, f"{label} and {covered[key]} both call {key}"
        covered[key] = label
        model = REQUESTS.get(key)
        if route.raw_body is not None:  # a multipart upload: its field names, against the published form
            form = MULTIPART[key]
            assert request.headers["content-type"].startswith("multipart/form-data"), label
            sent = set(re.findall(r'; name="([^"]+)"', request.content.decode("latin-1")))
            assert sent <= set(form.model_fields), f"{label} sends {sorted(sent - set(form.model_fields))}"
            continue
        if request.content:
            assert model is not None, f"{label} sends a body to {key}, which takes none"
            fields = {f.alias or n for n, f in model.model_fields.items()} | set(model.model_fields)
            sent = set(httpx.Response(200, content=request.content).json())
            assert sent <= fields, f"{label} sends {sorted(sent - fields)} that {model.__name__} does not take"
    for view, base in VIEWS.items():
        assert covered.get(views[view]) == base, f"{view} should call {base}'s route, not {views[view]}"
    # PATCH /:id is the platform's synonym of PUT /:id (the same handler): one client method serves the pair.
    handlers = {(r.pattern, r.handler): r for r in ROUTES if (r.method, r.pattern) in covered}
    synonyms = {(r.method, r.pattern) for r in ROUTES if (r.pattern, r.handler) in handlers}
    missing = sorted(f"{m} {p}" for m, p in {(r.method, r.pattern) for r in ROUTES} - set(covered) - synonyms)
    assert not missing, f"routes without a client method: {missing}"


WRAPPER_VALUES: dict[str, Any] = {"data": {}, "email": "a@example.com", "event": "rfi.created", "text": "t"}


def test_every_provider_wrapper_method_is_an_action_of_its_connector() -> None:
    """``client.integrations.<provider>(id).<method>(...)`` posts to the actions route (covered above by
    ``integrations.action``): its action name and params must be ones the backend's connector accepts."""
    from cortexbuild_sdk.local.connectors import CONNECTORS

    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"success": True, "action": "x", "sent": True})

    client = CortexBuild(api_key="k", base_url="http://t", max_retries=0, http_client=httpx.Client(
        transport=httpx.MockTransport(record)))  # fmt: skip
    router = Router(ROUTES)
    checked = 0
    for provider, connector in CONNECTORS.items():
        wrapper = getattr(client.integrations, provider)(7)
        for label in dir(type(wrapper)):
            method = getattr(wrapper, label)
            if label.startswith("_") or not callable(method) or isinstance(method, type):
                continue
            before = len(seen)
            required = {
                p.name: WRAPPER_VALUES.get(p.name, 1)
                for p in inspect.signature(method).parameters.values()
                if p.default is p.empty and p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)
            }
            method(**required)
            assert len(seen) == before + 1, f"{provider}.{label} should send one request"
            request = seen[-1]
            route, params = router.match(request.method, request.url.path)
            assert (route.method, route.pattern) == ("POST", "/api/integrations/:id/actions/:action"), label
            action = connector.actions.get(str(params["action"]))
            assert action is not None, f"{provider}.{label} names no action of the {provider} connector"
            sent = set(httpx.Response(200, content=request.content).json()["params"])
            assert sent <= set(action.params.model_fields), f"{provider}.{label} sends {sent}"
            checked += 1
    assert checked >= len(CONNECTORS)
