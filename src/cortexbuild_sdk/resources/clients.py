"""``client.clients``: the company's customers (``/api/clients``)."""

from __future__ import annotations

from typing_extensions import Unpack

from .._resource import APIResource, ClientT, NumberedPageSpec, RequestSpec, ack, endpoint, paged, path_id
from .._types import NOT_GIVEN, NotGiven, RequestOptions
from ..types.client import Client
from ._domain import MoneyInput, body, data, list_spec, money

__all__ = ["Clients"]

_BASE = "/api/clients"


class Clients(APIResource[ClientT]):
    @paged
    def list(
        self,
        *,
        search: str | None = None,
        is_active: bool | None = None,
        page: int | None = None,
        limit: int | None = None,
        **options: Unpack[RequestOptions],
    ) -> NumberedPageSpec[Client]:
        """Clients, newest first. Iterating the result walks every page from ``page`` (default 1) on."""
        return list_spec(_BASE, Client, options, page=page, limit=limit, search=search, is_active=is_active)

    @endpoint
    def retrieve(self, client_id: int, **options: Unpack[RequestOptions]) -> RequestSpec[Client]:
        """The client with this id (``NotFoundError`` if your company has none)."""
        return RequestSpec("GET", f"{_BASE}/{path_id(client_id)}", data(Client), options=options)

    @endpoint
    def create(
        self,
        *,
        name: str,
        contact_name: str | NotGiven = NOT_GIVEN,
        email: str | NotGiven = NOT_GIVEN,
        phone: str | NotGiven = NOT_GIVEN,
        address: str | NotGiven = NOT_GIVEN,
        city: str | NotGiven = NOT_GIVEN,
        state: str | NotGiven = NOT_GIVEN,
        zip_code: str | NotGiven = NOT_GIVEN,
        country: str | NotGiven = NOT_GIVEN,
        website: str | NotGiven = NOT_GIVEN,
        tax_id: str | NotGiven = NOT_GIVEN,
        payment_terms: str | NotGiven = NOT_GIVEN,
        credit_limit: MoneyInput | NotGiven = NOT_GIVEN,
        notes: str | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> RequestSpec[Client]:
        """Create a client (emits ``client.created``)."""
        fields = body(
            name=name,
            contact_name=contact_name,
            email=email,
            phone=phone,
            address=address,
            city=city,
            state=state,
            zip_code=zip_code,
            country=country,
            website=website,
            tax_id=tax_id,
            payment_terms=payment_terms,
            credit_limit=money(credit_limit),
            notes=notes,
        )
        return RequestSpec("POST", _BASE, data(Client), body=fields, options=options)

    @endpoint
    def update(
        self,
        client_id: int,
        *,
        name: str | NotGiven = NOT_GIVEN,
        contact_name: str | NotGiven | None = NOT_GIVEN,
        email: str | NotGiven | None = NOT_GIVEN,
        phone: str | NotGiven | None = NOT_GIVEN,
        address: str | NotGiven | None = NOT_GIVEN,
        city: str | NotGiven | None = NOT_GIVEN,
        state: str | NotGiven | None = NOT_GIVEN,
        zip_code: str | NotGiven | None = NOT_GIVEN,
        country: str | NotGiven | None = NOT_GIVEN,
        website: str | NotGiven | None = NOT_GIVEN,
        tax_id: str | NotGiven | None = NOT_GIVEN,
        payment_terms: str | NotGiven | None = NOT_GIVEN,
        credit_limit: MoneyInput | NotGiven | None = NOT_GIVEN,
        notes: str | NotGiven | None = NOT_GIVEN,
        is_active: bool | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> RequestSpec[Client]:
        """Change only the fields given (``None`` clears one); emits ``client.updated``."""
        fields = body(
            name=name,
            contact_name=contact_name,
            email=email,
            phone=phone,
            address=address,
            city=city,
            state=state,
            zip_code=zip_code,
            country=country,
            website=website,
            tax_id=tax_id,
            payment_terms=payment_terms,
            credit_limit=money(credit_limit),
            notes=notes,
            is_active=is_active,
        )
        return RequestSpec("PUT", f"{_BASE}/{path_id(client_id)}", data(Client), body=fields, options=options)

    @endpoint
    def delete(self, client_id: int, **options: Unpack[RequestOptions]) -> RequestSpec[None]:
        """Delete the client."""
        return RequestSpec("DELETE", f"{_BASE}/{path_id(client_id)}", ack, options=options)
