"""Pages of list results. Iterating a page walks every item across pages, fetching as it goes.

The platform's own list routes return everything at once (no ``next_cursor``): iteration then simply
ends after the first page. The local backend and future servers add ``limit``/``cursor``/``next_cursor``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator
from typing import Any, Generic, TypeVar

__all__ = ["AsyncPage", "AsyncPaginator", "SyncPage"]

T = TypeVar("T")


class SyncPage(Generic[T]):
    """One page of results; ``for item in page`` continues through all later pages."""

    def __init__(self, data: list[T], next_cursor: str | None, fetch: Callable[[str], SyncPage[T]] | None) -> None:
        self.data = data
        self.next_cursor = next_cursor
        self._fetch = fetch

    def has_next_page(self) -> bool:
        """Whether the server has more results after this page."""
        return bool(self.next_cursor) and self._fetch is not None

    def next_page(self) -> SyncPage[T]:
        """Fetch the page after this one."""
        if not self.has_next_page():
            raise StopIteration("no next page; check has_next_page() first")
        assert self._fetch is not None
        assert self.next_cursor
        return self._fetch(self.next_cursor)

    def iter_pages(self) -> Iterator[SyncPage[T]]:
        """This page and every later one, fetching each as the previous one is done."""
        page: SyncPage[T] = self
        yield page
        while page.has_next_page():
            page = page.next_page()
            yield page

    def __iter__(self) -> Iterator[T]:
        for page in self.iter_pages():
            yield from page.data

    def __repr__(self) -> str:
        return f"{type(self).__name__}(data={self.data!r}, next_cursor={self.next_cursor!r})"


class AsyncPage(Generic[T]):
    """One page of results; ``async for item in page`` continues through all later pages."""

    def __init__(
        self,
        data: list[T],
        next_cursor: str | None,
        fetch: Callable[[str], Awaitable[AsyncPage[T]]] | None,
    ) -> None:
        self.data = data
        self.next_cursor = next_cursor
        self._fetch = fetch

    def has_next_page(self) -> bool:
        """Whether the server has more results after this page."""
        return bool(self.next_cursor) and self._fetch is not None

    async def next_page(self) -> AsyncPage[T]:
        """Fetch the page after this one."""
        if not self.has_next_page():
            raise StopAsyncIteration("no next page; check has_next_page() first")
        assert self._fetch is not None
        assert self.next_cursor
        return await self._fetch(self.next_cursor)

    async def iter_pages(self) -> AsyncIterator[AsyncPage[T]]:
        """This page and every later one, fetching each as the previous one is done."""
        page: AsyncPage[T] = self
        yield page
        while page.has_next_page():
            page = await page.next_page()
            yield page

    async def __aiter__(self) -> AsyncIterator[T]:
        async for page in self.iter_pages():
            for item in page.data:
                yield item

    def __repr__(self) -> str:
        return f"{type(self).__name__}(data={self.data!r}, next_cursor={self.next_cursor!r})"


class AsyncPaginator(Generic[T]):
    """What an async list method returns: ``await`` it for the first page, ``async for`` every item, or
    ``async for page in paginator.iter_pages()``, with no await first. Each of these fetches afresh."""

    def __init__(self, first_page: Callable[[], Awaitable[AsyncPage[T]]]) -> None:
        self._first_page = first_page

    def __await__(self) -> Generator[Any, None, AsyncPage[T]]:
        return self._first_page().__await__()

    async def iter_pages(self) -> AsyncIterator[AsyncPage[T]]:
        """Every page, the first one included, fetching each as the previous one is done."""
        page = await self._first_page()
        async for each in page.iter_pages():
            yield each

    async def __aiter__(self) -> AsyncIterator[T]:
        page = await self._first_page()
        async for item in page:
            yield item

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: await it for the first page>"
