"""A large upload and its download are streamed: Python's peak allocation stays a few chunks, not the file."""

from __future__ import annotations

import hashlib
import os
import tracemalloc
from pathlib import Path

import httpx
from helpers_documents import project_id
from helpers_local import ok

from cortexbuild_sdk.local import Backend
from cortexbuild_sdk.local.files import CHUNK_SIZE

SIZE = 50 * 1024 * 1024
BUDGET = 16 * CHUNK_SIZE  # 1 MiB for a 50 MiB file: a small multiple of the chunk, nowhere near the file


def _big_file(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "big.bin"
    digest = hashlib.sha256()
    block = os.urandom(CHUNK_SIZE)
    with path.open("wb") as out:
        for i in range(SIZE // CHUNK_SIZE):
            chunk = block[i % 7 :] + block[: i % 7]  # varied, so no accidental dedupe of blocks matters
            digest.update(chunk)
            out.write(chunk)
    return path, digest.hexdigest()


def test_large_upload_and_download_are_streamed(tmp_path: Path) -> None:
    path, digest = _big_file(tmp_path)
    with Backend(tmp_path / "store.db", tier="pro") as backend:
        client = httpx.Client(
            transport=backend.transport(),
            base_url="http://local",
            headers={"Authorization": f"Bearer {backend.owner_api_key}"},
        )
        project = project_id(client)
        ok(client.get("/api/documents"))  # warm up: routes, connections, caches
        with path.open("rb") as handle:
            tracemalloc.start()
            try:
                response = client.post(
                    "/api/documents",
                    data={"project_id": str(project), "name": "Point cloud"},
                    files={"file": ("scan.bin", handle, "application/octet-stream")},
                )
                _, upload_peak = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
        doc = ok(response)["data"]
        assert doc["file_size"] == SIZE and doc["sha256"] == digest
        print(f"upload peak {upload_peak} B")
        assert upload_peak < BUDGET, f"upload peaked at {upload_peak} bytes of Python memory"

        tracemalloc.start()
        try:
            check = hashlib.sha256()
            with client.stream("GET", f"/api/documents/{doc['id']}/download") as download:
                assert download.headers["content-length"] == str(SIZE)
                for chunk in download.iter_raw():
                    check.update(chunk)
            _, download_peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert check.hexdigest() == digest
        print(f"download peak {download_peak} B")
        assert download_peak < BUDGET, f"download peaked at {download_peak} bytes of Python memory"
        client.close()


async def test_async_transport_streams_a_large_upload(tmp_path: Path) -> None:
    path, digest = _big_file(tmp_path)
    with Backend(tmp_path / "store.db", tier="pro") as backend:
        auth = {"Authorization": f"Bearer {backend.owner_api_key}"}
        with httpx.Client(transport=backend.transport(), base_url="http://local", headers=auth) as sync_client:
            project = project_id(sync_client)
        async with httpx.AsyncClient(
            transport=backend.async_transport(),
            base_url="http://local",
            headers={"Authorization": f"Bearer {backend.owner_api_key}"},
        ) as client:
            await client.get("/api/documents")
            with path.open("rb") as handle:
                tracemalloc.start()
                try:
                    response = await client.post(
                        "/api/documents",
                        data={"project_id": str(project), "name": "Point cloud"},
                        files={"file": ("scan.bin", handle, "application/octet-stream")},
                    )
                    _, peak = tracemalloc.get_traced_memory()
                finally:
                    tracemalloc.stop()
            assert response.json()["data"]["sha256"] == digest
            print(f"async upload peak {peak} B")
            assert peak < BUDGET, f"async upload peaked at {peak} bytes of Python memory"
