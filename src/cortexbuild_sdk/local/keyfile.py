"""Master key material outside memory: key text (hex or base64), key ids, and the JSON key file.

The key file holds every master key, its id and creation time, and the active id::

    {"format": "cortexbuild-keyring", "version": 1, "active": "<kid>", "keys": [{"id", "key", "created_at"}]}

It is created atomically with mode 0600 (written to a private temp file, then linked into place, so a
concurrent reader never sees half a file) and replaced atomically on every change (a new inode each time,
which is what :func:`file_stamp` notices). :mod:`.crypto` uses these to build and persist a ``Keyring``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
import secrets
import stat
import warnings
from pathlib import Path

__all__ = [
    "KEY_LEN",
    "FileStamp",
    "b64e",
    "create_exclusive",
    "file_doc",
    "file_stamp",
    "key_id_for",
    "parse_key",
    "read_created",
    "read_key_file",
    "replace_atomic",
]

KEY_LEN = 32
_HEX_RE = re.compile(r"^[0-9a-fA-F]{64}$")
_FILE_FORMAT = "cortexbuild-keyring"

FileStamp = tuple[int, int, int, int]
"""(device, inode, size, mtime ns): differs whenever the key file was replaced or rewritten."""


def file_stamp(path: Path) -> FileStamp | None:
    """A cheap stamp of the key file (one ``stat``), None when it is missing."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def key_id_for(key: bytes) -> str:
    """The id of a raw 32-byte master key (8 hex digits of a domain-separated SHA-256)."""
    return hashlib.sha256(b"cortexbuild-key-id:" + key).hexdigest()[:8]


def parse_key(key: str | bytes) -> bytes:
    """32 raw bytes, or their hex / base64 (URL-safe or standard, padding optional) text form."""
    if isinstance(key, (bytes, bytearray)):
        if len(key) == KEY_LEN:
            return bytes(key)
        try:
            key = bytes(key).decode("ascii")
        except UnicodeDecodeError:
            raise ValueError(
                f"encryption key must be {KEY_LEN} raw bytes or their hex/base64 text, got {len(key)} bytes"
            ) from None
    if not isinstance(key, str):
        raise ValueError(f"encryption key must be str or bytes, not {type(key).__name__}")
    text = key.strip()
    if _HEX_RE.match(text):
        return bytes.fromhex(text)
    if re.fullmatch(r"[A-Za-z0-9_\-+/]{43}={0,1}", text):
        try:
            raw = base64.b64decode(text.replace("-", "+").replace("_", "/") + "=" * (-len(text) % 4), validate=True)
        except binascii.Error:
            raw = b""
        if len(raw) == KEY_LEN:
            return raw
    raise ValueError(
        f"encryption key must be {KEY_LEN} bytes given as 64 hex digits or 43/44 characters of URL-safe "
        f"base64 (generate one with Keyring.generate_key_text()); got {len(text)} characters"
    )


def file_doc(keys: dict[str, bytes], active: str, created: dict[str, int]) -> bytes:
    doc = {
        "format": _FILE_FORMAT,
        "version": 1,
        "active": active,
        "keys": [{"id": k, "key": b64e(v), "created_at": created.get(k)} for k, v in keys.items()],
    }
    return (json.dumps(doc, indent=2) + "\n").encode("utf-8")


def _read_json(key_file: Path) -> dict[str, object]:
    try:
        raw = key_file.read_bytes()
    except OSError as exc:
        raise ValueError(f"cannot read encryption key file {key_file}: {exc.strerror}") from None
    if os.name == "posix" and stat.S_IMODE(key_file.stat().st_mode) & 0o077:
        warnings.warn(f"encryption key file {key_file} is readable by other users; chmod 600 it", stacklevel=3)
    try:
        doc = json.loads(raw)
    except ValueError:
        raise ValueError(f"encryption key file {key_file} is not valid JSON") from None
    if not isinstance(doc, dict) or doc.get("format") != _FILE_FORMAT:
        raise ValueError(f"encryption key file {key_file} is not a {_FILE_FORMAT} file")
    return doc


def read_key_file(key_file: Path) -> tuple[dict[str, bytes], str]:
    doc = _read_json(key_file)
    entries, active = doc.get("keys"), doc.get("active")
    if not isinstance(entries, list) or not entries or not isinstance(active, str):
        raise ValueError(f"encryption key file {key_file} has no keys or no active key id")
    keys: dict[str, bytes] = {}
    for entry in entries:
        text = entry.get("key") if isinstance(entry, dict) else None
        if not isinstance(text, str):
            raise ValueError(f"encryption key file {key_file} has a malformed key entry")
        try:
            key = parse_key(text)
        except ValueError as exc:
            raise ValueError(f"encryption key file {key_file}: {exc}") from None
        kid = key_id_for(key)
        if entry.get("id") not in (None, kid):
            raise ValueError(f"encryption key file {key_file}: key id {entry.get('id')!r} does not match its key")
        keys[kid] = key
    if active not in keys:
        raise ValueError(f"encryption key file {key_file}: active key id {active!r} is not among its keys")
    return keys, active


def read_created(key_file: Path) -> dict[str, int]:
    entries = _read_json(key_file).get("keys")
    out: dict[str, int] = {}
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and isinstance(entry.get("id"), str) and isinstance(entry.get("created_at"), int):
            out[entry["id"]] = entry["created_at"]
    return out


def _write_private_temp(target: Path, data: bytes) -> Path:
    """Write ``data`` to a new sibling temp file created 0600 with O_EXCL; return its path."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def create_exclusive(target: Path, data: bytes) -> None:
    """Create ``target`` with full content atomically; ``FileExistsError`` if it already exists.

    Written to a private temp file first and then hard-linked into place, so a concurrent reader never sees
    a half-written key file. Falls back to O_CREAT|O_EXCL on the target where hard links are unsupported.
    """
    tmp = _write_private_temp(target, data)
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise
    except OSError:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    finally:
        tmp.unlink(missing_ok=True)


def replace_atomic(target: Path, data: bytes) -> None:
    tmp = _write_private_temp(target, data)
    try:
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
