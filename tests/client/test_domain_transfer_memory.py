"""Uploads and streamed downloads hold one chunk at a time: proven with tracemalloc on 32 MiB transfers."""

from __future__ import annotations

import asyncio
import hashlib
import tracemalloc
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx

from cortexbuild_sdk import AsyncCortexBuild, CortexBuild

SIZE = 32 * 1024 * 1024
CHUNK = b"\x5a" * 65_536
BUDGET = 4 * 1024 * 1024  # far below SIZE: a whole copy in memory would blow it
DOCUMENT = {"id": 1, "name": "big", "version": 1}


class Sink(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """A server that hashes an upload as it streams in, or streams a large download out."""

    def __init__(self) -> None:
        self.received = hashlib.sha256()
        self.received_bytes = 0

    def _answer(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(200, headers={"content-type": "application/pdf"}, stream=Chunks())
        return httpx.Response(201, json={"success": True, "data": DOCUMENT})

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        for chunk in request.stream:  # type: ignore[union-attr]
            self.received.update(chunk)
            self.received_bytes += len(chunk)
        return self._answer(request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        async for chunk in request.stream:  # type: ignore[union-attr]
            self.received.update(chunk)
            self.received_bytes += len(chunk)
        return self._answer(request)


class Chunks(httpx.SyncByteStream, httpx.AsyncByteStream):
    def __iter__(self) -> Iterator[bytes]:
        for _ in range(SIZE // len(CHUNK)):
            yield CHUNK

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for _ in range(SIZE // len(CHUNK)):
            yield CHUNK


def big_file(tmp_path: Path) -> Path:
    path = tmp_path / "big.pdf"
    with open(path, "wb") as out:
        for _ in range(SIZE // len(CHUNK)):
            out.write(CHUNK)
    return path


def peak_of(run: Any) -> int:
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_sync_upload_and_download_stay_within_one_chunk(tmp_path: Path) -> None:
    source, target, server = big_file(tmp_path), tmp_path / "copy.pdf", Sink()
    with CortexBuild(api_key="k", base_url="http://127.0.0.1", http_client=httpx.Client(transport=server)) as client:
        upload_peak = peak_of(lambda: client.documents.create(project_id=1, name="big", file=source))
        download_peak = peak_of(lambda: client.documents.download_to(1, target))
    assert server.received_bytes > SIZE  # the whole file, plus the multipart framing
    assert upload_peak < BUDGET, upload_peak
    assert download_peak < BUDGET, download_peak
    assert target.stat().st_size == SIZE


def test_async_upload_and_download_stay_within_one_chunk(tmp_path: Path) -> None:
    source, target, server = big_file(tmp_path), tmp_path / "copy.pdf", Sink()

    async def main() -> tuple[int, int]:
        http = httpx.AsyncClient(transport=server)
        async with AsyncCortexBuild(api_key="k", base_url="http://127.0.0.1", http_client=http) as client:
            tracemalloc.start()
            await client.documents.create(project_id=1, name="big", file=source)
            upload = tracemalloc.get_traced_memory()[1]
            tracemalloc.reset_peak()
            await client.documents.download_to(1, target)
            download = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            await http.aclose()
            return upload, download

    upload_peak, download_peak = asyncio.run(main())
    assert server.received_bytes > SIZE
    assert upload_peak < BUDGET, upload_peak
    assert download_peak < BUDGET, download_peak
    assert target.stat().st_size == SIZE
