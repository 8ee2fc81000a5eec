"""CortexBuild SDK: a typed client for the CortexBuild developer platform.

Attributes are imported on first use, so ``import cortexbuild_sdk.webhooks`` in a webhook receiver
pays for neither httpx nor the local backend.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from ._client import AsyncCortexBuild, CortexBuild
    from ._exceptions import (
        APIConnectionError,
        APIError,
        APIResponseValidationError,
        APIStatusError,
        APITimeoutError,
        AuthenticationError,
        BadRequestError,
        ConflictError,
        CortexBuildError,
        InternalServerError,
        NotFoundError,
        PermissionDeniedError,
        RateLimitError,
        UnprocessableEntityError,
    )
    from ._types import NOT_GIVEN, NotGiven, RequestOptions
    from .pagination import AsyncPage, AsyncPaginator, SyncPage

_EXCEPTIONS = (
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "CortexBuildError",
    "InternalServerError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "UnprocessableEntityError",
)
_LAZY: dict[str, str] = {
    "CortexBuild": "._client",
    "AsyncCortexBuild": "._client",
    "NOT_GIVEN": "._types",
    "NotGiven": "._types",
    "RequestOptions": "._types",
    "SyncPage": ".pagination",
    "AsyncPage": ".pagination",
    "AsyncPaginator": ".pagination",
    **dict.fromkeys(_EXCEPTIONS, "._exceptions"),
}

__all__ = [
    "NOT_GIVEN",
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncCortexBuild",
    "AsyncPage",
    "AsyncPaginator",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "CortexBuild",
    "CortexBuildError",
    "InternalServerError",
    "NotFoundError",
    "NotGiven",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestOptions",
    "SyncPage",
    "UnprocessableEntityError",
    "__version__",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'cortexbuild_sdk' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
