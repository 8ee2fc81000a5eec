"""Credential encryption at rest: AES-256-GCM under per-environment keys, with key ids and rotation.

A :class:`Keyring` holds one or more 32-byte *master keys*, each with a short id, and one of them is active.
Every token is encrypted under a key derived from the active master key and the *environment* (``"live"``,
``"sandbox:<id>"``) with HKDF-SHA256, so each environment has its own key and a token copied from one
environment to another fails to decrypt.

Token format (ASCII, safe in a TEXT column)::

    v1.<kid>.<base64url(nonce[12] + ciphertext + tag[16]), unpadded>

The version, the key id and the environment are all authenticated (they are part of the AES-GCM associated
data), and the environment also selects the derived key.

Key ids are *derived from the key*: the first 8 hex digits of ``SHA-256(b"cortexbuild-key-id:" + key)``.
The same key therefore always has the same id, which matters when the key comes from an environment variable
and the process restarts. The id reveals nothing usable about the key (32 bits of a domain-separated hash).

Where the master keys come from (:meth:`Keyring.from_env_or_file`):

* ``CORTEXBUILD_ENCRYPTION_KEY``: one key (64 hex digits or URL-safe base64 of 32 bytes), or several separated
  by commas, the first being active and the others kept for decrypting older tokens (that is how rotation
  works when keys come from the environment: prepend the new key, re-encrypt, then drop the old one);
* otherwise a JSON key file holding every key, its id and the active id, created on first use with mode 0600
  (its reading and writing live in :mod:`.keyfile`).

Several processes on one store: whoever rotates records the new active key id in the database
(``keyring_state``) in the transaction that re-encrypts; every other process reads that record before each
write and calls :meth:`Keyring.follow`, so nobody seals a new secret under a key that is being retired.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import os
import re
import secrets
import threading
import time
from collections.abc import Iterable
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .keyfile import (
    KEY_LEN,
    FileStamp,
    b64e,
    create_exclusive,
    file_doc,
    file_stamp,
    key_id_for,
    parse_key,
    read_created,
    read_key_file,
    replace_atomic,
)

__all__ = ["DEFAULT_ENV_VAR", "DecryptionError", "KeyNotHeldError", "Keyring", "key_id_for"]

DEFAULT_ENV_VAR = "CORTEXBUILD_ENCRYPTION_KEY"
_VERSION = "v1"
_NONCE_LEN = 12
_TAG_LEN = 16
_KID_RE = re.compile(r"^[0-9a-f]{8}$")


class DecryptionError(Exception):
    """A token could not be decrypted: malformed, unknown key id, tampered, or the wrong environment/AAD."""


class KeyNotHeldError(Exception):
    """Another process activated a master key this keyring does not hold (its key file has no such key, or
    the keys came from an environment variable that lacks it): sealing now would use a key being retired."""


def _b64d(text: str) -> bytes:
    if not re.fullmatch(r"[A-Za-z0-9_\-]*", text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _aad(kid: str, environment: bytes, associated_data: bytes) -> bytes:
    # Length-prefix the environment so (env, aad) pairs cannot collide by shifting bytes between them.
    return b"%s.%s.%d:%s" % (_VERSION.encode(), kid.encode(), len(environment), environment) + associated_data


def _check_environment(environment: str) -> bytes:
    if not isinstance(environment, str) or not environment:
        raise ValueError("environment must be a non-empty string such as 'live' or 'sandbox:<id>'")
    return environment.encode("utf-8")


class Keyring:
    """Master keys with ids, one active; encrypts with the active key, decrypts with any of them.

    Thread-safe. When file-backed, :meth:`rotate` and :meth:`retire` persist the change atomically and a
    token under a key id unknown here makes the keyring re-read the file once (another process rotated).
    """

    def __init__(self, keys: Iterable[bytes], *, active: str | None = None, key_file: Path | None = None) -> None:
        self._keys: dict[str, bytes] = {}
        for key in keys:
            if len(key) != KEY_LEN:
                raise ValueError(f"every master key must be {KEY_LEN} bytes")
            self._keys.setdefault(key_id_for(key), key)
        if not self._keys:
            raise ValueError("a keyring needs at least one key")
        self._active = active if active is not None else next(iter(self._keys))
        if self._active not in self._keys:
            raise ValueError(f"active key id {self._active!r} is not in the keyring")
        self._key_file = key_file
        self._env_var: str | None = None  # set when the keys came from an environment variable
        self._lock = threading.RLock()
        self._derived: dict[tuple[str, bytes], AESGCM] = {}
        self._stamp: FileStamp | None = None  # the key file as last read

    # ---- construction -------------------------------------------------------------------------------------

    @classmethod
    def from_key(cls, key: str | bytes) -> Keyring:
        """A single-key, in-memory keyring. ``ValueError`` unless the key is 32 bytes (raw, hex or base64)."""
        return cls([parse_key(key)])

    @classmethod
    def generate(cls) -> Keyring:
        """A fresh random in-memory keyring (throwaway stores, tests)."""
        return cls([secrets.token_bytes(KEY_LEN)])

    @staticmethod
    def generate_key_text() -> str:
        """A new random key as URL-safe base64, suitable for ``CORTEXBUILD_ENCRYPTION_KEY``."""
        return b64e(secrets.token_bytes(KEY_LEN))

    @classmethod
    def from_env_or_file(cls, key_file: Path, *, env_var: str = DEFAULT_ENV_VAR) -> Keyring:
        """Keys from ``env_var`` if set (comma-separated, first active), else from ``key_file``.

        A missing key file is created atomically with mode 0600 holding one random key; when several
        processes race to create it, exactly one file wins and everybody loads that one.
        """
        env_value = os.environ.get(env_var, "").strip()
        if env_value:
            parts = [p for p in (s.strip() for s in env_value.split(",")) if p]
            try:
                ring = cls([parse_key(p) for p in parts])
            except ValueError as exc:
                raise ValueError(f"{env_var}: {exc}") from None
            ring._env_var = env_var
            return ring
        key_file = Path(key_file)
        if not key_file.exists():
            key = secrets.token_bytes(KEY_LEN)
            kid = key_id_for(key)
            doc = file_doc({kid: key}, kid, {kid: int(time.time())})
            with contextlib.suppress(FileExistsError):  # another process created it first: load theirs
                create_exclusive(key_file, doc)
        return cls._load_file(key_file)

    @classmethod
    def _load_file(cls, key_file: Path) -> Keyring:
        stamp = file_stamp(key_file)
        keys, active = read_key_file(key_file)
        ring = cls(keys.values(), active=active, key_file=key_file)
        ring._stamp = stamp
        return ring

    # ---- introspection ------------------------------------------------------------------------------------

    @property
    def active_key_id(self) -> str:
        return self._active

    @property
    def key_ids(self) -> tuple[str, ...]:
        """All key ids held, oldest first."""
        with self._lock:
            return tuple(self._keys)

    @property
    def key_file(self) -> Path | None:
        return self._key_file

    def key_id_of(self, token: str) -> str:
        """The key id a token was encrypted under (``DecryptionError`` if the token is malformed)."""
        return _split_token(token)[0]

    # ---- encryption ---------------------------------------------------------------------------------------

    def encrypt(self, plaintext: bytes, *, environment: str, associated_data: bytes = b"") -> str:
        if not isinstance(plaintext, (bytes, bytearray)):
            raise TypeError("plaintext must be bytes")
        env = _check_environment(environment)
        with self._lock:
            kid = self._active
            aead = self._aead(kid, env)
        nonce = secrets.token_bytes(_NONCE_LEN)
        sealed = aead.encrypt(nonce, bytes(plaintext), _aad(kid, env, bytes(associated_data)))
        return f"{_VERSION}.{kid}.{b64e(nonce + sealed)}"

    def decrypt(self, token: str, *, environment: str, associated_data: bytes = b"") -> bytes:
        env = _check_environment(environment)
        kid, blob = _split_token(token)
        with self._lock:
            if kid not in self._keys and self._key_file is not None:
                self._reload_locked()
            if kid not in self._keys:
                raise DecryptionError(f"unknown encryption key id {kid!r} (retired, or a different key file)")
            aead = self._aead(kid, env)
        try:
            return aead.decrypt(blob[:_NONCE_LEN], blob[_NONCE_LEN:], _aad(kid, env, bytes(associated_data)))
        except InvalidTag:
            raise DecryptionError(
                "token failed authentication: tampered, or encrypted for another environment or record"
            ) from None

    def reencrypt(self, token: str, *, environment: str, associated_data: bytes = b"") -> str:
        """Decrypt under whichever key, encrypt under the active one (fresh nonce)."""
        plaintext = self.decrypt(token, environment=environment, associated_data=associated_data)
        return self.encrypt(plaintext, environment=environment, associated_data=associated_data)

    # ---- rotation -----------------------------------------------------------------------------------------

    def rotate(self, new_key: bytes | str | None = None) -> str:
        """Add ``new_key`` (random if None) and make it active; old keys stay for decryption.

        Persists to the key file when file-backed. Returns the new active key id. Adding a key that is
        already held just re-activates it. When the keys come from an environment variable nothing can be
        persisted, so a random key (which would be lost on restart, and every token under it with it) is
        refused: pass the new key, and also put it first in the variable.
        """
        if new_key is None and self._env_var is not None:
            raise ValueError(
                f"keys come from {self._env_var}: generate a key (Keyring.generate_key_text()), put it first in "
                f"{self._env_var} and pass it to rotate(new_key)"
            )
        key = secrets.token_bytes(KEY_LEN) if new_key is None else parse_key(new_key)
        kid = key_id_for(key)
        with self._lock:
            if self._key_file is not None:
                self._reload_locked()  # merge keys another process may have added
            keys = dict(self._keys)
            keys.setdefault(kid, key)
            self._commit_locked(keys, kid)
        return kid

    def retire(self, key_id: str) -> None:
        """Drop a non-active key once no token uses it; tokens under it no longer decrypt."""
        with self._lock:
            if self._key_file is not None:
                self._reload_locked()
            if key_id not in self._keys:
                raise ValueError(f"no key with id {key_id!r} in the keyring")
            if key_id == self._active:
                raise ValueError(f"key {key_id!r} is active; rotate to a new key before retiring it")
            keys = {k: v for k, v in self._keys.items() if k != key_id}
            self._commit_locked(keys, self._active)

    # ---- several processes ---------------------------------------------------------------------------------

    def refresh(self) -> bool:
        """Re-read the key file if it changed since it was last read (one ``stat``); whether it did."""
        if self._key_file is None:
            return False
        with self._lock:
            if file_stamp(self._key_file) == self._stamp:
                return False
            self._reload_locked()
            return True

    def follow(self, key_id: str) -> None:
        """Another process recorded ``key_id`` as the active key (``store.Database`` reads it before each
        write): make sure new secrets are not sealed under a key being rotated away.

        File-backed: re-read the file if it changed; its active key is the shared truth (at least as new as the
        record, which the rotating process writes after the file). Otherwise adopt ``key_id`` as active when
        held. :class:`KeyNotHeldError` when ``key_id`` is not among the keys held even then.
        """
        with self._lock:
            if key_id == self._active:
                return
            if self._key_file is not None:
                self.refresh()
            elif key_id in self._keys:
                self._active = key_id
            if key_id not in self._keys:
                # no path: this message can reach API clients (503)
                where = self._env_var or ("this process's key file" if self._key_file is not None else "this keyring")
                raise KeyNotHeldError(
                    f"the database records encryption key {key_id!r} as active, and {where} does not hold it: "
                    "either this is the wrong key for the store, or another process rotated to a key this one "
                    f"lacks (add it, first, to {where} and restart). Nothing is written meanwhile, so no secret is "
                    "sealed under a retiring key"
                )

    # ---- internals ----------------------------------------------------------------------------------------

    def _aead(self, kid: str, env: bytes) -> AESGCM:
        aead = self._derived.get((kid, env))
        if aead is None:
            derived = HKDF(
                algorithm=hashes.SHA256(), length=KEY_LEN, salt=None, info=b"cortexbuild-credentials:" + env
            ).derive(self._keys[kid])
            aead = self._derived[(kid, env)] = AESGCM(derived)
        return aead

    def _reload_locked(self) -> None:
        assert self._key_file is not None
        # The file is the shared truth: it says what another process added, retired or activated.
        self._stamp = file_stamp(self._key_file)  # first: a change racing the read shows up next time
        keys, active = read_key_file(self._key_file)
        self._keys = keys
        self._active = active
        self._derived = {k: v for k, v in self._derived.items() if k[0] in keys}

    def _commit_locked(self, keys: dict[str, bytes], active: str) -> None:
        if self._key_file is not None:
            created = read_created(self._key_file)
            created.setdefault(active, int(time.time()))
            replace_atomic(self._key_file, file_doc(keys, active, created))
            self._stamp = file_stamp(self._key_file)
        self._keys = keys
        self._active = active
        self._derived = {k: v for k, v in self._derived.items() if k[0] in keys}

    def __repr__(self) -> str:  # never print key material
        return f"Keyring(active={self._active!r}, keys={list(self._keys)!r}, file={self._key_file!s})"


# ---- token helpers ----------------------------------------------------------------------------------------


def _split_token(token: str) -> tuple[str, bytes]:
    if not isinstance(token, str):
        raise DecryptionError(f"token must be a string, not {type(token).__name__}")
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != _VERSION:
        raise DecryptionError("malformed token: expected 'v1.<key id>.<data>'")
    kid, data = parts[1], parts[2]
    if not _KID_RE.match(kid):
        raise DecryptionError("malformed token: bad key id")
    try:
        blob = _b64d(data)
    except (ValueError, binascii.Error):
        raise DecryptionError("malformed token: data is not base64url") from None
    if len(blob) < _NONCE_LEN + _TAG_LEN:
        raise DecryptionError("malformed token: too short")
    return kid, blob
