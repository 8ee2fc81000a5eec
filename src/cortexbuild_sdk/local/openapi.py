"""The OpenAPI 3.1 document of the local backend, generated from its route table.

Paths, methods and required scopes come from ``ROUTES``; request bodies, query parameters and success
envelopes from ``routes/schemas.py`` (pydantic's JSON Schema is OpenAPI 3.1's dialect, so the models' schemas
go in as they are). Create operations carry OpenAPI links to the operations on the created object, so a
stateful fuzzer (or a reader) can chain create -> retrieve / update / delete.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from .._events import EVENT_TYPES, WILDCARD
from .._version import __version__
from .providers import PROVIDERS
from .routes import ROUTES
from .routes.schemas import BINARY, MULTIPART, QUERY, REQUESTS, RESPONSES, ErrorBody
from .routing import Route
from .services.keys import ALL_SCOPES

__all__ = ["openapi_document"]

_PARAM = re.compile(r":([A-Za-z_][A-Za-z0-9_]*)")
_REF = "#/components/schemas/{model}"
_MAX_ID = 2**63 - 1  # SQLite INTEGER
_ERRORS: dict[str, str] = {
    "400": "Invalid request: bad JSON, a body or parameter that fails validation.",
    "401": "Missing, unknown, revoked or expired API key.",
    "403": "The key lacks the scope, the plan forbids it, or a sandbox key on a live-only route.",
    "404": "No such object for this account, or no such route.",
    "409": "The object's state does not allow this now.",
    "413": "The request body is larger than the limit.",
    "429": "Rate limited; see Retry-After.",
    "502": "An upstream provider failed.",
    "503": "Temporarily unavailable (busy, shutting down, or a dependency down); see Retry-After.",
}
# Field constraints the body models check in validators (which JSON Schema cannot see), stated here.
_ENUM_ITEMS: dict[str, list[str]] = {"events": [*EVENT_TYPES, WILDCARD], "scopes": list(ALL_SCOPES)}
_ENUM_VALUES: dict[str, list[str]] = {"provider": sorted(PROVIDERS)}
_EPOCH_MS = frozenset({"expires_at", "since"})
_MAX_EPOCH_MS = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z
_PATTERNS: dict[str, str] = {"name": r"\S", "url": r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[^\s]*)?$"}


def openapi_document(routes: Iterable[Route] = ROUTES) -> dict[str, Any]:
    """The whole document as a JSON-ready dict."""
    routes = tuple(routes)
    models: set[type[BaseModel]] = {ErrorBody}
    for route in routes:
        models.add(_response(route)[1])
        body = REQUESTS.get((route.method, route.pattern)) or MULTIPART.get((route.method, route.pattern))
        if body is not None:
            models.add(body)
    keyed = [(m, "validation") for m in sorted(models, key=lambda m: m.__name__)]
    refs, defs = models_json_schema(keyed, ref_template=_REF)  # type: ignore[arg-type]
    schemas: dict[str, Any] = defs.get("$defs", {})
    for body in {REQUESTS[(r.method, r.pattern)] for r in routes if (r.method, r.pattern) in REQUESTS}:
        # Request bodies only: answers are described as they are, not as a request must be.
        _constrain(schemas[refs[(body, "validation")]["$ref"].rsplit("/", 1)[1]])
    paths: dict[str, dict[str, Any]] = {}
    ops = {(r.method, r.pattern): _operation_id(r) for r in routes}
    for route in routes:
        path = _PARAM.sub(r"{\1}", route.pattern)
        paths.setdefault(path, {})[route.method.lower()] = _operation(route, refs, ops)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "CortexBuild developer API (local backend)",
            "version": __version__,
            "description": "The platform API as served by `cortexbuild local serve`. Every answer is JSON with "
            "`success`; errors add `error` (a message), `code` and sometimes `details`.",
        },
        "servers": [{"url": "http://127.0.0.1:3001"}],
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API key: cbk_live_... (live) or cbk_test_... (a sandbox).",
                }
            },
        },
    }


def _response(route: Route) -> tuple[int, type[BaseModel]]:
    try:
        return RESPONSES[(route.method, route.pattern)]
    except KeyError:
        raise LookupError(f"no response model for {route.method} {route.pattern} in routes/schemas.py") from None


def _operation_id(route: Route) -> str:
    words = [w for w in re.split(r"[^A-Za-z0-9]+", route.pattern.replace(":", "by_")) if w and w != "api"]
    return "_".join([route.method.lower(), *words])


def _operation(route: Route, refs: dict[Any, Any], ops: dict[tuple[str, str], str]) -> dict[str, Any]:
    status, model = _response(route)
    success: dict[str, Any] = {
        "description": model.__doc__.strip().splitlines()[0] if model.__doc__ else "Success.",
        "content": {"application/json": {"schema": refs[(model, "validation")]}},
    }
    if (route.method, route.pattern) in BINARY:  # the stored file's own type: any media type
        success["content"] = {"*/*": {"schema": {"type": "string", "format": "binary"}}}
    links = _links(route, model, ops)
    if links:
        success["links"] = links
    error = {"content": {"application/json": {"schema": {"$ref": _REF.format(model="ErrorBody")}}}}
    op: dict[str, Any] = {
        "operationId": _operation_id(route),
        "summary": f"{route.method} {route.pattern}",
        "description": f"Requires the `{route.scope}` scope. Rate-limit group `{route.group}`."
        + (" Live keys only." if route.live_only else ""),
        "tags": [route.group],
        "parameters": _parameters(route),
        "responses": {
            str(status): success,
            **{code: {"description": text, **error} for code, text in _ERRORS.items()},
        },
    }
    body = REQUESTS.get((route.method, route.pattern))
    if body is not None:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": refs[(body, "validation")]}},
        }
    form = MULTIPART.get((route.method, route.pattern))
    if form is not None:
        op["requestBody"] = {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": refs[(form, "validation")],
                    "encoding": {"file": {"contentType": "application/octet-stream, */*"}},
                }
            },
        }
    return op


def _parameters(route: Route) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for name in _PARAM.findall(route.pattern):
        is_id = name == "id" or name.endswith("_id")
        schema: dict[str, Any] = {"type": "integer", "minimum": 1, "maximum": _MAX_ID} if is_id else {"type": "string"}
        if name in _ENUM_VALUES:
            schema = {"type": "string", "enum": _ENUM_VALUES[name]}
        out.append({"name": name, "in": "path", "required": True, "schema": schema})
    for param in QUERY.get((route.method, route.pattern), []):
        entry: dict[str, Any] = {"name": param.name, "in": "query", "required": param.required, "schema": param.schema_}
        if param.description:
            entry["description"] = param.description
        out.append(entry)
    return out


def _links(route: Route, model: type[BaseModel], ops: dict[tuple[str, str], str]) -> dict[str, Any]:
    """A create (POST on a collection, answering ``{<object>: {id...}}``) links to every ``<collection>/:id...``
    operation, passing the new object's id; a nested list (``.../:id/logs``) links to the operations on its
    first item (``.../:id/logs/:log_id/...``)."""
    if route.method == "GET" and route.pattern.count(":") == 1 and "next_cursor" in model.model_fields:
        return _item_links(route, model, ops)
    if route.method != "POST" or ":" in route.pattern:
        return {}
    key = next((name for name in model.model_fields if name not in ("success", "secret")), None)
    if key is None:
        return {}
    prefix = route.pattern + "/:id"
    links: dict[str, Any] = {}
    for (_method, pattern), op_id in ops.items():
        if pattern == prefix or pattern.startswith(prefix + "/"):
            if ":log_id" in pattern:
                continue
            links[op_id] = {"operationId": op_id, "parameters": {"id": f"$response.body#/{key}/id"}}
    return links


def _item_links(route: Route, model: type[BaseModel], ops: dict[tuple[str, str], str]) -> dict[str, Any]:
    items = next(name for name in model.model_fields if name not in ("success", "next_cursor"))
    outer = _PARAM.findall(route.pattern)[0]
    links: dict[str, Any] = {}
    for (_method, pattern), op_id in ops.items():
        if pattern.startswith(route.pattern + "/:"):
            inner = _PARAM.findall(pattern)[1]
            params = {outer: f"$request.path.{outer}", inner: f"$response.body#/{items}/0/id"}
            links[op_id] = {"operationId": op_id, "parameters": params}
    return links


def _constrain(schema: dict[str, Any]) -> None:
    for name, prop in schema.get("properties", {}).items():
        if name in _EPOCH_MS:
            for variant in [prop, *prop.get("anyOf", [])]:
                if variant.get("type") == "integer":
                    variant.update(minimum=0, maximum=_MAX_EPOCH_MS, description="Epoch milliseconds.")
        if name in _ENUM_ITEMS:
            for variant in [prop, *prop.get("anyOf", [])]:
                if variant.get("type") == "array":
                    variant["items"] = {"type": "string", "enum": _ENUM_ITEMS[name]}
        if name in _ENUM_VALUES and prop.get("type") == "string":
            prop["enum"] = _ENUM_VALUES[name]
        for variant in [prop, *prop.get("anyOf", [])]:
            if variant.get("type") == "integer" and "maximum" not in variant:
                variant["maximum"] = _MAX_ID  # SQLite's INTEGER range: the store cannot hold more
        if name in _PATTERNS:
            for variant in [prop, *prop.get("anyOf", [])]:
                if variant.get("type") == "string":
                    variant["pattern"] = _PATTERNS[name]
