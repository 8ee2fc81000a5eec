"""Turning 2xx responses into results: the success envelope, objects, cursor pages and numbered pages.

Lists and objects are read from the response bytes by pydantic-core when the target is a model (no
intermediate Python dicts); anything unexpected takes the general path, which reports the shape problem as
:class:`APIResponseValidationError`.
"""

from __future__ import annotations

from typing import Any, TypeVar, cast

import httpx
import pydantic

from ._exceptions import APIResponseValidationError
from ._resource import NumberedPageSpec, PageSpec, RequestSpec, Unwrap
from ._uploads import Saved
from .pagination import PageInfo

__all__ = ["SHAPE_ERRORS", "ResponseParser"]

T = TypeVar("T")

SHAPE_ERRORS = (pydantic.ValidationError, KeyError, TypeError, ValueError, AttributeError)


class ResponseParser:
    """The parsing half of the client engine (mixed into ``BaseClient``)."""

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
        except SHAPE_ERRORS as exc:
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
        except SHAPE_ERRORS as exc:
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
        except SHAPE_ERRORS as exc:
            response = result if isinstance(result, httpx.Response) else None
            if response is None:
                raise
            raise APIResponseValidationError(
                response, None, message=f"Unexpected response for {spec.method} {spec.path}: {exc}"
            ) from exc

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
        except SHAPE_ERRORS as exc:
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
