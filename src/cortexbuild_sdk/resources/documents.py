"""``client.documents``: files stored with a project (``/api/documents``): upload, versions, share, download.

Uploads are multipart (field ``file``) and streamed from disk or a file object; downloads come back whole
(:meth:`Documents.download`) or streamed to a path or file object (:meth:`Documents.download_to`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from typing_extensions import Unpack

from .._resource import APIResource, ClientT, NumberedPageSpec, RequestSpec, ack, endpoint, paged, path_id
from .._types import NOT_GIVEN, NotGiven, RequestOptions
from .._uploads import FileInput, Saved, Sink, Upload, check_sink
from ..types.document import Document, DocumentCategory, DownloadedFile, SavedFile
from ._domain import body, data, list_spec

__all__ = ["Documents"]

_BASE = "/api/documents"


def _form(**fields: Any) -> dict[str, str]:
    """Multipart text fields: booleans as the platform's ``true``/``false``, numbers as digits."""
    form = {}
    for name, value in body(**fields).items():
        if value is None:
            continue
        form[name] = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return form


def _file(file: FileInput, filename: str | None, content_type: str | None) -> dict[str, Upload]:
    return {"file": Upload.of(file, filename=filename, content_type=content_type)}


class Documents(APIResource[ClientT]):
    @paged
    def list(
        self,
        *,
        project_id: int | None = None,
        category: DocumentCategory | None = None,
        search: str | None = None,
        page: int | None = None,
        limit: int | None = None,
        **options: Unpack[RequestOptions],
    ) -> NumberedPageSpec[Document]:
        """Documents, newest first. Iterating the result walks every page from ``page`` (default 1) on."""
        filters = {"project_id": project_id, "category": category, "search": search}
        return list_spec(_BASE, Document, options, page=page, limit=limit, **filters)

    @endpoint
    def retrieve(self, document_id: int, **options: Unpack[RequestOptions]) -> RequestSpec[Document]:
        """The document with this id (``NotFoundError`` if your company has none)."""
        return RequestSpec("GET", f"{_BASE}/{path_id(document_id)}", data(Document), options=options)

    @endpoint
    def create(
        self,
        *,
        project_id: int,
        name: str,
        file: FileInput,
        filename: str | None = None,
        content_type: str | None = None,
        description: str | NotGiven = NOT_GIVEN,
        category: DocumentCategory | NotGiven = NOT_GIVEN,
        is_public: bool | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> RequestSpec[Document]:
        """Upload a file (emits ``document.uploaded``).

        ``file`` is a path (``str`` or ``pathlib.Path``), the content as ``bytes``, or a binary file object;
        paths and file objects are streamed, never read whole into memory. ``filename`` and
        ``content_type`` default to the path's or file object's name and a type guessed from it."""
        form = _form(project_id=project_id, name=name, description=description, category=category, is_public=is_public)
        files = _file(file, filename, content_type)
        return RequestSpec("POST", _BASE, data(Document), body=form, options=options, files=files)

    @endpoint
    def create_version(
        self,
        document_id: int,
        *,
        file: FileInput,
        filename: str | None = None,
        content_type: str | None = None,
        description: str | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> RequestSpec[Document]:
        """Upload a new version: a document of its own whose ``parent_document_id`` is the first version's
        id and whose ``version`` is one more than the latest (emits ``document.uploaded``)."""
        path = f"{_BASE}/{path_id(document_id)}/versions"
        files = _file(file, filename, content_type)
        return RequestSpec(
            "POST", path, data(Document), body=_form(description=description), options=options, files=files
        )

    @endpoint
    def update(
        self,
        document_id: int,
        *,
        name: str | NotGiven = NOT_GIVEN,
        description: str | NotGiven | None = NOT_GIVEN,
        category: DocumentCategory | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> RequestSpec[Document]:
        """Change the document's details (not its content: upload a new version for that)."""
        fields = body(name=name, description=description, category=category)
        path = f"{_BASE}/{path_id(document_id)}"
        return RequestSpec("PUT", path, data(Document), body=fields, options=options)

    @endpoint
    def delete(self, document_id: int, **options: Unpack[RequestOptions]) -> RequestSpec[None]:
        """Delete the document. Other versions are kept."""
        return RequestSpec("DELETE", f"{_BASE}/{path_id(document_id)}", ack, options=options)

    @endpoint
    def share(
        self,
        document_id: int,
        *,
        emails: Sequence[str] | NotGiven = NOT_GIVEN,
        is_public: bool | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> RequestSpec[Document]:
        """Share with people by email and/or make the document public (emits ``document.shared``)."""
        if isinstance(emails, str):
            raise TypeError('emails must be a list of addresses, e.g. ["pm@example.com"]')
        fields = body(emails=emails if isinstance(emails, NotGiven) else list(emails), is_public=is_public)
        path = f"{_BASE}/{path_id(document_id)}/share"
        return RequestSpec("PUT", path, data(Document), body=fields, options=options)

    @endpoint
    def download(self, document_id: int, **options: Unpack[RequestOptions]) -> RequestSpec[DownloadedFile]:
        """The file's bytes, content type and file name, held in memory. For large files prefer
        :meth:`download_to`, which streams to disk."""
        path = f"{_BASE}/{path_id(document_id)}/download"
        return RequestSpec("GET", path, _downloaded, options=_accept_any(options), raw=True)

    @endpoint
    def download_to(
        self, document_id: int, destination: Sink, **options: Unpack[RequestOptions]
    ) -> RequestSpec[SavedFile]:
        """Stream the file into ``destination``: a path (written to ``<name>.part``, renamed into place once
        complete) or a binary file object opened for writing. Only one chunk is in memory at a time."""
        path = f"{_BASE}/{path_id(document_id)}/download"
        return RequestSpec("GET", path, _saved, options=_accept_any(options), sink=check_sink(destination))


def _accept_any(options: RequestOptions) -> RequestOptions:
    # The client asks for JSON by default; a download answers with the file's own type.
    return {**options, "extra_headers": {"Accept": "*/*", **(options.get("extra_headers") or {})}}


def _downloaded(response: Any) -> DownloadedFile:
    return DownloadedFile.from_headers(response.content, response.headers)


def _saved(saved: Saved) -> SavedFile:
    return SavedFile.from_headers(saved.path, saved.size, saved.headers)
