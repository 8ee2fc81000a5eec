"""Uploads and deletes of the same content racing on many threads: the store and the table always agree."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import httpx
from helpers_documents import blobs, project_id, sha, upload
from helpers_local import ok

from cortexbuild_sdk.local import Backend
from cortexbuild_sdk.local.files import store_beside


def test_racing_uploads_and_deletes_of_one_content(backend: Backend) -> None:
    auth = {"Authorization": f"Bearer {backend.owner_api_key}"}

    def client() -> httpx.Client:
        return httpx.Client(transport=backend.transport(), base_url="http://local", headers=auth)

    with client() as setup:
        project = project_id(setup)
    contents = [b"shared drawing", b"another drawing"]

    def worker(n: int) -> list[int]:
        kept: list[int] = []
        with client() as c:
            for i in range(12):
                doc = ok(upload(c, project, contents[(n + i) % 2], name=f"w{n}-{i}"))["data"]
                if (n + i) % 3:
                    ok(c.delete(f"/api/documents/{doc['id']}"))
                else:
                    kept.append(doc["id"])
        return kept

    with ThreadPoolExecutor(max_workers=6) as pool:
        kept = [doc_id for ids in pool.map(worker, range(6)) for doc_id in ids]

    with client() as c:
        listed = ok(c.get("/api/documents", params={"limit": 100}))["data"]
        assert sorted(d["id"] for d in listed) == sorted(kept)
        assert blobs(backend) == {d["sha256"] for d in listed}
        for doc in listed:
            assert sha(c.get(f"/api/documents/{doc['id']}/download").content) == doc["sha256"]
        for doc in listed:
            ok(c.delete(f"/api/documents/{doc['id']}"))
    assert blobs(backend) == set()
    assert os.listdir(store_beside(backend.path).tmp_dir) == []


def test_a_failed_insert_leaves_no_new_file(client: httpx.Client, backend: Backend) -> None:
    doc = ok(upload(client, project_id(client), b"v1"))["data"]
    # A version of a document that is not the caller's fails inside the transaction, after the file was placed.
    other = httpx.Client(
        transport=backend.transport(),
        base_url="http://local",
        headers={"Authorization": f"Bearer {backend.create_account(company_name='Other').owner_api_key}"},
    )
    response = other.post(f"/api/documents/{doc['id']}/versions", files={"file": ("x", b"brand new", "text/plain")})
    assert response.status_code == 404
    assert blobs(backend) == {sha(b"v1")}
    other.close()
