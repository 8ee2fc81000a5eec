"""Webhook delivery routes: test send, retry of one log entry, recover (run on the delivery engine)."""

from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import Any

from ..http import validation
from ..routing import Call, Route
from ..services import webhooks

_MAX_MS = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z: anything later is not a time


def test(call: Call) -> tuple[int, dict[str, Any]]:
    delivered, error = webhooks.send_test(call.ctx, call.params["id"])
    return 200, {"delivered": delivered, "error": error}


def retry(call: Call) -> tuple[int, dict[str, Any]]:
    return 200, {"log": webhooks.retry_log(call.ctx, call.params["id"], call.params["log_id"])}


def recover(call: Call) -> tuple[int, dict[str, Any]]:
    since = parse_since(call.body.get("since") if isinstance(call.body, dict) else None)
    return 200, {"requeued": webhooks.recover(call.ctx, call.params["id"], since)}


def parse_since(value: Any) -> int:
    """``since``: ISO-8601 text (naive = UTC) or epoch milliseconds (a number or a string of digits)."""
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
        except ValueError:
            pass
        else:
            ms = int((parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)).timestamp() * 1000)
    if value is None:
        problem = "since is required: an ISO-8601 time or epoch milliseconds"
    elif ms is None:
        problem = f"since must be an ISO-8601 time or epoch milliseconds, got {value!r}"
    elif not 0 <= ms <= _MAX_MS:
        problem = f"since must be between 1970 and 9999, got {value!r}"
    else:
        return ms
    raise validation(problem, details=[{"field": "since", "message": problem}])


_W, _G = "webhooks:write", "webhooks"
_P = "/api/integrations/webhooks"
ROUTES = (
    Route("POST", f"{_P}/:id/test", test, _W, _G),
    Route("POST", f"{_P}/:id/logs/:log_id/retry", retry, _W, _G),
    Route("POST", f"{_P}/:id/recover", recover, _W, _G, takes_body=True),
)
