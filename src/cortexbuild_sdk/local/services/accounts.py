"""Accounts (a developer with a company and a tier) and their owner keys.

The owner key's secret is kept sealed with the keyring, never in plaintext, so reopening the same database
file (with the same key file or ``CORTEXBUILD_ENCRYPTION_KEY``) gives the same ``owner_api_key``.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from ..crypto import DecryptionError, Keyring
from ..errors import NotFound
from ..sealing import Purpose, seal, unseal
from ..store import Database
from .common import loads
from .context import LIVE, Account, Ctx, Environment, Principal, Runtime
from .keys import ALL_SCOPES, effective_scopes, insert_key
from .plans import TIERS

__all__ = ["NewAccount", "bootstrap", "create_account", "owner_secret", "set_tier", "store_owner_secret", "system_ctx"]

_PURPOSE = Purpose.OWNER_KEY


@dataclass(frozen=True)
class NewAccount:
    id: int
    user_id: str
    company_id: str
    owner_api_key: str


def check_tier(tier: str) -> str:
    if tier not in TIERS:
        raise ValueError(f"unknown tier {tier!r}; expected one of: {', '.join(TIERS)}")
    return tier


def store_owner_secret(conn: sqlite3.Connection, keyring: Keyring, account_id: int, key_id: int, secret: str) -> None:
    sealed = seal(keyring, LIVE, _PURPOSE, account_id, secret)
    conn.execute(
        "UPDATE accounts SET owner_key_id = ?, owner_key_secret = ? WHERE id = ?", (key_id, sealed, account_id)
    )


def create_account(conn: sqlite3.Connection, keyring: Keyring, *, tier: str, company_name: str, now: int) -> NewAccount:
    """Insert an account, its company ids and an owner key holding every scope (inside the caller's write)."""
    check_tier(tier)
    cur = conn.execute(
        "INSERT INTO accounts (user_id, company_id, company_name, tier, created_at) VALUES (?, ?, ?, ?, ?)",
        ("pending", "pending", company_name, tier, now),
    )
    account_id = cur.lastrowid
    assert account_id is not None
    # Ids in the platform's style ("user-1", "company-1"), derived from the row id so they never collide.
    user_id, company_id = f"user-{account_id}", f"company-{account_id}"
    conn.execute("UPDATE accounts SET user_id = ?, company_id = ? WHERE id = ?", (user_id, company_id, account_id))
    key_id, secret = insert_key(
        conn, account_id=account_id, user_id=user_id, name="Owner key", scopes=ALL_SCOPES, now=now
    )
    store_owner_secret(conn, keyring, account_id, key_id, secret)
    return NewAccount(account_id, user_id, company_id, secret)


def bootstrap(db: Database, keyring: Keyring, *, tier: str | None, company_name: str, now: int) -> int:
    """Create the first account unless the store has one; apply ``tier`` if given. Returns its id."""
    with db.write() as conn:
        row = conn.execute("SELECT id FROM accounts ORDER BY id LIMIT 1").fetchone()
        if row is None:
            return create_account(conn, keyring, tier=tier or "free", company_name=company_name, now=now).id
        if tier is not None:
            conn.execute("UPDATE accounts SET tier = ? WHERE id = ?", (check_tier(tier), row[0]))
        return int(row[0])


def set_tier(db: Database, account_id: int, tier: str) -> None:
    with db.write() as conn:
        conn.execute("UPDATE accounts SET tier = ? WHERE id = ?", (check_tier(tier), account_id))


def owner_secret(db: Database, keyring: Keyring, account_id: int) -> str:
    with db.read() as conn:
        row = conn.execute("SELECT owner_key_secret FROM accounts WHERE id = ?", (account_id,)).fetchone()
    if row is None or row[0] is None:
        raise LookupError(f"account {account_id} has no owner key")
    try:
        return unseal(keyring, LIVE, _PURPOSE, account_id, row[0])
    except DecryptionError as exc:
        raise RuntimeError(
            f"cannot decrypt the owner key of {db.path}: the encryption key (CORTEXBUILD_ENCRYPTION_KEY or "
            f"the key file beside the database) is not the one this store was created with ({exc})"
        ) from None


def system_ctx(rt: Runtime, account_id: int, sandbox_id: int | None = None) -> Ctx:
    """A context acting as ``account_id``'s owner key in the live store or one of its sandboxes, for the
    backend's own calls into services (``Backend.emit``, the overdue scan). :class:`NotFound` for an unknown
    account, or a sandbox that is not the account's."""
    with rt.db.read() as conn:
        row = conn.execute(
            "SELECT id, user_id, company_id, company_name, tier, owner_key_id FROM accounts WHERE id = ?",
            (account_id,),
        ).fetchone()
        if row is None:
            raise NotFound("account", account_id)
        sandbox = None
        if sandbox_id is not None:
            sandbox = conn.execute(
                "SELECT config FROM sandbox_environments WHERE id = ? AND account_id = ?", (sandbox_id, account_id)
            ).fetchone()
            if sandbox is None:
                raise NotFound("sandbox", sandbox_id, message=f"no sandbox {sandbox_id} for account {account_id}")
    account = Account(row[0], row[1], row[2], row[3], row[4], row[5])
    principal = Principal(row[5] or 0, effective_scopes(ALL_SCOPES), sandbox_id)
    if sandbox_id is None or sandbox is None:
        return Ctx(rt, account, principal, Environment(LIVE, rt.db))
    env = Environment(
        rt.sandboxes.environment(sandbox_id), rt.sandboxes.open(sandbox_id), sandbox_id, loads(sandbox[0], {})
    )
    return Ctx(rt, account, principal, env)
