"""A task within a project (``/api/tasks``)."""

from __future__ import annotations

from typing import Literal

from .._models import LooseDate, Timestamp
from ._domain import DomainModel

__all__ = ["Task", "TaskStatus"]

TaskStatus = Literal["todo", "in-progress", "review", "completed", "blocked"] | str
"""The documented states; a state added by a newer server is kept as its string."""


class Task(DomainModel):
    id: int
    company_id: str | None = None
    project_id: int | None = None
    title: str | None = None
    description: str | None = None
    status: TaskStatus | None = None
    priority: str | None = None
    assigned_to: str | None = None
    """The assignee's user id (sent as a number or a string by the platform; exposed as a string)."""
    due_date: LooseDate | None = None
    estimated_hours: float | None = None
    actual_hours: float | None = None
    progress: int | None = None
    completed_at: Timestamp | None = None
    created_at: Timestamp | None = None
    updated_at: Timestamp | None = None
