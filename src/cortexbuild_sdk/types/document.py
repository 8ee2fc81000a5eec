"""A stored file (``/api/documents``): drawings, contracts, photos. Versions chain by ``parent_document_id``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from email.message import Message
from email.utils import collapse_rfc2231_value
from pathlib import Path
from typing import Literal

from pydantic import Field

from .._models import JsonList, Timestamp
from ._domain import DomainModel

__all__ = ["Document", "DocumentCategory", "DownloadedFile", "SavedFile"]

DocumentCategory = Literal["contract", "drawing", "photo", "report", "invoice", "other"] | str
"""The documented categories; one added by a newer server is kept as its string."""


class Document(DomainModel):
    id: int
    company_id: str | None = None
    project_id: int | None = None
    name: str | None = None
    description: str | None = None
    file_size: int | None = None
    """Size in bytes."""
    file_type: str | None = None
    """The content type (e.g. ``application/pdf``)."""
    category: DocumentCategory | None = None
    is_public: bool | None = None
    version: int | None = None
    parent_document_id: int | None = None
    """The first version's id, on every later version; None on a first version."""
    sha256: str | None = None
    """Hex SHA-256 of the content: compare it with a download to prove integrity."""
    file_name: str | None = None
    """The uploaded file's name (the local backend's extension)."""
    shared_with: JsonList = Field(default_factory=list)
    """Addresses the document was shared with (the local backend's extension)."""
    created_at: Timestamp | None = None
    updated_at: Timestamp | None = None


def _filename(headers: Mapping[str, str]) -> str | None:
    # The stdlib's MIME parser reads both filename= and RFC 2231 filename*=UTF-8''... forms; the encoded one
    # wins when both are sent (RFC 6266: the plain one is an ASCII fallback). Only the last path component is
    # kept: a server-chosen name must never steer where a caller writes.
    disposition = headers.get("content-disposition")
    if not disposition:
        return None
    message = Message()
    message["content-disposition"] = disposition
    values = [value for key, value in message.get_params([], header="content-disposition") if key == "filename"]
    encoded = [value for value in values if isinstance(value, tuple)]
    chosen = encoded[0] if encoded else (values[0] if values else None)
    name = collapse_rfc2231_value(chosen) if chosen else None
    if not name:
        return None
    base = Path(name.replace("\\", "/")).name
    return base if base not in {"", ".", ".."} else None


def _content_type(headers: Mapping[str, str]) -> str:
    return headers.get("content-type") or "application/octet-stream"


@dataclass(frozen=True)
class DownloadedFile:
    """A document's content held in memory (``documents.download``)."""

    content: bytes
    content_type: str
    filename: str | None
    """From ``Content-Disposition``, reduced to a bare file name."""

    @property
    def size(self) -> int:
        return len(self.content)

    @classmethod
    def from_headers(cls, content: bytes, headers: Mapping[str, str]) -> DownloadedFile:
        return cls(content, _content_type(headers), _filename(headers))

    def __repr__(self) -> str:
        return f"DownloadedFile(filename={self.filename!r}, content_type={self.content_type!r}, size={self.size})"


@dataclass(frozen=True)
class SavedFile:
    """A document streamed to disk or to a file object (``documents.download_to``); nothing held in memory."""

    path: Path | None
    """Where it was written, when the destination was a path."""
    content_type: str
    filename: str | None
    size: int
    """Bytes written."""

    @classmethod
    def from_headers(cls, path: Path | None, size: int, headers: Mapping[str, str]) -> SavedFile:
        return cls(path, _content_type(headers), _filename(headers), size)
