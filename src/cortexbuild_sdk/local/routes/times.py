"""The one parser of instants in requests: ISO-8601 / SQLite text (naive = UTC) or epoch milliseconds."""

from __future__ import annotations

import math
from datetime import datetime, timezone

from ..errors import Invalid

__all__ = ["MAX_MS", "parse_instant"]

MAX_MS = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z: anything later is not a time


def _invalid(field: str, problem: str) -> Invalid:
    return Invalid(problem, details=[{"field": field, "message": problem}])


def parse_instant(value: object, field: str) -> int:
    """``value`` as epoch ms: an int/float or a string of digits is epoch ms; text is ISO-8601 or SQLite's
    ``YYYY-MM-DD HH:MM:SS`` (``Z``/offsets honoured, naive means UTC). Raises :class:`Invalid` otherwise."""
    ms: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        ms = value
    elif isinstance(value, float) and math.isfinite(value):
        ms = int(value)
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit() and len(value.strip()) < 20:
        ms = int(value.strip())  # ASCII digits only: str.isdigit() also takes "²", which int() refuses
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
            ms = int((parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)).timestamp() * 1000)
        except (ValueError, OverflowError):  # OverflowError: year 1 or 9999 pushed past the range by an offset
            pass
    if value is None:
        raise _invalid(field, f"{field} is required: an ISO-8601 time or epoch milliseconds")
    if ms is None:
        raise _invalid(field, f"{field} must be an ISO-8601 time or epoch milliseconds, got {value!r}")
    if not 0 <= ms <= MAX_MS:
        raise _invalid(field, f"{field} must be between 1970 and 9999, got {value!r}")
    return ms
