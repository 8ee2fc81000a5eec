"""Provider URL overrides: point every host of a provider (API, upload, OAuth) at one base URL.

``Backend(provider_urls={"slack": "http://127.0.0.1:8123"})`` or ``CORTEXBUILD_PROVIDER_SLACK_URL`` sends all of
that provider's traffic there, keeping the documented paths: ``https://slack.com/api/chat.postMessage``
becomes ``http://127.0.0.1:8123/api/chat.postMessage``. Tests, demos and users' own suites use this to run the
connectors against loopback emulators. Explicit options beat the environment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import urlsplit

from ..providers import PROVIDERS

__all__ = ["env_var", "resolve_provider_urls"]


def env_var(provider: str) -> str:
    return f"CORTEXBUILD_PROVIDER_{provider.upper()}_URL"


def _check(provider: str, url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ValueError(f"provider URL for {provider} must be an http(s) base URL without query, got {url!r}")
    return url.rstrip("/")


def resolve_provider_urls(
    explicit: Mapping[str, str] | None, environ: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The effective overrides; ``ValueError`` for an unknown provider id or a malformed URL."""
    env = os.environ if environ is None else environ
    out: dict[str, str] = {}
    for provider in PROVIDERS:
        value = env.get(env_var(provider), "").strip()
        if value:
            out[provider] = _check(provider, value)
    for provider, url in (explicit or {}).items():
        if provider not in PROVIDERS:
            raise ValueError(f"provider_urls: unknown provider {provider!r}; expected one of: {', '.join(PROVIDERS)}")
        if not isinstance(url, str):
            raise ValueError(f"provider_urls[{provider!r}] must be a string URL")
        out[provider] = _check(provider, url)
    return out
