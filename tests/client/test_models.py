"""The loose field types: every form the platform sends becomes one clean Python type."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cortexbuild_sdk.types import ApiKey, Integration, Sandbox, Webhook

NOON = datetime(2025, 10, 9, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "raw",
    [
        "2025-10-09 12:00:00",  # SQLite CURRENT_TIMESTAMP (UTC, no zone)
        "2025-10-09T12:00:00Z",
        "2025-10-09T12:00:00.000Z",
        "2025-10-09T14:00:00+02:00",
        1760011200000,  # epoch ms
        1760011200,  # epoch s
        "1760011200000",
        1760011200.0,
    ],
)
def test_timestamps_in_every_form(raw: object) -> None:
    hook = Webhook.model_validate({"id": 1, "name": "n", "url": "u", "created_at": raw})
    assert hook.created_at == NOON
    assert (
        hook.created_at is not None and hook.created_at.utcoffset() == timedelta(0)
    ) or raw == "2025-10-09T14:00:00+02:00"


# Below 1e11 (March 1973) an epoch number reads as seconds: the unit is inferred from magnitude.
@given(st.datetimes(min_value=datetime(1975, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(timezone.utc)))
def test_epoch_ms_round_trips(moment: datetime) -> None:
    millis = int(moment.timestamp() * 1000)
    parsed = Webhook.model_validate({"id": 1, "name": "n", "url": "u", "created_at": millis}).created_at
    assert parsed is not None
    assert abs(parsed.timestamp() * 1000 - millis) < 1


@pytest.mark.parametrize(
    ("raw", "expected"), [(1, True), (0, False), ("1", True), ("0", False), (True, True), ("false", False)]
)
def test_booleans_from_integers_and_strings(raw: object, expected: bool) -> None:
    assert Integration.model_validate({"id": 1, "provider": "p", "name": "n", "is_active": raw}).is_active is expected


@pytest.mark.parametrize("raw", ['["a", "b"]', ["a", "b"]])
def test_json_list_columns(raw: object) -> None:
    assert ApiKey.model_validate({"id": 1, "name": "n", "key_prefix": "p", "scopes": raw}).scopes == ["a", "b"]


@pytest.mark.parametrize("raw", [None, "", "null"])
def test_empty_json_columns_become_empty_values(raw: object) -> None:
    hook = Webhook.model_validate({"id": 1, "name": "n", "url": "u", "events": raw})
    assert hook.events == []


def test_nested_model_from_json_text() -> None:
    sandbox = Sandbox.model_validate({"id": 1, "name": "s", "config": '{"webhooksEnabled": 0}'})
    assert sandbox.config.webhooks_enabled is False
    assert sandbox.config.sample_data_enabled is True


def test_numeric_user_ids_become_strings() -> None:
    assert Integration.model_validate({"id": 1, "provider": "p", "name": "n", "user_id": 7}).user_id == "7"


def test_invalid_values_are_still_rejected() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        Webhook.model_validate({"id": 1, "name": "n", "url": "u", "created_at": "yesterday"})
    with pytest.raises(ValidationError):
        Webhook.model_validate({"id": 1, "name": "n", "url": "u", "events": "{not json"})


def test_debug_logging_from_the_environment_redacts_the_key() -> None:
    script = """
import respx
from cortexbuild_sdk import CortexBuild
with respx.mock(base_url="http://localhost:3001") as m:
    m.get("/api/sdk/plan").respond(json={"success": True, "plan": {"tier": "free"}})
    CortexBuild(api_key="cbk_live_TOPSECRET").plan.retrieve()
"""
    env = {**os.environ, "CORTEXBUILD_LOG": "debug"}
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "GET http://localhost:3001/api/sdk/plan" in result.stderr
    assert "TOPSECRET" not in result.stderr
