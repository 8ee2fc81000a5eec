"""Dropbox API v2 (https://www.dropbox.com/developers/documentation/http/documentation): RPC endpoints on
``api.dropboxapi.com``, content upload on ``content.dropboxapi.com`` with the arguments JSON in the
``Dropbox-API-Arg`` header (ASCII only: ``json.dumps`` escapes the rest as ``\\uXXXX``, as Dropbox requires)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx

from ..errors import TooLarge
from .base import ProviderError, ProviderRequest, json_of
from .common import bearer, body_dict
from .spec import Action, ActionParams, Session, SyncCounts

__all__ = ["MAX_SIMPLE_UPLOAD", "DropboxConnector"]

API = "https://api.dropboxapi.com/2"
CONTENT = "https://content.dropboxapi.com/2"
MAX_SIMPLE_UPLOAD = 150 * 1024 * 1024  # /files/upload's documented limit; larger files need upload sessions


class BackupDocument(ActionParams):
    document_id: int


def _safe(name: str) -> str:
    return "".join("_" if c in '/\\:*?"<>|' else c for c in name).strip() or "untitled"


def backup_document(session: Session, p: BackupDocument) -> dict[str, Any]:
    doc = session.local_data().document(p.document_id)
    if len(doc.content) > MAX_SIMPLE_UPLOAD:
        raise TooLarge(f"document {doc.id} is {len(doc.content)} bytes; Dropbox simple upload takes 150 MB at most")
    root = (session.credentials.get("rootPath") or session.config.get("rootPath") or "/CortexBuild").rstrip("/")
    folder = f"/{_safe(doc.project_name)}" if doc.project_name else ""
    path = f"{root}{folder}/{_safe(doc.name)}"
    arg = {"path": path, "mode": "overwrite", "autorename": False, "mute": True, "strict_conflict": False}
    meta = session.call(
        ProviderRequest(
            "POST",
            f"{CONTENT}/files/upload",
            body_dict,
            headers={"Dropbox-API-Arg": json.dumps(arg), "Content-Type": "application/octet-stream"},
            content=doc.content,
            timeout=300.0,  # up to 150 MB in one request
        )
    )
    return {"id": meta.get("id"), "path": meta.get("path_display"), "rev": meta.get("rev"), "size": meta.get("size")}


class DropboxConnector:
    provider = "dropbox"
    actions: Mapping[str, Action] = {
        "backup_document": Action("backup_document", BackupDocument, backup_document, "upload a document's bytes"),
    }

    def read_error(self, response: httpx.Response) -> ProviderError | None:
        if response.status_code < 400:
            return None
        body = json_of(response)
        summary = str(body.get("error_summary")) if isinstance(body, dict) and body.get("error_summary") else None
        code = {401: "provider_unauthorized", 429: "provider_rate_limited"}.get(response.status_code, "dropbox_error")
        message = summary or response.text[:200] or f"HTTP {response.status_code}"
        return ProviderError("dropbox", message, status=response.status_code, provider_error=summary, code=code)

    def auth_headers(self, session: Session, access_token: str | None) -> dict[str, str]:
        return bearer(access_token or session.credentials.get("accessToken"), "dropbox")

    def test(self, session: Session) -> dict[str, Any]:
        # An RPC endpoint without arguments: no body and no Content-Type.
        account = session.call(ProviderRequest("POST", f"{API}/users/get_current_account", body_dict, retry_5xx=True))
        return {"account_id": account.get("account_id"), "email": account.get("email")}

    def sync(self, session: Session, counts: SyncCounts) -> None:
        self.test(session)  # documents are backed up as they are uploaded (action / automation)
