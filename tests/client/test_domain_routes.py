"""Every construction route on both clients against respx serving the contract's exact (loose) shapes: the
cases live by area in test_domain_routes_projects.py, _billing.py and _records.py; here, that none is missing."""

from __future__ import annotations

from .test_domain_routes_billing import CASES as BILLING_CASES
from .test_domain_routes_projects import CASES as PROJECT_CASES
from .test_domain_routes_records import CASES as RECORD_CASES

CASES = [*PROJECT_CASES, *BILLING_CASES, *RECORD_CASES]


def test_every_resource_and_action_of_the_contract_has_a_case() -> None:
    covered = {case.id for case in CASES} | {"documents.download", "documents.create_version", "documents.list"}
    for resource in (
        "projects",
        "tasks",
        "rfis",
        "invoices",
        "clients",
        "documents",
        "time_entries",
        "purchase_orders",
    ):
        assert {f"{resource}.{verb}" for verb in ("retrieve", "create", "update", "delete")} <= covered
    actions = {
        "tasks.complete",
        "rfis.answer",
        "rfis.close",
        "rfis.void",
        "invoices.send",
        "invoices.pay",
        "invoices.cancel",
        "documents.share",
        "time_entries.approve",
        "time_entries.summary",
        "purchase_orders.send",
        "purchase_orders.approve",
        "purchase_orders.receive",
    }
    assert actions <= covered
