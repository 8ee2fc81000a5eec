"""Sandboxes serve real sample documents with their own store, and ``reset`` restores rows and files."""

from __future__ import annotations

import re
import struct
import zlib

import httpx
from helpers_documents import blobs, sha
from helpers_local import ClientFactory, err, ok

from cortexbuild_sdk.local import Backend
from cortexbuild_sdk.local.files import store_beside
from cortexbuild_sdk.local.sample_documents import tiny_pdf, tiny_png


def _sandbox(client: httpx.Client, make_client: ClientFactory) -> tuple[int, httpx.Client]:
    body = ok(client.post("/api/sdk/sandboxes", json={"name": "Docs sandbox"}))
    return int(body["sandbox"]["id"]), make_client(body["secret"])


def _valid_pdf(data: bytes) -> None:
    assert data.startswith(b"%PDF-1.4\n") and data.endswith(b"%%EOF\n")
    xref = int(re.search(rb"startxref\n(\d+)\n", data).group(1))  # type: ignore[union-attr]
    assert data[xref:].startswith(b"xref\n")
    for number, offset in enumerate(re.findall(rb"(\d{10}) 00000 n", data), start=1):
        assert data[int(offset) :].startswith(b"%d 0 obj" % number)


def _valid_png(data: bytes) -> None:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    pos = 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        tag, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        assert struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])[0] == zlib.crc32(tag + body)
        pos += 12 + length
    assert tag == b"IEND"


def test_generated_files_are_valid() -> None:
    _valid_pdf(tiny_pdf("Acme (UK) Ltd", "back\\slash"))
    _valid_png(tiny_png(seed=3))


def test_sandbox_serves_sample_documents(client: httpx.Client, make_client: ClientFactory, backend: Backend) -> None:
    sandbox_id, sandbox = _sandbox(client, make_client)
    listed = ok(sandbox.get("/api/documents", params={"limit": 100}))
    docs = listed["data"]
    assert listed["pagination"]["total"] == len(docs) >= 4
    assert {d["category"] for d in docs} >= {"drawing", "photo", "report"}
    second = next(d for d in docs if d["version"] == 2)
    assert second["parent_document_id"] is not None
    for doc in docs:
        got = sandbox.get(f"/api/documents/{doc['id']}/download")
        assert got.status_code == 200 and sha(got.content) == doc["sha256"]
        assert got.headers["content-type"] == doc["file_type"]
        {"application/pdf": _valid_pdf, "image/png": _valid_png}.get(doc["file_type"], lambda _: None)(got.content)
    assert ok(client.get("/api/documents"))["data"] == []  # the live store starts empty
    assert blobs(backend) == set()
    sandbox_store = store_beside(backend.sandbox_db(sandbox_id).path)
    assert set(sandbox_store.blobs()) == {d["sha256"] for d in docs}


def test_reset_restores_rows_and_files(client: httpx.Client, make_client: ClientFactory, backend: Backend) -> None:
    sandbox_id, sandbox = _sandbox(client, make_client)
    store = store_beside(backend.sandbox_db(sandbox_id).path)
    before = ok(sandbox.get("/api/documents", params={"limit": 100}))["data"]
    original_blobs = set(store.blobs())
    for doc in before:
        ok(sandbox.delete(f"/api/documents/{doc['id']}"))
    assert set(store.blobs()) == set()  # deleting every row removed every file
    mine = ok(
        sandbox.post(
            "/api/documents",
            data={"project_id": str(before[0]["project_id"]), "name": "Sandbox upload"},
            files={"file": ("n.txt", b"sandbox only", "text/plain")},
        )
    )["data"]
    assert blobs(backend) == set()  # a sandbox upload never lands in the live store
    assert set(store.blobs()) == {sha(b"sandbox only")}

    ok(client.post(f"/api/sdk/sandboxes/{sandbox_id}/reset"))
    after = ok(sandbox.get("/api/documents", params={"limit": 100}))["data"]
    assert after == before
    assert set(store.blobs()) == original_blobs  # restored, and the upload's file is gone with its row
    err(sandbox.get(f"/api/documents/{mine['id']}"), 404, "not_found")
    for doc in after:
        assert sha(sandbox.get(f"/api/documents/{doc['id']}/download").content) == doc["sha256"]


def test_sandbox_events_stay_in_the_sandbox(client: httpx.Client, make_client: ClientFactory, backend: Backend) -> None:
    sandbox_id, sandbox = _sandbox(client, make_client)
    doc = ok(sandbox.get("/api/documents"))["data"][0]
    ok(sandbox.put(f"/api/documents/{doc['id']}/share", json={"is_public": True}))
    with backend.sandbox_db(sandbox_id).read() as conn:
        assert conn.execute("SELECT COUNT(*) FROM webhook_events WHERE event_type = 'document.shared'").fetchone()[0]
    with backend.db.read() as conn:
        assert conn.execute("SELECT COUNT(*) FROM webhook_events").fetchone()[0] == 0


def test_delete_sandbox_removes_its_files(client: httpx.Client, make_client: ClientFactory, backend: Backend) -> None:
    sandbox_id, _ = _sandbox(client, make_client)
    root = store_beside(backend.sandbox_db(sandbox_id).path).root
    assert root.is_dir()
    ok(client.delete(f"/api/sdk/sandboxes/{sandbox_id}"))
    assert not root.exists()
    assert not any(p.name.endswith(".files") for p in root.parent.iterdir())


def test_sample_data_disabled_has_no_documents(client: httpx.Client, make_client: ClientFactory) -> None:
    body = ok(client.post("/api/sdk/sandboxes", json={"name": "empty", "config": {"sampleDataEnabled": False}}))
    assert ok(make_client(body["secret"]).get("/api/documents"))["data"] == []
