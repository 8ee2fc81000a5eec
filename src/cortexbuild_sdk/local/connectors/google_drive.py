"""Google Drive API v3 (https://developers.google.com/drive/api/reference/rest/v3): a folder per project,
documents uploaded as ``multipart/related`` up to 5 MB and through a resumable session above (chunks of
5 MiB, a multiple of the documented 256 KiB), a new revision when a document changes (Drive keeps the
versions, listed at ``files/{id}/revisions``), and sharing through ``files/{id}/permissions``."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from typing import Any, Literal

import httpx

from .base import ProviderError, ProviderRequest, json_of
from .common import bearer, body_dict
from .cursor import LocalCursors, mapping_of
from .local_data import LocalDocument, RemoteDocument
from .spec import Action, ActionParams, Session, SyncCounts

__all__ = ["CHUNK", "MULTIPART_LIMIT", "GoogleDriveConnector", "multipart_related"]

API = "https://www.googleapis.com/drive/v3"
UPLOAD = "https://www.googleapis.com/upload/drive/v3"
FOLDER = "application/vnd.google-apps.folder"
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


def _q(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'")


def ensure_folder(session: Session, name: str, parent: str | None, key: str) -> str:
    known = mapping_of(session, "folder", key)
    if known is not None:
        return known.remote_id
    query = f"name = '{_q(name)}' and mimeType = '{FOLDER}' and trashed = false"
    if parent:
        query += f" and '{_q(parent)}' in parents"
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


def content_hash(content: bytes) -> str:
    """What a file mapping remembers of the bytes Drive holds: a backup of the same bytes is not sent again."""
    return "sha256:" + hashlib.sha256(content).hexdigest()


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
        ones uploaded, changed ones as a new revision. Pull: files
        added to a project folder in Drive become documents; files changed in Drive (a new ``version``) become
        new versions of theirs. A document changed on both sides keeps the local edit (pushed as a revision)."""
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
        # Drive's files.list answers a folder's whole listing (one call per project folder); only the mappings
        # of the files listed are looked up.
        for key, folder in session.mappings("folder").items():
            if not key.startswith("project:"):
                continue
            project_id = int(key.split(":", 1)[1])
            files = _folder_files(session, folder.remote_id)
            listed = session.lookup_mappings("file", remote_ids=[str(f["id"]) for f in files])
            by_remote = {m.remote_id: m for m in listed.values()}
            for f in files:
                m = by_remote.get(str(f["id"]))
                if m is not None and (m.local_id in pushed or str(f.get("version")) == m.sync_token):
                    counts.skipped += m.local_id not in pushed
                    continue
                content = session.call(
                    ProviderRequest(
                        "GET", f"{API}/files/{f['id']}", lambda r: r.content, params={"alt": "media"}, retry_5xx=True
                    )
                )
                remote = RemoteDocument(
                    str(f["name"]), str(f.get("mimeType") or "application/octet-stream"), content, project_id
                )
                stored = data.upsert_document(int(m.local_id) if m is not None else None, remote)
                session.save_mapping(
                    "file",
                    str(stored.id),
                    str(f["id"]),
                    sync_token=str(f.get("version")),
                    local_updated_at=stored.updated_at,
                    remote_updated=content_hash(content),
                )
                counts.created += m is None
                counts.updated += m is not None
        cursors.save()  # a failure raised out above: the cursor stays put and the documents are read again


def _folder_files(session: Session, folder_id: str) -> list[dict[str, Any]]:
    files: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        params = {
            "q": f"'{_q(folder_id)}' in parents and trashed = false and mimeType != '{FOLDER}'",
            "fields": "nextPageToken,files(id,name,mimeType,version)",
            "pageSize": "1000",
        }
        if token:
            params["pageToken"] = token
        page = session.call(ProviderRequest("GET", f"{API}/files", body_dict, params=params, retry_5xx=True))
        files += [f for f in page.get("files") or [] if isinstance(f, dict)]
        token = page.get("nextPageToken")
        if not token:
            return files
