"""``client.marketplace``: the module catalogue and its reviews."""

from __future__ import annotations

from functools import cached_property

from typing_extensions import Unpack

from .._resource import (
    APIResource,
    ClientT,
    PageSpec,
    RequestSpec,
    endpoint,
    paginated,
    path_id,
    unwrap,
    whole,
)
from .._types import RequestOptions
from ..types.marketplace import MarketplaceModule, Review, ReviewList

__all__ = ["Marketplace", "Modules", "Reviews"]

_BASE = "/api/sdk/marketplace/modules"


class Modules(APIResource[ClientT]):
    @paginated
    def list(self, *, limit: int | None = None, **options: Unpack[RequestOptions]) -> PageSpec[MarketplaceModule]:
        return PageSpec(_BASE, "modules", MarketplaceModule.model_validate, {"limit": limit}, options)


class Reviews(APIResource[ClientT]):
    @endpoint
    def list(self, module_id: int, **options: Unpack[RequestOptions]) -> RequestSpec[ReviewList]:
        """A module's reviews with their average rating and count."""
        path = f"{_BASE}/{path_id(module_id)}/reviews"
        return RequestSpec("GET", path, whole(ReviewList), options=options)

    @endpoint
    def create(
        self, module_id: int, *, rating: int, review: str = "", **options: Unpack[RequestOptions]
    ) -> RequestSpec[Review]:
        """Review a module (rating 1-5). One review per user per module: a second one replaces the first."""
        path = f"{_BASE}/{path_id(module_id)}/reviews"
        body = {"rating": rating, "review": review}
        return RequestSpec("POST", path, unwrap("review", Review), body=body, options=options)


class Marketplace(APIResource[ClientT]):
    @cached_property
    def modules(self) -> Modules[ClientT]:
        return Modules(self._client)

    @cached_property
    def reviews(self) -> Reviews[ClientT]:
        return Reviews(self._client)
