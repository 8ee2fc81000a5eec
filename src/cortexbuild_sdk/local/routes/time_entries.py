"""/api/time-entries routes, with ``PUT /:id/approve`` and ``GET /summary/stats``."""

from __future__ import annotations

from typing import Any

from ..routing import Call, Route
from ..services import time_entries
from .domain import Filter, action, crud_routes, id_filter, list_query, text_filter
from .domain_bodies import TimeEntryCreate, TimeEntryUpdate

_P, _A = "/api/time-entries", "time_entries"
_FILTERS: dict[str, Filter] = {"project_id": id_filter, "task_id": id_filter, "user_id": text_filter}


def stats(call: Call) -> tuple[int, dict[str, Any]]:
    query = list_query(call.query, time_entries.TIME_ENTRY, _FILTERS)
    filters = dict(query.filters)
    if query.status is not None:
        filters["status"] = query.status
    return 200, {"data": time_entries.stats(call.ctx, filters)}


ROUTES = (
    *crud_routes(
        _P,
        _A,
        time_entries.TIME_ENTRY,
        service=time_entries,
        listing=time_entries.list_entries,
        create_body=TimeEntryCreate,
        update_body=TimeEntryUpdate,
        filters=_FILTERS,
        label="Time entry",
    ),
    Route("GET", f"{_P}/summary/stats", stats, scope=f"{_A}:read", group=_A),
    action(f"{_P}/:id/approve", _A, lambda call: time_entries.approve(call.ctx, call.params["id"])),
)
