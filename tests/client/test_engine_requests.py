"""What the HTTP engine sends: idempotency keys, per-request options, timeouts, the user agent, and the checks on
ids and arguments before anything is sent."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import respx

import cortexbuild_sdk
from cortexbuild_sdk import CortexBuild

from .conftest import API_KEY, BASE_URL, Runner
from .contract_bodies import HOOK_PATH, OK


def test_idempotency_key_is_generated_for_post_and_reused_across_retries(
    run: Runner, api: respx.MockRouter, sleeps: list[float]
) -> None:
    route = api.post("/api/integrations/webhooks").mock(
        side_effect=[httpx.Response(500), httpx.Response(502), httpx.Response(200, json=OK)]
    )
    run(lambda c: c.webhooks.create(name="n", url="https://x.test", events=["*"]), max_retries=2)
    keys = {call.request.headers["idempotency-key"] for call in route.calls}
    assert len(keys) == 1
    assert keys.pop()


def test_each_post_call_gets_its_own_idempotency_key(run: Runner, api: respx.MockRouter) -> None:
    route = api.post("/api/integrations/webhooks").respond(json=OK)

    def twice(c: Any) -> Any:
        if isinstance(c, CortexBuild):
            c.webhooks.create(name="n", url="https://x.test", events=["*"])
            return c.webhooks.create(name="n", url="https://x.test", events=["*"])

        async def go() -> Any:
            await c.webhooks.create(name="n", url="https://x.test", events=["*"])
            return await c.webhooks.create(name="n", url="https://x.test", events=["*"])

        return go()

    run(twice)
    keys = [call.request.headers["idempotency-key"] for call in route.calls]
    assert len(set(keys)) == 2


def test_explicit_idempotency_key_and_per_request_options(run: Runner, api: respx.MockRouter) -> None:
    route = api.post("/api/integrations/webhooks").respond(json=OK)
    run(
        lambda c: c.webhooks.create(
            name="n",
            url="https://x.test",
            events=["*"],
            idempotency_key="order-42",
            extra_headers={"X-Trace": "t1"},
            extra_query={"dry_run": "1"},
            timeout=3.5,
        )
    )
    request = route.calls.last.request
    assert request.headers["idempotency-key"] == "order-42"
    assert request.headers["x-trace"] == "t1"
    assert request.url.params["dry_run"] == "1"
    assert request.extensions["timeout"]["read"] == 3.5


def test_get_requests_carry_no_idempotency_key(run: Runner, api: respx.MockRouter) -> None:
    route = api.get(HOOK_PATH).respond(json=OK)
    run(lambda c: c.webhooks.retrieve(123))
    assert "idempotency-key" not in route.calls.last.request.headers


def test_default_timeout_has_a_short_connect_timeout(run: Runner, api: respx.MockRouter) -> None:
    route = api.get(HOOK_PATH).respond(json=OK)
    run(lambda c: c.webhooks.retrieve(123))
    timeout = route.calls.last.request.extensions["timeout"]
    assert timeout["connect"] == 5.0
    assert timeout["read"] == 60.0


def test_user_agent_names_sdk_and_python_versions(run: Runner, api: respx.MockRouter) -> None:
    route = api.get(HOOK_PATH).respond(json=OK)
    run(lambda c: c.webhooks.retrieve(123))
    agent = route.calls.last.request.headers["user-agent"]
    assert f"cortexbuild-sdk-python/{cortexbuild_sdk.__version__}" in agent
    assert "Python 3." in agent


@pytest.mark.parametrize("bad_id", ["..", "", ".", True, 1.5, None])
def test_ids_that_could_change_the_route_are_refused(bad_id: Any) -> None:
    client = CortexBuild(api_key=API_KEY, base_url=BASE_URL)
    with pytest.raises((TypeError, ValueError)):
        client.webhooks.retrieve(bad_id)


def test_string_ids_are_path_quoted(run: Runner, api: respx.MockRouter) -> None:
    route = api.route().respond(json=OK)
    run(lambda c: c.webhooks.retrieve("a/b"))
    assert route.calls.last.request.url.raw_path == b"/api/integrations/webhooks/a%2Fb"


def test_a_str_where_a_list_is_due_is_refused_before_sending(api: respx.MockRouter) -> None:
    client = CortexBuild(api_key=API_KEY, base_url=BASE_URL)
    with pytest.raises(TypeError, match="list"):
        client.webhooks.create(name="n", url="https://x.test", events="project.created")
    with pytest.raises(TypeError, match="list"):
        client.keys.create(name="n", scopes="webhooks:write")


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.webhooks.update(1, nmae="typo"),
        lambda c: c.integrations.update(1, is_active=False),  # a field of another method (update_status)
        lambda c: c.webhooks.list(limt=5),
        lambda c: c.invoices.list(pagee=2),
    ],
)
def test_an_unknown_keyword_is_a_type_error_and_sends_nothing(run: Runner, api: respx.MockRouter, call: Any) -> None:
    route = api.route().mock(return_value=httpx.Response(200, json=OK))
    with pytest.raises(TypeError, match=r"\(\) got an unexpected keyword argument '(nmae|is_active|limt|pagee)'"):
        run(call)
    assert not route.called


@pytest.mark.parametrize(
    ("bad", "error"), [(None, TypeError), ("2", TypeError), (1.5, TypeError), (True, TypeError), (-1, ValueError)]
)
@pytest.mark.parametrize(
    "call",
    [
        lambda c, bad: c.webhooks.retrieve(1, max_retries=bad),
        lambda c, bad: c.webhooks.list(max_retries=bad),
        lambda c, bad: c.projects.list(max_retries=bad),
    ],
)
def test_a_bad_per_request_max_retries_is_refused_before_sending(
    run: Runner, api: respx.MockRouter, bad: object, error: type[Exception], call: Any
) -> None:
    # None or "2" used to pass until the first failed attempt, then raise a bare comparison TypeError; -1 and
    # 1.5 were taken silently.
    route = api.route().mock(return_value=httpx.Response(500, json={"error": "boom"}))
    with pytest.raises(error, match="max_retries must be"):
        run(lambda c: call(c, bad))
    assert not route.called
