"""Open a connector session on one integration: credentials, tokens, provider URL, request log, sandbox rule.

In a sandbox whose ``integrationsEnabled`` is false a session sends nothing: every request is logged with
``sent: false`` and :class:`~..connectors.base.NotSent` is raised instead.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from ..connectors import CONNECTORS
from ..connectors.base import Channel, Exchange, ProviderRequest, ReauthorizationRequired
from ..connectors.local_data import LocalData
from ..connectors.spec import Connector, Mapping_
from ..errors import Conflict, Unavailable
from ..sealing import unseal
from . import oauth_tokens, provider_requests
from .common import dumps
from .context import Ctx
from .integrations import _PURPOSE, _get

__all__ = ["ConnectorSession", "open_session"]

T = TypeVar("T")

# Probes of the UNIQUE (integration_id, kind, local_id | remote_id) indexes: O(ids asked).
MAPPING_LOOKUP_SQL = (
    "SELECT local_id, remote_id, sync_token, local_updated_at, remote_updated FROM connector_mappings"
    " WHERE integration_id = ? AND kind = ? AND {column} IN ({marks})"
)

QUICKBOOKS_PER_MINUTE = 500
"""Intuit's documented throttle: 500 requests per minute per realm (company)."""


class ConnectorSession:
    def __init__(self, ctx: Ctx, row: sqlite3.Row, connector: Connector) -> None:
        self.ctx = ctx
        self.integration_id: int = row["id"]
        self.provider: str = row["provider"]
        self.connector = connector
        self.config: dict[str, Any] = json.loads(row["config"])
        creds: dict[str, str] = {}
        if row["credentials"] is not None:
            creds = json.loads(unseal(ctx.keyring, ctx.env.name, _PURPOSE, self.integration_id, row["credentials"]))
        self.credentials: Mapping[str, str] = creds
        with ctx.env.db.read() as conn:
            self._oauth = (
                conn.execute("SELECT 1 FROM oauth_tokens WHERE integration_id = ?", (self.integration_id,)).fetchone()
                is not None
            )
        self._token: str | None = None
        runtime = ctx.rt.connectors
        throttle = None
        if self.provider == "quickbooks" and runtime is not None:
            realm = str(self.config.get("realmId") or creds.get("realmId") or "")
            throttle = runtime.throttle("quickbooks", realm, QUICKBOOKS_PER_MINUTE).wait
        self.channel = Channel(
            provider=self.provider,
            auth=self._auth,
            log=self._log,
            read_error=connector.read_error,
            base_url=runtime.base_url(self.provider) if runtime is not None else None,
            send=not (ctx.env.is_sandbox and not ctx.env.flag("integrationsEnabled")),
            throttle=throttle,
            on_unauthorized=self._reauth if self._oauth else None,
            guard=runtime.refusal if runtime is not None else None,
        )
        if runtime is not None:
            self.channel.sleep = runtime.sleep

    # ---- the channel's hooks ------------------------------------------------------------------------------

    def _auth(self) -> Mapping[str, str]:
        if self._oauth and self._token is None:
            self._token = oauth_tokens.access_token(self.ctx, self.integration_id)
        return self.connector.auth_headers(self, self._token)

    def _reauth(self) -> bool:
        stale, self._token = self._token, None
        self._token = oauth_tokens.access_token(self.ctx, self.integration_id, stale=stale)
        return self._token != stale

    def _log(self, exchange: Exchange) -> int:
        return provider_requests.record(self.ctx, self.integration_id, self.provider, exchange)

    # ---- the Session protocol -----------------------------------------------------------------------------

    def call(self, req: ProviderRequest[T]) -> T:
        return self.channel.call(self.ctx.rt.http(), req)

    def local_data(self) -> LocalData:
        runtime = self.ctx.rt.connectors
        if runtime is None or runtime.local_data is None:
            raise Unavailable(
                "this backend has no construction data bound for connectors (Backend(local_data=...)): "
                f"{self.provider} cannot read or write clients, invoices or documents",
                code="local_data_unavailable",
            )
        return runtime.local_data(self.ctx)

    def has_local_data(self) -> bool:
        runtime = self.ctx.rt.connectors
        return runtime is not None and runtime.local_data is not None

    def now(self) -> float:
        return self.ctx.rt.clock.now()

    def mappings(self, kind: str) -> dict[str, Mapping_]:
        with self.ctx.env.db.read() as conn:
            rows = conn.execute(
                "SELECT local_id, remote_id, sync_token, local_updated_at, remote_updated FROM connector_mappings"
                " WHERE integration_id = ? AND kind = ?",
                (self.integration_id, kind),
            ).fetchall()
        return {r[0]: Mapping_(r[0], r[1], r[2], r[3], r[4]) for r in rows}

    def lookup_mappings(
        self, kind: str, *, local_ids: Iterable[str] = (), remote_ids: Iterable[str] = ()
    ) -> dict[str, Mapping_]:
        out: dict[str, Mapping_] = {}
        with self.ctx.env.db.read() as conn:
            for column, ids in (("local_id", local_ids), ("remote_id", remote_ids)):
                wanted = list(dict.fromkeys(ids))
                for start in range(0, len(wanted), 500):  # each IN list a probe of a unique index
                    chunk = wanted[start : start + 500]
                    sql = MAPPING_LOOKUP_SQL.format(column=column, marks=", ".join("?" * len(chunk)))
                    rows = conn.execute(sql, (self.integration_id, kind, *chunk)).fetchall()
                    out.update((r[0], Mapping_(r[0], r[1], r[2], r[3], r[4])) for r in rows)
        return out

    def save_mapping(
        self,
        kind: str,
        local_id: str,
        remote_id: str,
        *,
        sync_token: str | None = None,
        local_updated_at: int | None = None,
        remote_updated: str | None = None,
    ) -> None:
        with self.ctx.env.db.write() as conn:
            conn.execute(
                "INSERT INTO connector_mappings (integration_id, kind, local_id, remote_id, sync_token,"
                " local_updated_at, remote_updated) VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (integration_id, kind, local_id) DO UPDATE SET remote_id = excluded.remote_id,"
                " sync_token = excluded.sync_token, local_updated_at = excluded.local_updated_at,"
                " remote_updated = excluded.remote_updated",
                (self.integration_id, kind, local_id, remote_id, sync_token, local_updated_at, remote_updated),
            )

    def delete_mappings(self, kind: str, remote_ids: Iterable[str]) -> None:
        wanted = list(dict.fromkeys(remote_ids))
        if not wanted:
            return
        with self.ctx.env.db.write() as conn:
            conn.executemany(
                "DELETE FROM connector_mappings WHERE integration_id = ? AND kind = ? AND remote_id = ?",
                [(self.integration_id, kind, remote_id) for remote_id in wanted],
            )

    def save_mappings(self, kind: str, rows: list[Mapping_]) -> None:
        if not rows:
            return
        with self.ctx.env.db.write() as conn:
            conn.executemany(
                "INSERT INTO connector_mappings (integration_id, kind, local_id, remote_id, sync_token,"
                " local_updated_at, remote_updated) VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (integration_id, kind, local_id) DO UPDATE SET remote_id = excluded.remote_id,"
                " sync_token = excluded.sync_token, local_updated_at = excluded.local_updated_at,"
                " remote_updated = excluded.remote_updated",
                [
                    (
                        self.integration_id,
                        kind,
                        m.local_id,
                        m.remote_id,
                        m.sync_token,
                        m.local_updated_at,
                        m.remote_updated,
                    )
                    for m in rows
                ],
            )

    def save_record(self, kind: str, remote_id: str, data: Mapping[str, Any]) -> bool:
        with self.ctx.env.db.write() as conn:
            existed = conn.execute(
                "SELECT 1 FROM provider_records WHERE integration_id = ? AND kind = ? AND remote_id = ?",
                (self.integration_id, kind, remote_id),
            ).fetchone()
            conn.execute(
                "INSERT INTO provider_records (integration_id, kind, remote_id, data, updated_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (integration_id, kind, remote_id) DO UPDATE SET"
                " data = excluded.data, updated_at = excluded.updated_at",
                (self.integration_id, kind, remote_id, dumps(dict(data)), self.ctx.now_ms()),
            )
        return existed is None

    def set_config(self, key: str, value: str) -> None:
        self.config[key] = value
        with self.ctx.env.db.write() as conn:
            conn.execute(
                "UPDATE integrations SET config = json_set(config, '$.' || ?, ?) WHERE id = ?",
                (key, value, self.integration_id),
            )


def open_session(ctx: Ctx, integration_id: int) -> ConnectorSession:
    """A session on an active, authorised integration of the caller's account (404 / 409 otherwise)."""
    with ctx.env.db.read() as conn:
        row = _get(ctx, conn, integration_id)
    if not row["is_active"]:
        raise Conflict(f"integration {integration_id} is inactive; activate it first", code="integration_inactive")
    if row["auth_error"]:
        raise ReauthorizationRequired(integration_id, row["auth_error"])
    connector = CONNECTORS.get(row["provider"])
    if connector is None:
        raise Unavailable(f"no {row['provider']} connector in this version", code="connector_unavailable")
    return ConnectorSession(ctx, row, connector)
