"""Hostile multipart bodies: every one is a clear 400 (or 413) that stores nothing and leaves no temp file."""

from __future__ import annotations

import os

import httpx
import pytest
from helpers_documents import blobs, project_id, sha, upload
from helpers_local import err, ok
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cortexbuild_sdk.local import Backend
from cortexbuild_sdk.local.files import store_beside

B = "xYzBoundary"


def _part(name: str, value: bytes, *, filename: str | None = None, extra: bytes = b"") -> bytes:
    disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename is not None else "")
    return f"--{B}\r\nContent-Disposition: {disposition}\r\n".encode() + extra + b"\r\n" + value + b"\r\n"


def _fields(project: int) -> bytes:
    return _part("project_id", str(project).encode()) + _part("name", b"Doc")


MULTIPART = f"multipart/form-data; boundary={B}"


def _post(client: httpx.Client, body: bytes, content_type: str = MULTIPART) -> httpx.Response:
    return client.post("/api/documents", content=body, headers={"content-type": content_type})


def _nothing_stored(client: httpx.Client, backend: Backend) -> None:
    assert ok(client.get("/api/documents"))["pagination"]["total"] == 0
    assert blobs(backend) == set()
    tmp = store_beside(backend.path).tmp_dir
    assert not tmp.exists() or os.listdir(tmp) == []


def _bad(response: httpx.Response) -> str:
    body = err(response, 400, "invalid_multipart")
    assert body["details"][0]["field"]
    return str(body["error"])


END = f"--{B}--\r\n".encode()


def test_well_formed_baseline(client: httpx.Client, backend: Backend) -> None:
    body = _fields(project_id(client)) + _part("file", b"hello", filename="a.txt") + END
    assert ok(_post(client, body))["data"]["sha256"] == sha(b"hello")


@pytest.mark.parametrize(
    "content_type",
    [
        "multipart/form-data",  # no boundary
        "multipart/form-data; boundary=",
        "multipart/form-data; boundary=" + "a" * 71,  # over RFC 2046's 70
        "multipart/form-data; boundary=bad\x01char",
        "application/json",
        "text/plain",
    ],
)
def test_bad_content_types(client: httpx.Client, backend: Backend, content_type: str) -> None:
    body = _fields(project_id(client)) + _part("file", b"hello", filename="a.txt") + END
    _bad(_post(client, body, content_type))
    _nothing_stored(client, backend)


def test_missing_content_type(client: httpx.Client, backend: Backend) -> None:
    response = client.post("/api/documents", content=b"raw bytes")
    _bad(response)
    _nothing_stored(client, backend)


def test_truncated_body(client: httpx.Client, backend: Backend) -> None:
    body = _fields(project_id(client)) + _part("file", b"hello world " * 1000, filename="a.txt") + END
    message = _bad(_post(client, body[: len(body) - 200]))
    assert "truncated" in message or "ended" in message
    _nothing_stored(client, backend)


def test_no_file_part(client: httpx.Client, backend: Backend) -> None:
    body = err(_post(client, _fields(project_id(client)) + END), 400, "invalid_multipart")
    assert body["details"][0]["field"] == "file"
    _nothing_stored(client, backend)


def test_two_file_parts(client: httpx.Client, backend: Backend) -> None:
    body = _fields(project_id(client)) + _part("file", b"one", filename="a") + _part("file", b"two", filename="b") + END
    assert "exactly one" in _bad(_post(client, body))
    _nothing_stored(client, backend)


def test_file_under_another_name(client: httpx.Client, backend: Backend) -> None:
    body = _fields(project_id(client)) + _part("upload", b"one", filename="a") + END
    _bad(_post(client, body))
    _nothing_stored(client, backend)


def test_huge_part_headers(client: httpx.Client, backend: Backend) -> None:
    huge = b"X-Padding: " + b"p" * 10_000 + b"\r\n"
    body = _fields(project_id(client)) + _part("file", b"one", filename="a", extra=huge) + END
    _bad(_post(client, body))
    many = b"".join(b"X-H%d: v\r\n" % i for i in range(50))
    body = _fields(project_id(client)) + _part("file", b"one", filename="a", extra=many) + END
    _bad(_post(client, body))
    _nothing_stored(client, backend)


def test_unknown_repeated_oversized_and_binary_fields(client: httpx.Client, backend: Backend) -> None:
    project = project_id(client)
    file = _part("file", b"one", filename="a")
    _bad(_post(client, _fields(project) + _part("owner_id", b"7") + file + END))
    _bad(_post(client, _fields(project) + _part("name", b"again") + file + END))
    _bad(_post(client, _fields(project) + _part("description", b"d" * 9000) + file + END))
    _bad(_post(client, _part("project_id", b"1") + _part("name", b"\xff\xfe") + file + END))
    _bad(_post(client, _fields(project) + b"".join(_part("x", b"") for _ in range(20)) + file + END))
    _nothing_stored(client, backend)


def test_garbage_and_missing_disposition(client: httpx.Client, backend: Backend) -> None:
    _bad(_post(client, b"\x00\x01garbage that is no multipart at all"))
    no_disposition = f"--{B}\r\nContent-Type: text/plain\r\n\r\nhello\r\n".encode() + END
    _bad(_post(client, no_disposition))
    _nothing_stored(client, backend)


@pytest.mark.parametrize(
    ("filename", "stored"),
    [
        ("../../../../etc/passwd", "passwd"),
        ("..\\..\\windows\\system32\\drivers.sys", "drivers.sys"),
        ("/abs/path/report.pdf", "report.pdf"),
        ("..", None),
        ("a\x00b\x1fc.txt", "a%00b%1Fc.txt"),  # httpx percent-escapes control characters
    ],
)
def test_path_traversal_filenames_never_reach_the_disk(
    client: httpx.Client, backend: Backend, filename: str, stored: str | None
) -> None:
    doc = ok(upload(client, project_id(client), b"secret plans", filename=filename))["data"]
    assert doc["file_name"] == stored
    root = store_beside(backend.path).root
    files = [os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs]
    assert files == [os.path.join("sha256", sha(b"secret plans")[:2], sha(b"secret plans")[2:])]
    disposition = client.get(f"/api/documents/{doc['id']}/download").headers["content-disposition"]
    assert "/" not in disposition.split(";", 1)[1].replace("%2F", "") and "\\" not in disposition


def test_crlf_in_names_is_refused_or_neutralised(client: httpx.Client, backend: Backend) -> None:
    project = project_id(client)
    body = err(upload(client, project, b"x", name="Plan\r\nSet-Cookie: a=b"), 400, "validation_error")
    assert body["details"][0]["field"] == "name"
    # httpx escapes CR/LF in filenames (%0D%0A); a raw one in a hand-made body only ends the header line.
    doc = ok(upload(client, project, b"x", filename="a\r\nSet-Cookie: a=b.pdf"))["data"]
    download = client.get(f"/api/documents/{doc['id']}/download")
    assert "set-cookie" not in download.headers
    assert "\r" not in download.headers["content-disposition"] and "\n" not in download.headers["content-disposition"]
    raw = _fields(project) + _part("file", b"y", filename="a\x01b\x7f.txt") + END  # raw control characters
    assert ok(_post(client, raw))["data"]["file_name"] == "ab.txt"


def test_version_uploads_are_just_as_strict(client: httpx.Client, backend: Backend) -> None:
    doc = ok(upload(client, project_id(client), b"v1"))["data"]
    path = f"/api/documents/{doc['id']}/versions"
    two = _part("file", b"one", filename="a") + _part("file", b"two", filename="b") + END
    _bad(client.post(path, content=two, headers={"content-type": f"multipart/form-data; boundary={B}"}))
    _bad(client.post(path, content=b"x", headers={"content-type": "multipart/form-data"}))
    bad_field = _part("project_id", b"5") + _part("file", b"one", filename="a") + END
    _bad(client.post(path, content=bad_field, headers={"content-type": f"multipart/form-data; boundary={B}"}))
    assert blobs(backend) == {sha(b"v1")}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    cut=st.integers(0, 400),
    flips=st.lists(st.tuples(st.integers(0, 400), st.binary(min_size=1, max_size=4)), max_size=4),
)
def test_mangled_bodies_never_500_and_store_nothing_partial(
    client: httpx.Client, backend: Backend, cut: int, flips: list[tuple[int, bytes]]
) -> None:
    body = bytearray(_fields(1) + _part("file", b"fuzzed content " * 8, filename="f.txt") + END)
    for position, data in flips:
        body[position % len(body) : position % len(body)] = data
    response = _post(client, bytes(body[: len(body) - cut]) if cut else bytes(body))
    assert response.status_code in (201, 400, 404), response.text
    assert response.json()["success"] is (response.status_code == 201)
    listed = ok(client.get("/api/documents", params={"limit": 100}))["data"]
    assert blobs(backend) == {d["sha256"] for d in listed}  # whatever was refused left no file
    tmp = store_beside(backend.path).tmp_dir
    assert not tmp.exists() or os.listdir(tmp) == []


def test_bad_headers_are_400_not_500(client: httpx.Client, backend: Backend) -> None:
    from cortexbuild_sdk.local.http import LocalRequest

    body = _fields(project_id(client)) + _part("file", b"x", filename="a") + END
    auth = {"authorization": f"Bearer {backend.owner_api_key}"}
    for headers in (
        {"content-type": MULTIPART, "content-length": "12abc"},
        {"content-type": MULTIPART, "content-length": "-5"},
        {"content-type": "multipart/form-data; boundary=\u20ac"},  # not latin-1: only a non-httpx adapter can send it
    ):
        response = backend.handle(
            LocalRequest("POST", "/api/documents", headers={**auth, **headers}, stream=iter([body]))
        )
        assert response.status == 400, (headers, response.body)
    _nothing_stored(client, backend)
