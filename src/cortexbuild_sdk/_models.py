"""Base model and the loose field types that absorb the platform's inconsistent JSON.

The platform serialises straight from SQLite: booleans as ``0``/``1``, JSON columns as JSON *strings*,
timestamps as ``"2025-10-09 12:00:00"``, ISO-8601 or epoch milliseconds. Models accept all of these and
expose one clean Python type; unknown fields are kept (``model_extra``), never rejected.

The client reads responses with ``model_validate_json`` (pydantic-core parses the bytes); the loose types accept
the same inputs either way. One rendering differs, on input outside the contract: a float sent where a string
is due reads as ``"1"`` from JSON text where ``str(1.0)`` gives ``"1.0"``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, timezone
from typing import Annotated, Any

import pydantic
from pydantic import BeforeValidator, ConfigDict, GetCoreSchemaHandler
from pydantic_core import CoreSchema, core_schema

__all__ = ["BaseModel", "JsonList", "JsonObject", "JsonText", "JsonValue", "LooseDate", "Timestamp"]


class BaseModel(pydantic.BaseModel):
    """Base of every response model: tolerant of extra fields and of numbers where strings are due."""

    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
        coerce_numbers_to_str=True,
        frozen=False,
    )

    def to_dict(self) -> dict[str, Any]:
        """The model as plain JSON-compatible data, with the wire's field names."""
        return self.model_dump(mode="json", by_alias=True)


def decode_json_text(value: object) -> object:
    """Decode a JSON string once more; anything else passes through untouched."""
    if isinstance(value, (str, bytes, bytearray)):
        text = value.decode() if isinstance(value, (bytes, bytearray)) else value
        if not text.strip():
            return None
        try:
            return json.loads(text)
        except ValueError:
            return value  # let the field's own validation report it
    return value


def _empty_list_if_none(value: object) -> object:
    decoded = decode_json_text(value)
    return [] if decoded is None else decoded


def _empty_dict_if_none(value: object) -> object:
    decoded = decode_json_text(value)
    return {} if decoded is None else decoded


# Epoch numbers at or above this are milliseconds: as seconds 1e11 is the year 5138, as ms it is
# March 1973, so every real timestamp of the platform is read in the right unit.
_MS_THRESHOLD = 100_000_000_000


_fromisoformat = datetime.fromisoformat
_UTC = timezone.utc


def parse_timestamp(value: object) -> object:
    """Turn SQLite text, ISO-8601 (with or without zone) or epoch s/ms into an aware UTC datetime."""
    # Fast paths first, for the shapes servers send: every list of N objects calls this a few times N times.
    if type(value) is str:
        size = len(value)
        # "2025-10-09 12:00:00" (SQLite) or "2025-10-09T12:00:00": naive, read as UTC. Appending the zone is
        # several times cheaper than datetime.replace(tzinfo=...).
        if size == 19 and value[10] in " T" and value[4] == "-":
            try:
                return _fromisoformat(value + "+00:00")
            except ValueError:
                pass
        # "...Z" with 0, 3 or 6 fraction digits (Python 3.10's fromisoformat reads neither "Z" nor others).
        elif value[-1:] == "Z" and size in (20, 24, 27) and value[4] == "-":
            try:
                return _fromisoformat(value[:-1] + "+00:00")
            except ValueError:
                pass
        return _parse_timestamp_text(value)
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=_UTC)
    if isinstance(value, bool):
        return value  # rejected by the datetime validator; True is not a time
    if isinstance(value, (int, float)):
        seconds = value / 1000 if abs(value) >= _MS_THRESHOLD else value
        try:
            return datetime.fromtimestamp(seconds, tz=_UTC)
        except (OverflowError, OSError, ValueError):
            # Raised as ValueError so that pydantic reports a validation error, not a bare OverflowError.
            raise ValueError(f"timestamp {value!r} is out of range") from None
    if isinstance(value, str):  # a str subclass
        return _parse_timestamp_text(str(value))
    return value


def _parse_timestamp_text(value: str) -> object:
    text = value.strip()
    if not text:
        return None
    # Epoch numbers sent as text. Checked first and without raising: Python 3.11's fromisoformat would
    # read "1760011200000" as a basic-format date, and a caught ValueError costs more than the parse.
    if text.lstrip("-").replace(".", "", 1).isdigit():
        return parse_timestamp(float(text))
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = _fromisoformat(text)
    except ValueError:
        return value
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=_UTC)


def _parse_date(value: object) -> object:
    if isinstance(value, str) and len(value) > 10:
        parsed = parse_timestamp(value)
        return parsed.date() if isinstance(parsed, datetime) else value
    return value


Timestamp = Annotated[datetime, BeforeValidator(parse_timestamp)]
"""An aware UTC datetime from SQLite text, ISO-8601 or epoch seconds/milliseconds."""

LooseDate = Annotated[date, BeforeValidator(_parse_date)]


class _ValueOrJsonText:
    """The field's type, natively from the value itself or from JSON text holding it (both in pydantic-core,
    no Python call); the rarer forms (``None``, ``""``, ``"null"``) go through ``fallback`` to the same type."""

    def __init__(self, fallback: Callable[[object], object], expected: str) -> None:
        self._fallback = fallback
        self._expected = expected

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        inner = handler(source)
        return core_schema.union_schema(
            [
                inner,
                core_schema.json_schema(inner),
                core_schema.no_info_before_validator_function(self._fallback, inner),
            ],
            mode="left_to_right",
            custom_error_type="json_or_text",
            custom_error_message=f"Input should be {self._expected}, or JSON text holding one",
        )


JsonList = Annotated[list[str], _ValueOrJsonText(_empty_list_if_none, "a list of strings")]
"""A list of strings that may arrive as a JSON array or as a JSON string holding one."""

JsonObject = Annotated[dict[str, Any], _ValueOrJsonText(_empty_dict_if_none, "an object")]
"""An object that may arrive as a JSON object or as a JSON string holding one."""

JsonValue = Annotated[Any, BeforeValidator(decode_json_text)]
"""Any JSON value, decoded once more if the server sent it as JSON text."""

JsonText = BeforeValidator(decode_json_text)
"""Annotate any model-typed field with this so it also accepts the model as JSON text."""
