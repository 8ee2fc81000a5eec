"""What the construction-domain route modules share: the list query, the envelopes and the CRUD route rows.

Envelopes (CONTRACT.md, "Construction domain"): list ``{data, pagination}``, get ``{data}``, create 201
``{data, message}``, update ``{data, message}``, delete ``{message}``, actions ``{data}``; the app adds
``success``. Update is ``PUT /:id`` with ``PATCH /:id`` as a synonym.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel

from ..errors import Invalid
from ..routing import Call, Route
from ..services.context import Ctx
from ..services.domain import DEFAULT_LIMIT, MAX_LIMIT, ListQuery, Resource
from .bodies import parse
from .domain_bodies import DomainBody

__all__ = ["Filter", "crud_routes", "list_query"]

Handler = Callable[[Call], "tuple[int, dict[str, Any]]"]
Filter = Callable[[str, str], Any]  # (name, raw query value) -> the value to filter on


def _bad(name: str, problem: str) -> Invalid:
    message = f"query parameter {name} {problem}"
    return Invalid(message, details=[{"field": name, "message": problem}])


def _int(name: str, raw: str, lo: int, hi: int) -> int:
    # ASCII digits only ("²".isdigit() is true, int("²") fails) and short enough for int() to take.
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 19) or not lo <= int(raw) <= hi:
        raise _bad(name, f"must be an integer from {lo} to {hi}, got {raw!r}")
    return int(raw)


def id_filter(name: str, raw: str) -> int:
    return _int(name, raw, 1, 2**63 - 1)


def bool_filter(name: str, raw: str) -> int:
    if raw.lower() in ("true", "1"):
        return 1
    if raw.lower() in ("false", "0"):
        return 0
    raise _bad(name, f"must be true or false, got {raw!r}")


def text_filter(name: str, raw: str) -> str:
    if len(raw) > 200:
        raise _bad(name, "must be at most 200 characters")
    return raw


def list_query(query: Mapping[str, str], res: Resource, filters: Mapping[str, Filter]) -> ListQuery:
    """``page`` (from 1), ``limit`` (1-100, default 20), ``status``, ``search`` and the resource's filters."""
    page = _int("page", query["page"], 1, 1_000_000) if query.get("page") else 1
    limit = _int("limit", query["limit"], 1, MAX_LIMIT) if query.get("limit") else DEFAULT_LIMIT
    status = query.get("status") or None
    if status is not None and status not in res.statuses:
        expected = ", ".join(res.statuses) if res.statuses else "nothing (this resource has no status)"
        raise _bad("status", f"must be one of: {expected}; got {status!r}")
    search = query.get("search") or None
    if search is not None:
        search = text_filter("search", search.strip()) or None
    chosen = {name: parse_filter(name, query[name]) for name, parse_filter in filters.items() if query.get(name)}
    return ListQuery(page=page, limit=limit, status=status, search=search, filters=chosen)


def crud_routes(
    path: str,
    area: str,
    res: Resource,
    *,
    service: Any,
    listing: Callable[[Ctx, ListQuery], tuple[list[dict[str, Any]], dict[str, int]]],
    create_body: type[DomainBody],
    update_body: type[DomainBody],
    filters: Mapping[str, Filter],
    label: str,
) -> tuple[Route, ...]:
    """The seven rows every domain resource has: list, create, get, PUT + PATCH update, delete.

    ``service`` is the area's service module (``create``, ``retrieve``, ``update``, ``delete``)."""
    if update_body.table != res.table:  # its NOT NULL columns are read from this table's schema
        raise TypeError(f"{update_body.__name__}.table must be {res.table!r}, not {update_body.table!r}")
    read, write = f"{area}:read", f"{area}:write"

    def list_(call: Call) -> tuple[int, dict[str, Any]]:
        data, pagination = listing(call.ctx, list_query(call.query, res, filters))
        return 200, {"data": data, "pagination": pagination}

    def create(call: Call) -> tuple[int, dict[str, Any]]:
        body = parse(create_body, call.body)
        return 201, {"data": service.create(call.ctx, body.given()), "message": f"{label} created successfully"}

    def retrieve(call: Call) -> tuple[int, dict[str, Any]]:
        return 200, {"data": service.retrieve(call.ctx, call.params["id"])}

    def update(call: Call) -> tuple[int, dict[str, Any]]:
        changes = parse(update_body, call.body).changes()
        obj = service.update(call.ctx, call.params["id"], changes)
        return 200, {"data": obj, "message": f"{label} updated successfully"}

    def delete(call: Call) -> tuple[int, dict[str, Any]]:
        service.delete(call.ctx, call.params["id"])
        return 200, {"message": f"{label} deleted successfully"}

    one = f"{path}/:id"
    return (
        Route("GET", path, list_, scope=read, group=area),
        Route("POST", path, create, scope=write, group=area, takes_body=True),
        Route("GET", one, retrieve, scope=read, group=area),
        Route("PUT", one, update, scope=write, group=area, takes_body=True),
        Route("PATCH", one, update, scope=write, group=area, takes_body=True),
        Route("DELETE", one, delete, scope=write, group=area),
    )


def action(
    path: str, area: str, run: Callable[[Call], dict[str, Any]], *, body: bool = False, method: str = "PUT"
) -> Route:
    """An action route (``PUT /:id/answer`` ...) answering ``{data}`` with the object after the action."""

    def handler(call: Call) -> tuple[int, dict[str, Any]]:
        return 200, {"data": run(call)}

    return Route(method, path, handler, scope=f"{area}:write", group=area, takes_body=body)


def body_of(model: type[BaseModel], call: Call) -> Any:
    return parse(model, call.body)
