"""Debug logging, switched on with ``CORTEXBUILD_LOG=debug``; credentials never reach the log."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

logger = logging.getLogger("cortexbuild_sdk")

_SENSITIVE_HEADERS = frozenset({"authorization", "x-api-key", "cookie", "set-cookie"})
_SENSITIVE_KEYS = frozenset(
    {
        "secret",
        "credentials",
        "access_token",
        "accesstoken",
        "refresh_token",
        "refreshtoken",
        "api_key",
        "apikey",
        "apitoken",
        "token",
        "password",
        "client_secret",
        "code",
    }
)
REDACTED = "<redacted>"
_configured = False


def setup_from_env() -> None:
    """Attach a stderr handler once if ``CORTEXBUILD_LOG`` asks for ``debug`` or ``info``."""
    global _configured
    if _configured:
        return
    _configured = True
    level = os.environ.get("CORTEXBUILD_LOG", "").strip().lower()
    if level not in {"debug", "info"}:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("[%(asctime)s %(name)s %(levelname)s] %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if level == "debug" else logging.INFO)


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {k: (REDACTED if k.lower() in _SENSITIVE_HEADERS else v) for k, v in headers.items()}


def redact(value: Any) -> Any:
    """A copy of JSON-like data with every secret-bearing key's value replaced."""
    if isinstance(value, Mapping):
        return {k: (REDACTED if str(k).lower() in _SENSITIVE_KEYS else redact(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(item) for item in value]
    return value
