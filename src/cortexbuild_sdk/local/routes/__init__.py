"""The route table: every route of CONTRACT.md, with its scope and rate-limit group (see docs/local.md)."""

from __future__ import annotations

from ..routing import Route
from . import (
    clients,
    connectors,
    documents,
    integrations,
    invoices,
    keys,
    marketplace,
    plan,
    projects,
    purchase_orders,
    rfis,
    sandboxes,
    tasks,
    time_entries,
    usage,
    webhooks,
)

__all__ = ["ROUTES"]

ROUTES: tuple[Route, ...] = (
    *integrations.ROUTES,
    *connectors.ROUTES,
    *webhooks.ROUTES,
    *keys.ROUTES,
    *sandboxes.ROUTES,
    *plan.ROUTES,
    *usage.ROUTES,
    *marketplace.ROUTES,
    *projects.ROUTES,
    *tasks.ROUTES,
    *rfis.ROUTES,
    *invoices.ROUTES,
    *clients.ROUTES,
    *time_entries.ROUTES,
    *purchase_orders.ROUTES,
    *documents.ROUTES,
)
