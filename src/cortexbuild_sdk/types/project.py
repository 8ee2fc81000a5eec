"""A construction project (``/api/projects``)."""

from __future__ import annotations

from typing import Literal

from .._models import LooseDate, Timestamp
from ._domain import DomainModel, Money

__all__ = ["Project", "ProjectStatus"]

ProjectStatus = Literal["planning", "active", "on-hold", "completed", "cancelled"] | str
"""The documented states; a state added by a newer server is kept as its string."""


class Project(DomainModel):
    """Every field but ``id`` is optional: hand-made webhook payloads may carry a partial object."""

    id: int
    company_id: str | None = None
    name: str | None = None
    description: str | None = None
    project_number: str | None = None
    status: ProjectStatus | None = None
    priority: str | None = None
    start_date: LooseDate | None = None
    end_date: LooseDate | None = None
    budget: Money | None = None
    actual_cost: Money | None = None
    address: str | None = None
    city: str | None = None
    state: str | None = None
    zip_code: str | None = None
    client_id: int | None = None
    progress: int | None = None
    """Percent complete, 0-100."""
    created_at: Timestamp | None = None
    updated_at: Timestamp | None = None
