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


def construction_types(client: CortexBuild) -> None:
    from decimal import Decimal

    from cortexbuild_sdk.pagination import SyncNumberedPage
    from cortexbuild_sdk.types import Document, DownloadedFile, Invoice, Project, Rfi, SavedFile, TimeEntrySummary

    assert_type(client.rfis.retrieve(1), Rfi)
    assert_type(client.rfis.answer(1, answer="Yes"), Rfi)
    assert_type(client.projects.list(status="active"), SyncNumberedPage[Project])
    for project in client.projects.list():
        assert_type(project, Project)
    assert_type(client.invoices.pay(1, payment_date="2025-10-09", amount=Decimal("10.50")), Invoice)
    assert_type(client.documents.create(project_id=1, name="Plan", file=b"%PDF"), Document)
    assert_type(client.documents.download(1), DownloadedFile)
    assert_type(client.documents.download_to(1, "plan.pdf"), SavedFile)
    assert_type(client.time_entries.summary(), TimeEntrySummary)
    assert_type(client.tasks.delete(1), None)
    import io
    from pathlib import Path

    with open("plan.pdf", "rb") as handle:
        client.documents.create(project_id=1, name="Plan", file=handle)
    client.documents.create_version(1, file=Path("plan-b.pdf"))
    client.documents.download_to(1, io.BytesIO())
    lines = client.invoices.retrieve(1).items
    client.purchase_orders.create(vendor="Steel Co", issue_date="2025-10-02", items=lines)
    client.invoices.pay(1, payment_date="2025-10-09", amount=10.5)  # type: ignore[arg-type]  # floats are refused


async def async_construction_types(client: AsyncCortexBuild) -> None:
    from collections.abc import Awaitable

    from cortexbuild_sdk.pagination import AsyncNumberedPage, AsyncNumberedPaginator
    from cortexbuild_sdk.types import Rfi, Task

    assert_type(client.rfis.retrieve(1), Awaitable[Rfi])
    assert_type(await client.rfis.retrieve(1), Rfi)
    assert_type(client.tasks.list(project_id=1), AsyncNumberedPaginator[Task])
    assert_type(await client.tasks.list(), AsyncNumberedPage[Task])
    async for task in client.tasks.list():
        assert_type(task, Task)
    async for page in client.tasks.list().iter_pages():
        assert_type(page, AsyncNumberedPage[Task])
        assert_type(page.page_info.total, int)


def event_data_types() -> None:
    from cortexbuild_sdk.types import Rfi
    from cortexbuild_sdk.webhooks import RfiAnsweredEvent

    def handle(event: RfiAnsweredEvent) -> None:
        assert_type(event.data.rfi, Rfi)
        assert_type(event.data.previous_status, str | None)


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
