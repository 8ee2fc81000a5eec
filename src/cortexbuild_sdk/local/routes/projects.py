"""/api/projects routes."""

from __future__ import annotations

from ..services import projects
from .domain import crud_routes, id_filter
from .domain_bodies import ProjectCreate, ProjectUpdate

ROUTES = crud_routes(
    "/api/projects",
    "projects",
    projects.PROJECT,
    service=projects,
    listing=projects.list_projects,
    create_body=ProjectCreate,
    update_body=ProjectUpdate,
    filters={"client_id": id_filter},
    label="Project",
)
