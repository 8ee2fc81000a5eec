"""The HTTP engine behind both clients: request building, retries, error mapping and parsing.

Everything that decides *what* to do lives in :class:`BaseClient`; :class:`SyncAPIClient` and
:class:`AsyncAPIClient` only run the loop, and differ by ``await`` alone.
"""

from __future__ import annotations

import asyncio
import logging
import platform
import random
import time
import uuid
from collections.abc import Mapping
from contextlib import ExitStack
from typing import Any, TypeVar

import httpx

from . import _logging
from ._exceptions import (
    APIConnectionError,
    APITimeoutError,
    make_status_error,
)
from ._resource import NumberedPageSpec, PageSpec, RequestSpec
from ._responses import ResponseParser
from ._retry_after import parse_retry_after
from ._types import RequestOptions, Timeout, check_max_retries
from ._uploads import Saved, open_sink, open_uploads
from ._version import __version__
from .pagination import (
    AsyncNumberedPage,
    AsyncNumberedPaginator,
    AsyncPage,
    AsyncPaginator,
    SyncNumberedPage,
    SyncPage,
)

__all__ = ["DEFAULT_MAX_RETRIES", "DEFAULT_TIMEOUT", "AsyncAPIClient", "BaseClient", "SyncAPIClient"]

T = TypeVar("T")

DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=5.0)
DEFAULT_MAX_RETRIES = 2
INITIAL_RETRY_DELAY = 0.5
MAX_RETRY_DELAY = 8.0
MAX_RETRY_AFTER = 60.0
_RETRY_STATUSES = frozenset({408, 409, 429})
# What parsing a body of the wrong shape raises; each becomes an APIResponseValidationError.
_USER_AGENT = f"cortexbuild-sdk-python/{__version__} (Python {platform.python_version()}; {platform.system()})"


class BaseClient(ResponseParser):
    """Configuration and every decision shared by the sync and async engines."""

    api_key: str
    base_url: str
    timeout: Timeout
    max_retries: int

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str,
        timeout: Timeout,
        max_retries: int,
        default_headers: Mapping[str, str] | None,
    ) -> None:
        check_max_retries(max_retries)
        self.api_key = api_key
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_retries = max_retries
        self._default_headers = dict(default_headers or {})
        _logging.setup_from_env()

    @property
    def default_headers(self) -> dict[str, str]:
        """The headers every request carries (a fresh dict): these defaults, then ``default_headers=``."""
        return {
            "Accept": "application/json",
            "User-Agent": _USER_AGENT,
            "Authorization": f"Bearer {self.api_key}",
            **self._default_headers,
        }

    def _build_request(
        self,
        http: httpx.Client | httpx.AsyncClient,
        method: str,
        path: str,
        *,
        body: Any = None,
        query: Mapping[str, Any] | None = None,
        options: RequestOptions,
        files: Mapping[str, Any] | None = None,
    ) -> httpx.Request:
        headers = self.default_headers
        if method == "POST":
            # One key per logical call, reused by every retry of it, so the server can de-duplicate.
            headers["Idempotency-Key"] = options.get("idempotency_key") or f"cb-{uuid.uuid4().hex}"
        elif "idempotency_key" in options:
            headers["Idempotency-Key"] = options["idempotency_key"]
        headers.update(options.get("extra_headers") or {})
        extra_body = options.get("extra_body")
        if extra_body:
            if body is not None and not isinstance(body, Mapping):
                raise TypeError(f"extra_body needs a JSON object body; {method} {path} sends {type(body).__name__}")
            body = {**(body or {}), **extra_body}
        params = {k: v for k, v in (query or {}).items() if v is not None}
        params.update(options.get("extra_query") or {})
        request = http.build_request(
            method,
            self.base_url + path,
            # With files the body is the multipart form's text fields, not JSON.
            json=body if files is None else None,
            data=body if files is not None else None,
            files=files,
            params=params or None,
            headers=headers,
            timeout=options.get("timeout", self.timeout),
        )
        if _logging.logger.isEnabledFor(logging.DEBUG):
            _logging.logger.debug(
                "request %s %s headers=%s body=%s",
                method,
                request.url,
                _logging.redact_headers(dict(request.headers)),
                _logging.redact(body),
            )
        return request

    def _retry_delay(self, retries_taken: int, response: httpx.Response | None) -> float:
        """Honour Retry-After when it is sane (0-60 s), else exponential backoff with jitter."""
        if response is not None:
            retry_after = parse_retry_after(response.headers)
            if retry_after is not None and 0 <= retry_after <= MAX_RETRY_AFTER:
                return retry_after
        delay = min(INITIAL_RETRY_DELAY * 2.0**retries_taken, MAX_RETRY_DELAY)
        return delay * (1 - 0.25 * random.random())

    @staticmethod
    def _should_retry(response: httpx.Response) -> bool:
        # The server may overrule the status-based policy, e.g. for a 409 that is a lasting state conflict.
        verdict: str | None = response.headers.get("x-should-retry")
        if verdict in ("true", "false"):
            return verdict == "true"
        return response.status_code in _RETRY_STATUSES or response.status_code >= 500

    def _after_response(self, response: httpx.Response, retries_taken: int, max_retries: int) -> float | None:
        """None when the response is final (returned or raised), else the delay before the next try."""
        if _logging.logger.isEnabledFor(logging.DEBUG):
            _logging.logger.debug(
                "response %s %s -> %s (request id %s)",
                response.request.method,
                response.request.url,
                response.status_code,
                response.headers.get("x-request-id"),
            )
        if response.is_success:
            return None
        if retries_taken < max_retries and self._should_retry(response):
            return self._retry_delay(retries_taken, response)
        raise make_status_error(response)

    def _after_transport_error(
        self, request: httpx.Request, error: httpx.TransportError, retries_taken: int, max_retries: int
    ) -> float:
        """The delay before retrying a failed connection, or the typed error when out of retries."""
        _logging.logger.debug("request %s %s failed: %r", request.method, request.url, error)
        if retries_taken < max_retries:
            return self._retry_delay(retries_taken, None)
        if isinstance(error, httpx.TimeoutException):
            raise APITimeoutError(request) from error
        raise APIConnectionError(request, message=f"Connection error: {error}") from error

    @staticmethod
    def _transfer_options(spec: RequestSpec[Any]) -> RequestOptions:
        # A part read from a pipe cannot be rewound, so a retry would send it truncated: send it once.
        if spec.files and not all(upload.rewindable for upload in spec.files.values()):
            return {**spec.options, "max_retries": 0}
        return spec.options


def _following(items: list[Any], cursor: str | None, next_cursor: str | None) -> str | None:
    """The cursor to follow after a page, or None to end the walk. An empty page, or a ``next_cursor`` equal to
    the cursor that fetched the page, ends it: a server that keeps answering so must not send a client round
    an endless loop (page-numbered lists stop likewise, see ``pagination.PageInfo``)."""
    return None if not items or next_cursor == cursor else next_cursor


class SyncAPIClient(BaseClient):
    """Runs requests on an ``httpx.Client``."""

    _http: httpx.Client

    def _send(
        self,
        method: str,
        path: str,
        body: Any,
        query: Any,
        options: RequestOptions,
        *,
        files: Mapping[str, Any] | None = None,
        stream: bool = False,
    ) -> httpx.Response:
        request = self._build_request(self._http, method, path, body=body, query=query, options=options, files=files)
        max_retries = options.get("max_retries", self.max_retries)
        retries_taken = 0
        while True:
            try:
                response = self._http.send(request, stream=stream)
                if stream and not response.is_success:
                    response.read()  # errors are parsed from their (small) JSON body
            except httpx.TransportError as exc:
                delay = self._after_transport_error(request, exc, retries_taken, max_retries)
            else:
                retry_in = self._after_response(response, retries_taken, max_retries)
                if retry_in is None:
                    return response
                delay = retry_in
            time.sleep(delay)
            retries_taken += 1

    def _execute(self, spec: RequestSpec[T]) -> T:
        if spec.transfers_files:
            return self._transfer(spec)
        response = self._send(spec.method, spec.path, spec.body, spec.query, spec.options)
        return self._parse(spec, response)

    def _fetch_page(self, spec: PageSpec[T], cursor: str | None) -> SyncPage[T]:
        response = self._send("GET", spec.path, None, self._page_query(spec, cursor), spec.options)
        items, next_cursor = self._parse_page(spec, response)
        return SyncPage(items, _following(items, cursor, next_cursor), lambda c: self._fetch_page(spec, c))

    def _paginate(self, spec: PageSpec[T]) -> SyncPage[T]:
        return self._fetch_page(spec, None)

    def _fetch_numbered_page(self, spec: NumberedPageSpec[T], page: int | None) -> SyncNumberedPage[T]:
        response = self._send("GET", spec.path, None, self._numbered_query(spec, page), spec.options)
        items, info = self._parse_numbered_page(spec, response)
        return SyncNumberedPage(items, info, lambda number: self._fetch_numbered_page(spec, number))

    def _paginate_numbered(self, spec: NumberedPageSpec[T]) -> SyncNumberedPage[T]:
        return self._fetch_numbered_page(spec, None)

    def _transfer(self, spec: RequestSpec[T]) -> T:
        """Run a request that uploads files or whose answer is a file rather than JSON."""
        stream = spec.sink is not None
        with ExitStack() as stack:
            files = open_uploads(spec.files, stack)
            options = self._transfer_options(spec)
            response = self._send(spec.method, spec.path, spec.body, spec.query, options, files=files, stream=stream)
        if spec.sink is not None:
            try:
                size = 0
                with open_sink(spec.sink) as (write, path):
                    for chunk in response.iter_bytes():
                        write(chunk)
                        size += len(chunk)
            except httpx.TransportError as exc:
                raise APIConnectionError(response.request, message=f"Download interrupted: {exc}") from exc
            finally:
                response.close()
            return self._parse_raw(spec, Saved(response.headers, path, size))
        return self._parse_raw(spec, response) if spec.raw else self._parse(spec, response)


class AsyncAPIClient(BaseClient):
    """Runs requests on an ``httpx.AsyncClient``."""

    _http: httpx.AsyncClient

    async def _send(
        self,
        method: str,
        path: str,
        body: Any,
        query: Any,
        options: RequestOptions,
        *,
        files: Mapping[str, Any] | None = None,
        stream: bool = False,
    ) -> httpx.Response:
        request = self._build_request(self._http, method, path, body=body, query=query, options=options, files=files)
        max_retries = options.get("max_retries", self.max_retries)
        retries_taken = 0
        while True:
            try:
                response = await self._http.send(request, stream=stream)
                if stream and not response.is_success:
                    await response.aread()  # errors are parsed from their (small) JSON body
            except httpx.TransportError as exc:
                delay = self._after_transport_error(request, exc, retries_taken, max_retries)
            else:
                retry_in = self._after_response(response, retries_taken, max_retries)
                if retry_in is None:
                    return response
                delay = retry_in
            await asyncio.sleep(delay)
            retries_taken += 1

    async def _execute(self, spec: RequestSpec[T]) -> T:
        if spec.transfers_files:
            return await self._transfer(spec)
        response = await self._send(spec.method, spec.path, spec.body, spec.query, spec.options)
        return self._parse(spec, response)

    async def _fetch_page(self, spec: PageSpec[T], cursor: str | None) -> AsyncPage[T]:
        response = await self._send("GET", spec.path, None, self._page_query(spec, cursor), spec.options)
        items, next_cursor = self._parse_page(spec, response)
        return AsyncPage(items, _following(items, cursor, next_cursor), lambda c: self._fetch_page(spec, c))

    def _paginate(self, spec: PageSpec[T]) -> AsyncPaginator[T]:
        return AsyncPaginator(lambda: self._fetch_page(spec, None))

    async def _fetch_numbered_page(self, spec: NumberedPageSpec[T], page: int | None) -> AsyncNumberedPage[T]:
        response = await self._send("GET", spec.path, None, self._numbered_query(spec, page), spec.options)
        items, info = self._parse_numbered_page(spec, response)
        return AsyncNumberedPage(items, info, lambda number: self._fetch_numbered_page(spec, number))

    def _paginate_numbered(self, spec: NumberedPageSpec[T]) -> AsyncNumberedPaginator[T]:
        return AsyncNumberedPaginator(lambda: self._fetch_numbered_page(spec, None))

    async def _transfer(self, spec: RequestSpec[T]) -> T:
        """Run a request that uploads files or whose answer is a file rather than JSON."""
        stream = spec.sink is not None
        with ExitStack() as stack:
            files = open_uploads(spec.files, stack)
            options = self._transfer_options(spec)
            response = await self._send(
                spec.method, spec.path, spec.body, spec.query, options, files=files, stream=stream
            )
        if spec.sink is not None:
            try:
                size = 0
                # Writes are synchronous: chunks are small and a file write does not wait on the network.
                with open_sink(spec.sink) as (write, path):
                    async for chunk in response.aiter_bytes():
                        write(chunk)
                        size += len(chunk)
            except httpx.TransportError as exc:
                raise APIConnectionError(response.request, message=f"Download interrupted: {exc}") from exc
            finally:
                await response.aclose()
            return self._parse_raw(spec, Saved(response.headers, path, size))
        return self._parse_raw(spec, response) if spec.raw else self._parse(spec, response)
