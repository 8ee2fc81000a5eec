"""``client.tasks``: work items within projects (``/api/tasks``)."""

from __future__ import annotations

from typing_extensions import Unpack

from .._resource import APIResource, ClientT, NumberedPageSpec, RequestSpec, ack, endpoint, paged, path_id
from .._types import NOT_GIVEN, NotGiven, RequestOptions
from ..types.task import Task, TaskStatus
from ._domain import DateInput, body, data, day, list_spec

__all__ = ["Tasks"]

_BASE = "/api/tasks"


class Tasks(APIResource[ClientT]):
    @paged
    def list(
        self,
        *,
        project_id: int | None = None,
        status: TaskStatus | None = None,
        search: str | None = None,
        page: int | None = None,
        limit: int | None = None,
        **options: Unpack[RequestOptions],
    ) -> NumberedPageSpec[Task]:
        """Tasks, newest first. Iterating the result walks every page from ``page`` (default 1) on."""
        filters = {"project_id": project_id, "status": status, "search": search}
        return list_spec(_BASE, Task, options, page=page, limit=limit, **filters)

    @endpoint
    def retrieve(self, task_id: int, **options: Unpack[RequestOptions]) -> RequestSpec[Task]:
        """The task with this id (``NotFoundError`` if your company has none)."""
        return RequestSpec("GET", f"{_BASE}/{path_id(task_id)}", data(Task), options=options)

    @endpoint
    def create(
        self,
        *,
        project_id: int,
        title: str,
        description: str | NotGiven = NOT_GIVEN,
        status: TaskStatus | NotGiven = NOT_GIVEN,
        priority: str | NotGiven = NOT_GIVEN,
        assigned_to: int | str | NotGiven = NOT_GIVEN,
        due_date: DateInput | NotGiven = NOT_GIVEN,
        estimated_hours: float | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> RequestSpec[Task]:
        """Create a task (emits ``task.created``)."""
        fields = body(
            project_id=project_id,
            title=title,
            description=description,
            status=status,
            priority=priority,
            assigned_to=assigned_to,
            due_date=day(due_date),
            estimated_hours=estimated_hours,
        )
        return RequestSpec("POST", _BASE, data(Task), body=fields, options=options)

    @endpoint
    def update(
        self,
        task_id: int,
        *,
        title: str | NotGiven = NOT_GIVEN,
        description: str | NotGiven | None = NOT_GIVEN,
        status: TaskStatus | NotGiven = NOT_GIVEN,
        priority: str | NotGiven = NOT_GIVEN,
        assigned_to: int | str | NotGiven | None = NOT_GIVEN,
        due_date: DateInput | NotGiven | None = NOT_GIVEN,
        estimated_hours: float | NotGiven | None = NOT_GIVEN,
        actual_hours: float | NotGiven | None = NOT_GIVEN,
        progress: int | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> RequestSpec[Task]:
        """Change only the fields given (``None`` clears one); emits ``task.updated``."""
        fields = body(
            title=title,
            description=description,
            status=status,
            priority=priority,
            assigned_to=assigned_to,
            due_date=day(due_date),
            estimated_hours=estimated_hours,
            actual_hours=actual_hours,
            progress=progress,
        )
        return RequestSpec("PUT", f"{_BASE}/{path_id(task_id)}", data(Task), body=fields, options=options)

    @endpoint
    def delete(self, task_id: int, **options: Unpack[RequestOptions]) -> RequestSpec[None]:
        """Delete the task. Emits ``task.deleted``."""
        return RequestSpec("DELETE", f"{_BASE}/{path_id(task_id)}", ack, options=options)

    @endpoint
    def complete(self, task_id: int, **options: Unpack[RequestOptions]) -> RequestSpec[Task]:
        """Mark the task completed (sets ``completed_at``; emits ``task.completed``)."""
        return RequestSpec("PUT", f"{_BASE}/{path_id(task_id)}/complete", data(Task), options=options)
