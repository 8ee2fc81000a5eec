"""Whatever a server answers, every method returns its type or raises a CortexBuildError, nothing else."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import httpx
import respx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cortexbuild_sdk import CortexBuild, CortexBuildError

from .conftest import API_KEY, BASE_URL
from .test_resources_account import CASES as ACCOUNT_CASES
from .test_resources_integrations import CASES as INTEGRATION_CASES
from .test_resources_lists import LISTS
from .test_resources_webhooks import CASES as WEBHOOK_CASES

CASES = [*INTEGRATION_CASES, *WEBHOOK_CASES, *ACCOUNT_CASES]
CALLS: list[Any] = [case.call for case in CASES] + [lambda c, call=entry[1]: list(call(c)) for entry in LISTS]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
# Bodies shaped like envelopes, with the keys the client looks for, so parsing gets past the first lookup.
KEYS = [
    "success", "webhook", "webhooks", "integration", "integrations", "key", "keys", "secret", "sandbox", "sandboxes",
    "plan", "usage", "request", "review", "reviews", "logs", "log", "modules", "providers", "events", "message",
    "requeued", "delivered", "error", "next_cursor", "id", "name", "url", "created_at",
]  # fmt: skip
envelopes = st.dictionaries(st.sampled_from(KEYS), json_values, max_size=6)
statuses = st.sampled_from([200, 201, 204, 301, 400, 401, 403, 404, 409, 418, 422, 429, 500, 503])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    call=st.sampled_from(CALLS),
    status=statuses,
    body=st.one_of(envelopes.map(json.dumps), json_values.map(json.dumps), st.text(max_size=20)),
    headers=st.dictionaries(st.sampled_from(["retry-after", "x-should-retry", "retry-after-ms"]), st.text(max_size=8)),
)
def test_any_answer_yields_a_result_or_a_cortexbuild_error(
    call: Any, status: int, body: str, headers: dict[str, str]
) -> None:
    safe_headers = {k: v for k, v in headers.items() if v.isascii() and v.isprintable()}
    with respx.mock(base_url=BASE_URL) as router:
        router.route().mock(return_value=httpx.Response(status, text=body, headers=safe_headers))
        with (
            CortexBuild(api_key=API_KEY, base_url=BASE_URL, max_retries=0) as client,
            contextlib.suppress(CortexBuildError),
        ):
            call(client)
