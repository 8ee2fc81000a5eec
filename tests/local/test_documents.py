"""Documents through the in-process transport with raw httpx: upload, versions, download, share, CRUD, events."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
from pathlib import Path
from urllib.parse import unquote

import httpx
import pytest
from helpers_documents import blobs, project_id, sha, upload
from helpers_local import ClientFactory, err, ok

from cortexbuild_sdk.local import Backend
from cortexbuild_sdk.local.files import store_beside
from cortexbuild_sdk.local.schema import MIGRATIONS, _v_documents

PDF = b"%PDF-1.4\n% a drawing\n"


def _events(backend: Backend, event: str) -> list[dict[str, object]]:
    with backend.db.read() as conn:
        rows = conn.execute("SELECT payload FROM webhook_events WHERE event_type = ? ORDER BY rowid", (event,))
        return [json.loads(r[0]) for r in rows]


def test_upload_shape_download_and_event(client: httpx.Client, backend: Backend) -> None:
    project = project_id(client)
    body = ok(upload(client, project, PDF, description="Level 0", category="drawing", is_public="true"))
    doc = body["data"]
    assert body["message"]
    assert {k: doc[k] for k in ("project_id", "name", "description", "category", "is_public", "version")} == {
        "project_id": project,
        "name": "Ground floor plan",
        "description": "Level 0",
        "category": "drawing",
        "is_public": True,
        "version": 1,
    }
    assert doc["file_size"] == len(PDF) and doc["file_type"] == "application/pdf" and doc["sha256"] == sha(PDF)
    assert doc["parent_document_id"] is None and doc["company_id"] and doc["created_at"].endswith("Z")
    assert ok(client.get(f"/api/documents/{doc['id']}"))["data"] == doc

    got = client.get(f"/api/documents/{doc['id']}/download")
    assert got.status_code == 200 and got.content == PDF
    assert got.headers["content-type"] == "application/pdf"
    assert got.headers["content-length"] == str(len(PDF))
    assert got.headers["content-disposition"].startswith("attachment;")
    assert got.headers["x-content-type-options"] == "nosniff"

    (event,) = _events(backend, "document.uploaded")
    assert event["data"] == {"document": doc}

    blob = store_beside(backend.path).path(doc["sha256"])
    assert blob.read_bytes() == PDF
    assert stat.S_IMODE(blob.stat().st_mode) == 0o600
    assert stat.S_IMODE(store_beside(backend.path).root.stat().st_mode) == 0o700


def test_versions_chain_to_the_first(client: httpx.Client, backend: Backend) -> None:
    first = ok(upload(client, project_id(client), b"rev A", category="drawing"))["data"]
    v2 = client.post(
        f"/api/documents/{first['id']}/versions", files={"file": ("plan.pdf", b"rev B", "application/pdf")}
    )
    assert v2.status_code == 201
    second = v2.json()["data"]
    assert (second["version"], second["parent_document_id"]) == (2, first["id"])
    assert second["id"] != first["id"] and second["category"] == "drawing" and second["name"] == first["name"]
    # A version of a version still chains to the first, and may rename it.
    third = ok(
        client.post(
            f"/api/documents/{second['id']}/versions",
            data={"name": "Ground floor plan (rev C)"},
            files={"file": ("plan.pdf", b"rev C", "application/pdf")},
        )
    )["data"]
    assert (third["version"], third["parent_document_id"], third["name"]) == (
        3,
        first["id"],
        "Ground floor plan (rev C)",
    )
    assert client.get(f"/api/documents/{third['id']}/download").content == b"rev C"
    assert client.get(f"/api/documents/{first['id']}/download").content == b"rev A"
    chain = ok(client.get("/api/documents", params={"parent_document_id": first["id"]}))["data"]
    assert [d["version"] for d in chain] == [3, 2, 1]
    assert len(_events(backend, "document.uploaded")) == 3
    err(client.post("/api/documents/999/versions", files={"file": ("x", b"x", "text/plain")}), 404, "not_found")


def test_list_envelope_filters_and_pagination(client: httpx.Client) -> None:
    project = project_id(client)
    for i in range(5):
        ok(upload(client, project, f"file {i}".encode(), name=f"Doc {i}", category="report" if i % 2 else "photo"))
    page = ok(client.get("/api/documents", params={"limit": 2, "page": 2}))
    assert page["pagination"] == {"page": 2, "limit": 2, "total": 5, "totalPages": 3}
    assert [d["name"] for d in page["data"]] == ["Doc 2", "Doc 1"]  # newest first
    assert [d["name"] for d in ok(client.get("/api/documents", params={"search": "doc 4"}))["data"]] == ["Doc 4"]
    assert ok(client.get("/api/documents", params={"search": "%"}))["pagination"]["total"] == 0  # no wildcards
    assert ok(client.get("/api/documents", params={"category": "report"}))["pagination"]["total"] == 2
    assert ok(client.get("/api/documents", params={"project_id": project}))["pagination"]["total"] == 5
    assert ok(client.get("/api/documents", params={"project_id": project + 1000}))["data"] == []
    err(client.get("/api/documents", params={"limit": 0}), 400, "validation_error")
    err(client.get("/api/documents", params={"category": "spreadsheet"}), 400, "validation_error")


def test_moving_a_version_moves_its_chain(client: httpx.Client) -> None:
    first = ok(upload(client, project_id(client), b"v1"))["data"]
    second = ok(client.post(f"/api/documents/{first['id']}/versions", files={"file": ("p", b"v2", "text/plain")}))
    target = project_id(client)
    if target == first["project_id"]:  # before the projects route exists any id is accepted
        target += 1
    moved = ok(client.put(f"/api/documents/{second['data']['id']}", json={"project_id": target}))["data"]
    assert moved["project_id"] == target
    assert ok(client.get(f"/api/documents/{first['id']}"))["data"]["project_id"] == target


def test_update_patch_synonym_and_delete(client: httpx.Client) -> None:
    doc = ok(upload(client, project_id(client)))["data"]
    updated = ok(client.put(f"/api/documents/{doc['id']}", json={"name": "Renamed", "category": "contract"}))
    assert updated["message"] and updated["data"]["name"] == "Renamed" and updated["data"]["category"] == "contract"
    assert ok(client.patch(f"/api/documents/{doc['id']}", json={"is_public": True}))["data"]["is_public"] is True
    err(client.put(f"/api/documents/{doc['id']}", json={"category": "nope"}), 400, "validation_error")
    err(client.put(f"/api/documents/{doc['id']}", json={"name": "a\r\nb"}), 400, "validation_error")
    err(client.put(f"/api/documents/{doc['id']}", json={}), 400, "validation_error")
    gone = ok(client.delete(f"/api/documents/{doc['id']}"))
    assert set(gone) == {"success", "message"}
    err(client.get(f"/api/documents/{doc['id']}"), 404, "not_found")
    err(client.get(f"/api/documents/{doc['id']}/download"), 404, "not_found")


def test_share_emits_document_shared(client: httpx.Client, backend: Backend) -> None:
    doc = ok(upload(client, project_id(client)))["data"]
    shared = ok(client.put(f"/api/documents/{doc['id']}/share", json={"emails": ["pm@example.com"], "is_public": True}))
    assert shared["data"]["is_public"] is True and shared["data"]["shared_with"] == ["pm@example.com"]
    again = ok(client.put(f"/api/documents/{doc['id']}/share", json={"emails": ["pm@example.com", "qs@example.com"]}))
    assert again["data"]["shared_with"] == ["pm@example.com", "qs@example.com"]
    events = _events(backend, "document.shared")
    assert len(events) == 2 and events[1]["data"]["document"] == again["data"]  # type: ignore[index]
    err(client.put(f"/api/documents/{doc['id']}/share", json={"emails": ["not-an-email"]}), 400, "validation_error")
    err(client.put(f"/api/documents/{doc['id']}/share", json={}), 400, "validation_error")
    assert len(_events(backend, "document.shared")) == 2  # refused requests emit nothing


def test_download_disposition_is_encoded(client: httpx.Client) -> None:
    name = 'Plan "A"; évier.pdf'
    doc = ok(upload(client, project_id(client), b"x", name="Plan", filename=name))["data"]
    disposition = client.get(f"/api/documents/{doc['id']}/download").headers["content-disposition"]
    assert "\r" not in disposition and "\n" not in disposition
    star = disposition.split("filename*=UTF-8''", 1)[1]
    assert unquote(star) == name
    assert '"Plan _A__ _vier.pdf"' in disposition  # the ASCII fallback keeps no quote or semicolon


def test_content_type_is_validated(client: httpx.Client) -> None:
    project = project_id(client)
    weird = ok(upload(client, project, b"x", content_type="not a media type"))["data"]
    assert weird["file_type"] == "application/octet-stream"
    # A CRLF in the part's content type only starts another part header: it never reaches a response header.
    injected = ok(upload(client, project, b"<b>x</b>", content_type="text/html\r\nx-evil: 1"))["data"]
    got = client.get(f"/api/documents/{injected['id']}/download")
    assert "x-evil" not in got.headers and got.headers["content-type"] == "text/html"
    assert got.headers["content-disposition"].startswith("attachment") and got.headers["x-content-type-options"]
    odd = ok(upload(client, project, b"y", content_type="image/PNG; charset=binary"))["data"]
    assert odd["file_type"] == "image/png"
    assert client.get(f"/api/documents/{odd['id']}/download").headers["content-type"] == "image/png"


def test_identical_content_is_stored_once_and_cleaned_up(client: httpx.Client, backend: Backend) -> None:
    project = project_id(client)
    a = ok(upload(client, project, b"same bytes", name="A"))["data"]
    b = ok(upload(client, project, b"same bytes", name="B"))["data"]
    c = ok(upload(client, project, b"other bytes", name="C"))["data"]
    assert a["sha256"] == b["sha256"] and blobs(backend) == {sha(b"same bytes"), sha(b"other bytes")}
    ok(client.delete(f"/api/documents/{a['id']}"))
    assert blobs(backend) == {sha(b"same bytes"), sha(b"other bytes")}  # B still references it
    assert client.get(f"/api/documents/{b['id']}/download").content == b"same bytes"
    ok(client.delete(f"/api/documents/{b['id']}"))
    assert blobs(backend) == {sha(b"other bytes")}
    ok(client.delete(f"/api/documents/{c['id']}"))
    assert blobs(backend) == set()
    assert os.listdir(store_beside(backend.path).tmp_dir) == []  # no temp file left behind


def test_deleting_a_first_version_deletes_its_chain(client: httpx.Client, backend: Backend) -> None:
    first = ok(upload(client, project_id(client), b"v1"))["data"]
    second = ok(client.post(f"/api/documents/{first['id']}/versions", files={"file": ("p", b"v2", "text/plain")}))
    third = ok(client.post(f"/api/documents/{first['id']}/versions", files={"file": ("p", b"v3", "text/plain")}))
    ok(client.delete(f"/api/documents/{third['data']['id']}"))  # a later version: just that one
    assert ok(client.get(f"/api/documents/{second['data']['id']}"))["data"]["version"] == 2
    assert blobs(backend) == {sha(b"v1"), sha(b"v2")}
    ok(client.delete(f"/api/documents/{first['id']}"))
    err(client.get(f"/api/documents/{second['data']['id']}"), 404, "not_found")
    assert blobs(backend) == set()


def test_other_accounts_documents_are_404(client: httpx.Client, make_client: ClientFactory, backend: Backend) -> None:
    doc = ok(upload(client, project_id(client)))["data"]
    other = make_client(backend.create_account(company_name="Other Co").owner_api_key)
    for response in (
        other.get(f"/api/documents/{doc['id']}"),
        other.get(f"/api/documents/{doc['id']}/download"),
        other.put(f"/api/documents/{doc['id']}", json={"name": "mine"}),
        other.put(f"/api/documents/{doc['id']}/share", json={"is_public": True}),
        other.delete(f"/api/documents/{doc['id']}"),
        other.post(f"/api/documents/{doc['id']}/versions", files={"file": ("x", b"hijack", "text/plain")}),
    ):
        err(response, 404, "not_found")
    assert ok(other.get("/api/documents"))["data"] == []
    assert ok(client.get(f"/api/documents/{doc['id']}"))["data"] == doc
    assert sha(b"hijack") not in blobs(backend)  # the refused version left no file


def test_scopes(client: httpx.Client, make_client: ClientFactory) -> None:
    doc = ok(upload(client, project_id(client)))["data"]
    reader = make_client(ok(client.post("/api/sdk/keys", json={"name": "r", "scopes": ["documents:read"]}))["secret"])
    assert reader.get(f"/api/documents/{doc['id']}/download").content == b"%PDF-1.4 drawing"
    body = err(upload(reader, doc["project_id"]), 403, "insufficient_scope")
    assert body["details"] == {"required_scope": "documents:write"}
    other = make_client(ok(client.post("/api/sdk/keys", json={"name": "u", "scopes": ["usage:read"]}))["secret"])
    err(other.get("/api/documents"), 403, "insufficient_scope")


def test_tier_limit_413_before_and_while_reading() -> None:
    with Backend(upload_limits={"free": 1000, "pro": 5000}) as backend:
        client = httpx.Client(
            transport=backend.transport(),
            base_url="http://local",
            headers={"Authorization": f"Bearer {backend.owner_api_key}"},
        )
        project = project_id(client)
        ok(upload(client, project, b"x" * 1000))  # exactly the limit
        body = err(upload(client, project, b"x" * 1001), 413, "payload_too_large")
        assert body["details"]["limit"] == 1000 and body["details"]["tier"] == "free"
        # Declared far over the limit: refused from Content-Length before a byte is read.
        body = err(upload(client, project, b"x" * 100_000), 413, "payload_too_large")
        assert body["details"]["limit"] == 1000

        def never() -> object:
            raise AssertionError("the body was read")
            yield b""

        declared = client.post(
            "/api/documents",
            content=never(),
            headers={"content-type": "multipart/form-data; boundary=b", "content-length": "5000000"},
        )
        assert err(declared, 413, "payload_too_large")["details"]["limit"] == 1000
        # Without a key: 401 before anything else (the route table stays secret), and still not a byte read.
        anonymous = httpx.Client(transport=backend.transport(), base_url="http://local")
        huge = {"content-type": "multipart/form-data; boundary=b", "content-length": str(2**40)}
        err(anonymous.post("/api/documents", content=never(), headers=huge), 401, "unauthorized")
        anonymous.close()

        # No Content-Length (a generator body): refused while streaming.
        def chunks() -> object:
            yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\n'
            for _ in range(100):
                yield b"y" * 1000

        streamed = client.post(
            "/api/documents", content=chunks(), headers={"content-type": "multipart/form-data; boundary=b"}
        )
        assert err(streamed, 413, "payload_too_large")["details"]["limit"] == 1000
        backend.set_tier("pro")
        ok(upload(client, project, b"x" * 5000))
        assert blobs(backend) == {sha(b"x" * 1000), sha(b"x" * 5000)}
        assert os.listdir(store_beside(backend.path).tmp_dir) == []
        client.close()


def test_idempotent_upload_replays_and_refuses_other_content(client: httpx.Client, backend: Backend) -> None:
    project = project_id(client)
    headers = {"Idempotency-Key": "upload-1"}
    files = {"file": ("a.pdf", b"one", "application/pdf")}
    data = {"project_id": str(project), "name": "A"}
    first = client.post("/api/documents", data=data, files=files, headers=headers)
    again = client.post("/api/documents", data=data, files=files, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true" and again.json() == first.json()
    assert ok(client.get("/api/documents"))["pagination"]["total"] == 1
    other = client.post(
        "/api/documents", data=data, files={"file": ("a.pdf", b"two", "application/pdf")}, headers=headers
    )
    assert other.status_code == 422
    assert blobs(backend) == {sha(b"one")}


@pytest.mark.parametrize("field", ["project_id", "name"])
def test_required_fields(client: httpx.Client, field: str) -> None:
    data = {"project_id": str(project_id(client)), "name": "N"}
    del data[field]
    response = client.post("/api/documents", data=data, files={"file": ("a", b"a", "text/plain")})
    assert err(response, 400, "validation_error")["details"][0]["field"] == field


async def test_async_transport_streams_upload_and_download(client: httpx.Client, backend: Backend) -> None:
    project = project_id(client)
    async with httpx.AsyncClient(
        transport=backend.async_transport(),
        base_url="http://local",
        headers={"Authorization": f"Bearer {backend.owner_api_key}"},
    ) as client:
        content = os.urandom(300_000)
        response = await client.post(
            "/api/documents", data={"project_id": str(project), "name": "Photo"}, files={"file": ("p.bin", content)}
        )
        assert response.status_code == 201, response.text
        doc = response.json()["data"]
        assert doc["sha256"] == sha(content) and doc["file_type"] == "application/octet-stream"
        async with client.stream("GET", f"/api/documents/{doc['id']}/download") as download:
            assert b"".join([chunk async for chunk in download.aiter_bytes()]) == content


def test_missing_multipart_extra_is_a_clear_503(client: httpx.Client, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    project = project_id(client)
    for module in ("python_multipart", "python_multipart.multipart", "python_multipart.exceptions"):
        monkeypatch.setitem(sys.modules, module, None)  # as if the extra were not installed
    body = err(upload(client, project), 503, "unavailable")
    assert "cortexbuild-sdk[local]" in body["error"]
    assert ok(client.get("/api/documents"))["data"] == []  # the other documents routes still answer


def test_streamed_json_bodies_still_work_and_are_limited(client: httpx.Client) -> None:
    hook = b'{"name": "feed", "url": "https://example.com/hook", "events": ["document.uploaded"]}'

    def pieces(data: bytes) -> object:
        yield from (data[i : i + 7] for i in range(0, len(data), 7))

    headers = {"content-type": "application/json"}
    created = client.post("/api/integrations/webhooks", content=pieces(hook), headers=headers)
    assert created.status_code == 201, created.text
    big = b'{"name": "' + b"x" * (1024 * 1024 + 10) + b'"}'
    err(client.post("/api/integrations/webhooks", content=pieces(big), headers=headers), 413, "payload_too_large")


def test_queries_use_indexes(backend: Backend) -> None:
    with backend.db.read() as conn:

        def plan(sql: str, *args: object) -> str:
            return " ".join(str(row[-1]) for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", args))

        assert "USING INDEX documents_account" in plan(
            "SELECT * FROM documents WHERE account_id = ? ORDER BY id DESC LIMIT 20", 1
        )
        assert "documents_account_project" in plan(
            "SELECT COUNT(*) FROM documents WHERE account_id = ? AND project_id = ?", 1, 2
        )
        assert "documents_sha256" in plan("SELECT 1 FROM documents WHERE sha256 = ? LIMIT 1", "ab")
        assert "documents_parent" in plan(
            "SELECT * FROM documents WHERE parent_document_id = ? ORDER BY version DESC LIMIT 1", 2
        )
        chain = plan(
            "SELECT * FROM documents WHERE account_id = ? AND id IN"
            " (SELECT ? UNION ALL SELECT id FROM documents WHERE parent_document_id = ?) ORDER BY id DESC LIMIT 20",
            1,
            2,
            2,
        )
        assert "documents_parent (parent_document_id=?)" in chain and "id=?" in chain and "SCAN documents" not in chain


def test_existing_stores_gain_the_table_and_the_scopes(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with Backend(path) as backend:  # a complete store, then rolled back to before the documents migration
        owner = backend.owner_api_key
    conn = sqlite3.connect(path)
    conn.execute("DROP TABLE documents")
    scopes = [s for s in json.loads(conn.execute("SELECT scopes FROM api_keys").fetchone()[0]) if "documents" not in s]
    conn.execute("UPDATE api_keys SET scopes = ?", (json.dumps(scopes),))
    conn.execute(f"PRAGMA user_version = {MIGRATIONS.index(_v_documents)}")  # re-runs it and every later one
    conn.commit()
    conn.close()
    with (
        Backend(path) as backend,
        httpx.Client(
            transport=backend.transport(), base_url="http://local", headers={"Authorization": f"Bearer {owner}"}
        ) as client,
    ):
        ok(upload(client, project_id(client)))
        assert ok(client.get("/api/documents"))["pagination"]["total"] == 1
