"""Documents: real files in the content-addressed store beside the environment's database (``local/files.py``).

A document's versions are rows of their own chained by ``parent_document_id`` (the *first* version's id) with
``version`` counting 1, 2, 3... per chain. A blob goes into place in the transaction that inserts its row and
leaves in a transaction that sees no row referencing it (see ``files.py``), so the store and the table agree.
Deleting a first version deletes its whole chain (the document); deleting a later version deletes that one.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from .. import errors
from ..files import FileStore, store_beside
from ..http import iso
from ..uploads import Upload
from .common import dumps, loads, update_columns
from .context import Ctx
from .events import announce, publish

__all__ = [
    "CATEGORIES",
    "DEFAULT_UPLOAD_LIMITS",
    "add_version",
    "create",
    "delete",
    "download",
    "list_documents",
    "render",
    "retrieve",
    "share",
    "store_for",
    "update",
    "upload_limit",
]

_log = logging.getLogger("cortexbuild_sdk.local")
MiB = 1024 * 1024
CATEGORIES = ("contract", "drawing", "photo", "report", "invoice", "other")
DEFAULT_UPLOAD_LIMITS: dict[str, int] = {
    "free": 10 * MiB,
    "starter": 50 * MiB,
    "pro": 250 * MiB,
    "enterprise": 1024 * MiB,
}
"""Largest file one upload may carry, per tier (``Backend(upload_limits=...)`` overrides entries)."""
MAX_SHARED_WITH = 100


def upload_limit(ctx: Ctx) -> int:
    overrides = ctx.rt.upload_limits or {}
    tier = ctx.account.tier
    return overrides.get(tier, DEFAULT_UPLOAD_LIMITS.get(tier, DEFAULT_UPLOAD_LIMITS["free"]))


def max_upload_limit(overrides: Mapping[str, int] | None = None) -> int:
    return max({**DEFAULT_UPLOAD_LIMITS, **(overrides or {})}.values())


def store_for(ctx: Ctx) -> FileStore:
    """The store of the caller's environment: the live store's or the sandbox's own, beside its database."""
    return store_beside(ctx.env.db.path)


def render(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "company_id": row["company_id"],
        "project_id": row["project_id"],
        "name": row["name"],
        "description": row["description"],
        "file_name": row["file_name"],
        "file_size": row["file_size"],
        "file_type": row["file_type"],
        "category": row["category"],
        "is_public": bool(row["is_public"]),
        "shared_with": loads(row["shared_with"], []),
        "version": row["version"],
        "parent_document_id": row["parent_document_id"],
        "sha256": row["sha256"],
        "created_at": iso(row["created_at"]),
        "updated_at": iso(row["updated_at"]),
    }


def _project_exists(conn: sqlite3.Connection, account_id: int, project_id: int) -> bool:
    found = conn.execute("SELECT 1 FROM projects WHERE id = ? AND account_id = ?", (project_id, account_id))
    return found.fetchone() is not None


def _get(conn: sqlite3.Connection, ctx: Ctx, document_id: int) -> sqlite3.Row:
    row = conn.execute(
        "SELECT * FROM documents WHERE id = ? AND account_id = ?", (document_id, ctx.account.id)
    ).fetchone()
    if row is None:
        raise errors.NotFound("document", document_id)
    assert isinstance(row, sqlite3.Row)
    return row


def _insert(conn: sqlite3.Connection, ctx: Ctx, upload: Upload, values: dict[str, Any]) -> int:
    now = ctx.now_ms()
    row = {
        "account_id": ctx.account.id,
        "company_id": ctx.account.company_id,
        **values,
        "file_name": upload.filename,
        "file_size": upload.file.size,
        "file_type": upload.content_type,
        "sha256": upload.file.sha256,
        "created_at": now,
        "updated_at": now,
    }
    cur = conn.execute(
        f"INSERT INTO documents ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})", tuple(row.values())
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


def create(
    ctx: Ctx,
    upload: Upload,
    *,
    project_id: int,
    name: str,
    description: str | None = None,
    category: str = "other",
    is_public: bool = False,
) -> dict[str, Any]:
    """Store the uploaded file as version 1 of a new document; publishes ``document.uploaded``."""
    store = store_for(ctx)
    with ctx.env.db.write() as conn, store.placing(upload.file):  # see files.py on why inside the transaction
        if not _project_exists(conn, ctx.account.id, project_id):
            raise errors.NotFound("project", project_id)
        values = {
            "project_id": project_id,
            "name": name,
            "description": description,
            "category": category,
            "is_public": int(is_public),
            "version": 1,
            "parent_document_id": None,
        }
        document = render(_get(conn, ctx, _insert(conn, ctx, upload, values)))
        publish(ctx, conn, "document.uploaded", {"document": document})
    announce(ctx)
    return document


def add_version(ctx: Ctx, document_id: int, upload: Upload, changes: Mapping[str, Any]) -> dict[str, Any]:
    """A new version of the document ``document_id`` belongs to (any of its versions may be named): a row of
    its own, ``parent_document_id`` = the first version's id, ``version`` = the chain's highest + 1. Fields not
    in ``changes`` are carried over from the latest version. Publishes ``document.uploaded``."""
    store = store_for(ctx)
    with ctx.env.db.write() as conn, store.placing(upload.file):
        given = _get(conn, ctx, document_id)
        root = given["parent_document_id"] or given["id"]
        # The chain's latest version through the (parent_document_id, version) index: O(1), not O(documents).
        latest = conn.execute(
            "SELECT * FROM documents WHERE parent_document_id = ? ORDER BY version DESC LIMIT 1", (root,)
        ).fetchone() or _get(conn, ctx, root)
        values = {
            "project_id": latest["project_id"],
            "name": changes.get("name", latest["name"]),
            "description": changes.get("description", latest["description"]),
            "category": changes.get("category", latest["category"]),
            "is_public": int(changes.get("is_public", bool(latest["is_public"]))),
            "shared_with": latest["shared_with"],
            "version": latest["version"] + 1,
            "parent_document_id": root,
        }
        document = render(_get(conn, ctx, _insert(conn, ctx, upload, values)))
        publish(ctx, conn, "document.uploaded", {"document": document})
    announce(ctx)
    return document


def list_documents(
    ctx: Ctx,
    *,
    page: int,
    limit: int,
    project_id: int | None = None,
    search: str | None = None,
    category: str | None = None,
    parent_document_id: int | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """One page, newest first, and the total count of matching documents."""
    where: list[str] = ["account_id = ?"]
    args: list[Any] = [ctx.account.id]
    if project_id is not None:
        where.append("project_id = ?")
        args.append(project_id)
    if category is not None:
        where.append("category = ?")
        args.append(category)
    if parent_document_id is not None:  # a chain: the first version and its later versions (by index)
        where.append("id IN (SELECT ? UNION ALL SELECT id FROM documents WHERE parent_document_id = ?)")
        args.extend((parent_document_id, parent_document_id))
    if search:
        pattern = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where.append("(name LIKE ? ESCAPE '\\' OR description LIKE ? ESCAPE '\\')")
        args.extend((pattern, pattern))
    clause = " AND ".join(where)
    with ctx.env.db.snapshot() as conn:
        total = int(conn.execute(f"SELECT COUNT(*) FROM documents WHERE {clause}", args).fetchone()[0])
        rows = conn.execute(
            f"SELECT * FROM documents WHERE {clause} ORDER BY id DESC LIMIT ? OFFSET ?",
            (*args, limit, (page - 1) * limit),
        ).fetchall()
    return [render(r) for r in rows], total


def retrieve(ctx: Ctx, document_id: int) -> dict[str, Any]:
    with ctx.env.db.read() as conn:
        return render(_get(conn, ctx, document_id))


def update(ctx: Ctx, document_id: int, changes: Mapping[str, Any]) -> dict[str, Any]:
    """Change a version's metadata (name, description, category, is_public; project_id moves its whole chain);
    the file never changes (upload a version for that)."""
    with ctx.env.db.write() as conn:
        row = _get(conn, ctx, document_id)
        sets = dict(changes)
        now = ctx.now_ms()
        if "project_id" in sets:  # a document's versions all belong to one project: move the whole chain
            project_id = sets.pop("project_id")
            if not _project_exists(conn, ctx.account.id, project_id):
                raise errors.NotFound("project", project_id)
            root = row["parent_document_id"] or row["id"]
            conn.execute(
                "UPDATE documents SET project_id = ?, updated_at = ? WHERE id = ? OR parent_document_id = ?",
                (project_id, now, root, root),
            )
        if "is_public" in sets:
            sets["is_public"] = int(sets["is_public"])
        sets["updated_at"] = now
        update_columns(conn, "documents", document_id, sets)
        return render(_get(conn, ctx, document_id))


def share(ctx: Ctx, document_id: int, *, emails: Sequence[str] | None, is_public: bool | None) -> dict[str, Any]:
    """Add ``emails`` to the document's shared-with list and/or set ``is_public``; publishes ``document.shared``."""
    with ctx.env.db.write() as conn:
        row = _get(conn, ctx, document_id)
        sets: dict[str, Any] = {"updated_at": ctx.now_ms()}
        if emails:
            merged = list(dict.fromkeys([*loads(row["shared_with"], []), *emails]))
            if len(merged) > MAX_SHARED_WITH:
                raise errors.Invalid(
                    f"a document can be shared with at most {MAX_SHARED_WITH} addresses",
                    details=[{"field": "emails", "message": f"at most {MAX_SHARED_WITH} in all"}],
                )
            sets["shared_with"] = dumps(merged)
        if is_public is not None:
            sets["is_public"] = int(is_public)
        update_columns(conn, "documents", document_id, sets)
        document = render(_get(conn, ctx, document_id))
        publish(ctx, conn, "document.shared", {"document": document})
    announce(ctx)
    return document


def delete(ctx: Ctx, document_id: int) -> None:
    """Delete a version (a first version takes its whole chain); blobs no row references any more go too."""
    store = store_for(ctx)
    with ctx.env.db.write() as conn:
        row = _get(conn, ctx, document_id)
        if row["parent_document_id"] is None:
            victims = conn.execute(
                # +account_id: the chain's (parent_document_id, version) index, never the account's documents
                "SELECT id, sha256 FROM documents WHERE parent_document_id = ? AND +account_id = ?",
                (document_id, ctx.account.id),
            ).fetchall()
            conn.execute("DELETE FROM documents WHERE parent_document_id = ?", (document_id,))
        else:
            victims = []
        conn.execute("DELETE FROM documents WHERE id = ?", (document_id,))
        hashes = {row["sha256"], *(v["sha256"] for v in victims)}
    # A second transaction: the rows' deletion is committed before any blob goes (a crash in between leaves
    # an orphan for sweep(), never a row without its file); the write lock keeps uploads from racing it.
    try:
        with ctx.env.db.write() as conn:
            for sha in hashes:
                store.release(conn, sha)
    except (OSError, sqlite3.Error):  # the delete itself succeeded: an orphan is left for sweep()
        _log.warning("documents: could not remove the files of deleted document %s", document_id, exc_info=True)


def download(ctx: Ctx, document_id: int) -> tuple[dict[str, Any], Iterator[bytes]]:
    """The document and its bytes in chunks (the file is opened before this returns)."""
    with ctx.env.db.read() as conn:
        document = render(_get(conn, ctx, document_id))
    try:
        chunks = store_for(ctx).open(document["sha256"])
    except FileNotFoundError:
        raise errors.Unavailable(
            f"the file of document {document_id} is missing from the store", code="file_missing"
        ) from None
    return document, chunks
