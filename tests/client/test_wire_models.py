"""Every field the local backend sends is declared on its model: nothing arrives as an undeclared extra."""

from __future__ import annotations

from datetime import datetime

from cortexbuild_sdk import CortexBuild
from cortexbuild_sdk._models import BaseModel


def _undeclared(model: BaseModel) -> set[str]:
    return set(model.model_extra or {})


def test_objects_of_the_local_backend_have_no_undeclared_fields() -> None:
    with CortexBuild.local() as client:
        key = client.keys.create(name="ci", scopes=["webhooks:read"])
        assert _undeclared(key) == set()
        assert isinstance(key.updated_at, datetime)
        listed = next(iter(client.keys.list()))
        assert _undeclared(listed) == set() and _undeclared(client.keys.retrieve(key.id)) == set()
        hook = client.webhooks.create(name="n", url="https://example.com/h", events=["*"])
        assert _undeclared(hook) == set() and _undeclared(client.webhooks.retrieve(hook.id)) == set()
        request = client.usage.record_ai_request(model="m", provider="p", metadata={"a": 1})
        assert _undeclared(request) == set()
        sandbox = client.sandboxes.create(name="s")
        assert _undeclared(sandbox) == set()
