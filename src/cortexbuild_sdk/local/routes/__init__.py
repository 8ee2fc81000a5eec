"""The route table: every route of CONTRACT.md, with its scope and rate-limit group (see docs/local.md)."""

from __future__ import annotations

from ..routing import Route
from . import connectors, deliveries, integrations, keys, platform, sandboxes, webhooks

__all__ = ["ROUTES"]

ROUTES: tuple[Route, ...] = (
    *integrations.ROUTES,
    *connectors.ROUTES,
    *webhooks.ROUTES,
    *deliveries.ROUTES,
    *keys.ROUTES,
    *sandboxes.ROUTES,
    *platform.ROUTES,
)
