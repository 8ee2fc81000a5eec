"""Files in and out of the client engine: multipart upload parts and streamed download destinations.

Uploads are handed to httpx as open file objects, which it streams in chunks (and rewinds on a retry), so a
file given by path or as a file object is never read whole into memory; ``bytes`` are sent as they are.
"""

from __future__ import annotations

import io
import mimetypes
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Union

__all__ = ["FileInput", "Saved", "Sink", "Upload", "check_sink", "open_sink", "open_uploads"]

FileInput = Union[str, "os.PathLike[str]", bytes, IO[bytes]]
"""A file to upload: a path (``str`` or ``pathlib.Path``), its content as ``bytes``, or a binary file object."""

Sink = Union[str, "os.PathLike[str]", IO[bytes]]
"""Where a download is streamed: a path (written atomically) or a binary file object opened for writing."""


@dataclass(frozen=True)
class Upload:
    """One multipart file part, checked when the request is described and opened only when it is sent."""

    source: FileInput
    filename: str
    content_type: str

    @classmethod
    def of(cls, file: FileInput, *, filename: str | None = None, content_type: str | None = None) -> Upload:
        if isinstance(file, (str, os.PathLike)):
            path = Path(file)
            if not path.is_file():
                raise FileNotFoundError(f"no such file to upload: {path}")
            name = filename or path.name
        elif isinstance(file, (bytes, bytearray, memoryview)):
            file = bytes(file) if not isinstance(file, bytes) else file
            name = filename or "upload"
        elif isinstance(file, io.TextIOBase):
            raise TypeError("open the file in binary mode ('rb'): uploads send bytes, not text")
        elif callable(getattr(file, "read", None)):
            name = filename or Path(str(getattr(file, "name", "") or "upload")).name
        else:
            raise TypeError(f"file must be a path, bytes or a binary file object, not {type(file).__name__}")
        guessed = mimetypes.guess_type(name)[0]
        return cls(file, name, content_type or guessed or "application/octet-stream")

    @property
    def rewindable(self) -> bool:
        """Whether a retry can send the part again from its start."""
        if isinstance(self.source, (str, os.PathLike, bytes)):
            return True
        seekable = getattr(self.source, "seekable", None)
        return bool(seekable()) if callable(seekable) else False

    def open(self, stack: ExitStack) -> tuple[str, Any, str]:
        """The ``(filename, content, content_type)`` triple httpx streams; files opened here close with ``stack``."""
        source = self.source
        if isinstance(source, (str, os.PathLike)):
            source = stack.enter_context(open(source, "rb"))  # noqa: SIM115 - closed by the stack
        return (self.filename, source, self.content_type)


def open_uploads(files: Mapping[str, Upload] | None, stack: ExitStack) -> dict[str, tuple[str, Any, str]] | None:
    return None if files is None else {field: upload.open(stack) for field, upload in files.items()}


@dataclass(frozen=True)
class Saved:
    """What a streamed download left behind, handed to the spec's ``parse`` with the response headers."""

    headers: Mapping[str, str]
    path: Path | None
    size: int


def check_sink(sink: Sink) -> Sink:
    """Refuse a destination that cannot take bytes before any request is sent."""
    if isinstance(sink, (str, os.PathLike)):
        path = Path(sink)
        if path.is_dir():
            raise IsADirectoryError(f"download destination is a directory; name the file: {path}")
        if not path.parent.is_dir():
            raise FileNotFoundError(f"no such directory for the download: {path.parent}")
        return sink
    if isinstance(sink, io.TextIOBase):
        raise TypeError("open the destination in binary mode ('wb'): downloads are bytes")
    if not callable(getattr(sink, "write", None)):
        raise TypeError(f"destination must be a path or a binary file object, not {type(sink).__name__}")
    return sink


@contextmanager
def open_sink(sink: Sink) -> Iterator[tuple[Callable[[bytes], object], Path | None]]:
    """A writer for the body and the final path. A path is written to ``<name>.part`` and renamed into place
    only once the whole body has arrived, so a failed download never leaves a truncated file at ``sink``."""
    if isinstance(sink, (str, os.PathLike)):
        final = Path(sink)
        partial = final.with_name(final.name + ".part")
        try:
            with open(partial, "wb") as out:
                yield out.write, final
            os.replace(partial, final)
        finally:
            partial.unlink(missing_ok=True)
        return
    yield check_sink(sink).write, None  # type: ignore[union-attr]
