"""``client.time_entries``: time worked on projects (``/api/time-entries``), approved before billing."""

from __future__ import annotations

from datetime import datetime

from typing_extensions import Unpack

from .._resource import APIResource, ClientT, NumberedPageSpec, RequestSpec, ack, endpoint, paged, path_id
from .._types import NOT_GIVEN, NotGiven, RequestOptions
from ..types.time_entry import TimeEntry, TimeEntryStatus, TimeEntrySummary
from ._domain import MoneyInput, body, data, list_spec, money, when

__all__ = ["TimeEntries"]

_BASE = "/api/time-entries"

Instant = datetime | str
"""A ``datetime`` (naive means UTC) or ISO-8601 / SQLite text."""


class TimeEntries(APIResource[ClientT]):
    @paged
    def list(
        self,
        *,
        project_id: int | None = None,
        status: TimeEntryStatus | None = None,
        search: str | None = None,
        task_id: int | None = None,
        user_id: str | None = None,
        page: int | None = None,
        limit: int | None = None,
        **options: Unpack[RequestOptions],
    ) -> NumberedPageSpec[TimeEntry]:
        """Time entries, newest first. Iterating the result walks every page from ``page`` (default 1) on."""
        filters = {"project_id": project_id, "status": status, "search": search, "task_id": task_id, "user_id": user_id}
        return list_spec(_BASE, TimeEntry, options, page=page, limit=limit, **filters)

    @endpoint
    def retrieve(self, time_entry_id: int, **options: Unpack[RequestOptions]) -> RequestSpec[TimeEntry]:
        """The time entry with this id (``NotFoundError`` if your company has none)."""
        return RequestSpec("GET", f"{_BASE}/{path_id(time_entry_id)}", data(TimeEntry), options=options)

    @endpoint
    def create(
        self,
        *,
        project_id: int,
        start_time: Instant,
        end_time: Instant | NotGiven = NOT_GIVEN,
        task_id: int | NotGiven = NOT_GIVEN,
        description: str | NotGiven = NOT_GIVEN,
        is_billable: bool | NotGiven = NOT_GIVEN,
        hourly_rate: MoneyInput | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> RequestSpec[TimeEntry]:
        """Log time (emits ``time_entry.created``). With ``end_time`` the server computes
        ``duration_minutes`` and ``amount``."""
        fields = body(
            project_id=project_id,
            start_time=when(start_time),
            end_time=when(end_time),
            task_id=task_id,
            description=description,
            is_billable=is_billable,
            hourly_rate=money(hourly_rate),
        )
        return RequestSpec("POST", _BASE, data(TimeEntry), body=fields, options=options)

    @endpoint
    def update(
        self,
        time_entry_id: int,
        *,
        start_time: Instant | NotGiven = NOT_GIVEN,
        end_time: Instant | NotGiven | None = NOT_GIVEN,
        task_id: int | NotGiven | None = NOT_GIVEN,
        description: str | NotGiven | None = NOT_GIVEN,
        is_billable: bool | NotGiven = NOT_GIVEN,
        hourly_rate: MoneyInput | NotGiven | None = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> RequestSpec[TimeEntry]:
        """Change only the fields given; duration and amount are recomputed."""
        fields = body(
            start_time=when(start_time),
            end_time=when(end_time),
            task_id=task_id,
            description=description,
            is_billable=is_billable,
            hourly_rate=money(hourly_rate),
        )
        path = f"{_BASE}/{path_id(time_entry_id)}"
        return RequestSpec("PUT", path, data(TimeEntry), body=fields, options=options)

    @endpoint
    def delete(self, time_entry_id: int, **options: Unpack[RequestOptions]) -> RequestSpec[None]:
        """Delete the time entry."""
        return RequestSpec("DELETE", f"{_BASE}/{path_id(time_entry_id)}", ack, options=options)

    @endpoint
    def approve(self, time_entry_id: int, **options: Unpack[RequestOptions]) -> RequestSpec[TimeEntry]:
        """Approve a pending entry (sets ``approved_at``; emits ``time_entry.approved``)."""
        path = f"{_BASE}/{path_id(time_entry_id)}/approve"
        return RequestSpec("PUT", path, data(TimeEntry), options=options)

    @endpoint
    def summary(
        self,
        *,
        project_id: int | None = None,
        task_id: int | None = None,
        user_id: str | None = None,
        status: TimeEntryStatus | None = None,
        **options: Unpack[RequestOptions],
    ) -> RequestSpec[TimeEntrySummary]:
        """Totals over the matching entries (``GET /api/time-entries/summary/stats``)."""
        query = {"project_id": project_id, "task_id": task_id, "user_id": user_id, "status": status}
        path = f"{_BASE}/summary/stats"
        return RequestSpec("GET", path, data(TimeEntrySummary), query=query, options=options)
