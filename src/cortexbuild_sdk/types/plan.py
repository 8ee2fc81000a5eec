from __future__ import annotations

from typing import Annotated

from pydantic import Field

from .._models import BaseModel, JsonText

__all__ = ["Plan"]


class Plan(BaseModel):
    """The account's tier with its limits (None = unlimited) and current usage, keyed by limit name."""

    tier: str
    limits: Annotated[dict[str, int | None], JsonText] = Field(default_factory=dict)
    usage: Annotated[dict[str, int | float], JsonText] = Field(default_factory=dict)
