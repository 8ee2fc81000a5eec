"""Keyring: AES-256-GCM tokens, per-environment keys, key ids, rotation, the key file and the env var."""

from __future__ import annotations

import base64
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from cortexbuild_sdk.local.crypto import DecryptionError, Keyring, key_id_for

RAW = bytes(range(32))
ENV = "CORTEXBUILD_ENCRYPTION_KEY"


@pytest.fixture(autouse=True)
def _no_env_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV, raising=False)


def test_round_trip_and_token_shape() -> None:
    ring = Keyring.from_key(RAW)
    token = ring.encrypt(b'{"apiKey": "sk_test_x"}', environment="live")
    assert token.isascii()
    version, kid, data = token.split(".")
    assert version == "v1"
    assert kid == ring.active_key_id == key_id_for(RAW) == ring.key_id_of(token)
    assert len(base64.urlsafe_b64decode(data + "==")) == 12 + len(b'{"apiKey": "sk_test_x"}') + 16
    assert ring.decrypt(token, environment="live") == b'{"apiKey": "sk_test_x"}'
    assert ring.encrypt(b"", environment="live") != ring.encrypt(b"", environment="live")  # random nonce
    assert b"sk_test_x" not in token.encode()


def test_key_id_is_derived_from_key() -> None:
    assert Keyring.from_key(RAW).active_key_id == Keyring.from_key(RAW.hex()).active_key_id
    assert Keyring.from_key(RAW).active_key_id != Keyring.generate().active_key_id


def test_every_byte_flip_fails() -> None:
    ring = Keyring.from_key(RAW)
    token = ring.encrypt(b"secret", environment="live")
    blob = bytearray(base64.urlsafe_b64decode(token.split(".")[2] + "=="))
    prefix = token.rsplit(".", 1)[0]
    for i in range(len(blob)):
        tampered = bytearray(blob)
        tampered[i] ^= 0x01
        bad = prefix + "." + base64.urlsafe_b64encode(bytes(tampered)).rstrip(b"=").decode()
        with pytest.raises(DecryptionError):
            ring.decrypt(bad, environment="live")


@pytest.mark.parametrize(
    "token",
    [
        "",
        "v1",
        "v2.00000000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "v1.XYZ.AAAA",
        "v1.0000000g.AAAA",
        "v1.a.b.c",
    ],
)
def test_malformed_tokens(token: str) -> None:
    ring = Keyring.from_key(RAW)
    with pytest.raises(DecryptionError):
        ring.decrypt(token, environment="live")


def test_malformed_data_and_unknown_kid() -> None:
    ring = Keyring.from_key(RAW)
    kid = ring.active_key_id
    for bad in (f"v1.{kid}.AAAA", f"v1.{kid}.!!!!", f"v1.{kid}.A"):
        with pytest.raises(DecryptionError):
            ring.decrypt(bad, environment="live")
    other = Keyring.generate().encrypt(b"x", environment="live")
    with pytest.raises(DecryptionError, match="unknown encryption key id"):
        ring.decrypt(other, environment="live")
    with pytest.raises(DecryptionError):
        ring.decrypt(123, environment="live")  # type: ignore[arg-type]


def test_wrong_environment_and_aad() -> None:
    ring = Keyring.from_key(RAW)
    token = ring.encrypt(b"secret", environment="sandbox:1", associated_data=b"integration:7")
    assert ring.decrypt(token, environment="sandbox:1", associated_data=b"integration:7") == b"secret"
    for env, aad in [
        ("live", b"integration:7"),
        ("sandbox:2", b"integration:7"),
        ("sandbox:1", b"integration:8"),
    ]:
        with pytest.raises(DecryptionError):
            ring.decrypt(token, environment=env, associated_data=aad)
    with pytest.raises(DecryptionError):
        ring.decrypt(token, environment="sandbox:1")
    with pytest.raises(ValueError, match="environment"):
        ring.encrypt(b"x", environment="")


def test_rotation_reencrypt_retire() -> None:
    ring = Keyring.from_key(RAW)
    old_kid = ring.active_key_id
    old = ring.encrypt(b"payload", environment="live", associated_data=b"a")
    new_kid = ring.rotate()
    assert new_kid != old_kid
    assert ring.active_key_id == new_kid
    assert set(ring.key_ids) == {old_kid, new_kid}
    assert ring.decrypt(old, environment="live", associated_data=b"a") == b"payload"
    moved = ring.reencrypt(old, environment="live", associated_data=b"a")
    assert ring.key_id_of(moved) == new_kid
    assert ring.decrypt(moved, environment="live", associated_data=b"a") == b"payload"
    with pytest.raises(ValueError, match="active"):
        ring.retire(new_kid)
    ring.retire(old_kid)
    with pytest.raises(DecryptionError, match="unknown encryption key id"):
        ring.decrypt(old, environment="live", associated_data=b"a")
    assert ring.decrypt(moved, environment="live", associated_data=b"a") == b"payload"
    with pytest.raises(ValueError, match="no key"):
        ring.retire(old_kid)


def test_rotate_to_given_key() -> None:
    ring = Keyring.generate()
    assert ring.rotate(RAW.hex()) == key_id_for(RAW)
    with pytest.raises(ValueError, match="encryption key"):
        ring.rotate("not a key")


@pytest.mark.parametrize(
    "bad",
    ["", "short", "00" * 31, "00" * 33, "zz" * 32, b"x" * 31, b"x" * 33, "A" * 42, "A" * 45, "@" * 43, 42],
)
def test_bad_key_text(bad: object) -> None:
    with pytest.raises(ValueError, match="encryption key"):
        Keyring.from_key(bad)  # type: ignore[arg-type]


def test_key_text_forms() -> None:
    b64 = base64.urlsafe_b64encode(RAW).decode()
    for form in (RAW, RAW.hex(), RAW.hex().upper(), b64, b64.rstrip("="), base64.b64encode(RAW).decode()):
        assert Keyring.from_key(form).active_key_id == key_id_for(RAW)
    text = Keyring.generate_key_text()
    assert len(Keyring.from_key(text).key_ids) == 1


def test_key_file_created_0600_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "keys.json"
    ring = Keyring.from_env_or_file(path)
    assert path.exists()
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    doc = json.loads(path.read_text())
    assert doc["active"] == ring.active_key_id
    token = ring.encrypt(b"x", environment="live")
    again = Keyring.from_env_or_file(path)
    assert again.active_key_id == ring.active_key_id
    assert again.decrypt(token, environment="live") == b"x"
    assert list(tmp_path.joinpath("sub").iterdir()) == [path]  # no temp files left behind


def test_rotation_persists_to_file(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    ring = Keyring.from_env_or_file(path)
    token = ring.encrypt(b"x", environment="live")
    old_kid = ring.active_key_id
    new_kid = ring.rotate()
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    reloaded = Keyring.from_env_or_file(path)
    assert reloaded.active_key_id == new_kid
    assert set(reloaded.key_ids) == {old_kid, new_kid}
    assert reloaded.decrypt(token, environment="live") == b"x"
    ring.retire(old_kid)
    assert Keyring.from_env_or_file(path).key_ids == (new_kid,)


def test_other_process_rotation_is_picked_up(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    a = Keyring.from_env_or_file(path)
    b = Keyring.from_env_or_file(path)
    b.rotate()
    token = b.encrypt(b"from b", environment="live")
    assert a.decrypt(token, environment="live") == b"from b"  # unknown kid -> re-read the file
    assert a.active_key_id == b.active_key_id


def test_env_var_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "keys.json"
    monkeypatch.setenv(ENV, RAW.hex())
    ring = Keyring.from_env_or_file(path)
    assert ring.active_key_id == key_id_for(RAW)
    assert ring.key_file is None
    assert not path.exists()
    other = bytes(32)
    monkeypatch.setenv(ENV, f"{other.hex()}, {RAW.hex()}")
    ring2 = Keyring.from_env_or_file(path)
    assert ring2.active_key_id == key_id_for(other)
    assert ring2.decrypt(ring.encrypt(b"y", environment="live"), environment="live") == b"y"
    with pytest.raises(ValueError, match="put it first"):
        ring2.rotate()
    assert ring2.rotate(RAW) == key_id_for(RAW)
    monkeypatch.setenv(ENV, "nope")
    with pytest.raises(ValueError, match=ENV):
        Keyring.from_env_or_file(path)
    monkeypatch.setenv("MY_KEY", RAW.hex())
    assert Keyring.from_env_or_file(path, env_var="MY_KEY").active_key_id == key_id_for(RAW)


def test_bad_key_file(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    path.write_text("not json")
    path.chmod(0o600)
    with pytest.raises(ValueError, match="not valid JSON"):
        Keyring.from_env_or_file(path)
    path.write_text(json.dumps({"format": "cortexbuild-keyring", "active": "deadbeef", "keys": []}))
    with pytest.raises(ValueError, match="no keys"):
        Keyring.from_env_or_file(path)


def test_concurrent_processes_agree_on_one_key(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    code = (
        "import sys; from pathlib import Path; from cortexbuild_sdk.local.crypto import Keyring;"
        "print(Keyring.from_env_or_file(Path(sys.argv[1])).active_key_id)"
    )
    env = {k: v for k, v in os.environ.items() if k != ENV}
    procs = [
        subprocess.Popen([sys.executable, "-c", code, str(path)], stdout=subprocess.PIPE, env=env) for _ in range(4)
    ]
    ids = {p.communicate(timeout=60)[0].strip() for p in procs}
    assert len(ids) == 1
    assert all(p.returncode == 0 for p in procs)


def test_repr_hides_keys() -> None:
    assert RAW.hex() not in repr(Keyring.from_key(RAW))


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_world_readable_key_file_warns(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    Keyring.from_env_or_file(path)
    path.chmod(0o644)
    with pytest.warns(UserWarning, match="readable by other users"):
        Keyring.from_env_or_file(path)
