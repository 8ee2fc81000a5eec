"""Encryption at rest: no plaintext secrets in the database files; key rotation re-encrypts everything."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest
from helpers_local import WEBHOOK, ok

from cortexbuild_sdk.local import Backend
from cortexbuild_sdk.local.crypto import Keyring

CRED = "sk_live_SUPERSECRETstripekey1234567890"


def _raw(path: Path) -> bytes:
    data = b""
    for p in path.parent.rglob("*"):
        if p.is_file() and not p.name.endswith(".key"):
            data += p.read_bytes()
    return data


def _populate(backend: Backend) -> tuple[httpx.Client, list[str]]:
    c = httpx.Client(
        transport=backend.transport(), base_url="http://x", headers={"Authorization": f"Bearer {backend.owner_api_key}"}
    )
    secrets = [ok(c.post("/api/integrations/webhooks", json=WEBHOOK))["webhook"]["secret"]]
    ok(c.post("/api/integrations", json={"provider": "stripe", "name": "s", "credentials": {"apiKey": CRED}}))
    sandbox_key = ok(c.post("/api/sdk/sandboxes", json={"name": "s"}))["secret"]
    sc = httpx.Client(
        transport=backend.transport(), base_url="http://x", headers={"Authorization": f"Bearer {sandbox_key}"}
    )
    secrets.append(ok(sc.post("/api/integrations/webhooks", json=WEBHOOK))["webhook"]["secret"])
    sc.close()
    secrets += [backend.owner_api_key, sandbox_key, CRED]
    return c, secrets


def _sealed(backend: Backend) -> list[str]:
    with backend.db.read() as conn:
        rows = conn.execute(
            "SELECT owner_key_secret FROM accounts UNION ALL SELECT secret FROM webhooks"
            " UNION ALL SELECT credentials FROM integrations"
        ).fetchall()
    return [r[0] for r in rows]


def test_no_plaintext_in_files(tmp_path: Path) -> None:
    with Backend(tmp_path / "db" / "dev.db") as backend:
        c, secrets = _populate(backend)
        raw = _raw(backend.path)
        for secret in secrets:
            assert secret.encode() not in raw, secret[:12]
        assert b"SUPERSECRET" not in raw
        c.close()
    key_file = tmp_path / "db" / "dev.db.key"
    assert key_file.exists() and (os.name != "posix" or key_file.stat().st_mode & 0o777 == 0o600)


def test_rotation_reencrypts_everything(tmp_path: Path) -> None:
    path = tmp_path / "dev.db"
    with Backend(path) as backend:
        c, secrets = _populate(backend)
        old_kid = backend.keyring.active_key_id
        assert {backend.keyring.key_id_of(t) for t in _sealed(backend)} == {old_kid}
        new_kid = backend.rotate_encryption_key()
        assert new_kid != old_kid
        assert {backend.keyring.key_id_of(t) for t in _sealed(backend)} == {new_kid}
        sandbox_db = backend.sandbox_db(1)
        with sandbox_db.read() as conn:
            assert backend.keyring.key_id_of(conn.execute("SELECT secret FROM webhooks").fetchone()[0]) == new_kid
        # everything still decrypts, and old keys can be retired afterwards
        backend.keyring.retire(old_kid)
        assert ok(c.get("/api/integrations/webhooks/1/secret"))["secret"] == secrets[0]
        owner = backend.owner_api_key
        c.close()
    with Backend(path) as reopened:  # the key file holds the rotated key
        assert reopened.owner_api_key == owner


def test_explicit_key_and_wrong_key(tmp_path: Path) -> None:
    key = Keyring.generate_key_text()
    with Backend(tmp_path / "a.db", encryption_key=key) as b:
        owner = b.owner_api_key
    assert not (tmp_path / "a.db.key").exists()
    with Backend(tmp_path / "a.db", encryption_key=key) as b:
        assert b.owner_api_key == owner
    with pytest.raises(RuntimeError, match=r"cannot decrypt the owner key|does not hold it"):
        Backend(tmp_path / "a.db", encryption_key=Keyring.generate_key_text())


def test_env_var_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORTEXBUILD_ENCRYPTION_KEY", Keyring.generate_key_text())
    with Backend(tmp_path / "e.db") as b:
        owner = b.owner_api_key
    assert not (tmp_path / "e.db.key").exists()
    with Backend(tmp_path / "e.db") as b:
        assert b.owner_api_key == owner


def test_throwaway_store_removed_on_close() -> None:
    backend = Backend()
    directory = backend.path.parent
    assert directory.exists()
    backend.close()
    assert not directory.exists()
    backend.close()  # idempotent
