"""The event loop the dispatcher runs on: uvloop (libuv) when installed with the ``delivery`` extra.

The dispatcher owns its thread and its loop, so the host application's own loop is never changed. Most of
the dispatcher's CPU per attempt is event-loop machinery (transports, callbacks, timers, futures), which
uvloop does in C; ``asyncio``'s default loop is the fallback, with the same behaviour.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

__all__ = ["run_loop"]

T = TypeVar("T")


def run_loop(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(main)`` on a new loop of the fastest installed kind, in the calling thread."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)
