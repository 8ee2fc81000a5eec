"""The route table: every route of CONTRACT.md, with its scope and rate-limit group (see docs/local.md)."""

from __future__ import annotations

from ..routing import Route
from . import integrations, keys, marketplace, plan, sandboxes, usage, webhooks

__all__ = ["ROUTES"]

ROUTES: tuple[Route, ...] = (
    *integrations.ROUTES,
    *webhooks.ROUTES,
    *keys.ROUTES,
    *sandboxes.ROUTES,
    *plan.ROUTES,
    *usage.ROUTES,
    *marketplace.ROUTES,
)
