"""Shared by the documents tests: a project to attach documents to, uploads, and store inspection."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import httpx
from helpers_local import ok

from cortexbuild_sdk.local import Backend
from cortexbuild_sdk.local.files import store_beside


def project_id(client: httpx.Client) -> int:
    """A project of the client's account: created through /api/projects once that route exists (the domain
    branch); before it, the documents service accepts any positive id."""
    response = client.post("/api/projects", json={"name": "Riverside Tower"})
    if response.status_code == 404 and response.json().get("code") == "not_found" and "no route" in response.text:
        return 1
    return int(ok(response)["data"]["id"])


def upload(
    client: httpx.Client,
    project: int,
    content: Any = b"%PDF-1.4 drawing",
    *,
    name: str = "Ground floor plan",
    filename: str = "plan.pdf",
    content_type: str = "application/pdf",
    **fields: str,
) -> httpx.Response:
    data = {"project_id": str(project), "name": name, **fields}
    return client.post("/api/documents", data=data, files={"file": (filename, content, content_type)})


def blobs(backend: Backend, db_path: Path | None = None) -> set[str]:
    store = store_beside(db_path or backend.path)
    return set(store.blobs())


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
