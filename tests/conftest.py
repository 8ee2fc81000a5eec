"""Suite-wide guard: every provider connector points at a closed loopback port unless a test says otherwise
(``provider_urls=`` beats the environment), so no test can reach a real provider on the internet."""

from __future__ import annotations

import pytest

from cortexbuild_sdk.local.connectors.hosts import env_var
from cortexbuild_sdk.local.providers import PROVIDERS

NOWHERE = "http://127.0.0.1:9"


@pytest.fixture(autouse=True)
def _providers_on_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    for provider in PROVIDERS:
        monkeypatch.setenv(env_var(provider), NOWHERE)
