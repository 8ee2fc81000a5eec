"""Google Drive API v3 emulator, from the documented requests and answers: OAuth token endpoint, ``about``,
``files.list`` with ``q`` (name / mimeType / parents / trashed), ``files.create`` for folders, uploads
(``uploadType=multipart`` as multipart/related, ``uploadType=resumable`` with 308 Resume Incomplete),
``files.update`` uploads that add a revision, ``permissions.create``, ``revisions.list``, and the changes feed
(``changes.getStartPageToken``, ``changes.list``): every create, update, trash or delete of a file appends to
a change log whose positions are the page tokens; a file's earlier change is superseded by its latest, which
carries the file's current state (none when ``removed``). ``requests`` logs every request ("GET /path")."""

from __future__ import annotations

import itertools
import json
import re
import threading
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

CLIENT_ID, CLIENT_SECRET = "drive-client", "drive-secret"
CHUNK_UNIT = 256 * 1024


@dataclass
class DriveState:
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    content: dict[str, list[bytes]] = field(default_factory=dict)  # file id -> revisions' bytes
    permissions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    access: set[str] = field(default_factory=set)
    uploads: list[str] = field(default_factory=list)  # uploadType of each completed upload
    log: list[str | None] = field(default_factory=list)  # changed file ids; None: superseded by a later change
    last: dict[str, int] = field(default_factory=dict)  # file id -> position of its latest change
    removed: set[str] = field(default_factory=set)  # deleted for good (changes say ``removed``)
    floor: int = 0  # tokens below this position are no longer known (see ``forget_changes``)
    requests: list[str] = field(default_factory=list)
    broken: set[str] = field(default_factory=set)  # file ids whose download answers 403
    lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))


def _changed(state: DriveState, fid: str) -> None:
    """Under ``state.lock``: the file's latest change is now the last in the log."""
    if (before := state.last.get(fid)) is not None:
        state.log[before] = None
    state.last[fid] = len(state.log)
    state.log.append(fid)


def user_upload(state: DriveState, folder_id: str, name: str, data: bytes, mime: str = "application/pdf") -> str:
    """What a person adding a file in the Drive UI does."""
    with state.lock:
        fid = f"file{next(state._ids)}"
        state.files[fid] = {
            "kind": "drive#file",
            "id": fid,
            "name": name,
            "mimeType": mime,
            "parents": [folder_id],
            "version": "1",
            "size": str(len(data)),
            "trashed": False,
            "webViewLink": f"https://drive.google.com/file/d/{fid}/view",
        }
        state.content[fid] = [data]
        _changed(state, fid)
        return fid


def user_edit(state: DriveState, fid: str, data: bytes) -> None:
    with state.lock:
        f = state.files[fid]
        f["version"] = str(int(f["version"]) + 1)
        state.content[fid].append(data)
        _changed(state, fid)


def user_trash(state: DriveState, fid: str) -> None:
    """Moved to the trash in the Drive UI: a change whose file has ``trashed`` true (and a new version)."""
    with state.lock:
        f = state.files[fid]
        f["trashed"], f["version"] = True, str(int(f["version"]) + 1)
        _changed(state, fid)


def user_delete(state: DriveState, fid: str) -> None:
    """Deleted for good: a change with ``removed`` true and no file."""
    with state.lock:
        del state.files[fid]
        state.removed.add(fid)
        _changed(state, fid)


def forget_changes(state: DriveState) -> None:
    """Drive no longer knows the page tokens handed out so far (changes.list answers 404 for them)."""
    with state.lock:
        state.floor = len(state.log)


def _error(status: int, message: str, reason: str) -> Response:
    return JSONResponse(
        {
            "error": {
                "code": status,
                "message": message,
                "errors": [{"message": message, "domain": "global", "reason": reason}],
            }
        },
        status,
    )


def _public(f: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in f.items() if k != "_"}


class _RequestLog:
    def __init__(self, app: Any, state: DriveState) -> None:
        self.app, self.state = app, state

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.state.requests.append(f"{scope['method']} {scope['path']}")
        await self.app(scope, receive, send)


def _position(state: DriveState, token: str) -> int | Response:
    """A page token's log position (tokens are positions + 1), or Drive's error for one it does not know."""
    if not token.isdigit():
        return _error(400, "Invalid Value", "invalid")
    position = int(token) - 1
    if not state.floor <= position <= len(state.log):
        return _error(404, f"Page token not found: {token}.", "notFound")
    return position


def app(state: DriveState) -> Starlette:
    def authorised(request: Request) -> bool:
        header = request.headers.get("authorization", "")
        return header.startswith("Bearer ") and header[7:] in state.access

    def denied() -> Response:
        return _error(401, "Request had invalid authentication credentials.", "authError")

    async def token(request: Request) -> Response:
        form = dict(await request.form())
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return JSONResponse({"error": "invalid_client"}, 401)
        if form.get("grant_type") == "authorization_code" and (
            form.get("code") != "good-code" or not form.get("code_verifier")
        ):
            return JSONResponse({"error": "invalid_grant", "error_description": "Bad Request"}, 400)
        with state.lock:
            access = f"ya29.{next(state._ids)}"
            state.access.add(access)
        body = {
            "access_token": access,
            "expires_in": 3599,
            "token_type": "Bearer",
            "scope": "https://www.googleapis.com/auth/drive.file",
        }
        if form.get("grant_type") == "authorization_code":
            body["refresh_token"] = "1//refresh"
        return JSONResponse(body)

    async def about(request: Request) -> Response:
        if not authorised(request):
            return denied()
        return JSONResponse({"user": {"displayName": "Site Office", "emailAddress": "office@acme.example"}})

    def new_file(meta: dict[str, Any], data: bytes | None) -> dict[str, Any]:
        fid = f"file{next(state._ids)}"
        f = {
            "kind": "drive#file",
            "id": fid,
            "name": meta.get("name", "Untitled"),
            "mimeType": meta.get("mimeType", "application/octet-stream"),
            "parents": meta.get("parents", []),
            "version": "1",
            "webViewLink": f"https://drive.google.com/file/d/{fid}/view",
            "trashed": False,
        }
        if data is not None:
            f["size"] = str(len(data))
            state.content[fid] = [data]
        state.files[fid] = f
        _changed(state, fid)
        return f

    def add_revision(fid: str, meta: dict[str, Any], data: bytes) -> dict[str, Any]:
        f = state.files[fid]
        f.update({k: v for k, v in meta.items() if k in ("name", "mimeType")})
        f["version"] = str(int(f["version"]) + 1)
        f["size"] = str(len(data))
        state.content.setdefault(fid, []).append(data)
        _changed(state, fid)
        return f

    async def files(request: Request) -> Response:
        if not authorised(request):
            return denied()
        if request.method == "GET":
            q = request.query_params.get("q", "")
            rows = [f for f in state.files.values() if not f["trashed"]]
            if (m := re.search(r"name = '((?:[^'\\]|\\.)*)'", q)) is not None:
                rows = [f for f in rows if f["name"] == m.group(1).replace("\\'", "'")]
            if (m := re.search(r"mimeType = '([^']*)'", q)) is not None:
                rows = [f for f in rows if f["mimeType"] == m.group(1)]
            if (m := re.search(r"'([^']*)' in parents", q)) is not None:
                rows = [f for f in rows if m.group(1) in f["parents"]]
            if (m := re.search(r"mimeType != '([^']*)'", q)) is not None:
                rows = [f for f in rows if f["mimeType"] != m.group(1)]
            fields = request.query_params.get("fields", "")
            keys = ("id", "name", "mimeType", "version") if "version" in fields else ("id", "name")
            return JSONResponse({"kind": "drive#fileList", "files": [{k: f[k] for k in keys} for f in rows]})
        meta = json.loads(await request.body())
        with state.lock:
            return JSONResponse(_public(new_file(meta, None)))

    async def upload(request: Request) -> Response:
        if not authorised(request):
            return denied()
        kind = request.query_params.get("uploadType")
        fid = request.path_params.get("fid")
        if fid is not None and fid not in state.files:
            return _error(404, f"File not found: {fid}.", "notFound")
        body = await request.body()
        if kind == "multipart":
            ctype = request.headers.get("content-type", "")
            if not ctype.startswith("multipart/related"):
                return _error(400, "Bad content type. Please use multipart.", "badContent")
            message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {ctype}\r\n\r\n".encode() + body)
            parts = list(message.iter_parts())
            if len(parts) != 2 or parts[0].get_content_type() != "application/json":
                return _error(400, "Multipart body must be metadata then media.", "badContent")
            meta = json.loads(parts[0].get_payload(decode=True))
            data = parts[1].get_payload(decode=True)
            with state.lock:
                state.uploads.append("multipart")
                f = add_revision(fid, meta, data) if fid else new_file(meta, data)
            return JSONResponse(_public(f))
        if kind == "resumable" and request.method in ("POST", "PATCH") and "upload_id" not in request.query_params:
            meta = json.loads(body) if body else {}
            total = int(request.headers.get("x-upload-content-length", "-1"))
            with state.lock:
                sid = f"s{next(state._ids)}"
                state.sessions[sid] = {"meta": meta, "total": total, "data": b"", "fid": fid}
            path = f"/upload/drive/v3/files{'/' + fid if fid else ''}"
            return Response(
                status_code=200,
                headers={"Location": f"{request.base_url}{path.lstrip('/')}?uploadType=resumable&upload_id={sid}"},
            )
        sid = request.query_params.get("upload_id", "")
        session = state.sessions.get(sid)
        if session is None:
            return _error(404, "Upload session not found", "notFound")
        m = re.match(r"bytes (\d+)-(\d+)/(\d+)", request.headers.get("content-range", ""))
        if m is None or int(m.group(1)) != len(session["data"]) or len(body) != int(m.group(2)) - int(m.group(1)) + 1:
            return _error(400, "Invalid Content-Range", "badRequest")
        last = int(m.group(2)) + 1 == int(m.group(3))
        if not last and len(body) % CHUNK_UNIT:
            return _error(400, "Chunk size must be a multiple of 256 KiB", "badRequest")
        session["data"] += body
        if not last:
            return Response(status_code=308, headers={"Range": f"bytes=0-{len(session['data']) - 1}"})
        with state.lock:
            state.uploads.append("resumable")
            fid = session["fid"]
            f = (
                add_revision(fid, session["meta"], session["data"])
                if fid
                else new_file(session["meta"], session["data"])
            )
            del state.sessions[sid]
        return JSONResponse(_public(f))

    async def media(request: Request) -> Response:
        if not authorised(request):
            return denied()
        fid = request.path_params["fid"]
        if fid not in state.files or request.query_params.get("alt") != "media":
            return _error(404, f"File not found: {fid}.", "notFound")
        if fid in state.broken:
            return _error(403, "The user does not have sufficient permissions for this file.", "forbidden")
        return Response(state.content[fid][-1], media_type=state.files[fid]["mimeType"])

    async def start_page_token(request: Request) -> Response:
        if not authorised(request):
            return denied()
        with state.lock:
            return JSONResponse({"kind": "drive#startPageToken", "startPageToken": str(len(state.log) + 1)})

    async def changes(request: Request) -> Response:
        if not authorised(request):
            return denied()
        size = request.query_params.get("pageSize", "100")
        if not size.isdigit() or not 1 <= int(size) <= 1000:
            return _error(400, "Invalid Value", "invalid")
        fields = request.query_params.get("fields", "")
        m = re.search(r"file\(([^)]*)\)", fields)
        keys = m.group(1).split(",") if m else ["kind", "id", "name", "mimeType"]
        removed_too = request.query_params.get("includeRemoved", "true") != "false"
        with state.lock:
            start = _position(state, request.query_params.get("pageToken", ""))
            if isinstance(start, Response):
                return start
            end = min(start + int(size), len(state.log))
            rows: list[dict[str, Any]] = []
            for fid in state.log[start:end]:
                if fid is None or (fid in state.removed and not removed_too):
                    continue
                change: dict[str, Any] = {"kind": "drive#change", "changeType": "file", "fileId": fid}
                change["time"] = "2026-11-30T00:00:00.000Z"
                change["removed"] = fid in state.removed
                if fid in state.files:
                    change["file"] = {k: state.files[fid][k] for k in keys if k in state.files[fid]}
                rows.append(change)
            body: dict[str, Any] = {"kind": "drive#changeList", "changes": rows}
            if end < len(state.log):
                body["nextPageToken"] = str(end + 1)
            else:
                body["newStartPageToken"] = str(len(state.log) + 1)
        return JSONResponse(body)

    async def permissions(request: Request) -> Response:
        if not authorised(request):
            return denied()
        fid = request.path_params["fid"]
        if fid not in state.files:
            return _error(404, f"File not found: {fid}.", "notFound")
        body = json.loads(await request.body())
        if body.get("role") not in ("reader", "commenter", "writer", "owner") or body.get("type") != "user":
            return _error(400, "Invalid permission", "invalid")
        perm = {
            "kind": "drive#permission",
            "id": f"perm{next(state._ids)}",
            "type": "user",
            "role": body["role"],
            "emailAddress": body.get("emailAddress"),
        }
        state.permissions.setdefault(fid, []).append(perm)
        return JSONResponse(perm)

    async def revisions(request: Request) -> Response:
        if not authorised(request):
            return denied()
        fid = request.path_params["fid"]
        revs = [
            {"id": str(n + 1), "modifiedTime": "2026-11-30T00:00:00.000Z", "size": str(len(data))}
            for n, data in enumerate(state.content.get(fid, []))
        ]
        return JSONResponse({"kind": "drive#revisionList", "revisions": revs})

    return Starlette(
        middleware=[Middleware(_RequestLog, state=state)],
        routes=[
            Route("/token", token, methods=["POST"]),
            Route("/drive/v3/about", about, methods=["GET"]),
            Route("/drive/v3/changes/startPageToken", start_page_token, methods=["GET"]),
            Route("/drive/v3/changes", changes, methods=["GET"]),
            Route("/drive/v3/files", files, methods=["GET", "POST"]),
            Route("/drive/v3/files/{fid}", media, methods=["GET"]),
            Route("/drive/v3/files/{fid}/permissions", permissions, methods=["POST"]),
            Route("/drive/v3/files/{fid}/revisions", revisions, methods=["GET"]),
            Route("/upload/drive/v3/files", upload, methods=["POST", "PUT"]),
            Route("/upload/drive/v3/files/{fid}", upload, methods=["PATCH", "PUT"]),
        ],
    )
