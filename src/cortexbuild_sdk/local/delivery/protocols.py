"""What the engine needs from its host (the local backend): a database, a clock (the
protocol of ``local.clock``) and a secret resolver."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Protocol

from ..clock import Clock, now_ms

__all__ = ["Clock", "DatabaseLike", "SendEnabled", "SigningSecrets", "now_ms"]


class DatabaseLike(Protocol):
    """``cortexbuild_sdk.local.store.Database`` satisfies this.

    ``write()`` must open ``BEGIN IMMEDIATE`` and commit on exit (roll back on error); ``read()`` yields a
    connection for queries. Connections must be usable from the thread that asked for them.
    """

    def read(self) -> AbstractContextManager[sqlite3.Connection]: ...

    def write(self) -> AbstractContextManager[sqlite3.Connection]: ...


SigningSecrets = Callable[[sqlite3.Connection, int, int], list[str]]
"""``(conn, webhook_id, now_ms) -> [current secret, previous secret while still valid]`` (plaintext); reads only
(it runs inside the claim's transaction, which does not undo it if it fails)."""

SendEnabled = Callable[[], bool]
"""Asked before every attempt: ``False`` records the attempt without any network traffic (sandboxes)."""
