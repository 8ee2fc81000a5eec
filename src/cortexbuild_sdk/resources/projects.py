"""``client.projects``: construction projects (``/api/projects``)."""

from __future__ import annotations

from typing_extensions import Unpack

from .._resource import APIResource, ClientT, NumberedPageSpec, RequestSpec, ack, endpoint, paged, path_id
from .._types import NOT_GIVEN, NotGiven, RequestOptions
from ..types.project import Project, ProjectStatus
from ._domain import DateInput, MoneyInput, body, data, day, list_spec, money

__all__ = ["Projects"]

_BASE = "/api/projects"


class Projects(APIResource[ClientT]):
    @paged
    def list(
        self,
        *,
        status: ProjectStatus | None = None,
        search: str | None = None,
        client_id: int | None = None,
        page: int | None = None,
        limit: int | None = None,
        **options: Unpack[RequestOptions],
    ) -> NumberedPageSpec[Project]:
        """Projects, newest first. Iterating the result walks every page from ``page`` (default 1) on."""
        filters = {"status": status, "search": search, "client_id": client_id}
        return list_spec(_BASE, Project, options, page=page, limit=limit, **filters)

    @endpoint
    def retrieve(self, project_id: int, **options: Unpack[RequestOptions]) -> RequestSpec[Project]:
        """The project with this id (``NotFoundError`` if your company has none)."""
        return RequestSpec("GET", f"{_BASE}/{path_id(project_id)}", data(Project), options=options)

    @endpoint
    def create(
        self,
        *,
        name: str,
        description: str | NotGiven = NOT_GIVEN,
        project_number: str | NotGiven = NOT_GIVEN,
        status: ProjectStatus | NotGiven = NOT_GIVEN,
        priority: str | NotGiven = NOT_GIVEN,
        start_date: DateInput | NotGiven = NOT_GIVEN,
        end_date: DateInput | NotGiven = NOT_GIVEN,
        budget: MoneyInput | NotGiven = NOT_GIVEN,
        address: str | NotGiven = NOT_GIVEN,
        city: str | NotGiven = NOT_GIVEN,
        state: str | NotGiven = NOT_GIVEN,
        zip_code: str | NotGiven = NOT_GIVEN,
        client_id: int | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> RequestSpec[Project]:
        """Create a project in the key's company (emits ``project.created``)."""
        fields = body(
            name=name,
            description=description,
            project_number=project_number,
            status=status,
            priority=priority,
            start_date=day(start_date),
            end_date=day(end_date),
            budget=money(budget),
            address=address,
            city=city,
            state=state,
            zip_code=zip_code,
            client_id=client_id,
        )
        return RequestSpec("POST", _BASE, data(Project), body=fields, options=options)

    @endpoint
    def update(
        self,
        project_id: int,
        *,
        name: str | NotGiven = NOT_GIVEN,
        description: str | NotGiven | None = NOT_GIVEN,
        project_number: str | NotGiven | None = NOT_GIVEN,
        status: ProjectStatus | NotGiven = NOT_GIVEN,
        priority: str | NotGiven = NOT_GIVEN,
        start_date: DateInput | NotGiven | None = NOT_GIVEN,
        end_date: DateInput | NotGiven | None = NOT_GIVEN,
        budget: MoneyInput | NotGiven | None = NOT_GIVEN,
        actual_cost: MoneyInput | NotGiven | None = NOT_GIVEN,
        address: str | NotGiven | None = NOT_GIVEN,
        city: str | NotGiven | None = NOT_GIVEN,
        state: str | NotGiven | None = NOT_GIVEN,
        zip_code: str | NotGiven | None = NOT_GIVEN,
        client_id: int | NotGiven | None = NOT_GIVEN,
        progress: int | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> RequestSpec[Project]:
        """Change only the fields given (``None`` clears one). A new ``status`` also emits
        ``project.status_changed`` with the ``previous_status``."""
        fields = body(
            name=name,
            description=description,
            project_number=project_number,
            status=status,
            priority=priority,
            start_date=day(start_date),
            end_date=day(end_date),
            budget=money(budget),
            actual_cost=money(actual_cost),
            address=address,
            city=city,
            state=state,
            zip_code=zip_code,
            client_id=client_id,
            progress=progress,
        )
        return RequestSpec("PUT", f"{_BASE}/{path_id(project_id)}", data(Project), body=fields, options=options)

    @endpoint
    def delete(self, project_id: int, **options: Unpack[RequestOptions]) -> RequestSpec[None]:
        """Delete the project. Emits ``project.deleted``."""
        return RequestSpec("DELETE", f"{_BASE}/{path_id(project_id)}", ack, options=options)
