"""Sync and async pages offer the same methods; the async list result pages without being awaited first."""

from __future__ import annotations

import asyncio

from cortexbuild_sdk import AsyncCortexBuild, AsyncPage, AsyncPaginator, SyncPage


def _public(obj: object) -> set[str]:
    return {name for name in dir(obj) if not name.startswith("_")}


async def _no_page() -> AsyncPage[int]:
    return AsyncPage([], None, None)


def test_sync_and_async_pages_offer_the_same_methods() -> None:
    sync_page, async_page = SyncPage([1], None, None), AsyncPage([1], None, None)
    assert (
        _public(sync_page) == _public(async_page) == {"data", "next_cursor", "has_next_page", "next_page", "iter_pages"}
    )
    assert hasattr(sync_page, "__iter__") and hasattr(async_page, "__aiter__")


def test_the_async_paginator_offers_every_method_that_needs_no_loaded_page() -> None:
    # What it lacks is only what describes a page already fetched: await it (or iterate) to get one.
    loaded_only = {"data", "next_cursor", "has_next_page", "next_page"}
    assert _public(AsyncPaginator(_no_page)) == _public(SyncPage([], None, None)) - loaded_only
    assert hasattr(AsyncPaginator, "__aiter__") and hasattr(AsyncPaginator, "__await__")


def test_async_iter_pages_without_awaiting_first() -> None:
    async def go() -> tuple[list[list[str]], list[str], int]:
        async with AsyncCortexBuild.local() as client:
            for number in range(5):
                await client.webhooks.create(name=f"h{number}", url="https://example.com/h", events=["*"])
            pages = [[hook.name for hook in page.data] async for page in client.webhooks.list(limit=2).iter_pages()]
            names = [hook.name async for hook in client.webhooks.list(limit=2)]
            first = await client.webhooks.list(limit=2)
            return pages, names, len(first.data)

    pages, names, first = asyncio.run(go())
    assert [len(page) for page in pages] == [2, 2, 1] and first == 2
    assert [name for page in pages for name in page] == names and len(set(names)) == 5
