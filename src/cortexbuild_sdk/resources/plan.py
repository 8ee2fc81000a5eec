"""``client.plan``: the account's developer tier, its limits and current usage."""

from __future__ import annotations

from typing_extensions import Unpack

from .._resource import APIResource, ClientT, RequestSpec, endpoint, unwrap
from .._types import RequestOptions
from ..types.plan import Plan

__all__ = ["PlanResource"]


class PlanResource(APIResource[ClientT]):
    @endpoint
    def retrieve(self, **options: Unpack[RequestOptions]) -> RequestSpec[Plan]:
        """The account's tier, its limits and how much of each is used."""
        return RequestSpec("GET", "/api/sdk/plan", unwrap("plan", Plan), options=options)
