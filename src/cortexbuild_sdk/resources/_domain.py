"""What the construction resources share: the ``{success, data}`` envelope and wire encodings of params.

Money params accept ``Decimal``, ``int`` or a numeric ``str`` and go on the wire as JSON numbers in
currency units, exactly: an amount a JSON number cannot carry exactly (more than 15 significant digits)
is refused rather than rounded. Dates go as ``YYYY-MM-DD``; instants as ISO-8601 (naive means UTC).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar, Union

import pydantic
from typing_extensions import TypedDict

from .._resource import NumberedPageSpec, as_iso, compact, unwrap
from .._types import NotGiven, RequestOptions

__all__ = ["DateInput", "ItemParam", "MoneyInput", "data", "day", "items", "list_spec", "money", "when"]

M = TypeVar("M", bound=pydantic.BaseModel)
V = TypeVar("V")

MoneyInput = Union[Decimal, int, str]  # noqa: UP007 - a run-time alias on 3.10
"""An amount in currency units: ``Decimal("1234.50")``, ``1200`` or ``"1234.50"`` (floats are refused:
they cannot say 0.1 exactly)."""

DateInput = Union[date, str]  # noqa: UP007
"""A calendar date: ``datetime.date`` or ``"YYYY-MM-DD"``."""


class ItemParam(TypedDict):
    """One line of an invoice or purchase order, as sent on create/update."""

    description: str
    quantity: MoneyInput
    unit_price: MoneyInput


def data(model: type[M]) -> Callable[[Any], M]:
    """Parse the construction routes' ``{"success": true, "data": {...}}``."""
    return unwrap("data", model)


def list_spec(
    path: str, model: type[M], options: RequestOptions, *, page: int | None, limit: int | None, **filters: Any
) -> NumberedPageSpec[M]:
    for name, number in (("page", page), ("limit", limit)):
        if number is not None and (isinstance(number, bool) or not isinstance(number, int) or number < 1):
            raise ValueError(f"{name} must be a positive integer, not {number!r}")
    query = {**filters, "page": page, "limit": limit}
    return NumberedPageSpec(path, model.model_validate, query, options)


def money(value: V) -> V | int | float:
    """An amount as an exact JSON number; NOT_GIVEN and None pass through."""
    if value is None or isinstance(value, NotGiven):
        return value
    if isinstance(value, (bool, float)) or not isinstance(value, (Decimal, int, str)):
        raise TypeError(f"an amount must be a Decimal, int or numeric str, not {type(value).__name__}")
    if isinstance(value, int):
        return value
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise ValueError(f"not an amount: {value!r}") from None
    if not amount.is_finite():
        raise ValueError(f"not a finite amount: {value!r}")
    if amount == amount.to_integral_value():
        return int(amount)
    number = float(amount)
    if Decimal(repr(number)) != amount:
        raise ValueError(f"{value!r} has more digits than a JSON number carries exactly")
    return number  # json.dumps writes repr(number): the same digits as `amount`


def day(value: V) -> V | str:
    """A calendar date as ``YYYY-MM-DD``; NOT_GIVEN and None pass through."""
    if value is None or isinstance(value, NotGiven):
        return value
    if isinstance(value, datetime):
        raise TypeError("pass a date, not a datetime (use .date() to choose which day you mean)")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            raise ValueError(f"not a YYYY-MM-DD date: {value!r}") from None
    raise TypeError(f"a date must be a datetime.date or a 'YYYY-MM-DD' str, not {type(value).__name__}")


def when(value: V) -> V | str | None:
    """An instant as ISO-8601 (naive datetimes are UTC); NOT_GIVEN and None pass through. Anything but a
    ``datetime`` or text is refused: a number would be read as epoch milliseconds (``1760011200`` meant as
    seconds is a day in January 1970), a ``date`` has no time of day."""
    if value is None or isinstance(value, (NotGiven, str)):
        return value
    if isinstance(value, datetime):
        return as_iso(value)  # type: ignore[return-value]
    hint = " (a date has no time of day: use datetime.combine(day, time))" if isinstance(value, date) else ""
    raise TypeError(f"a time must be a datetime or ISO-8601 str, not {type(value).__name__}{hint}")


def items(lines: Sequence[Mapping[str, Any] | pydantic.BaseModel] | NotGiven) -> list[dict[str, Any]] | NotGiven:
    """Invoice / purchase order lines with exact amounts."""
    if isinstance(lines, NotGiven):
        return lines
    if isinstance(lines, (str, bytes)) or not isinstance(lines, Sequence):
        raise TypeError("items must be a list of {description, quantity, unit_price} dicts")
    encoded = []
    for line in lines:
        if isinstance(line, pydantic.BaseModel):  # e.g. an invoice's InvoiceItem, copied onto a purchase order
            line = {k: v for k, v in line.model_dump().items() if k in {"description", "quantity", "unit_price"}}
        if not isinstance(line, Mapping):
            raise TypeError("each item must be a dict with description, quantity and unit_price")
        missing = {"description", "quantity", "unit_price"} - set(line)
        if missing:
            raise ValueError(f"item is missing {', '.join(sorted(missing))}")
        encoded.append({**line, "quantity": money(line["quantity"]), "unit_price": money(line["unit_price"])})
    return encoded


def body(**fields: Any) -> dict[str, Any]:
    """The given fields minus those left NOT_GIVEN (see :func:`compact`)."""
    return compact(**fields)
