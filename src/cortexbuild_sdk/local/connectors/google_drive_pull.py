"""Google Drive's pull side: files added to or changed in a project folder in Drive become documents / new
versions, read from Drive's changes feed (https://developers.google.com/drive/api/reference/rest/v3/changes).

A remote cursor (the ``cursor`` mapping keyed ``remote:drive_changes``, the page token in ``sync_token``)
remembers where the feed was read to. The first sync (no cursor, or a token Drive refuses) reads
``changes.getStartPageToken`` *before* listing every project folder whole (``files.list``), so a file that
changes during the listing is in the feed next time; later syncs page through ``changes.list`` from the token
(oldest first; each change carries the file's current state, absent when ``removed``) and look up the folders
of the changed files only (an index probe by remote id). The token to save - the last page's
``newStartPageToken``, or the start token - is returned; the caller saves it only when the sync ended clean.
Drive documents the page token as not expiring; one it answers 400 or 404 for is replaced by a full listing.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from typing import Any

from .base import ProviderError, ProviderRequest
from .common import body_dict
from .cursor import mapping_of
from .local_data import LocalData, RemoteDocument
from .spec import Mapping_, Session, SyncCounts

_log = logging.getLogger("cortexbuild_sdk.local.connectors")

__all__ = ["API", "CURSOR_KEY", "FOLDER", "UNLISTED", "content_hash", "pull", "q_literal"]

API = "https://www.googleapis.com/drive/v3"
FOLDER = "application/vnd.google-apps.folder"
CURSOR_KEY = "remote:drive_changes"
UNLISTED = "folder_unlisted"
"""Mappings of project folders found already in Drive (``ensure_folder``) since the last sync: their files
predate the changes token, so the next sync lists them whole once."""
PAGE_SIZE = "1000"  # changes.list and files.list: at most 1000 a page
_CHANGES_FIELDS = (
    "nextPageToken,newStartPageToken,changes(fileId,removed,file(id,name,mimeType,version,parents,trashed))"
)


def q_literal(value: str) -> str:
    """A string inside a ``files.list`` query's single quotes."""
    return value.replace("\\", "\\\\").replace("'", "\\'")


def content_hash(content: bytes) -> str:
    """What a file mapping remembers of the bytes Drive holds: a backup of the same bytes is not sent again."""
    return "sha256:" + hashlib.sha256(content).hexdigest()


def pull(session: Session, data: LocalData, counts: SyncCounts, pushed: set[str]) -> str:
    """Import what changed in the project folders; ``pushed``: the documents this sync uploaded (their files
    come back in the feed, and in a listing). Returns the changes token to save if the sync ends clean."""
    cursor = mapping_of(session, "cursor", CURSOR_KEY)
    unlisted = session.mappings(UNLISTED)  # usually none
    listed = unlisted
    mark = _read_changes(session, data, counts, pushed, cursor.sync_token) if cursor and cursor.sync_token else None
    if mark is None:
        mark = _start_token(session)  # before the listing: what changes during it is in the feed next time
        listed = session.mappings("folder")
    for key, folder in listed.items():
        if key.startswith("project:"):  # files.list answers a folder's whole listing
            _import(session, data, counts, pushed, [(f, key) for f in _folder_files(session, folder.remote_id)])
    session.delete_mappings(UNLISTED, [m.remote_id for m in unlisted.values()])
    return mark


def _start_token(session: Session) -> str:
    answer = session.call(ProviderRequest("GET", f"{API}/changes/startPageToken", body_dict, retry_5xx=True))
    token = answer.get("startPageToken")
    if not token:
        raise ProviderError("google_drive", "changes.getStartPageToken answered no startPageToken")
    return str(token)


def _read_changes(session: Session, data: LocalData, counts: SyncCounts, pushed: set[str], token: str) -> str | None:
    """Every page of changes since ``token``; the last page's ``newStartPageToken``, or None when Drive
    refuses the token (400/404: it no longer knows it) and the caller must list the folders whole."""
    while True:
        params = {"pageToken": token, "fields": _CHANGES_FIELDS, "pageSize": PAGE_SIZE, "spaces": "drive"}
        try:
            page = session.call(ProviderRequest("GET", f"{API}/changes", body_dict, params=params, retry_5xx=True))
        except ProviderError as e:
            if e.status in (400, 404):
                _log.warning(
                    "integration %s: Drive refused its changes token (%s: %s); listing the folders whole",
                    session.integration_id, e.status, e,
                )  # fmt: skip
                return None
            raise
        latest: dict[str, dict[str, Any]] = {}
        for change in page.get("changes") or []:
            f = change.get("file") if isinstance(change, dict) and not change.get("removed") else None
            if isinstance(f, dict) and f.get("id") and not f.get("trashed") and f.get("mimeType") != FOLDER:
                latest[str(f["id"])] = f  # each change carries the file's current state: the last one counts
        parents = {str(p) for f in latest.values() for p in f.get("parents") or []}
        folders = {
            m.remote_id: key
            for key, m in session.lookup_mappings("folder", remote_ids=parents).items()
            if key.startswith("project:")
        }
        wanted = []
        for f in latest.values():
            key = next((folders[str(p)] for p in f.get("parents") or [] if str(p) in folders), None)
            if key is not None:  # outside the project folders: not ours to import
                wanted.append((f, key))
        _import(session, data, counts, pushed, wanted)
        if page.get("nextPageToken"):
            token = str(page["nextPageToken"])
            continue
        if not page.get("newStartPageToken"):
            raise ProviderError("google_drive", "changes.list answered neither nextPageToken nor newStartPageToken")
        return str(page["newStartPageToken"])


def _import(
    session: Session,
    data: LocalData,
    counts: SyncCounts,
    pushed: set[str],
    files: Iterable[tuple[dict[str, Any], str]],
) -> None:
    """Each ``(file, project folder key)``: a new document, a new version of its document, or skipped when
    its ``version`` is the one the mapping remembers (uploaded by us, or pulled before) or it was just pushed.
    Only the mappings of these files are looked up."""
    rows = list(files)
    known = session.lookup_mappings("file", remote_ids=[str(f["id"]) for f, _ in rows])
    by_remote: dict[str, Mapping_] = {m.remote_id: m for m in known.values()}
    for f, key in rows:
        m = by_remote.get(str(f["id"]))
        if m is not None and (m.local_id in pushed or str(f.get("version")) == m.sync_token):
            counts.skipped += m.local_id not in pushed
            continue
        content = session.call(
            ProviderRequest(
                "GET", f"{API}/files/{f['id']}", lambda r: r.content, params={"alt": "media"}, retry_5xx=True
            )
        )
        project_id = int(key.split(":", 1)[1])
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


def _folder_files(session: Session, folder_id: str) -> list[dict[str, Any]]:
    """A folder's whole listing (every page of ``files.list``): the first sync's, and a fallback's."""
    files: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        params = {
            "q": f"'{q_literal(folder_id)}' in parents and trashed = false and mimeType != '{FOLDER}'",
            "fields": "nextPageToken,files(id,name,mimeType,version)",
            "pageSize": PAGE_SIZE,
        }
        if token:
            params["pageToken"] = token
        page = session.call(ProviderRequest("GET", f"{API}/files", body_dict, params=params, retry_5xx=True))
        files += [f for f in page.get("files") or [] if isinstance(f, dict)]
        token = page.get("nextPageToken")
        if not token:
            return files
