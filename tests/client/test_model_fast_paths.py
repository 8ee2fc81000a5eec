"""The model layer's fast paths accept exactly what the general paths accept, and give the same objects.

Timestamps: the fast string shapes against the general parser. Responses: pydantic-core reading the bytes
(``model_validate_json``) against ``json.loads`` + ``model_validate``, whenever the fast path succeeds (when it
fails, the engine falls back to the general path, which decides)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from cortexbuild_sdk._models import BaseModel, parse_timestamp
from cortexbuild_sdk._resource import PageSpec, Unwrap
from cortexbuild_sdk._responses import _object_adapter, _page_adapter
from cortexbuild_sdk.types import AIRequest, ApiKey, Integration, Plan, Sandbox, Webhook

UTC = timezone.utc


def _outcome(model: type[BaseModel], data: Any) -> Any:
    try:
        return model.model_validate(data).model_dump()
    except ValidationError:
        return "rejected"


def _reference_parse(value: object) -> object:
    """The parser as it was before the fast paths (verbatim), as the reference they must agree with."""
    if value is None or isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if isinstance(value, datetime) and not value.tzinfo else value
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        seconds = value / 1000 if abs(value) >= 100_000_000_000 else value
        return datetime.fromtimestamp(seconds, tz=UTC)
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        if text.lstrip("-").replace(".", "", 1).isdigit():
            return _reference_parse(float(text))
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            return value
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return value


def _same(a: object, b: object) -> bool:
    if isinstance(a, datetime) and isinstance(b, datetime):
        return a == b and a.utcoffset() == b.utcoffset()
    return type(a) is type(b) and a == b


moments = st.datetimes(min_value=datetime(1, 1, 1, 0, 0, 1), max_value=datetime(9999, 12, 30))
shapes = st.sampled_from(
    [
        lambda m: m.strftime("%Y-%m-%d %H:%M:%S"),
        lambda m: m.strftime("%Y-%m-%dT%H:%M:%S"),
        lambda m: m.strftime("%Y-%m-%dT%H:%M:%SZ"),
        lambda m: m.strftime("%Y-%m-%dT%H:%M:%S.") + f"{m.microsecond // 1000:03d}Z",
        lambda m: m.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        lambda m: m.strftime("%Y-%m-%dT%H:%M:%S+02:00"),
        lambda m: m.strftime("%Y-%m-%d %H:%M:%S.%f"),
    ]
)
# Strings of the fast paths' lengths that are not timestamps, or nearly are.
near_misses = st.text(alphabet="0123456789-: TZz.+", min_size=19, max_size=27)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.builds(lambda shape, m: shape(m), shapes, moments), near_misses, st.text(max_size=30)))
def test_fast_timestamp_shapes_match_the_general_parser(raw: str) -> None:
    try:
        expected: object = _reference_parse(raw)
    except (ValueError, OverflowError, OSError):
        expected = "out of range"
    try:
        got: object = parse_timestamp(raw)
    except ValueError:
        got = "out of range"
    assert _same(got, expected), (raw, got, expected)


def test_fast_timestamps_are_aware_utc() -> None:
    for raw in ("2025-10-09 12:00:00", "2025-10-09T12:00:00", "2025-10-09T12:00:00.000Z", "2025-10-09T12:00:00Z"):
        parsed = Webhook.model_validate({"id": 1, "name": "n", "url": "u", "created_at": raw}).created_at
        assert parsed == datetime(2025, 10, 9, 12, tzinfo=UTC) and parsed.tzinfo is UTC


# Floats written as Python writes them (see test_integral_floats_in_string_fields for the one difference).
_plain_floats = st.floats(min_value=-1e6, max_value=1e6).filter(lambda f: abs(f) >= 1e-3 and not f.is_integer())
hostile = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | _plain_floats
    | st.sampled_from(["", "0", "1", "null", "[]", '["a"]', "{}", '{"a": 1}', "2025-10-09 12:00:00", "1760011200000"])
    | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=6,
)
MODELS: list[type[BaseModel]] = [Webhook, ApiKey, Integration, Sandbox, Plan, AIRequest]


def _objects(model: type[BaseModel]) -> st.SearchStrategy[dict[str, Any]]:
    names = [field.alias or name for name, field in model.model_fields.items()]
    return st.dictionaries(st.sampled_from(names), hostile, max_size=len(names))


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_reading_bytes_directly_gives_what_the_general_path_gives(model: type[BaseModel], data: Any) -> None:
    items = data.draw(st.lists(_objects(model), max_size=3))
    raw = json.dumps({"success": True, "things": items, "next_cursor": data.draw(st.none() | st.text(max_size=4))})
    spec: PageSpec[Any] = PageSpec("/p", "things", model.model_validate)
    adapter = _page_adapter(spec)
    assert adapter is not None
    try:
        fast = [item.model_dump() for item in adapter.model_validate_json(raw).items]
    except ValidationError:
        pass
    else:
        assert fast == [model.model_validate(item).model_dump() for item in json.loads(raw)["things"]]
    if items:
        one = json.dumps({"success": True, "thing": items[0]})
        try:
            single = _object_adapter(Unwrap("thing", model)).model_validate_json(one).item.model_dump()
        except ValidationError:
            pass
        else:
            assert single == model.model_validate(items[0]).model_dump()


@pytest.mark.parametrize("raw", [67768036191676796000, -1e300, 1e300, "99999999999999999999", 2**70])
def test_out_of_range_epoch_numbers_are_validation_errors(raw: object) -> None:
    with pytest.raises(ValidationError):
        Webhook.model_validate({"id": 1, "name": "n", "url": "u", "created_at": raw})


def test_integral_floats_in_string_fields() -> None:
    # The one known difference, on input outside the contract (a float where a string is due): pydantic-core
    # writes the number it read from JSON text without the ".0" Python's str() adds.
    assert Plan.model_validate_json('{"tier": 1.0}').tier == "1"
    assert Plan.model_validate({"tier": 1.0}).tier == "1.0"
    assert Plan.model_validate_json('{"tier": 2.5}').tier == Plan.model_validate({"tier": 2.5}).tier == "2.5"


def test_epoch_numbers_and_offsets_keep_their_meaning() -> None:
    hook = Webhook.model_validate_json(
        '{"id": 1, "name": "n", "url": "u", "created_at": 1760011200000, "updated_at": "2025-10-09T14:00:00+02:00"}'
    )
    assert hook.created_at == datetime(2025, 10, 9, 12, tzinfo=UTC)
    assert hook.updated_at is not None and hook.updated_at.utcoffset() == timedelta(hours=2)
