"""Pages of list results. Iterating a page walks every item across pages, fetching as it goes.

The platform's own list routes return everything at once (no ``next_cursor``): iteration then simply
ends after the first page. The local backend and future servers add ``limit``/``cursor``/``next_cursor``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

__all__ = [
    "AsyncNumberedPage",
    "AsyncNumberedPaginator",
    "AsyncPage",
    "AsyncPaginator",
    "PageInfo",
    "SyncNumberedPage",
    "SyncPage",
]

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


# Page-numbered lists (the construction routes: ``{"data": [...], "pagination": {page, limit, total,
# totalPages}}``). They are cursor pages whose cursor is the next page number, so iteration, ``iter_pages``
# and ``AsyncPaginator`` work unchanged; the numbers themselves are exposed as ``page_info``.


@dataclass(frozen=True)
class PageInfo:
    """The ``pagination`` block of a page-numbered list."""

    page: int
    """This page's number, from 1."""
    limit: int
    total: int
    """Items across all pages when this page was read."""
    total_pages: int

    def next_page_number(self, items_on_page: int) -> int | None:
        # An empty page ends iteration even if totalPages says otherwise: a server that miscounts must not
        # send a client round an endless loop.
        return self.page + 1 if self.page < self.total_pages and items_on_page else None


class SyncNumberedPage(SyncPage[T]):
    """One page of a page-numbered list; ``for item in page`` continues through all later pages."""

    def __init__(self, data: list[T], info: PageInfo, fetch: Callable[[int], SyncNumberedPage[T]] | None) -> None:
        following = info.next_page_number(len(data))
        super().__init__(data, None if following is None else str(following), _by_number(fetch))
        self.page_info = info

    def next_page(self) -> SyncNumberedPage[T]:
        page = super().next_page()
        assert isinstance(page, SyncNumberedPage)
        return _advancing(self, page)

    def iter_pages(self) -> Iterator[SyncNumberedPage[T]]:
        page = self
        yield page
        while page.has_next_page():
            page = page.next_page()
            yield page

    def __repr__(self) -> str:
        return f"{type(self).__name__}(data={self.data!r}, page_info={self.page_info!r})"


class AsyncNumberedPage(AsyncPage[T]):
    """One page of a page-numbered list; ``async for item in page`` continues through all later pages."""

    def __init__(
        self, data: list[T], info: PageInfo, fetch: Callable[[int], Awaitable[AsyncNumberedPage[T]]] | None
    ) -> None:
        following = info.next_page_number(len(data))
        super().__init__(data, None if following is None else str(following), _by_number(fetch))
        self.page_info = info

    async def next_page(self) -> AsyncNumberedPage[T]:
        page = await super().next_page()
        assert isinstance(page, AsyncNumberedPage)
        return _advancing(self, page)

    async def iter_pages(self) -> AsyncIterator[AsyncNumberedPage[T]]:
        page = self
        yield page
        while page.has_next_page():
            page = await page.next_page()
            yield page

    def __repr__(self) -> str:
        return f"{type(self).__name__}(data={self.data!r}, page_info={self.page_info!r})"


class AsyncNumberedPaginator(AsyncPaginator[T]):
    """What an async page-numbered list returns: ``await`` it for the first page, or ``async for`` every item."""

    def __init__(self, first_page: Callable[[], Awaitable[AsyncNumberedPage[T]]]) -> None:
        super().__init__(first_page)
        self._first_numbered = first_page

    def __await__(self) -> Generator[Any, None, AsyncNumberedPage[T]]:
        return self._first_numbered().__await__()

    async def iter_pages(self) -> AsyncIterator[AsyncNumberedPage[T]]:
        """Every page, the first one included, with no await first."""
        page = await self._first_numbered()
        async for each in page.iter_pages():
            yield each


R = TypeVar("R")
P = TypeVar("P", SyncNumberedPage[Any], AsyncNumberedPage[Any])


def _advancing(previous: SyncNumberedPage[Any] | AsyncNumberedPage[Any], page: P) -> P:
    # A server whose page number does not advance (it answers page 1, or 0, again) ends the walk there:
    # iteration must never loop a client round the same page for ever.
    if page.page_info.page <= previous.page_info.page:
        page.next_cursor = None
    return page


def _by_number(fetch: Callable[[int], R] | None) -> Callable[[str], R] | None:
    return None if fetch is None else (lambda cursor: fetch(int(cursor)))
