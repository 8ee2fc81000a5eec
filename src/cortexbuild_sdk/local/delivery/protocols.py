"""What the engine needs from its host (the local backend): a database, a clock and a secret resolver."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Protocol


class DatabaseLike(Protocol):
    """``cortexbuild_sdk.local.store.Database`` satisfies this.

    ``write()`` must open ``BEGIN IMMEDIATE`` and commit on exit (roll back on error); ``read()`` yields a
    connection for queries. Connections must be usable from the thread that asked for them.
    """

    def read(self) -> AbstractContextManager[sqlite3.Connection]: ...

    def write(self) -> AbstractContextManager[sqlite3.Connection]: ...


class Clock(Protocol):
    """Anything with ``now()`` in epoch seconds; the backend's ``ManualClock`` lets tests move time."""

    def now(self) -> float: ...


SigningSecrets = Callable[[sqlite3.Connection, int, int], list[str]]
"""``(conn, webhook_id, now_ms) -> [current secret, previous secret while still valid]`` (plaintext)."""

SendEnabled = Callable[[], bool]
"""Asked before every attempt: ``False`` records the attempt without any network traffic (sandboxes)."""


def now_ms(clock: Clock) -> int:
    """The clock's time in integer epoch milliseconds (the unit of every stored time)."""
    return int(clock.now() * 1000)
