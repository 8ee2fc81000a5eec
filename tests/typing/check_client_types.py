"""Checked by mypy in CI (not run by pytest): the descriptor overloads give users exact types."""

from __future__ import annotations

from typing_extensions import assert_type

from cortexbuild_sdk import AsyncCortexBuild, AsyncPaginator, CortexBuild, SyncPage
from cortexbuild_sdk.types import ApiKeyWithSecret, Webhook, WebhookTestResult


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
    assert_type(await client.keys.roll(3), ApiKeyWithSecret)


def local_options_are_typed() -> None:
    from cortexbuild_sdk.local import ManualClock

    CortexBuild.local(tier="pro", clock=ManualClock())
    CortexBuild.local(teir="pro")  # type: ignore[call-arg]  # a typo is caught by the type checker


def connector_wrappers_are_typed(client: CortexBuild) -> None:
    from cortexbuild_sdk.types import ActionResult, ProviderRequestLog, SyncRun

    assert_type(client.integrations.sync(1), SyncRun | None)
    assert_type(client.integrations.requests(1), SyncPage[ProviderRequestLog])
    assert_type(client.integrations.slack(1).send_message(channel="#a", text="t"), ActionResult)
    assert_type(client.integrations.quickbooks(1).sync_invoices(), ActionResult)
    CortexBuild.local(provider_urls={"slack": "http://127.0.0.1:8123"})


async def async_connector_wrappers_are_typed(client: AsyncCortexBuild) -> None:
    from cortexbuild_sdk.types import ActionResult

    assert_type(await client.integrations.google_drive(1).upload_document(3), ActionResult)
