"""Whatever a server answers a construction route, the client returns its type or raises a CortexBuildError."""

from __future__ import annotations

import contextlib
import io
import json
from typing import Any

import httpx
import respx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cortexbuild_sdk import CortexBuild, CortexBuildError

from .conftest import API_KEY, BASE_URL
from .domain_bodies import INVOICE, PROJECT, PURCHASE_ORDER, TIME_ENTRY
from .test_domain_routes import CASES

RESOURCES = ["projects", "tasks", "rfis", "invoices", "clients", "documents", "time_entries", "purchase_orders"]
CALLS: list[Any] = [
    *(case.call for case in CASES),
    *(lambda c, r=r: list(getattr(c, r).list(limit=2)) for r in RESOURCES),
    lambda c: c.documents.download(1),
    lambda c: c.documents.download_to(1, io.BytesIO()),
]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
# Objects close to the real ones with one field replaced, so parsing reaches every field's validator.
FIELDS = sorted({*PROJECT, *INVOICE, *TIME_ENTRY, *PURCHASE_ORDER})
objects = st.builds(
    lambda base, field, value: {**base, field: value},
    st.sampled_from([PROJECT, INVOICE, TIME_ENTRY, PURCHASE_ORDER]),
    st.sampled_from(FIELDS),
    json_values,
)
pagination = st.fixed_dictionaries(
    {"page": json_values, "limit": json_values, "total": json_values, "totalPages": json_values}
) | st.fixed_dictionaries(
    {"page": st.integers(), "limit": st.integers(), "total": st.integers(), "totalPages": st.integers()}
)
envelopes = st.fixed_dictionaries(
    {"success": st.booleans()},
    optional={"data": objects | st.lists(objects, max_size=2) | json_values, "pagination": pagination | json_values},
)
statuses = st.sampled_from([200, 201, 204, 400, 404, 409, 413, 500])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    call=st.sampled_from(CALLS),
    status=statuses,
    body=st.one_of(envelopes.map(json.dumps), json_values.map(json.dumps), st.binary(max_size=20).map(repr)),
    disposition=st.text(max_size=30).filter(lambda v: v.isascii() and v.isprintable()),
)
def test_any_answer_yields_a_result_or_a_cortexbuild_error(call: Any, status: int, body: str, disposition: str) -> None:
    headers = {"content-disposition": disposition}
    with respx.mock(base_url=BASE_URL) as router:
        # A lying server may answer page after page; cap the walk so a failure is a finding, not a hang.
        router.route().mock(side_effect=[httpx.Response(status, text=body, headers=headers)] * 50)
        with (
            CortexBuild(api_key=API_KEY, base_url=BASE_URL, max_retries=0) as client,
            contextlib.suppress(CortexBuildError),
        ):
            call(client)
