"""/api/clients routes."""

from __future__ import annotations

from ..services import clients
from .domain import bool_filter, crud_routes
from .domain_bodies import ClientCreate, ClientUpdate

ROUTES = crud_routes(
    "/api/clients",
    "clients",
    clients.CLIENT,
    service=clients,
    listing=clients.list_clients,
    create_body=ClientCreate,
    update_body=ClientUpdate,
    filters={"is_active": bool_filter},
    label="Client",
)
