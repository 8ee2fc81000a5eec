"""Time worked on a project (``/api/time-entries``); ``amount`` = billable hours x ``hourly_rate``."""

from __future__ import annotations

from typing import Literal

from .._models import BaseModel, Timestamp
from ._domain import DomainModel, Money

__all__ = ["TimeEntry", "TimeEntryStatus", "TimeEntrySummary"]

TimeEntryStatus = Literal["pending", "approved"] | str
"""The documented states; a state added by a newer server is kept as its string."""


class TimeEntry(DomainModel):
    id: int
    company_id: str | None = None
    user_id: str | None = None
    project_id: int | None = None
    task_id: int | None = None
    description: str | None = None
    start_time: Timestamp | None = None
    end_time: Timestamp | None = None
    duration_minutes: int | None = None
    is_billable: bool | None = None
    hourly_rate: Money | None = None
    amount: Money | None = None
    status: TimeEntryStatus | None = None
    approved_at: Timestamp | None = None
    created_at: Timestamp | None = None
    updated_at: Timestamp | None = None


class TimeEntrySummary(BaseModel):
    """``GET /api/time-entries/summary/stats``: totals over the entries matching the filters. The contract
    leaves the shape open: these are the fields the SDK reads; any others are kept (``model_extra``)."""

    total_entries: int | None = None
    total_minutes: int | None = None
    total_hours: float | None = None
    billable_minutes: int | None = None
    billable_hours: float | None = None
    total_amount: Money | None = None
    pending_entries: int | None = None
    approved_entries: int | None = None
