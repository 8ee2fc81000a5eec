"""Every list route of CONTRACT.md through both clients: whole lists as the platform sends them, and cursors."""

from __future__ import annotations

from typing import Any

import pytest
import respx

from cortexbuild_sdk.types import ApiKey, Integration, MarketplaceModule, Sandbox, Webhook, WebhookLog

from .conftest import Runner
from .contract_bodies import API_KEY, INTEGRATION, SANDBOX, WEBHOOK, WEBHOOK_LOG, ok

LISTS = [
    (
        "integrations.list",
        lambda c: c.integrations.list(),
        "/api/integrations/list",
        "integrations",
        INTEGRATION,
        Integration,
    ),
    ("webhooks.list", lambda c: c.webhooks.list(), "/api/integrations/webhooks/list", "webhooks", WEBHOOK, Webhook),
    (
        "webhooks.logs",
        lambda c: c.webhooks.logs(123),
        "/api/integrations/webhooks/123/logs",
        "logs",
        WEBHOOK_LOG,
        WebhookLog,
    ),
    ("keys.list", lambda c: c.keys.list(), "/api/sdk/keys", "keys", API_KEY, ApiKey),
    ("sandboxes.list", lambda c: c.sandboxes.list(), "/api/sdk/sandboxes", "sandboxes", SANDBOX, Sandbox),
    (
        "marketplace.modules.list",
        lambda c: c.marketplace.modules.list(),
        "/api/sdk/marketplace/modules",
        "modules",
        {"id": 4, "name": "Punch List Pro", "price": 0},
        MarketplaceModule,
    ),
]


@pytest.mark.parametrize(("name", "call", "path", "key", "item", "model"), LISTS, ids=[entry[0] for entry in LISTS])
def test_list_whole_as_the_platform_sends_it(
    name: str, call: Any, path: str, key: str, item: dict[str, Any], model: type, run: Runner, api: respx.MockRouter
) -> None:
    route = api.get(path).respond(json=ok(**{key: [item, {**item, "id": 99}]}))
    items = run.collect(call)
    assert [type(i) for i in items] == [model, model]
    assert [i.id for i in items] == [item["id"], 99]
    assert route.call_count == 1  # no next_cursor: one request, then iteration ends


@pytest.mark.parametrize(("name", "call", "path", "key", "item", "model"), LISTS, ids=[entry[0] for entry in LISTS])
def test_list_follows_cursors_across_pages(
    name: str, call: Any, path: str, key: str, item: dict[str, Any], model: type, run: Runner, api: respx.MockRouter
) -> None:
    pages = {
        None: ok(**{key: [{**item, "id": 1}]}, next_cursor="c1"),
        "c1": ok(**{key: [{**item, "id": 2}, {**item, "id": 3}]}, next_cursor="c2"),
        "c2": ok(**{key: []}, next_cursor=None),
    }

    def respond(request: Any) -> Any:
        import httpx

        return httpx.Response(200, json=pages[request.url.params.get("cursor")])

    route = api.get(path).mock(side_effect=respond)
    assert [i.id for i in run.collect(call)] == [1, 2, 3]
    assert route.call_count == 3


def test_logs_sends_the_seed_default_limit(run: Runner, api: respx.MockRouter) -> None:
    route = api.get("/api/integrations/webhooks/5/logs").respond(json=ok(logs=[]))
    assert run.collect(lambda c: c.webhooks.logs(5)) == []
    assert route.calls.last.request.url.params["limit"] == "50"


@pytest.mark.parametrize(
    ("pages", "expected_ids", "requests"),
    [
        # The same next_cursor again and again: the walk used to request page "c1" for ever.
        ({None: (1, "c1"), "c1": (2, "c1")}, [1, 2], 2),
        # Empty pages that still name a next cursor (each a new one): the walk used to go on for ever.
        ({None: (1, "c1"), **{f"c{n}": (None, f"c{n + 1}") for n in range(1, 50)}}, [1], 2),
    ],
    ids=["repeated-cursor", "empty-pages-with-cursors"],
)
def test_a_server_whose_cursor_does_not_advance_ends_the_walk(
    pages: dict[str | None, tuple[int | None, str]],
    expected_ids: list[int],
    requests: int,
    run: Runner,
    api: respx.MockRouter,
) -> None:
    import httpx

    def respond(request: httpx.Request) -> httpx.Response:
        item_id, next_cursor = pages[request.url.params.get("cursor")]
        items = [] if item_id is None else [{**WEBHOOK, "id": item_id}]
        return httpx.Response(200, json=ok(webhooks=items, next_cursor=next_cursor))

    route = api.get("/api/integrations/webhooks/list").mock(side_effect=respond)
    assert [hook.id for hook in run.collect(lambda c: c.webhooks.list(limit=1))] == expected_ids
    assert route.call_count == requests
