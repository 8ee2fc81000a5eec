"""A null for a NOT NULL column on update is a 400 naming the field, for every domain resource and column.

The columns are read from the schema (never listed here), so a column a future migration adds NOT NULL is
walked too. The rows are walked in states where the service would refuse an edit (a sent invoice, a sent
purchase order, an approved time entry, an answered RFI): the body check answers 400 before any 409.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from cortexbuild_sdk import BadRequestError, CortexBuild
from cortexbuild_sdk.local import Backend
from cortexbuild_sdk.local.routes import ROUTES
from cortexbuild_sdk.local.routes.domain_bodies import DomainBody
from cortexbuild_sdk.local.schema_columns import not_null_columns

ITEMS = [{"description": "Concrete C32/40 (m3)", "quantity": "12.5", "unit_price": "98.40"}]

# API path -> (table, client attribute): the test fails below when the route table has an update route
# that is not walked here.
RESOURCES = {
    "/api/projects": ("projects", "projects"),
    "/api/tasks": ("tasks", "tasks"),
    "/api/rfis": ("rfis", "rfis"),
    "/api/invoices": ("invoices", "invoices"),
    "/api/clients": ("clients", "clients"),
    "/api/time-entries": ("time_entries", "time_entries"),
    "/api/purchase-orders": ("purchase_orders", "purchase_orders"),
    "/api/documents": ("documents", "documents"),
}


@pytest.fixture(scope="module")
def world() -> Iterator[tuple[CortexBuild, Backend, dict[str, int]]]:
    with Backend() as backend, CortexBuild.local(backend=backend) as c:
        customer = c.clients.create(name="Harbourside Developments")
        project = c.projects.create(name="New Office Building", client_id=customer.id)
        task = c.tasks.create(project_id=project.id, title="Pour footings")
        rfi = c.rfis.create(project_id=project.id, subject="Rebar spacing", question="150 or 200 mm?")
        c.rfis.answer(rfi.id, answer="150 mm")
        invoice = c.invoices.create(client_id=customer.id, issue_date="2025-10-01", due_date="2025-10-31", items=ITEMS)
        c.invoices.send(invoice.id)
        entry = c.time_entries.create(
            project_id=project.id, start_time="2025-10-09T08:00:00Z", end_time="2025-10-09T16:30:00Z"
        )
        c.time_entries.approve(entry.id)
        order = c.purchase_orders.create(vendor="Hanson Concrete", issue_date="2025-10-02", items=ITEMS)
        c.purchase_orders.send(order.id)
        document = c.documents.create(project_id=project.id, name="Site plan", file=b"%PDF-1.7\n", filename="p.pdf")
        ids = {
            "/api/projects": project.id,
            "/api/tasks": task.id,
            "/api/rfis": rfi.id,
            "/api/invoices": invoice.id,
            "/api/clients": customer.id,
            "/api/time-entries": entry.id,
            "/api/purchase-orders": order.id,
            "/api/documents": document.id,
        }
        yield c, backend, ids


def test_every_domain_update_route_is_walked() -> None:
    domain_groups = {path.removeprefix("/api/").replace("-", "_") for path in RESOURCES}
    updates = {r.pattern.removesuffix("/:id") for r in ROUTES if r.method == "PUT" and r.pattern.endswith("/:id")}
    domain_updates = {p for p in updates if p.removeprefix("/api/").replace("-", "_") in domain_groups}
    assert domain_updates == set(RESOURCES)
    assert {r.group for r in ROUTES if r.pattern.removesuffix("/:id") in RESOURCES} == domain_groups


def test_the_schema_derived_columns_are_the_live_databases(world: tuple[CortexBuild, Backend, dict[str, int]]) -> None:
    _, backend, _ = world
    with backend.db.read() as conn:
        for table, _attr in RESOURCES.values():
            live = {col[1] for col in conn.execute(f"PRAGMA table_info({table})") if col[3]}
            assert live == not_null_columns(table), table


def test_fields_required_on_create_are_not_null_columns() -> None:
    """The single source covers what the create bodies require (so an update can never clear one)."""
    creates = {
        cls.__name__.removesuffix("Create"): cls for cls in _subclasses(DomainBody) if cls.__name__.endswith("Create")
    }
    for update in (cls for cls in _subclasses(DomainBody) if cls.__name__.endswith("Update")):
        create = creates[update.__name__.removesuffix("Update")]
        required = {name for name, info in create.model_fields.items() if info.is_required()}
        assert required <= not_null_columns(update.table), update.__name__


def _subclasses(cls: type[DomainBody]) -> list[type[DomainBody]]:
    out: list[type[DomainBody]] = []
    for sub in cls.__subclasses__():
        out += [sub, *_subclasses(sub)]
    return out


@pytest.mark.parametrize("path", sorted(RESOURCES))
def test_null_for_every_not_null_column_is_400_and_changes_nothing(
    world: tuple[CortexBuild, Backend, dict[str, int]], path: str
) -> None:
    c, _, ids = world
    table, attr = RESOURCES[path]
    resource: Any = getattr(c, attr)
    row_id = ids[path]
    retrieve: Callable[[], dict[str, Any]] = lambda: resource.retrieve(row_id).model_dump()  # noqa: E731
    before = retrieve()
    columns = sorted(not_null_columns(table))
    assert {"account_id", "created_at", "updated_at"} <= set(columns)
    for column in columns:
        with pytest.raises(BadRequestError) as caught:
            resource.update(row_id, extra_body={column: None})
        err = caught.value
        assert err.status_code == 400 and err.code == "validation_error", (column, err)
        assert column in str(err), (column, str(err))
        assert err.details and any(d.get("field") == column for d in err.details), (column, err.details)
        assert retrieve() == before, column  # nothing changed, not even updated_at
    # Every NOT NULL column at once: one 400 naming each writable one.
    writable = [col for col in columns if _writable(resource, row_id, col)]
    with pytest.raises(BadRequestError) as caught:
        resource.update(row_id, extra_body=dict.fromkeys(writable))
    assert {d["field"] for d in caught.value.details or []} >= set(writable)
    assert retrieve() == before


def _writable(resource: Any, row_id: int, column: str) -> bool:
    """Whether the update route knows ``column`` (so its refusal is "cannot be null", not "unknown field")."""
    try:
        resource.update(row_id, extra_body={column: None})
    except BadRequestError as exc:
        return any(d.get("message") == "cannot be null" for d in exc.details or [])
    raise AssertionError(f"{column}: null was accepted")
