"""Google Drive API v3 (https://developers.google.com/drive/api/reference/rest/v3): a folder per project,
documents uploaded as ``multipart/related`` up to 5 MB and through a resumable session above (chunks of
5 MiB, a multiple of the documented 256 KiB), a new revision when a document changes (Drive keeps the
versions, listed at ``files/{id}/revisions``), and sharing through ``files/{id}/permissions``. What changes
in the project folders in Drive comes back through Drive's changes feed (``google_drive_pull``)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any, Literal

import httpx

from .base import ProviderError, ProviderRequest, json_of
from .common import bearer, body_dict
from .cursor import LocalCursors, mapping_of
from .google_drive_pull import API, CURSOR_KEY, FOLDER, UNLISTED, content_hash, pull, q_literal
from .local_data import LocalDocument
from .spec import Action, ActionParams, Session, SyncCounts

__all__ = ["CHUNK", "MULTIPART_LIMIT", "GoogleDriveConnector", "content_hash", "multipart_related"]

UPLOAD = "https://www.googleapis.com/upload/drive/v3"
MULTIPART_LIMIT = 5 * 1024 * 1024
CHUNK = 5 * 1024 * 1024
UPLOAD_TIMEOUT = 120.0
_FIELDS = "id,name,mimeType,version,size,webViewLink,parents"


def multipart_related(metadata: Mapping[str, Any], content: bytes, mime_type: str) -> tuple[bytes, str]:
    """The body and Content-Type of a Drive multipart upload (RFC 2387): metadata part, then media part."""
    boundary = f"cortexbuild-{uuid.uuid4().hex}"
    head = (
        f"--{boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n"
        f"{json.dumps(dict(metadata))}\r\n--{boundary}\r\nContent-Type: {mime_type}\r\n\r\n"
    ).encode()
    return head + content + f"\r\n--{boundary}--\r\n".encode(), f"multipart/related; boundary={boundary}"


def ensure_folder(session: Session, name: str, parent: str | None, key: str) -> str:
    known = mapping_of(session, "folder", key)
    if known is not None:
        return known.remote_id
    query = f"name = '{q_literal(name)}' and mimeType = '{FOLDER}' and trashed = false"
    if parent:
        query += f" and '{q_literal(parent)}' in parents"
    found = (
        session.call(
            ProviderRequest(
                "GET", f"{API}/files", body_dict, params={"q": query, "fields": "files(id,name)"}, retry_5xx=True
            )
        ).get("files")
        or []
    )
    if found:
        folder_id = str(found[0]["id"])
        if key.startswith("project:"):  # its files predate the changes token: the next sync lists it whole
            session.save_mapping(UNLISTED, key, folder_id)
    else:
        meta: dict[str, Any] = {"name": name, "mimeType": FOLDER}
        if parent:
            meta["parents"] = [parent]
        folder_id = str(
            session.call(ProviderRequest("POST", f"{API}/files", body_dict, json=meta, params={"fields": "id"}))["id"]
        )
    session.save_mapping("folder", key, folder_id)
    return folder_id


def _root(session: Session) -> str:
    given = session.credentials.get("folderId") or session.config.get("folderId")
    if isinstance(given, str) and given:
        return given
    folder = ensure_folder(session, "CortexBuild", None, "root")
    session.set_config("folderId", folder)
    return folder


def _upload(session: Session, doc: LocalDocument, file_id: str | None, parent: str) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": doc.name, "mimeType": doc.mime_type}
    method, url = ("PATCH", f"{UPLOAD}/files/{file_id}") if file_id else ("POST", f"{UPLOAD}/files")
    if not file_id:
        meta["parents"] = [parent]
    if len(doc.content) <= MULTIPART_LIMIT:
        body, ctype = multipart_related(meta, doc.content, doc.mime_type)
        return session.call(
            ProviderRequest(
                method,
                url,
                body_dict,
                params={"uploadType": "multipart", "fields": _FIELDS},
                content=body,
                headers={"Content-Type": ctype},
                timeout=UPLOAD_TIMEOUT,
            )
        )
    start = session.call(
        ProviderRequest(
            method,
            url,
            lambda r: r.headers.get("location", ""),
            params={"uploadType": "resumable", "fields": _FIELDS},
            json=meta,
            headers={"X-Upload-Content-Type": doc.mime_type, "X-Upload-Content-Length": str(len(doc.content))},
        )
    )
    if not start:
        raise ProviderError("google_drive", "resumable upload started without a session URI (Location)")
    total, offset = len(doc.content), 0
    result: dict[str, Any] = {}
    while offset < total:
        end = min(offset + CHUNK, total)
        answer = session.call(
            ProviderRequest(
                "PUT",
                start,
                lambda r: (r.status_code, r.headers.get("range"), body_dict(r)),
                content=doc.content[offset:end],
                headers={"Content-Range": f"bytes {offset}-{end - 1}/{total}"},
                timeout=UPLOAD_TIMEOUT,
            )
        )
        status, acknowledged, result = answer
        # 308 Resume Incomplete: continue after the last byte Drive acknowledged; 200/201: done.
        done = status != 308
        offset = total if done else (int(acknowledged.rsplit("-", 1)[1]) + 1 if acknowledged else 0)
    return result


def upload_document(session: Session, doc: LocalDocument) -> tuple[dict[str, Any], bool]:
    known = mapping_of(session, "file", str(doc.id))
    root = _root(session)
    parent = root
    if doc.project_id is not None:
        parent = ensure_folder(
            session, doc.project_name or f"Project {doc.project_id}", root, f"project:{doc.project_id}"
        )
    saved = _upload(session, doc, known.remote_id if known else None, parent)
    session.save_mapping(
        "file",
        str(doc.id),
        str(saved.get("id")),
        sync_token=str(saved.get("version")),
        local_updated_at=doc.updated_at,
        remote_updated=content_hash(doc.content),
    )
    return saved, known is None


class UploadDocument(ActionParams):
    document_id: int


class ShareDocument(ActionParams):
    document_id: int
    email: str
    role: Literal["reader", "commenter", "writer"] = "reader"
    notify: bool = True


class DocumentVersions(ActionParams):
    document_id: int


def _upload_action(session: Session, p: UploadDocument) -> dict[str, Any]:
    doc = session.local_data().document(p.document_id)
    known = mapping_of(session, "file", str(doc.id))
    if known is not None and known.remote_updated == content_hash(doc.content):
        # Drive has these bytes already (backed up before, or pulled from Drive by a sync): no new revision.
        return {"file_id": known.remote_id, "version": known.sync_token, "web_view_link": None, "created": False}
    saved, created = upload_document(session, doc)
    return {
        "file_id": saved.get("id"),
        "version": saved.get("version"),
        "web_view_link": saved.get("webViewLink"),
        "created": created,
    }


def _file_id(session: Session, document_id: int) -> str:
    known = mapping_of(session, "file", str(document_id))
    if known is None:
        from ..errors import Conflict

        raise Conflict(f"document {document_id} is not in Drive yet; upload it first", code="not_uploaded")
    return known.remote_id


def _share(session: Session, p: ShareDocument) -> dict[str, Any]:
    file_id = _file_id(session, p.document_id)
    perm = session.call(
        ProviderRequest(
            "POST",
            f"{API}/files/{file_id}/permissions",
            body_dict,
            params={"sendNotificationEmail": "true" if p.notify else "false"},
            json={"type": "user", "role": p.role, "emailAddress": p.email},
        )
    )
    return {"permission_id": perm.get("id"), "role": perm.get("role"), "file_id": file_id}


def _versions(session: Session, p: DocumentVersions) -> dict[str, Any]:
    file_id = _file_id(session, p.document_id)
    revs = session.call(
        ProviderRequest(
            "GET",
            f"{API}/files/{file_id}/revisions",
            body_dict,
            params={"fields": "revisions(id,modifiedTime,size)"},
            retry_5xx=True,
        )
    )
    return {"file_id": file_id, "revisions": revs.get("revisions") or []}


class GoogleDriveConnector:
    provider = "google_drive"
    actions: Mapping[str, Action] = {
        "upload_document": Action("upload_document", UploadDocument, _upload_action, "upload (or new version)"),
        "share_document": Action("share_document", ShareDocument, _share, "share an uploaded document"),
        "document_versions": Action("document_versions", DocumentVersions, _versions, "Drive revisions of a document"),
    }

    def read_error(self, response: httpx.Response) -> ProviderError | None:
        if response.status_code < 400:
            return None
        body = json_of(response)
        error = body.get("error") if isinstance(body, dict) else None
        error = error if isinstance(error, dict) else {}
        reasons = [e.get("reason") for e in error.get("errors") or [] if isinstance(e, dict)]
        limited = response.status_code == 429 or any(
            r in ("rateLimitExceeded", "userRateLimitExceeded") for r in reasons
        )
        code = (
            "provider_rate_limited"
            if limited
            else ("provider_unauthorized" if response.status_code == 401 else "google_drive_error")
        )
        return ProviderError(
            "google_drive",
            str(error.get("message") or f"HTTP {response.status_code}"),
            status=response.status_code,
            provider_error=reasons[0] if reasons else None,
            code=code,
        )

    def auth_headers(self, session: Session, access_token: str | None) -> dict[str, str]:
        return bearer(access_token or session.credentials.get("accessToken"), "google_drive")

    def test(self, session: Session) -> dict[str, Any]:
        about = session.call(
            ProviderRequest("GET", f"{API}/about", body_dict, params={"fields": "user"}, retry_5xx=True)
        )
        return {"user": (about.get("user") or {}).get("emailAddress")}

    def sync(self, session: Session, counts: SyncCounts) -> None:
        """Both ways. Push: the local documents changed since the last clean sync (read from a cursor), new
        ones uploaded, changed ones as a new revision. Pull (:func:`~.google_drive_pull.pull`): the files
        changed in Drive since the last clean sync (its changes feed, from a remote cursor; the first sync lists
        the project folders whole): files added to a project folder become documents, files changed (a new
        ``version``) new versions of theirs. A document changed on both sides keeps the local edit (pushed as a
        revision). Both cursors move only when the sync ends clean."""
        data = session.local_data()
        cursors = LocalCursors(session)
        changed = cursors.changed("documents", data.documents_changed)
        known = session.lookup_mappings("file", local_ids=[str(doc.id) for doc in changed.rows])
        pushed: set[str] = set()
        for doc in changed.rows:
            m = known.get(str(doc.id))
            if m is not None and doc.updated_at <= (m.local_updated_at or 0):
                continue
            _, created = upload_document(session, data.document(doc.id))  # documents_changed carries no bytes
            pushed.add(str(doc.id))
            counts.created += created
            counts.updated += not created
        remote = pull(session, data, counts, pushed)  # a failure raised out: no cursor moves
        cursors.save()
        session.save_mapping("cursor", CURSOR_KEY, CURSOR_KEY, sync_token=remote)
