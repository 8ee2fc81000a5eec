"""Request input the backend can always answer about: parsed JSON bodies and query strings.

Why here, once, for every route: a value that JSON accepts but the answer cannot render (``1e999`` parses to
infinity, ``"\\ud800"`` to a lone surrogate that UTF-8 cannot encode, an integer too wide for SQLite) would
otherwise be committed by the handler and only fail when the response is built - after the commit, so the
request fails *and* the account is poisoned (every later list of that area fails to render too). Services
store only values that came through here or that they made themselves, so checking the input before any
handler runs is what makes every stored value renderable. Rendering the answer before the commit instead
would need every service to render inside its transaction (and some answer only after network calls made
outside any transaction); the app still renders inside its error handling as the last line of defence, so a
bug answers 500 rather than raising out of ``handle``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from . import errors

__all__ = ["MAX_DEPTH", "MAX_INT", "check_text", "parse_body"]

MAX_DEPTH = 32
"""Nesting deeper than this is refused: no route needs it, and deep values cost recursion when rendered."""
MAX_INT = 2**63 - 1
"""Integers must fit SQLite's signed 64 bits (wider ones fail when bound, after validation)."""
_MAX_INT_DIGITS = 20  # "-9223372036854775808" is 20 characters: anything longer is out of range


def _invalid(why: str) -> errors.Invalid:
    return errors.Invalid(f"request body is not valid JSON: {why}", code="invalid_json")


def _no_constants(name: str) -> Any:
    raise _invalid(f"{name} is not a JSON value")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _invalid(f"the number {text[:40]} is out of range (numbers must be finite)")
    return value


def _bounded_int(text: str) -> int:
    # Checked on the text before int() runs: thousands of digits cost quadratic time (and raise on 3.11+).
    value = int(text) if len(text) <= _MAX_INT_DIGITS else MAX_INT + 1
    if not -MAX_INT - 1 <= value <= MAX_INT:
        raise _invalid(f"the integer {text[:24]}{'...' if len(text) > 24 else ''} is outside the signed 64-bit range")
    return value


def parse_body(raw: bytes) -> dict[str, Any]:
    """The request body as a JSON object (``{}`` when empty); :class:`errors.Invalid` for anything else."""
    if not raw.strip():
        return {}
    try:
        text = raw.decode("utf-8-sig")  # strict UTF-8 (a leading BOM is tolerated, as json.loads did)
    except UnicodeDecodeError:
        raise errors.Invalid("request body is not UTF-8 text", code="invalid_json") from None
    try:
        body = json.loads(text, parse_constant=_no_constants, parse_float=_finite, parse_int=_bounded_int)
    except RecursionError:
        raise _invalid(f"nested more than {MAX_DEPTH} levels deep") from None
    except ValueError as exc:
        raise _invalid(str(exc)) from None
    if not isinstance(body, dict):
        raise errors.Invalid(f"request body must be a JSON object, not {type(body).__name__}")
    _check_tree(body, surrogates="\\u" in text)
    return body


def _check_tree(body: dict[str, Any], *, surrogates: bool) -> None:
    """Depth, and (only when the text has ``\\u`` escapes, the one way to write them) lone surrogates."""
    stack: list[tuple[Any, int, str]] = [(body, 1, "body")]
    while stack:
        value, depth, where = stack.pop()
        if depth > MAX_DEPTH:
            raise _invalid(f"nested more than {MAX_DEPTH} levels deep")
        if isinstance(value, dict):
            for key, item in value.items():
                if surrogates:
                    _check_string(key, f"a key in {where}")
                if isinstance(item, (dict, list)):
                    stack.append((item, depth + 1, f"{where}.{key}"))
                elif surrogates and isinstance(item, str):
                    _check_string(item, f"{where}.{key}")
        else:
            for index, item in enumerate(value):
                if isinstance(item, (dict, list)):
                    stack.append((item, depth + 1, f"{where}[{index}]"))
                elif surrogates and isinstance(item, str):
                    _check_string(item, f"{where}[{index}]")


def _check_string(text: str, where: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        shown = where.encode("utf-8", "backslashreplace").decode("ascii", "replace")
        raise _invalid(f"{shown} holds a lone UTF-16 surrogate (\\ud800-\\udfff), which is not text") from None


def check_text(values: Mapping[str, str], what: str) -> None:
    """Query parameters or headers: each name and value must be encodable text (see the module docstring)."""
    for name, value in values.items():
        for text in (name, value):
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                raise errors.Invalid(f"a {what} holds a lone UTF-16 surrogate, which is not text") from None
