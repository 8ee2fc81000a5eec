"""/api/tasks routes, with ``PUT /:id/complete``."""

from __future__ import annotations

from ..services import tasks
from .domain import action, crud_routes, id_filter
from .domain_bodies import TaskCreate, TaskUpdate

_P = "/api/tasks"
ROUTES = (
    *crud_routes(
        _P,
        "tasks",
        tasks.TASK,
        service=tasks,
        listing=tasks.list_tasks,
        create_body=TaskCreate,
        update_body=TaskUpdate,
        filters={"project_id": id_filter},
        label="Task",
    ),
    action(f"{_P}/:id/complete", "tasks", lambda call: tasks.complete(call.ctx, call.params["id"])),
)
