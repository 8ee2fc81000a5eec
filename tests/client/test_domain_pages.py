"""Page-numbered lists: filters, iteration across pages until totalPages, errors and bad input."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import httpx
import pytest
import respx

from cortexbuild_sdk import AsyncCortexBuild, BadRequestError, ConflictError, CortexBuild, NotFoundError
from cortexbuild_sdk.pagination import AsyncNumberedPage, PageInfo, SyncNumberedPage
from cortexbuild_sdk.types import Invoice, Rfi

from .conftest import API_KEY, BASE_URL, Runner
from .domain_bodies import CLIENT, DOCUMENT, INVOICE, PROJECT, PURCHASE_ORDER, RFI, TASK, TIME_ENTRY, ok, page

LISTS = [
    ("projects", "/api/projects", PROJECT),
    ("tasks", "/api/tasks", TASK),
    ("rfis", "/api/rfis", RFI),
    ("invoices", "/api/invoices", INVOICE),
    ("clients", "/api/clients", CLIENT),
    ("documents", "/api/documents", DOCUMENT),
    ("time_entries", "/api/time-entries", TIME_ENTRY),
    ("purchase_orders", "/api/purchase-orders", PURCHASE_ORDER),
]


def paged_server(item: dict[str, Any], total: int, limit: int) -> Any:
    """Serves ids total..1 newest first, `limit` per page, as the platform's envelope."""
    ids = list(range(total, 0, -1))

    def respond(request: httpx.Request) -> httpx.Response:
        number = int(request.url.params.get("page", "1"))
        size = int(request.url.params.get("limit", "20"))
        chunk = ids[(number - 1) * size : number * size]
        return httpx.Response(
            200, json=page([{**item, "id": i} for i in chunk], number=number, limit=size, total=total)
        )

    return respond


@pytest.mark.parametrize(("resource", "path", "item"), LISTS, ids=[entry[0] for entry in LISTS])
def test_iteration_walks_every_page_and_stops_at_total_pages(
    resource: str, path: str, item: dict[str, Any], run: Runner, api: respx.MockRouter
) -> None:
    route = api.get(path).mock(side_effect=paged_server(item, total=7, limit=3))
    items = run.collect(lambda c: getattr(c, resource).list(limit=3))
    assert [i.id for i in items] == [7, 6, 5, 4, 3, 2, 1]
    assert route.call_count == 3  # pages 1, 2, 3 of 3: never asks for a fourth
    assert [call.request.url.params["page"] for call in route.calls[1:]] == ["2", "3"]
    assert all(call.request.url.params["limit"] == "3" for call in route.calls)


def test_filters_go_in_the_query(run: Runner, api: respx.MockRouter) -> None:
    route = api.get("/api/rfis").respond(json=page([RFI]))
    run.collect(lambda c: c.rfis.list(project_id=7, status="open", search="beam", page=2, limit=5))
    params = route.calls.last.request.url.params
    assert dict(params) == {"project_id": "7", "status": "open", "search": "beam", "page": "2", "limit": "5"}


@pytest.mark.parametrize(
    ("call", "path", "expected"),
    [
        (lambda c: c.projects.list(client_id=45), "/api/projects", {"client_id": "45"}),
        (
            lambda c: c.invoices.list(client_id=45, status="overdue"),
            "/api/invoices",
            {"client_id": "45", "status": "overdue"},
        ),
        (lambda c: c.clients.list(is_active=False), "/api/clients", {"is_active": "false"}),
        (
            lambda c: c.time_entries.list(task_id=11, user_id="u-3"),
            "/api/time-entries",
            {"task_id": "11", "user_id": "u-3"},
        ),
        (lambda c: c.purchase_orders.list(project_id=7), "/api/purchase-orders", {"project_id": "7"}),
    ],
)
def test_resource_specific_filters(
    call: Any, path: str, expected: dict[str, str], run: Runner, api: respx.MockRouter
) -> None:
    route = api.get(path).respond(json=page([]))
    run.collect(call)
    assert dict(route.calls.last.request.url.params) == expected


def test_unset_filters_are_not_sent(run: Runner, api: respx.MockRouter) -> None:
    route = api.get("/api/projects").respond(json=page([PROJECT]))
    run.collect(lambda c: c.projects.list())
    assert dict(route.calls.last.request.url.params) == {}


def test_first_page_exposes_page_info_sync(api: respx.MockRouter) -> None:
    api.get("/api/invoices").mock(side_effect=paged_server(INVOICE, total=5, limit=2))
    with CortexBuild(api_key=API_KEY, base_url=BASE_URL) as client:
        first = client.invoices.list(limit=2)
        assert isinstance(first, SyncNumberedPage)
        assert first.page_info == PageInfo(page=1, limit=2, total=5, total_pages=3)
        assert [type(i) for i in first.data] == [Invoice, Invoice]
        second = first.next_page()
        assert second.page_info.page == 2 and [i.id for i in second.data] == [3, 2]
        assert [p.page_info.page for p in first.iter_pages()] == [1, 2, 3]
        last = second.next_page()
        assert not last.has_next_page()
        with pytest.raises(StopIteration):
            last.next_page()


def test_first_page_exposes_page_info_async(api: respx.MockRouter) -> None:
    api.get("/api/rfis").mock(side_effect=paged_server(RFI, total=3, limit=2))

    async def main() -> None:
        async with AsyncCortexBuild(api_key=API_KEY, base_url=BASE_URL) as client:
            first = await client.rfis.list(limit=2)
            assert isinstance(first, AsyncNumberedPage)
            assert first.page_info.total_pages == 2
            second = await first.next_page()
            assert [r.id for r in second.data] == [1] and isinstance(second.data[0], Rfi)
            assert not second.has_next_page()
            assert [p.page_info.page async for p in first.iter_pages()] == [1, 2]
            assert [r.id async for r in client.rfis.list(limit=2, page=2)] == [1]
            assert [p.page_info.page async for p in client.rfis.list(limit=2).iter_pages()] == [1, 2]

    asyncio.run(main())


def test_a_page_past_the_end_or_an_empty_page_ends_iteration(run: Runner, api: respx.MockRouter) -> None:
    # A server that claims more pages than it has must not loop a client forever.
    route = api.get("/api/tasks").respond(
        json=ok(data=[], pagination={"page": 1, "limit": 20, "total": 99, "totalPages": 5})
    )
    assert run.collect(lambda c: c.tasks.list()) == []
    assert route.call_count == 1


def test_a_whole_list_without_pagination_is_one_page(run: Runner, api: respx.MockRouter) -> None:
    route = api.get("/api/clients").respond(json=ok(data=[CLIENT, {**CLIENT, "id": 46}]))
    assert [c.id for c in run.collect(lambda c: c.clients.list())] == [45, 46]
    assert route.call_count == 1


@pytest.mark.parametrize("bad", [0, -1, True, "2"])
def test_bad_page_numbers_are_refused_before_sending(bad: Any, run: Runner, api: respx.MockRouter) -> None:
    route = api.get("/api/projects").respond(json=page([]))
    with pytest.raises(ValueError, match="positive integer"):
        run.collect(lambda c: c.projects.list(page=bad))
    assert route.call_count == 0


def test_409_illegal_transition_surfaces_allowed(run: Runner, api: respx.MockRouter) -> None:
    body = {
        "success": False,
        "error": "Cannot close an RFI that is open",
        "code": "invalid_transition",
        "details": {"status": "open", "allowed": ["answered", "void"]},
    }
    route = api.put("/api/rfis/21/close").respond(409, json=body, headers={"x-should-retry": "false"})
    with pytest.raises(ConflictError) as caught:
        run(lambda c: c.rfis.close(21), max_retries=2)
    assert caught.value.status_code == 409
    assert caught.value.details["allowed"] == ["answered", "void"]
    assert "Cannot close" in str(caught.value)
    assert route.call_count == 1  # the server said a retry will not help


def test_404_and_400_use_the_platform_error_envelope(run: Runner, api: respx.MockRouter) -> None:
    api.get("/api/tasks/404").respond(404, json={"success": False, "error": "Task not found"})
    api.post("/api/tasks").respond(400, json={"success": False, "error": "title is required"})
    with pytest.raises(NotFoundError, match="Task not found"):
        run(lambda c: c.tasks.retrieve(404))
    with pytest.raises(BadRequestError, match="title is required"):
        run(lambda c: c.tasks.create(project_id=7, title=""))


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda c: c.projects.create(name="x", budget=12.5), TypeError),  # floats cannot say 0.1 exactly
        (lambda c: c.projects.create(name="x", budget=True), TypeError),
        (lambda c: c.projects.create(name="x", budget="12,50"), ValueError),
        (lambda c: c.projects.create(name="x", budget="NaN"), ValueError),
        (lambda c: c.projects.create(name="x", budget=Decimal("0.12345678901234567890")), ValueError),
        (lambda c: c.projects.create(name="x", start_date="09/10/2025"), ValueError),
        (lambda c: c.projects.create(name="x", start_date=20251009), TypeError),
        (lambda c: c.invoices.pay(1, payment_date=__import__("datetime").datetime(2025, 1, 1)), TypeError),
        (
            lambda c: c.invoices.create(client_id=1, issue_date="2025-01-01", due_date="2025-02-01", items="x"),
            TypeError,
        ),
        (
            lambda c: c.invoices.create(
                client_id=1, issue_date="2025-01-01", due_date="2025-02-01", items=[{"description": "a"}]
            ),
            ValueError,
        ),
        (lambda c: c.documents.share(1, emails="pm@example.com"), TypeError),
        (lambda c: c.rfis.retrieve(".."), ValueError),
        # Epoch seconds would be read as milliseconds (January 1970); a date has no time of day.
        (lambda c: c.time_entries.create(project_id=1, start_time=1760011200), TypeError),
        (lambda c: c.time_entries.create(project_id=1, start_time=__import__("datetime").date(2025, 1, 1)), TypeError),
        (lambda c: c.time_entries.update(1, end_time=1760011200.5), TypeError),
        (
            lambda c: c.keys.create(name="k", scopes=["*"], expires_at=__import__("datetime").date(2030, 1, 1)),
            TypeError,
        ),
        (lambda c: c.webhooks.recover(1, since=__import__("datetime").date(2025, 1, 1)), TypeError),
    ],
)
def test_bad_input_is_a_typed_error_and_sends_nothing(
    call: Any, error: type, run: Runner, api: respx.MockRouter
) -> None:
    route = api.route().respond(json=ok(data={"id": 1}))
    with pytest.raises(error):
        run(call)
    assert route.call_count == 0


def test_a_response_of_the_wrong_shape_is_a_validation_error(run: Runner, api: respx.MockRouter) -> None:
    from cortexbuild_sdk import APIResponseValidationError

    api.get("/api/projects/7").respond(json=ok(data={"name": "no id"}))
    with pytest.raises(APIResponseValidationError):
        run(lambda c: c.projects.retrieve(7))
    for block in ('{"page": "one"}', '{"page": Infinity, "limit": 1, "total": 1, "totalPages": 1}',
                  '{"page": 1, "limit": 1, "total": -1, "totalPages": true}'):  # fmt: skip
        api.get("/api/projects").respond(text=f'{{"success": true, "data": [], "pagination": {block}}}')
        with pytest.raises(APIResponseValidationError):
            run.collect(lambda c: c.projects.list())


def test_a_server_whose_page_number_does_not_advance_ends_the_walk() -> None:
    stuck = {"success": True, "data": [PROJECT], "pagination": {"page": 1, "limit": 1, "total": 9, "totalPages": 9}}
    with respx.mock(base_url=BASE_URL) as router:
        route = router.get("/api/projects").mock(return_value=httpx.Response(200, json=stuck))
        with CortexBuild(api_key=API_KEY, base_url=BASE_URL, max_retries=0) as client:
            assert len(list(client.projects.list(limit=1))) == 2  # page 1, then "page 1" again: stop
    assert route.call_count == 2


async def test_async_a_server_whose_page_number_does_not_advance_ends_the_walk() -> None:
    stuck = {"success": True, "data": [PROJECT], "pagination": {"page": 0, "limit": 1, "total": 9, "totalPages": 9}}
    with respx.mock(base_url=BASE_URL) as router:
        router.get("/api/projects").mock(return_value=httpx.Response(200, json=stuck))
        async with AsyncCortexBuild(api_key=API_KEY, base_url=BASE_URL, max_retries=0) as client:
            assert len([p async for p in client.projects.list(limit=1)]) == 2
