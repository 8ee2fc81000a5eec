"""Webhook and API-key scenarios, through the public client, on every target."""

from __future__ import annotations

from typing import Any

import pytest

from cortexbuild_sdk import (
    APIStatusError,
    AuthenticationError,
    NotFoundError,
    PermissionDeniedError,
)
from cortexbuild_sdk._events import EVENT_TYPES
from cortexbuild_sdk.types import ApiKeyWithSecret, Webhook

from .conftest import Target


def invalid(error: APIStatusError) -> None:
    assert error.status_code in (400, 422), error
    assert error.code == "validation_error", error.code
    assert error.message


def test_webhook_lifecycle(client: Any) -> None:
    hook = client.webhooks.create(name="Project Updates", url="https://myapp.example/hook", events=["project.created"])
    assert isinstance(hook, Webhook)
    assert hook.secret
    assert hook.events == ["project.created"]
    assert hook.is_active is True
    assert client.webhooks.secret(hook.id) == hook.secret

    fetched = client.webhooks.retrieve(hook.id)
    assert (fetched.name, fetched.url, fetched.is_active) == (hook.name, hook.url, True)
    assert [h.id for h in client.webhooks.list()] == [hook.id]

    assert client.webhooks.update(hook.id, name="Renamed", events=["*"], is_active=False) is None
    updated = client.webhooks.retrieve(hook.id)
    assert (updated.name, updated.events, updated.is_active) == ("Renamed", ["*"], False)

    rotated = client.webhooks.rotate_secret(hook.id)
    assert rotated.secret and rotated.secret != hook.secret
    assert client.webhooks.secret(hook.id) == rotated.secret

    assert client.webhooks.delete(hook.id) is None
    with pytest.raises(NotFoundError):
        client.webhooks.retrieve(hook.id)


def test_event_catalogue(client: Any) -> None:
    assert set(EVENT_TYPES) <= set(client.webhooks.events())


@pytest.mark.parametrize(
    "fields",
    [
        {"events": ["project.exploded"]},
        {"events": []},
        {"url": "ftp://files.example/hook"},
        {"url": "not a url"},
        {"name": ""},
    ],
    ids=["unknown-event", "no-events", "ftp-url", "bad-url", "empty-name"],
)
def test_bad_webhooks_are_refused_and_nothing_is_written(client: Any, fields: dict[str, Any]) -> None:
    args = {"name": "Hook", "url": "https://myapp.example/hook", "events": ["project.created"], **fields}
    with pytest.raises(APIStatusError) as info:
        client.webhooks.create(**args)
    invalid(info.value)
    assert list(client.webhooks.list()) == []


def test_lists_page_through_every_item(client: Any) -> None:
    created = [
        client.webhooks.create(name=f"Hook {i}", url=f"https://myapp.example/{i}", events=["*"]).id for i in range(4)
    ]
    assert sorted(h.id for h in client.webhooks.list(limit=1)) == sorted(created)


def test_other_accounts_ids_answer_404(client: Any) -> None:
    with pytest.raises(NotFoundError):
        client.webhooks.retrieve(987654)


def test_scoped_key_lifecycle(target: Target, client: Any) -> None:
    key = client.keys.create(name="ci", scopes=["webhooks:read"])
    assert isinstance(key, ApiKeyWithSecret)
    assert key.secret.startswith("cbk_live_")
    assert key.secret.startswith(key.key_prefix)
    assert key.scopes == ["webhooks:read"]
    assert key.id in [k.id for k in client.keys.list()]
    assert "secret" not in client.keys.retrieve(key.id).to_dict()

    scoped = target.client(api_key=key.secret)
    assert list(scoped.webhooks.list()) == []
    with pytest.raises(PermissionDeniedError) as info:
        scoped.webhooks.create(name="n", url="https://myapp.example/x", events=["*"])
    assert info.value.code == "insufficient_scope"
    assert "webhooks:write" in info.value.message

    rolled = client.keys.roll(key.id)
    assert rolled.secret != key.secret
    with pytest.raises(AuthenticationError):
        scoped.webhooks.list()
    assert list(target.client(api_key=rolled.secret).webhooks.list()) == []

    client.keys.revoke(key.id)
    with pytest.raises(AuthenticationError):
        target.client(api_key=rolled.secret).webhooks.list()
    assert client.keys.retrieve(key.id).is_active is False


def test_unknown_keys_get_401(target: Target) -> None:
    with pytest.raises(AuthenticationError):
        target.client(api_key="cbk_live_" + "A" * 43).webhooks.list()


def test_key_update(client: Any) -> None:
    key = client.keys.create(name="ci", scopes=["webhooks:read"], expires_at="2099-01-01T00:00:00Z")
    assert key.expires_at is not None and key.expires_at.year == 2099
    updated = client.keys.update(key.id, name="ci-2", scopes=["webhooks:read", "webhooks:write"], expires_at=None)
    assert (updated.name, updated.scopes, updated.expires_at) == ("ci-2", ["webhooks:read", "webhooks:write"], None)


def test_endpoint_rate_limit_is_set_changed_and_removed(client: Any) -> None:
    hook = client.webhooks.create(
        name="Throttled", url="https://myapp.example/t", events=["*"], rate_limit_per_second=2.5
    )
    assert hook.rate_limit_per_second == 2.5
    client.webhooks.update(hook.id, rate_limit_per_second=10)
    assert client.webhooks.retrieve(hook.id).rate_limit_per_second == 10
    client.webhooks.update(hook.id, rate_limit_per_second=None)
    assert client.webhooks.retrieve(hook.id).rate_limit_per_second is None
    with pytest.raises(APIStatusError) as info:
        client.webhooks.update(hook.id, rate_limit_per_second=-1)
    invalid(info.value)
