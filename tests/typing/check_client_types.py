"""Checked by mypy in CI (not run by pytest): the descriptor overloads give users exact types."""

from __future__ import annotations

from typing_extensions import assert_type

from cortexbuild_sdk import AsyncCortexBuild, AsyncPage, AsyncPaginator, CortexBuild, SyncPage
from cortexbuild_sdk.types import AIRequest, ApiKeyWithSecret, Webhook, WebhookTestResult


def sync_usage(client: CortexBuild) -> None:
    assert_type(client.webhooks.retrieve(1), Webhook)
    assert_type(client.webhooks.list(), SyncPage[Webhook])
    assert_type(client.webhooks.test(1, timeout=3.0), WebhookTestResult)
    assert_type(client.keys.create(name="ci", scopes=["webhooks:write"]), ApiKeyWithSecret)
    assert_type(client.webhooks.delete(1), None)
    for hook in client.webhooks.list():
        assert_type(hook, Webhook)


async def async_usage(client: AsyncCortexBuild) -> None:
    assert_type(await client.webhooks.retrieve(1), Webhook)
    assert_type(client.webhooks.list(), AsyncPaginator[Webhook])
    async for hook in client.webhooks.list():
        assert_type(hook, Webhook)
    async for page in client.webhooks.list().iter_pages():
        assert_type(page, AsyncPage[Webhook])
    assert_type(await client.keys.roll(3), ApiKeyWithSecret)
    assert_type(
        await client.usage.record_ai_request(model="m", provider="p", metadata={"a": 1}, extra_body={"x": 1}),
        AIRequest,
    )


def local_options_are_typed() -> None:
    from cortexbuild_sdk.local import ManualClock

    CortexBuild.local(tier="pro", clock=ManualClock())
    CortexBuild.local(teir="pro")  # type: ignore[call-arg]  # a typo is caught by the type checker
