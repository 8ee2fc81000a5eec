"""``client.rfis``: requests for information (``/api/rfis``): asked, answered, then closed or voided."""

from __future__ import annotations

from typing_extensions import Unpack

from .._resource import APIResource, ClientT, NumberedPageSpec, RequestSpec, ack, endpoint, paged, path_id
from .._types import NOT_GIVEN, NotGiven, RequestOptions
from ..types.rfi import Rfi, RfiStatus
from ._domain import DateInput, body, data, day, list_spec

__all__ = ["Rfis"]

_BASE = "/api/rfis"


class Rfis(APIResource[ClientT]):
    @paged
    def list(
        self,
        *,
        project_id: int | None = None,
        status: RfiStatus | None = None,
        search: str | None = None,
        page: int | None = None,
        limit: int | None = None,
        **options: Unpack[RequestOptions],
    ) -> NumberedPageSpec[Rfi]:
        """RFIs, newest first. Iterating the result walks every page from ``page`` (default 1) on."""
        filters = {"project_id": project_id, "status": status, "search": search}
        return list_spec(_BASE, Rfi, options, page=page, limit=limit, **filters)

    @endpoint
    def retrieve(self, rfi_id: int, **options: Unpack[RequestOptions]) -> RequestSpec[Rfi]:
        """The RFI with this id (``NotFoundError`` if your company has none)."""
        return RequestSpec("GET", f"{_BASE}/{path_id(rfi_id)}", data(Rfi), options=options)

    @endpoint
    def create(
        self,
        *,
        project_id: int,
        subject: str,
        question: str,
        rfi_number: str | NotGiven = NOT_GIVEN,
        priority: str | NotGiven = NOT_GIVEN,
        submitted_by: int | str | NotGiven = NOT_GIVEN,
        assigned_to: int | str | NotGiven = NOT_GIVEN,
        due_date: DateInput | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> RequestSpec[Rfi]:
        """Ask a question (emits ``rfi.created``). ``rfi_number`` is generated when not given."""
        fields = body(
            project_id=project_id,
            subject=subject,
            question=question,
            rfi_number=rfi_number,
            priority=priority,
            submitted_by=submitted_by,
            assigned_to=assigned_to,
            due_date=day(due_date),
        )
        return RequestSpec("POST", _BASE, data(Rfi), body=fields, options=options)

    @endpoint
    def update(
        self,
        rfi_id: int,
        *,
        subject: str | NotGiven = NOT_GIVEN,
        question: str | NotGiven = NOT_GIVEN,
        priority: str | NotGiven = NOT_GIVEN,
        assigned_to: int | str | NotGiven | None = NOT_GIVEN,
        due_date: DateInput | NotGiven | None = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> RequestSpec[Rfi]:
        """Change only the fields given. The status moves through :meth:`answer`, :meth:`close`, :meth:`void`."""
        fields = body(
            subject=subject, question=question, priority=priority, assigned_to=assigned_to, due_date=day(due_date)
        )
        return RequestSpec("PUT", f"{_BASE}/{path_id(rfi_id)}", data(Rfi), body=fields, options=options)

    @endpoint
    def delete(self, rfi_id: int, **options: Unpack[RequestOptions]) -> RequestSpec[None]:
        """Delete the RFI."""
        return RequestSpec("DELETE", f"{_BASE}/{path_id(rfi_id)}", ack, options=options)

    @endpoint
    def answer(self, rfi_id: int, *, answer: str, **options: Unpack[RequestOptions]) -> RequestSpec[Rfi]:
        """Answer an open RFI (sets ``answered_at``; emits ``rfi.answered``)."""
        path = f"{_BASE}/{path_id(rfi_id)}/answer"
        return RequestSpec("PUT", path, data(Rfi), body={"answer": answer}, options=options)

    @endpoint
    def close(self, rfi_id: int, **options: Unpack[RequestOptions]) -> RequestSpec[Rfi]:
        """Close an answered RFI (emits ``rfi.closed``)."""
        return RequestSpec("PUT", f"{_BASE}/{path_id(rfi_id)}/close", data(Rfi), options=options)

    @endpoint
    def void(self, rfi_id: int, **options: Unpack[RequestOptions]) -> RequestSpec[Rfi]:
        """Withdraw an RFI that will not be answered."""
        return RequestSpec("PUT", f"{_BASE}/{path_id(rfi_id)}/void", data(Rfi), options=options)
