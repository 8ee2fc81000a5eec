"""The per-request escape hatches every method takes (extra_body/extra_query/extra_headers), and AI usage
records with only what the route requires."""

from __future__ import annotations

import json

import pytest
import respx

from cortexbuild_sdk import CortexBuild

from .conftest import Runner

OK = {"success": True, "webhook": {"id": 7, "name": "n", "url": "https://x.test", "events": ["*"]}}


def test_extra_body_merges_over_the_methods_own_fields(run: Runner, api: respx.MockRouter) -> None:
    route = api.post("/api/integrations/webhooks").respond(json=OK)
    run(
        lambda c: c.webhooks.create(
            name="n", url="https://x.test", events=["*"], extra_body={"description": "new field", "name": "over"}
        )
    )
    body = json.loads(route.calls.last.request.content)
    assert body == {"name": "over", "url": "https://x.test", "events": ["*"], "description": "new field"}


def test_extra_body_on_a_method_without_a_body(run: Runner, api: respx.MockRouter) -> None:
    route = api.post("/api/integrations/webhooks/7/rotate-secret").respond(json=OK)
    run(lambda c: c.webhooks.rotate_secret(7, extra_body={"reason": "leak"}, extra_query={"v": "2"}))
    request = route.calls.last.request
    assert json.loads(request.content) == {"reason": "leak"}
    assert request.url.params["v"] == "2"


def test_extra_options_reach_list_routes(run: Runner, api: respx.MockRouter) -> None:
    route = api.get("/api/integrations/webhooks/list").respond(json={"success": True, "webhooks": []})
    assert run.collect(lambda c: c.webhooks.list(extra_query={"status": "active"}, extra_headers={"X-A": "b"})) == []
    request = route.calls.last.request
    assert request.url.params["status"] == "active" and request.headers["x-a"] == "b"


def test_record_ai_request_needs_only_the_model() -> None:
    with CortexBuild.local() as client:
        bare = client.usage.record_ai_request(model="gpt-4o-mini")
        assert (bare.model, bare.prompt_tokens, bare.completion_tokens, bare.total_tokens) == ("gpt-4o-mini", 0, 0, 0)
        assert bare.estimated_cost == 0.0
        full = client.usage.record_ai_request(
            model="claude-x",
            provider="anthropic",
            prompt_tokens=100,
            completion_tokens=20,
            estimated_cost=0.01,
            metadata={"feature": "rfi-summary"},
        )
        assert full.provider == "anthropic"
        assert full.total_tokens == 120  # the route sums the parts when the total is not given
        assert full.metadata == {"feature": "rfi-summary"}
        assert client.usage.ai()[0].requests == 2


@pytest.mark.parametrize("bad", [{"model": ""}, {"model": "m", "prompt_tokens": -1}])
def test_record_ai_request_bad_input_is_a_typed_error(bad: dict[str, object]) -> None:
    from cortexbuild_sdk import BadRequestError

    with CortexBuild.local() as client, pytest.raises(BadRequestError):
        client.usage.record_ai_request(**bad)  # type: ignore[arg-type]
