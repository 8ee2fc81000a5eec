"""The platform's webhook event catalogue (stdlib only: imported by the receiver-side verifier)."""

from __future__ import annotations

from typing import Final

EVENT_TYPES: Final[tuple[str, ...]] = (
    "project.created",
    "project.updated",
    "project.deleted",
    "project.status_changed",
    "task.created",
    "task.updated",
    "task.deleted",
    "task.completed",
    "rfi.created",
    "rfi.answered",
    "rfi.closed",
    "invoice.created",
    "invoice.sent",
    "invoice.paid",
    "invoice.overdue",
    "client.created",
    "client.updated",
    "document.uploaded",
    "document.shared",
    "time_entry.created",
    "time_entry.approved",
    "purchase_order.created",
    "purchase_order.approved",
    "purchase_order.received",
)
"""The 24 subscribable events, in the seed's order."""

TEST_EVENT: Final = "webhook.test"
"""Sent by the test route; not subscribable."""

WILDCARD: Final = "*"
"""A subscription to ``*`` receives every event."""
