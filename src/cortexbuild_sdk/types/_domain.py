"""Field types shared by the construction objects (projects, tasks, RFIs, invoices...).

Money. The platform sends amounts as JSON numbers in currency units (``"total": 1234.5``); models expose
them as ``Decimal``, exactly. pydantic's own ``Decimal`` validation does this without any Python hook: a JSON
number becomes a float, and the float becomes a ``Decimal`` through its shortest ``str()``, the text that reads
back as the same float, which is the digits the server wrote for every amount of up to 15 significant digits
(``0.1`` -> ``Decimal("0.1")``, never ``Decimal("0.1000000000000000055511151231257827")``). Every cent amount
below 10^13 units has at most 15 (the local backend refuses larger ones). Integers of any size and numeric
strings are exact; ``NaN``, infinities and booleans are refused.

Statuses. Typed as ``Literal[...] | str`` like the rest of the SDK: the documented values are what editors
complete and type checkers show, and a value added by a newer server is kept as its string instead of
failing the whole response.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import BeforeValidator, ConfigDict

from .._models import BaseModel, decode_json_text

__all__ = ["DomainModel", "Money", "json_list"]


Money = Decimal
"""An exact decimal amount from a JSON number, integer or numeric string (see the module docstring)."""


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
