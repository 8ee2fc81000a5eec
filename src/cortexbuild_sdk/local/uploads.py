"""multipart/form-data uploads, streamed: the file part goes to the store's temp directory while it is hashed.

Parsing is python-multipart's (the ``local`` extra); this module only routes its callbacks. What a request
may hold: exactly one file part named ``file``, plus at most a few small text fields from an allowed set
(each at most :data:`MAX_FIELD_BYTES`). Anything else - no or a bad boundary, a truncated body, oversized
part headers, a second file part, unknown or repeated fields, non-UTF-8 text - is a 400 that stores nothing.
Part filenames never reach the filesystem (blobs are named by their hash); they are reduced to a base name
without control characters, for the download's ``Content-Disposition`` only.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from . import errors
from .files import FileStore, StagedFile
from .http import RequestBody

__all__ = ["EXTRA_HINT", "MAX_FIELD_BYTES", "Upload", "read_upload"]

MAX_FIELD_BYTES = 8 * 1024
MAX_PART_HEADER_BYTES = 2048
MAX_PARTS = 16
FORM_OVERHEAD = 64 * 1024
"""Bytes a body may carry beyond its file (boundaries, part headers, text fields)."""
EXTRA_HINT = "document uploads need python-multipart: pip install 'cortexbuild-sdk[local]'"
OCTET_STREAM = "application/octet-stream"
_TOKEN = r"[A-Za-z0-9!#$&^_.+\-]{1,127}"
_MEDIA_TYPE = re.compile(rf"^{_TOKEN}/{_TOKEN}$")
_BOUNDARY = re.compile(r"^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$")  # RFC 2046 bchars
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _bad(message: str, *, field_name: str | None = None) -> errors.Invalid:
    details = [{"field": field_name or "body", "message": message}]
    return errors.Invalid(f"invalid multipart upload: {message}", code="invalid_multipart", details=details)


@dataclass
class Upload:
    """A parsed upload: its text fields and the staged file (discarded on :meth:`close` unless committed)."""

    fields: dict[str, str]
    file: StagedFile
    filename: str | None
    content_type: str
    extra: dict[str, Any] = field(default_factory=dict)

    def fingerprint(self) -> Any:
        return {
            "fields": self.fields,
            "sha256": self.file.sha256,
            "size": self.file.size,
            "filename": self.filename,
            "content_type": self.content_type,
        }

    def close(self) -> None:
        self.file.discard()


def media_type(value: str | None) -> str:
    """A part's Content-Type reduced to a valid lower-case ``type/subtype``, else ``application/octet-stream``."""
    if not value:
        return OCTET_STREAM
    base = value.split(";", 1)[0].strip()
    return base.lower() if _MEDIA_TYPE.match(base) else OCTET_STREAM


def safe_filename(raw: str | None) -> str | None:
    """The base name of a client-given filename (no directories, no control characters, at most 255 chars)."""
    if raw is None:
        return None
    name = raw.replace("\\", "/").rsplit("/", 1)[-1]
    name = _CONTROL.sub("", name).strip().strip(".")
    return name[:255] or None


class _Parts:
    """python-multipart callbacks: headers per part, the file part to the staged file, fields to small buffers."""

    def __init__(self, store: FileStore, allowed: Collection[str], file_limit: int, body: RequestBody) -> None:
        self.store = store
        self.allowed = allowed
        self.file_limit = file_limit
        self.body = body
        self.fields: dict[str, str] = {}
        self.file: StagedFile | None = None
        self.filename: str | None = None
        self.content_type = OCTET_STREAM
        self.parts = 0
        self.ended = False
        self._headers: dict[str, bytes] = {}
        self._name = bytearray()
        self._value = bytearray()
        self._field: str | None = None
        self._buffer: bytearray | None = None
        self._writing_file = False

    def callbacks(self) -> dict[str, Any]:
        return {
            "on_part_begin": self.part_begin,
            "on_header_field": lambda data, start, end: self._name.extend(data[start:end]),
            "on_header_value": lambda data, start, end: self._value.extend(data[start:end]),
            "on_header_end": self.header_end,
            "on_headers_finished": self.headers_finished,
            "on_part_data": self.part_data,
            "on_part_end": self.part_end,
            "on_end": self.end,
        }

    def part_begin(self) -> None:
        self.parts += 1
        if self.parts > MAX_PARTS:
            raise _bad(f"more than {MAX_PARTS} parts")
        self._headers = {}
        self._field, self._buffer, self._writing_file = None, None, False

    def header_end(self) -> None:
        if len(self._name) + len(self._value) > MAX_PART_HEADER_BYTES:
            raise _bad(f"a part header is over {MAX_PART_HEADER_BYTES} bytes")
        name = self._name.decode("latin-1").strip().lower()
        self._headers[name] = bytes(self._value).strip()
        self._name.clear()
        self._value.clear()

    def headers_finished(self) -> None:
        from python_multipart.multipart import parse_options_header

        kind, params = parse_options_header(self._headers.get("content-disposition", b""))
        name = params.get(b"name")
        if kind != b"form-data" or name is None:
            raise _bad("every part needs 'Content-Disposition: form-data; name=...'")
        field_name = name.decode("utf-8", errors="replace")
        if field_name == "file" or b"filename" in params or b"filename*" in params:
            if field_name != "file":
                raise _bad(f"file parts must be named 'file', not {field_name!r}", field_name=field_name)
            if self.file is not None:
                raise _bad("exactly one file part is allowed", field_name="file")
            raw = params.get(b"filename")
            # Browsers and httpx send UTF-8 and escape a quote as %22 (WHATWG form encoding).
            text = raw.decode("utf-8", errors="replace").replace("%22", '"') if raw is not None else None
            self.filename = safe_filename(text)
            self.content_type = media_type(self._headers.get("content-type", b"").decode("latin-1"))
            self.file = self.store.stage()
            self._writing_file = True
            return
        if field_name not in self.allowed:
            raise _bad(f"unknown field {field_name!r}; allowed: file, {', '.join(self.allowed)}", field_name=field_name)
        if field_name in self.fields:
            raise _bad(f"field {field_name!r} given twice", field_name=field_name)
        self._field, self._buffer = field_name, bytearray()

    def part_data(self, data: bytes, start: int, end: int) -> None:
        if self._writing_file:
            assert self.file is not None
            if self.file.size + (end - start) > self.file_limit:
                raise errors.TooLarge(
                    f"the file is over the {self.file_limit}-byte upload limit",
                    details={"limit": self.file_limit, **self.body.details},
                )
            self.file.write(memoryview(data)[start:end])  # straight to disk: no copy of the chunk
        elif self._buffer is not None:
            if len(self._buffer) + (end - start) > MAX_FIELD_BYTES:
                raise _bad(f"field {self._field!r} is over {MAX_FIELD_BYTES} bytes", field_name=self._field)
            self._buffer.extend(data[start:end])
        else:
            raise _bad("part data before its headers")

    def part_end(self) -> None:
        if self._writing_file:
            assert self.file is not None
            self.file.finish()
            self._writing_file = False
        elif self._field is not None and self._buffer is not None:
            try:
                self.fields[self._field] = self._buffer.decode("utf-8")
            except UnicodeDecodeError:
                raise _bad(f"field {self._field!r} is not UTF-8 text", field_name=self._field) from None
            self._field, self._buffer = None, None

    def end(self) -> None:
        self.ended = True


def read_upload(store: FileStore, body: RequestBody, *, allowed_fields: Collection[str], file_limit: int) -> Upload:
    """Stream a multipart body: the ``file`` part into a staged file of ``store``, the fields into memory."""
    try:
        from python_multipart.exceptions import MultipartParseError
        from python_multipart.multipart import MultipartParser, parse_options_header
    except ImportError:
        raise errors.Unavailable(EXTRA_HINT, code="unavailable", details={"extra": "local"}) from None

    try:
        kind, params = parse_options_header(body.content_type or "")
    except (UnicodeError, ValueError):
        raise _bad("the Content-Type header is not readable") from None
    if kind != b"multipart/form-data":
        raise _bad("the body must be multipart/form-data with a 'file' part")
    boundary = params.get(b"boundary", b"").decode("latin-1")
    if not _BOUNDARY.match(boundary):
        raise _bad("the Content-Type needs a valid multipart boundary (1-70 characters)")
    parts = _Parts(store, allowed_fields, file_limit, body)
    parser = MultipartParser(
        boundary.encode("latin-1"),
        parts.callbacks(),  # type: ignore[arg-type]
        max_header_count=8,
        max_header_size=MAX_PART_HEADER_BYTES,
    )
    try:
        for chunk in body.chunks():
            if parts.ended:
                break  # the epilogue after the closing boundary is ignored (RFC 2046)
            parser.write(chunk)
        parser.finalize()
    except MultipartParseError as exc:
        if parts.file is not None:
            parts.file.discard()
        raise _bad(f"malformed body ({exc})") from None
    except BaseException:
        if parts.file is not None:
            parts.file.discard()
        raise
    if not parts.ended:
        if parts.file is not None:
            parts.file.discard()
        raise _bad("the body ended before the closing boundary (truncated upload?)")
    if parts.file is None:
        raise _bad("the 'file' part is missing", field_name="file")
    return Upload(parts.fields, parts.file, parts.filename, parts.content_type)
