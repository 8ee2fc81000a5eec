"""The embedded local backend: the platform API served in-process on SQLite (``CortexBuild.local()``).

Names are imported lazily so that importing this package costs almost nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .backend import Backend
    from .clock import Clock, ManualClock, SystemClock
    from .http import LocalRequest, LocalResponse
    from .ratelimit import Bucket, RateLimitConfig

__all__ = [
    "Backend",
    "Bucket",
    "Clock",
    "LocalRequest",
    "LocalResponse",
    "ManualClock",
    "RateLimitConfig",
    "SystemClock",
]

_WHERE = {
    "Backend": "backend",
    "Bucket": "ratelimit",
    "Clock": "clock",
    "LocalRequest": "http",
    "LocalResponse": "http",
    "ManualClock": "clock",
    "RateLimitConfig": "ratelimit",
    "SystemClock": "clock",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
