"""Field types shared by the construction objects (projects, tasks, RFIs, invoices...).

Money. The platform sends amounts as JSON numbers in currency units (``"total": 1234.5``). The JSON
decoder turns them into ``float``; :data:`Money` turns that float into a ``Decimal`` through ``repr()``,
which is the *shortest* text that reads back as the same float, i.e. exactly the digits the server wrote
for every amount of up to 15 significant digits (``0.1`` -> ``Decimal("0.1")``, never
``Decimal("0.1000000000000000055511151231257827")``). Integers and numeric strings are taken exactly.

Statuses. Typed as ``Literal[...] | str`` like the rest of the SDK: the documented values are what editors
complete and type checkers show, and a value added by a newer server is kept as its string instead of
failing the whole response.
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BeforeValidator, ConfigDict

from .._models import BaseModel, decode_json_text

__all__ = ["DomainModel", "Money", "as_decimal", "json_list"]


def as_decimal(value: object) -> object:
    """The exact ``Decimal`` of a money value from the wire; anything unparseable is left to pydantic."""
    if isinstance(value, bool):
        return value  # rejected by the Decimal validator: True is not an amount
    if isinstance(value, float):
        if not math.isfinite(value):
            return value
        return Decimal(repr(value))
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str) and value.strip():
        try:
            return Decimal(value.strip())
        except InvalidOperation:
            return value
    return value


Money = Annotated[Decimal, BeforeValidator(as_decimal)]
"""An exact decimal amount from a JSON number (see the module docstring), integer or numeric string."""


def json_list(value: object) -> object:
    """A list that may come as JSON text (SQLite JSON columns), or null for none."""
    decoded = decode_json_text(value)
    return [] if decoded is None else decoded


class DomainModel(BaseModel):
    """Base of the construction objects: ``obj["field"]`` reads a field (declared or extra) like a dict,
    so code written against the raw webhook ``data`` dictionaries keeps working on the typed objects."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, coerce_numbers_to_str=True)

    def __getitem__(self, key: str) -> Any:
        if key in type(self).model_fields:
            return getattr(self, key)
        return (self.__pydantic_extra__ or {})[key]

    def get(self, key: str, default: Any = None) -> Any:
        """``dict.get`` over declared and extra fields alike."""
        try:
            return self[key]
        except KeyError:
            return default


JsonItems = BeforeValidator(json_list)
