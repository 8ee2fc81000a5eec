"""Issue 9: a key rotation in one process is noticed by every other before its next write; database and sandbox
files (and their WAL/SHM side files) are created 0600."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import httpx
import pytest
from helpers_local import WEBHOOK, err, ok

from cortexbuild_sdk.local import Backend, ManualClock
from cortexbuild_sdk.local.crypto import Keyring

HOOKS = "/api/integrations/webhooks"
posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


def _client(backend: Backend) -> httpx.Client:
    return httpx.Client(
        transport=backend.transport(),
        base_url="http://local",
        headers={"Authorization": f"Bearer {backend.owner_api_key}"},
    )


def _secret_kid(backend: Backend, webhook_id: int) -> str:
    with backend.db.read() as conn:
        token = conn.execute("SELECT secret FROM webhooks WHERE id = ?", (webhook_id,)).fetchone()[0]
    return backend.keyring.key_id_of(token)


def test_two_backends_on_one_file_follow_a_rotation(tmp_path: Path, clock: ManualClock) -> None:
    path = tmp_path / "shared.db"
    with Backend(path, clock=clock) as a, Backend(path, clock=clock) as b, _client(b) as cb:
        old = a.keyring.active_key_id
        new = a.rotate_encryption_key()
        assert b.keyring.active_key_id == old  # b has not written since
        hook = ok(cb.post(HOOKS, json=WEBHOOK))["webhook"]
        assert b.keyring.active_key_id == new
        assert _secret_kid(b, hook["id"]) == new
        a.keyring.retire(old)
        with _client(a) as ca:
            assert ok(ca.get(f"{HOOKS}/{hook['id']}/secret"))["secret"] == hook["secret"]
        assert ok(cb.get(f"{HOOKS}/{hook['id']}/secret"))["secret"] == hook["secret"]


_ROTATE = textwrap.dedent(
    """
    import sys
    from cortexbuild_sdk.local import Backend
    with Backend(sys.argv[1]) as backend:
        old = backend.keyring.active_key_id
        backend.rotate_encryption_key()
        backend.keyring.retire(old)
        print(backend.keyring.active_key_id)
    """
)
_READ = textwrap.dedent(
    """
    import sys, httpx
    from cortexbuild_sdk.local import Backend
    with Backend(sys.argv[1]) as backend:
        c = httpx.Client(transport=backend.transport(), base_url="http://local",
                         headers={"Authorization": f"Bearer {backend.owner_api_key}"})
        print(c.get(f"/api/integrations/webhooks/{sys.argv[2]}/secret").json()["secret"])
    """
)


def _run(script: str, *args: str) -> str:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    env.pop("CORTEXBUILD_ENCRYPTION_KEY", None)
    done = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=120, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_rotation_in_another_process_is_followed(tmp_path: Path, clock: ManualClock) -> None:
    path = tmp_path / "shared.db"
    with Backend(path, clock=clock) as stale, _client(stale) as c:
        ok(c.post(HOOKS, json=WEBHOOK))  # this process is warm: keyring loaded, connections open
        new = _run(_ROTATE, str(path))  # another process rotates and retires the old key
        hook = ok(c.post(HOOKS, json=WEBHOOK))["webhook"]
        assert _secret_kid(stale, hook["id"]) == new
    assert _run(_READ, str(path), str(hook["id"])) == hook["secret"]  # readable by a fresh process


def test_a_process_without_the_new_key_refuses_to_write(
    tmp_path: Path, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "env.db"
    old_key, new_key = Keyring.generate_key_text(), Keyring.generate_key_text()
    monkeypatch.setenv("CORTEXBUILD_ENCRYPTION_KEY", old_key)
    with Backend(path, clock=clock) as lagging, _client(lagging) as c:
        ok(c.get("/api/sdk/plan"))
        monkeypatch.setenv("CORTEXBUILD_ENCRYPTION_KEY", f"{new_key},{old_key}")
        with Backend(path, clock=clock) as rotating:
            rotating.rotate_encryption_key(new_key)
        clock.advance(120)  # past the last_used_at resolution: authentication itself wants to write
        body = err(c.post(HOOKS, json=WEBHOOK), 503, "encryption_key_unavailable")
        assert "does not hold" in body["error"]


@posix_only
def test_database_and_sandbox_files_are_private(tmp_path: Path, clock: ManualClock) -> None:
    old = os.umask(0o022)
    try:
        with Backend(tmp_path / "dev.db", clock=clock) as backend, _client(backend) as c:
            ok(c.post(HOOKS, json=WEBHOOK))
            sandbox = ok(c.post("/api/sdk/sandboxes", json={"name": "s"}))
            sc = httpx.Client(transport=backend.transport(), base_url="http://local",
                              headers={"Authorization": f"Bearer {sandbox['secret']}"})  # fmt: skip
            ok(sc.post(HOOKS, json=WEBHOOK))
            ok(c.post(f"/api/sdk/sandboxes/{sandbox['sandbox']['id']}/reset"))
            ok(sc.post(HOOKS, json=WEBHOOK))
            sc.close()
            files = [p for p in tmp_path.rglob("*") if p.is_file()]
            names = {p.name for p in files}
            assert {"dev.db", "dev.db-wal", "dev.db-shm", "dev.db.key"} <= names
            assert any(n.endswith(".template.db") for n in names) and any(
                n.endswith(".db-wal") and "sandbox" in n for n in names
            )
            loose = {
                str(p.relative_to(tmp_path)): oct(p.stat().st_mode & 0o777) for p in files if p.stat().st_mode & 0o077
            }
            assert not loose, loose
            sandboxes_dir = tmp_path / "dev.db.sandboxes"
            assert sandboxes_dir.stat().st_mode & 0o077 == 0
    finally:
        os.umask(old)


def test_a_sandbox_reset_after_rotation_and_retirement_still_writes(tmp_path: Path, clock: ManualClock) -> None:
    with Backend(tmp_path / "dev.db", clock=clock) as backend, _client(backend) as c:
        sandbox = ok(c.post("/api/sdk/sandboxes", json={"name": "s"}))
        old = backend.keyring.active_key_id
        backend.rotate_encryption_key()
        backend.keyring.retire(old)
        ok(c.post(f"/api/sdk/sandboxes/{sandbox['sandbox']['id']}/reset"))
        headers = {"Authorization": f"Bearer {sandbox['secret']}"}
        with httpx.Client(transport=backend.transport(), base_url="http://local", headers=headers) as sc:
            hook = ok(sc.post(HOOKS, json=WEBHOOK))["webhook"]
            assert ok(sc.get(f"{HOOKS}/{hook['id']}/secret"))["secret"] == hook["secret"]


def test_keyring_follow_and_refresh(tmp_path: Path) -> None:
    from cortexbuild_sdk.local.crypto import KeyNotHeldError
    from cortexbuild_sdk.local.keyfile import file_stamp

    key_file = tmp_path / "k.key"
    a, b = Keyring.from_env_or_file(key_file), Keyring.from_env_or_file(key_file)
    before = file_stamp(key_file)
    assert b.refresh() is False  # unchanged: one stat, no read
    new = a.rotate()
    assert file_stamp(key_file) != before
    b.follow(new)
    assert b.active_key_id == new
    with pytest.raises(KeyNotHeldError, match="does not hold it"):
        b.follow("0badc0de")
    old_text, new_text = Keyring.generate_key_text(), Keyring.generate_key_text()
    held = Keyring.from_key(old_text)
    held_new = held.rotate(new_text)  # in memory: both keys held, the new one active
    lagging = Keyring.from_key(old_text)
    with pytest.raises(KeyNotHeldError):
        lagging.follow(held_new)
    both = Keyring([Keyring.from_key(old_text)._keys[lagging.active_key_id], held._keys[held_new]])
    both.follow(held_new)  # holds it: adopts it as active
    assert both.active_key_id == held_new


_WRITER = textwrap.dedent(
    """
    import sys, time, httpx
    from cortexbuild_sdk.local import Backend, RateLimitConfig
    with Backend(sys.argv[1], rate_limits=RateLimitConfig.disabled()) as backend:
        c = httpx.Client(transport=backend.transport(), base_url="http://local",
                         headers={"Authorization": f"Bearer {backend.owner_api_key}"})
        deadline = time.monotonic() + float(sys.argv[2])
        i = 0
        while time.monotonic() < deadline:
            i += 1
            hook = {"name": f"h{i}", "url": "https://x.example/h", "events": ["*"]}
            r = c.post("/api/integrations/webhooks", json=hook)
            assert r.status_code == 201, r.text
    """
)
_ROTATOR = textwrap.dedent(
    """
    import sys, time
    from cortexbuild_sdk.local import Backend
    with Backend(sys.argv[1]) as backend:
        time.sleep(0.5)  # the writer is under way
        for _ in range(int(sys.argv[2])):
            old = backend.keyring.active_key_id
            backend.rotate_encryption_key()
            backend.keyring.retire(old)
            time.sleep(0.3)
    """
)


def test_writes_racing_rotations_in_other_processes_stay_readable(tmp_path: Path) -> None:
    path = tmp_path / "race.db"
    with Backend(path, tier="enterprise"):
        pass
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    env.pop("CORTEXBUILD_ENCRYPTION_KEY", None)
    procs = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(path), "3.0"], env=env, stderr=subprocess.PIPE),
        subprocess.Popen([sys.executable, "-c", _ROTATOR, str(path), "4"], env=env, stderr=subprocess.PIPE),
    ]
    for proc in procs:
        _, stderr = proc.communicate(timeout=180)
        assert proc.returncode == 0, stderr.decode()
    with Backend(path) as backend:
        assert len(backend.keyring.key_ids) == 1  # every old key was retired
        with backend.db.read() as conn:
            ids = [row[0] for row in conn.execute("SELECT id FROM webhooks")]
            assert len(ids) > 10
            for webhook_id in ids:  # every secret decrypts under the one key left
                assert len(backend.signing_secrets(conn, webhook_id, 0)[0]) == 64
