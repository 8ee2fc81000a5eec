from __future__ import annotations

from pydantic import Field

from .._models import BaseModel, Timestamp

__all__ = ["MarketplaceModule", "Review", "ReviewList"]


class MarketplaceModule(BaseModel):
    id: int
    name: str
    description: str | None = None
    average_rating: float | None = None
    review_count: int | None = None


class Review(BaseModel):
    id: int
    module_id: int
    user_id: str | None = None
    rating: int
    review: str | None = None
    created_at: Timestamp | None = None
    updated_at: Timestamp | None = None


class ReviewList(BaseModel):
    reviews: list[Review] = Field(default_factory=list)
    average_rating: float | None = None
    count: int = 0
