"""/api/rfis routes, with ``PUT /:id/answer {answer}``, ``/:id/close`` and ``/:id/void``."""

from __future__ import annotations

from typing import Any

from ..routing import Call
from ..services import rfis
from .domain import action, body_of, crud_routes, id_filter
from .domain_bodies import RfiAnswer, RfiCreate, RfiUpdate

_P, _A = "/api/rfis", "rfis"


def _answer(call: Call) -> dict[str, Any]:
    return rfis.answer(call.ctx, call.params["id"], body_of(RfiAnswer, call).answer)


ROUTES = (
    *crud_routes(
        _P,
        _A,
        rfis.RFI,
        service=rfis,
        listing=rfis.list_rfis,
        create_body=RfiCreate,
        update_body=RfiUpdate,
        filters={"project_id": id_filter},
        label="RFI",
    ),
    action(f"{_P}/:id/answer", _A, _answer, body=True),
    action(f"{_P}/:id/close", _A, lambda call: rfis.close(call.ctx, call.params["id"])),
    action(f"{_P}/:id/void", _A, lambda call: rfis.void(call.ctx, call.params["id"])),
)
