"""A client's repr names its mode and where it talks to, and never shows the API key."""

from __future__ import annotations

import pytest

from cortexbuild_sdk import AsyncCortexBuild, CortexBuild

SECRET = "cbk_live_0123456789abcdef_secret"


@pytest.mark.parametrize("client_class", [CortexBuild, AsyncCortexBuild])
def test_remote_repr_shows_base_url_and_mode_not_the_key(client_class: type[CortexBuild]) -> None:
    client = client_class(api_key=SECRET, base_url="https://api.example.test/")
    for text in (repr(client), str(client), f"{client!r}", repr(client.with_options(max_retries=0))):
        assert "mode='remote'" in text and "https://api.example.test" in text
        assert SECRET not in text and "0123456789" not in text


@pytest.mark.parametrize("client_class", [CortexBuild, AsyncCortexBuild])
def test_local_repr_shows_the_backend_not_the_key(client_class: type[CortexBuild]) -> None:
    client = client_class.local()
    try:
        key = client.api_key
        for text in (repr(client), str(client), repr(client.with_options(api_key=SECRET))):
            assert "mode='local'" in text and "Backend(" in text
            assert key not in text and SECRET not in text and key[:12] not in text
    finally:
        assert client.backend is not None
        client.backend.close()
