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
from typing import Any, TypeVar, cast

import httpx
import pydantic

from . import _logging
from ._exceptions import (
    APIConnectionError,
    APIResponseValidationError,
    APITimeoutError,
    make_status_error,
)
from ._resource import NumberedPageSpec, PageSpec, RequestSpec, Unwrap
from ._retry_after import parse_retry_after
from ._types import RequestOptions, Timeout
from ._uploads import Saved, open_sink, open_uploads
from ._version import __version__
from .pagination import (
    AsyncNumberedPage,
    AsyncNumberedPaginator,
    AsyncPage,
    AsyncPaginator,
    PageInfo,
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
_SHAPE_ERRORS = (pydantic.ValidationError, KeyError, TypeError, ValueError, AttributeError)
_USER_AGENT = f"cortexbuild-sdk-python/{__version__} (Python {platform.python_version()}; {platform.system()})"


class BaseClient:
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
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
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
    def _json(response: httpx.Response) -> dict[str, Any]:
        """The success envelope: every 2xx body of the API is a JSON object."""
        try:
            body = response.json()
        except ValueError as exc:
            raise APIResponseValidationError(
                response, response.text, message="The server's response was not valid JSON."
            ) from exc
        if not isinstance(body, dict):
            raise APIResponseValidationError(
                response, body, message=f"Expected a JSON object from the server, got {type(body).__name__}."
            )
        return body

    def _parse(self, spec: RequestSpec[T], response: httpx.Response) -> T:
        if isinstance(spec.parse, Unwrap):
            # As for pages: bytes to model in pydantic-core; anything unexpected takes the general path.
            try:
                parsed = _object_adapter(spec.parse).model_validate_json(response.content)
                return cast(T, parsed.item)  # type: ignore[attr-defined]
            except (pydantic.ValidationError, ValueError):
                pass
        body = self._json(response)
        try:
            return spec.parse(body)
        except _SHAPE_ERRORS as exc:
            raise APIResponseValidationError(
                response, body, message=f"Unexpected response shape for {spec.method} {spec.path}: {exc}"
            ) from exc

    def _parse_page(self, spec: PageSpec[T], response: httpx.Response) -> tuple[list[T], str | None]:
        adapter = _page_adapter(spec)
        if adapter is not None:
            # Bytes to models in pydantic-core, skipping the intermediate Python dicts: a list costs a small
            # multiple of decoding its JSON. Anything unexpected takes the general path below, which reports it.
            try:
                page = adapter.model_validate_json(response.content)
            except (pydantic.ValidationError, ValueError):
                pass
            else:
                cursor = page.next_cursor  # type: ignore[attr-defined]
                return page.items, (str(cursor) if cursor else None)  # type: ignore[attr-defined]
        body = self._json(response)
        try:
            items = [spec.parse_item(item) for item in body[spec.items_key]]
        except _SHAPE_ERRORS as exc:
            raise APIResponseValidationError(
                response, body, message=f"Unexpected response shape for GET {spec.path}: {exc}"
            ) from exc
        cursor = body.get("next_cursor")
        return items, (str(cursor) if cursor else None)

    @staticmethod
    def _page_query(spec: PageSpec[Any], cursor: str | None) -> dict[str, Any]:
        query = dict(spec.query or {})
        if cursor is not None:
            query["cursor"] = cursor
        return query

    def _parse_raw(self, spec: RequestSpec[T], result: httpx.Response | Saved) -> T:
        """Parse a non-JSON success (a download), mapping shape errors like :meth:`_parse` does."""
        try:
            return spec.parse(result)
        except _SHAPE_ERRORS as exc:
            response = result if isinstance(result, httpx.Response) else None
            if response is None:
                raise
            raise APIResponseValidationError(
                response, None, message=f"Unexpected response for {spec.method} {spec.path}: {exc}"
            ) from exc

    @staticmethod
    def _transfer_options(spec: RequestSpec[Any]) -> RequestOptions:
        # A part read from a pipe cannot be rewound, so a retry would send it truncated: send it once.
        if spec.files and not all(upload.rewindable for upload in spec.files.values()):
            return {**spec.options, "max_retries": 0}
        return spec.options

    def _parse_numbered_page(self, spec: NumberedPageSpec[T], response: httpx.Response) -> tuple[list[T], PageInfo]:
        body = self._json(response)
        try:
            items = [spec.parse_item(item) for item in body[spec.items_key]]
            block = body.get("pagination")
            if block is None:  # a server that sends the whole list at once: one page of everything
                info = PageInfo(page=1, limit=len(items), total=len(items), total_pages=1)
            else:
                info = PageInfo(
                    page=_count(block["page"]),
                    limit=_count(block["limit"]),
                    total=_count(block["total"]),
                    total_pages=_count(block["totalPages"]),
                )
        except _SHAPE_ERRORS as exc:
            raise APIResponseValidationError(
                response, body, message=f"Unexpected response shape for GET {spec.path}: {exc}"
            ) from exc
        return items, info

    @staticmethod
    def _numbered_query(spec: NumberedPageSpec[Any], page: int | None) -> dict[str, Any]:
        query = dict(spec.query or {})
        if page is not None:
            query["page"] = page
        return query


def _count(value: Any) -> int:
    """A page number or count from the wire: a non-negative integer (or its digits), nothing else."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and value.isdigit() and value.isascii():
        return int(value)
    raise ValueError(f"expected a non-negative integer, got {value!r}")


# Envelope models reading a response straight from its bytes, built on first use per (model, key): building
# pydantic models at import would cost every user of the SDK start-up time.
_OBJECT_ADAPTERS: dict[tuple[type[pydantic.BaseModel], str], type[pydantic.BaseModel]] = {}
_PAGE_ADAPTERS: dict[tuple[type[pydantic.BaseModel], str], type[pydantic.BaseModel]] = {}
_MODEL_VALIDATE = pydantic.BaseModel.model_validate.__func__  # type: ignore[attr-defined]


def _object_adapter(unwrap: Unwrap[Any]) -> type[pydantic.BaseModel]:
    """A model reading ``{"<key>": {...}}`` into ``unwrap.model`` (as its ``item``)."""
    key = (unwrap.model, unwrap.key)
    adapter = _OBJECT_ADAPTERS.get(key)
    if adapter is None:
        adapter = pydantic.create_model(
            f"{unwrap.model.__name__}Envelope", item=(unwrap.model, pydantic.Field(alias=unwrap.key))
        )
        _OBJECT_ADAPTERS[key] = adapter
    return adapter


def _page_adapter(spec: PageSpec[Any]) -> type[pydantic.BaseModel] | None:
    """A model reading ``{"<items_key>": [...], "next_cursor": ...}`` (as ``items`` and ``next_cursor``), when
    the items are parsed by a model's own ``model_validate`` (so both paths give the same objects)."""
    model = getattr(spec.parse_item, "__self__", None)
    if getattr(spec.parse_item, "__func__", None) is not _MODEL_VALIDATE or not isinstance(model, type):
        return None
    key = (model, spec.items_key)
    adapter = _PAGE_ADAPTERS.get(key)
    if adapter is None:
        adapter = pydantic.create_model(
            f"{model.__name__}Page",
            items=(list[model], pydantic.Field(alias=spec.items_key)),  # type: ignore[valid-type]
            next_cursor=(Any, None),
        )
        _PAGE_ADAPTERS[key] = adapter
    return adapter


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
        return SyncPage(items, next_cursor, lambda c: self._fetch_page(spec, c))

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
        return AsyncPage(items, next_cursor, lambda c: self._fetch_page(spec, c))

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
