"""Documents: multipart uploads checked byte-level, streamed from paths and file objects, and downloads."""

from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from cortexbuild_sdk import APIConnectionError, NotFoundError
from cortexbuild_sdk.types import Document, DownloadedFile, SavedFile

from .conftest import Runner
from .domain_bodies import DOCUMENT, ok, page

PDF = b"%PDF-1.7\n" + bytes(range(256)) + b"\r\n--not-a-boundary\r\n%%EOF"


class Chunks(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response body served chunk by chunk to the sync and the async client alike; may fail midway."""

    def __init__(self, chunks: list[bytes], fail: Exception | None = None) -> None:
        self.chunks, self.fail = chunks, fail

    def __iter__(self) -> Any:
        yield from self.chunks
        if self.fail:
            raise self.fail

    async def __aiter__(self) -> Any:
        for chunk in self.chunks:
            yield chunk
        if self.fail:
            raise self.fail


def parts(request: httpx.Request) -> dict[str, tuple[dict[str, str], bytes]]:
    """Split a multipart/form-data body by its boundary: field name -> (part headers, raw bytes)."""
    match = re.fullmatch(r"multipart/form-data; boundary=(\S+)", request.headers["content-type"])
    assert match, request.headers["content-type"]
    boundary = match.group(1).encode()
    body = request.content
    assert body.startswith(b"--" + boundary + b"\r\n") and body.endswith(b"--" + boundary + b"--\r\n")
    found = {}
    for chunk in body.split(b"--" + boundary)[1:-1]:
        head, _, content = chunk[2:].partition(b"\r\n\r\n")
        headers = dict(line.split(": ", 1) for line in head.decode().split("\r\n"))
        name = re.search(r'name="([^"]+)"', headers["Content-Disposition"])
        assert name
        found[name.group(1)] = (headers, content[:-2])  # each part ends with CRLF before the next boundary
    return found


def test_create_sends_the_contract_fields_and_the_file_byte_for_byte(run: Runner, api: respx.MockRouter) -> None:
    route = api.post("/api/documents").respond(201, json=ok(data=DOCUMENT, message="Document uploaded"))
    doc = run(
        lambda c: c.documents.create(
            project_id=7, name="Ground floor", file=PDF, filename="plan.pdf", category="drawing", is_public=False
        )
    )
    assert type(doc) is Document and doc.id == 51
    request = route.calls.last.request
    assert "idempotency-key" in request.headers
    sent = parts(request)
    assert list(sent) == ["project_id", "name", "category", "is_public", "file"]
    assert sent["project_id"][1] == b"7"
    assert sent["name"][1] == b"Ground floor"
    assert sent["is_public"][1] == b"false"
    file_headers, content = sent["file"]
    assert file_headers["Content-Disposition"] == 'form-data; name="file"; filename="plan.pdf"'
    assert file_headers["Content-Type"] == "application/pdf"
    assert content == PDF
    assert int(request.headers["content-length"]) == len(request.content)


def test_upload_from_a_path_streams_it_in_chunks(tmp_path: Path, run: Runner, api: respx.MockRouter) -> None:
    blob = hashlib.sha256(b"seed").digest() * 20_000  # 640 kB
    source = tmp_path / "site photo.jpg"
    source.write_bytes(blob)
    route = api.post("/api/documents").respond(201, json=ok(data=DOCUMENT))
    run(lambda c: c.documents.create(project_id=7, name="Photo", file=source))
    file_headers, content = parts(route.calls.last.request)["file"]
    assert file_headers["Content-Disposition"] == 'form-data; name="file"; filename="site photo.jpg"'
    assert file_headers["Content-Type"] == "image/jpeg"
    assert content == blob


class CountingReader(io.BytesIO):
    """A binary file object that records how much each read asked for."""

    def __init__(self, data: bytes, name: str) -> None:
        super().__init__(data)
        self.name = name
        self.reads: list[int | None] = []

    def read(self, size: int | None = -1) -> bytes:
        self.reads.append(size)
        return super().read(size)


def test_a_file_object_is_never_read_whole(run: Runner, api: respx.MockRouter) -> None:
    reader = CountingReader(b"x" * 300_000, "/tmp/specs/spec.txt")
    route = api.post("/api/documents").respond(201, json=ok(data=DOCUMENT))
    run(lambda c: c.documents.create(project_id=7, name="Spec", file=reader))
    assert reader.reads and all(size is not None and 0 < size <= 65_536 for size in reader.reads)
    file_headers, content = parts(route.calls.last.request)["file"]
    assert 'filename="spec.txt"' in file_headers["Content-Disposition"]
    assert file_headers["Content-Type"] == "text/plain"
    assert content == b"x" * 300_000


def test_a_retried_upload_resends_the_whole_file(run: Runner, api: respx.MockRouter) -> None:
    reader = CountingReader(PDF, "plan.pdf")
    route = api.post("/api/documents").mock(
        side_effect=[httpx.Response(503, json={"error": "busy"}), httpx.Response(201, json=ok(data=DOCUMENT))]
    )
    run(lambda c: c.documents.create(project_id=7, name="Plan", file=reader), max_retries=1)
    assert route.call_count == 2
    first, second = (call.request for call in route.calls)
    assert parts(second)["file"][1] == PDF
    assert first.headers["idempotency-key"] == second.headers["idempotency-key"]


class Pipe(io.RawIOBase):
    """A readable stream that cannot seek (like a socket or a pipe)."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def read(self, size: int = -1) -> bytes:
        return self._data.read(size)


def test_a_stream_that_cannot_rewind_is_sent_once_not_retried_truncated(run: Runner, api: respx.MockRouter) -> None:
    route = api.post("/api/documents").respond(503, json={"error": "busy"})
    from cortexbuild_sdk import InternalServerError

    with pytest.raises(InternalServerError):
        run(lambda c: c.documents.create(project_id=7, name="Plan", file=Pipe(PDF), filename="p.pdf"), max_retries=3)
    assert route.call_count == 1


def test_create_version_posts_multipart_to_versions(run: Runner, api: respx.MockRouter) -> None:
    version = {**DOCUMENT, "id": 52, "version": 2, "parent_document_id": 51}
    route = api.post("/api/documents/51/versions").respond(201, json=ok(data=version, message="Version created"))
    doc = run(lambda c: c.documents.create_version(51, file=b"v2", filename="plan-v2.pdf"))
    assert (doc.id, doc.version, doc.parent_document_id) == (52, 2, 51)
    sent = parts(route.calls.last.request)
    assert list(sent) == ["file"] and sent["file"][1] == b"v2"


@pytest.mark.parametrize(
    ("file", "error"),
    [
        ("/no/such/file.pdf", FileNotFoundError),
        (io.StringIO("text"), TypeError),
        (12345, TypeError),
    ],
)
def test_bad_files_are_refused_before_sending(file: Any, error: type, run: Runner, api: respx.MockRouter) -> None:
    route = api.post("/api/documents").respond(201, json=ok(data=DOCUMENT))
    with pytest.raises(error):
        run(lambda c: c.documents.create(project_id=7, name="x", file=file))
    assert route.call_count == 0


def test_download_returns_bytes_type_and_name(run: Runner, api: respx.MockRouter) -> None:
    headers = {"content-type": "application/pdf", "content-disposition": 'attachment; filename="plan.pdf"'}
    route = api.get("/api/documents/51/download").respond(200, content=PDF, headers=headers)
    got = run(lambda c: c.documents.download(51))
    assert got == DownloadedFile(PDF, "application/pdf", "plan.pdf")
    assert got.size == len(PDF)
    assert route.calls.last.request.headers["accept"] == "*/*"


@pytest.mark.parametrize(
    ("disposition", "filename"),
    [
        ("attachment; filename*=UTF-8''Cl%C4%83dire%20%E6%9D%B1%E4%BA%AC.pdf", "Clădire 東京.pdf"),
        ("attachment; filename=\"Cl_dire.pdf\"; filename*=UTF-8''Cl%C4%83dire%20%22A%22.pdf", 'Clădire "A".pdf'),
        ('attachment; filename="plain.pdf"', "plain.pdf"),
        ("attachment; filename*=UTF-8''..%2F..%2Fetc%2Fpasswd", "passwd"),
        ('attachment; filename="../../etc/passwd"', "passwd"),
        ('attachment; filename="..\\\\win.ini"', "win.ini"),
        ('attachment; filename=".."', None),
        ("attachment", None),
    ],
)
def test_download_filenames_are_decoded_and_reduced_to_a_bare_name(
    disposition: str, filename: str | None, run: Runner, api: respx.MockRouter
) -> None:
    api.get("/api/documents/51/download").respond(200, content=b"x", headers={"content-disposition": disposition})
    assert run(lambda c: c.documents.download(51)).filename == filename


def test_download_to_a_path_streams_and_lands_atomically(tmp_path: Path, run: Runner, api: respx.MockRouter) -> None:
    blob = b"0123456789abcdef" * 50_000

    def stream(request: httpx.Request) -> httpx.Response:
        chunks = [blob[i : i + 8192] for i in range(0, len(blob), 8192)]
        headers = {"content-type": "image/png", "content-disposition": 'attachment; filename="site.png"'}
        return httpx.Response(200, headers=headers, stream=Chunks(chunks))

    api.get("/api/documents/51/download").mock(side_effect=stream)
    target = tmp_path / "out.png"
    saved = run(lambda c: c.documents.download_to(51, target))
    assert saved == SavedFile(target, "image/png", "site.png", len(blob))
    assert target.read_bytes() == blob
    assert list(tmp_path.iterdir()) == [target]  # no .part left behind


def test_download_to_a_file_object(run: Runner, api: respx.MockRouter) -> None:
    api.get("/api/documents/51/download").respond(200, content=PDF, headers={"content-type": "application/pdf"})
    sink = io.BytesIO()
    saved = run(lambda c: c.documents.download_to(51, sink))
    assert sink.getvalue() == PDF and saved.size == len(PDF) and saved.path is None


def test_a_failed_download_raises_the_typed_error_and_writes_nothing(
    tmp_path: Path, run: Runner, api: respx.MockRouter
) -> None:
    api.get("/api/documents/9/download").respond(404, json={"success": False, "error": "Document not found"})
    target = tmp_path / "never.pdf"
    with pytest.raises(NotFoundError, match="Document not found"):
        run(lambda c: c.documents.download_to(9, target))
    with pytest.raises(NotFoundError):
        run(lambda c: c.documents.download(9))
    assert list(tmp_path.iterdir()) == []


def test_a_download_cut_short_leaves_no_file(tmp_path: Path, run: Runner, api: respx.MockRouter) -> None:
    body = Chunks([b"first chunk"], fail=httpx.ReadError("connection reset"))
    api.get("/api/documents/51/download").mock(side_effect=lambda request: httpx.Response(200, stream=body))
    target = tmp_path / "plan.pdf"
    with pytest.raises(APIConnectionError, match="Download interrupted"):
        run(lambda c: c.documents.download_to(51, target))
    assert list(tmp_path.iterdir()) == []


def test_bad_destinations_are_refused_before_sending(tmp_path: Path, run: Runner, api: respx.MockRouter) -> None:
    route = api.get("/api/documents/51/download").respond(200, content=b"x")
    with pytest.raises(TypeError, match="binary"):
        run(lambda c: c.documents.download_to(51, io.StringIO()))
    with pytest.raises(IsADirectoryError):
        run(lambda c: c.documents.download_to(51, tmp_path))
    with pytest.raises(FileNotFoundError):
        run(lambda c: c.documents.download_to(51, tmp_path / "missing" / "plan.pdf"))
    with pytest.raises(TypeError):
        run(lambda c: c.documents.download_to(51, 42))
    assert route.call_count == 0


def test_documents_list_filters(run: Runner, api: respx.MockRouter) -> None:
    route = api.get("/api/documents").respond(json=page([DOCUMENT]))
    docs = run.collect(lambda c: c.documents.list(project_id=7, category="drawing"))
    assert [d.id for d in docs] == [51]
    assert dict(route.calls.last.request.url.params) == {"project_id": "7", "category": "drawing"}
