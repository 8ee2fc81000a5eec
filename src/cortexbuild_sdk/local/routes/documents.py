"""/api/documents routes: multipart uploads streamed to the file store, downloads streamed back.

The domain envelope (CONTRACT.md, "Construction domain"): list ``{data, pagination}``, get ``{data}``, create
201 ``{data, message}``, update ``{data, message}``, delete ``{message}``; the app adds ``success``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, cast
from urllib.parse import quote

from .. import errors
from ..http import RawResponse, RequestBody
from ..routing import Call, RawBody, Route
from ..services import documents
from ..services.context import Ctx
from ..services.domain import refuse_nulls
from ..uploads import FORM_OVERHEAD, Upload, read_upload

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_TEXT_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # descriptions may hold tabs and newlines
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s]{1,63}$")
_TRUE, _FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")
_CREATE_FIELDS = ("project_id", "name", "description", "category", "is_public")
_VERSION_FIELDS = ("name", "description", "category", "is_public")
_UPDATE_FIELDS = (*_VERSION_FIELDS, "project_id")


def _invalid(name: str, message: str) -> errors.Invalid:
    return errors.Invalid(f"{name}: {message}", details=[{"field": name, "message": message}])


def _id(value: Any, name: str) -> int:
    text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    if not (text.isascii() and text.isdigit()) or len(text) > 18 or int(text) < 1:
        raise _invalid(name, "must be a positive integer")
    return int(text)


def _name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _invalid("name", "is required (1-255 characters)")
    if _CONTROL.search(value):
        raise _invalid("name", "must not contain control characters (CR, LF, ...)")
    name = value.strip()
    if len(name) > 255:
        raise _invalid("name", "must be at most 255 characters")
    return name


def _description(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 5000 or _TEXT_CONTROL.search(value):
        raise _invalid("description", "must be text of at most 5000 characters without control characters")
    return value


def _category(value: Any) -> str:
    if value not in documents.CATEGORIES:
        raise _invalid("category", f"must be one of {', '.join(documents.CATEGORIES)}")
    return cast(str, value)


def _flag(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in (*_TRUE, *_FALSE):
        return value.strip().lower() in _TRUE
    raise _invalid(name, "must be true or false")


def _metadata(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Validated optional metadata (name, description, category, is_public) present in ``fields``."""
    out: dict[str, Any] = {}
    if "name" in fields:
        out["name"] = _name(fields["name"])
    if "description" in fields:
        out["description"] = _description(fields["description"])
    if "category" in fields:
        out["category"] = _category(fields["category"])
    if "is_public" in fields:
        out["is_public"] = _flag(fields["is_public"], "is_public")
    return out


# ---- uploads ------------------------------------------------------------------------------------------------


def _reader(allowed: tuple[str, ...]) -> Any:
    def read(ctx: Ctx, body: RequestBody) -> Upload:
        store = documents.store_for(ctx)
        return read_upload(store, body, allowed_fields=allowed, file_limit=documents.upload_limit(ctx))

    return read


def _upload_body(allowed: tuple[str, ...]) -> RawBody:
    return RawBody(
        limit=documents.upload_limit,
        read=_reader(allowed),
        max_limit=lambda rt: documents.max_upload_limit(rt.upload_limits),
        overhead=FORM_OVERHEAD,
    )


def create(call: Call) -> tuple[int, dict[str, Any]]:
    upload = cast(Upload, call.body)
    fields = upload.fields
    if "project_id" not in fields:
        raise _invalid("project_id", "is required")
    meta = _metadata(fields)
    if "name" not in meta:
        raise _invalid("name", "is required (1-255 characters)")
    document = documents.create(call.ctx, upload, project_id=_id(fields["project_id"], "project_id"), **meta)
    return 201, {"data": document, "message": "Document uploaded successfully"}


def add_version(call: Call) -> tuple[int, dict[str, Any]]:
    upload = cast(Upload, call.body)
    document = documents.add_version(call.ctx, call.params["id"], upload, _metadata(upload.fields))
    return 201, {"data": document, "message": f"Version {document['version']} uploaded successfully"}


# ---- the rest ---------------------------------------------------------------------------------------------


def _page(query: Mapping[str, str], name: str, default: int, hi: int) -> int:
    if name not in query:
        return default
    value = query[name].strip()
    if not (value.isascii() and value.isdigit() and len(value) <= 19) or not 1 <= int(value) <= hi:
        raise _invalid(name, f"must be an integer from 1 to {hi}")
    return int(value)


def list_(call: Call) -> tuple[int, dict[str, Any]]:
    q = call.query
    page, limit = _page(q, "page", 1, 1_000_000), _page(q, "limit", 20, 100)
    search = q.get("search") or None
    if search is not None and len(search) > 200:
        raise _invalid("search", "must be at most 200 characters")
    items, total = documents.list_documents(
        call.ctx,
        page=page,
        limit=limit,
        project_id=_id(q["project_id"], "project_id") if "project_id" in q else None,
        search=search,
        category=_category(q["category"]) if "category" in q else None,
        parent_document_id=_id(q["parent_document_id"], "parent_document_id") if "parent_document_id" in q else None,
    )
    pages = (total + limit - 1) // limit
    return 200, {"data": items, "pagination": {"page": page, "limit": limit, "total": total, "totalPages": pages}}


def retrieve(call: Call) -> tuple[int, dict[str, Any]]:
    return 200, {"data": documents.retrieve(call.ctx, call.params["id"])}


def _object(body: Any) -> Mapping[str, Any]:
    if not isinstance(body, dict):
        raise errors.Invalid("the request body must be a JSON object")
    return body


def update(call: Call) -> tuple[int, dict[str, Any]]:
    body = _object(call.body)
    unknown = sorted(set(body) - set(_UPDATE_FIELDS))
    if unknown:  # like the other domain bodies: a field this route cannot change is refused, not ignored
        raise errors.Invalid(
            f"{', '.join(unknown)}: not an updatable field of a document (give {', '.join(_UPDATE_FIELDS)})",
            details=[{"field": name, "message": "extra fields not permitted"} for name in unknown],
        )
    refuse_nulls("documents", body)
    changes = _metadata(body)
    if "project_id" in body:
        changes["project_id"] = _id(body["project_id"], "project_id")
    if not changes:
        raise errors.Invalid("nothing to update: give name, description, category, is_public or project_id")
    return 200, {"data": documents.update(call.ctx, call.params["id"], changes), "message": "Document updated"}


def delete(call: Call) -> tuple[int, dict[str, Any]]:
    documents.delete(call.ctx, call.params["id"])
    return 200, {"message": "Document deleted successfully"}


def share(call: Call) -> tuple[int, dict[str, Any]]:
    body = _object(call.body)
    emails = body.get("emails")
    if emails is not None and (
        not isinstance(emails, list)
        or len(emails) > documents.MAX_SHARED_WITH
        or not all(isinstance(e, str) and _EMAIL.match(e) for e in emails)
    ):
        raise _invalid("emails", f"must be a list of at most {documents.MAX_SHARED_WITH} e-mail addresses")
    is_public = _flag(body["is_public"], "is_public") if body.get("is_public") is not None else None
    if not emails and is_public is None:
        raise errors.Invalid("give emails and/or is_public to share the document")
    document = documents.share(call.ctx, call.params["id"], emails=emails, is_public=is_public)
    return 200, {"data": document, "message": "Document shared successfully"}


def content_disposition(filename: str) -> str:
    """``attachment`` with an RFC 6266 ``filename*`` (UTF-8, percent-encoded: no quote, CR or LF survives) and
    an ASCII fallback ``filename`` for old clients."""
    fallback = "".join(c if c.isascii() and (c.isalnum() or c in " ._-()") else "_" for c in filename) or "download"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def download(call: Call) -> tuple[int, RawResponse]:
    document, chunks = documents.download(call.ctx, call.params["id"])
    filename = _CONTROL.sub("", document["file_name"] or document["name"])
    headers = {
        "content-length": str(document["file_size"]),
        "content-disposition": content_disposition(filename),
        "x-content-type-options": "nosniff",  # never let a browser run an upload as HTML or script
        "etag": f'"{document["sha256"]}"',
        "cache-control": "private, no-cache",
    }
    return 200, RawResponse(document["file_type"], chunks, headers)


_R, _W, _G = "documents:read", "documents:write", "documents"
_P = "/api/documents"
ROUTES = (
    Route("GET", _P, list_, scope=_R, group=_G),
    Route("POST", _P, create, scope=_W, group=_G, raw_body=_upload_body(_CREATE_FIELDS)),
    Route("GET", f"{_P}/:id", retrieve, scope=_R, group=_G),
    Route("PUT", f"{_P}/:id", update, scope=_W, group=_G, takes_body=True),
    Route("PATCH", f"{_P}/:id", update, scope=_W, group=_G, takes_body=True),
    Route("DELETE", f"{_P}/:id", delete, scope=_W, group=_G),
    Route("GET", f"{_P}/:id/download", download, scope=_R, group=_G),
    Route("PUT", f"{_P}/:id/share", share, scope=_W, group=_G, takes_body=True),
    Route("POST", f"{_P}/:id/versions", add_version, scope=_W, group=_G, raw_body=_upload_body(_VERSION_FIELDS)),
)
