"""QuickBooks Online Accounting API v3 emulator, from Intuit's documented requests and answers.

Implements: the OAuth 2.0 token endpoint (``/oauth2/v1/tokens/bearer``, HTTP Basic client auth), ``query``
(``select * from <Entity> [where Type = '...'] STARTPOSITION n MAXRESULTS m``), ``batch`` (create / update,
30 items at most), single-entity create/update, ``companyinfo``; ``requestid`` deduplication; SyncToken checks
(stale -> Fault 5010); unique Customer DisplayName (Fault 6240); ``Fault`` bodies; a scripted 429.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

CLIENT_ID, CLIENT_SECRET = "qb-client", "qb-secret"
REALM = "9130355377388383"
_QUERY = re.compile(
    r"^select \* from (\w+)(?: where ([\w.]+) (=|>=|IN) (.+?))? STARTPOSITION (\d+) MAXRESULTS (\d+)$",
    re.IGNORECASE,
)
_LITERAL = re.compile(r"'((?:[^'\\]|\\.)*)'")


def _literals(text: str) -> list[str]:
    return [re.sub(r"\\(.)", r"\1", m) for m in _LITERAL.findall(text)]


def _stamp_of(obj: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(obj["MetaData"]["LastUpdatedTime"])


def fault(kind: str, message: str, code: str, detail: str | None = None, element: str = "") -> dict[str, Any]:
    return {
        "Error": [{"Message": message, "Detail": detail or message, "code": code, "element": element}],
        "type": kind,
    }


@dataclass
class QBState:
    entities: dict[str, dict[str, dict[str, Any]]] = field(
        default_factory=lambda: {
            "Customer": {},
            "Invoice": {},
            "Payment": {},
            "Purchase": {},
            "Item": {"1": {"Id": "1", "Name": "Services", "Type": "Service", "SyncToken": "0"}},
        }
    )
    access: set[str] = field(default_factory=set)
    refresh: set[str] = field(default_factory=set)
    requests: Counter[str] = field(default_factory=Counter)
    writes: int = 0
    queries: list[str] = field(default_factory=list)
    throttle_next: int = 0
    seen_request_ids: dict[str, Any] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(100))
    _stamp: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def stamp(self) -> dict[str, str]:
        n = next(self._stamp)
        when = f"2026-11-30T{n // 3600 % 24:02d}:{n // 60 % 60:02d}:{n % 60:02d}.{n % 1000:03d}-08:00"
        return {"CreateTime": when, "LastUpdatedTime": when}

    def add(self, entity: str, obj: dict[str, Any]) -> dict[str, Any]:
        new = {**obj, "Id": str(next(self._ids)), "SyncToken": "0", "MetaData": self.stamp()}
        self.entities[entity][new["Id"]] = new
        return new

    def pay(self, invoice_id: str, date: str = "2026-11-30") -> None:
        """What paying an invoice in QuickBooks does: a Payment linked to it, the invoice's Balance to 0."""
        with self.lock:
            inv = self.entities["Invoice"][invoice_id]
            self.add(
                "Payment",
                {
                    "TotalAmt": inv["TotalAmt"],
                    "TxnDate": date,
                    "CustomerRef": inv["CustomerRef"],
                    "Line": [{"Amount": inv["TotalAmt"], "LinkedTxn": [{"TxnId": invoice_id, "TxnType": "Invoice"}]}],
                },
            )
            inv.update(Balance=0, SyncToken=str(int(inv["SyncToken"]) + 1), MetaData=self.stamp())


def _amount(lines: list[dict[str, Any]]) -> float:
    return round(sum(float(line.get("Amount", 0)) for line in lines), 2)


def app(state: QBState) -> Starlette:
    def authorised(request: Request) -> bool:
        header = request.headers.get("authorization", "")
        return header.startswith("Bearer ") and header[7:] in state.access

    def unauthorised() -> Response:
        body = {
            "Fault": fault("AUTHENTICATION", "message=AuthenticationFailed; errorCode=003200; statusCode=401", "3200"),
            "time": "2026-11-30T00:00:00.000-08:00",
        }
        return JSONResponse(body, status_code=401)

    def gate(request: Request) -> Response | None:
        state.requests[f"{request.method} {request.url.path.rsplit('/', 1)[-1]}"] += 1
        if request.query_params.get("minorversion") is None:
            return JSONResponse({"Fault": fault("ValidationFault", "minorversion is required", "2000")}, 400)
        with state.lock:
            if state.throttle_next:
                state.throttle_next -= 1
                return JSONResponse(
                    {"Fault": fault("ThrottleExceeded", "message=ThrottleExceeded; errorCode=003001", "003001")},
                    status_code=429,
                    headers={"Retry-After": "2"},
                )
        return None if authorised(request) else unauthorised()

    async def token(request: Request) -> Response:
        header = request.headers.get("authorization", "")
        if header != "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode():
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        form = dict(await request.form())
        with state.lock:
            if form.get("grant_type") == "refresh_token":
                if form.get("refresh_token") not in state.refresh:
                    return JSONResponse({"error": "invalid_grant"}, status_code=400)
            elif form.get("code") != "good-code":
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            n = next(state._ids)
            access, refresh = f"qb-access-{n}", f"qb-refresh-{n}"
            state.access.add(access)
            state.refresh.add(refresh)
        return JSONResponse(
            {
                "access_token": access,
                "refresh_token": refresh,
                "token_type": "bearer",
                "expires_in": 3600,
                "x_refresh_token_expires_in": 8726400,
            }
        )

    async def query(request: Request) -> Response:
        if (refused := gate(request)) is not None:
            return refused
        match = _QUERY.match(request.query_params.get("query", "").strip())
        if match is None:
            return JSONResponse(
                {"Fault": fault("ValidationFault", "QueryParserError: Encountered invalid query", "4000")}, 400
            )
        entity, column, op, operand, start, limit = match.groups()
        entity = entity[0].upper() + entity[1:]
        rows = list(state.entities.get(entity, {}).values())
        values = _literals(operand or "")
        if column == "MetaData.LastUpdatedTime" and op == ">=":
            since = datetime.fromisoformat(values[0])
            rows = [r for r in rows if "MetaData" in r and _stamp_of(r) >= since]
        elif column and op.upper() == "IN":
            rows = [r for r in rows if str(r.get(column)) in values]
        elif column:
            rows = [r for r in rows if str(r.get(column)) == values[0]]
        state.queries.append(request.query_params.get("query", ""))
        page = rows[int(start) - 1 : int(start) - 1 + min(int(limit), 1000)]
        body: dict[str, Any] = {}
        if page:
            body = {entity: page, "startPosition": int(start), "maxResults": len(page)}
        return JSONResponse({"QueryResponse": body, "time": "2026-11-30T00:00:00.000-08:00"})

    def write(entity: str, op: str, obj: dict[str, Any]) -> dict[str, Any]:
        """Apply one create/update; returns {entity: obj} or {"Fault": ...}."""
        table = state.entities[entity]
        if entity == "Customer":
            name = str(obj.get("DisplayName", "")).casefold()
            if not name:
                return {"Fault": fault("ValidationFault", "Required param missing", "2020", element="DisplayName")}
            if any(c["DisplayName"].casefold() == name and c["Id"] != obj.get("Id") for c in table.values()):
                return {
                    "Fault": fault(
                        "ValidationFault",
                        "Duplicate Name Exists Error",
                        "6240",
                        f"The name supplied already exists. : Id={obj.get('Id')}",
                    )
                }
        if entity == "Invoice":
            ref = (obj.get("CustomerRef") or {}).get("value")
            if op == "create" and ref not in state.entities["Customer"]:
                return {"Fault": fault("ValidationFault", "Invalid Reference Id", "2500", element="CustomerRef")}
            if op == "create" and not obj.get("Line"):
                return {"Fault": fault("ValidationFault", "Required param missing", "2020", element="Line")}
        if op == "create":
            new = dict(obj)
            if entity == "Invoice":
                new["TotalAmt"] = _amount(new["Line"])
                new["Balance"] = new["TotalAmt"]
            state.writes += 1
            return {entity: state.add(entity, new)}
        current = table.get(str(obj.get("Id")))
        if current is None:
            return {"Fault": fault("ValidationFault", "Object Not Found", "610")}
        if str(obj.get("SyncToken")) != current["SyncToken"]:
            return {
                "Fault": fault(
                    "ValidationFault",
                    "Stale Object Error",
                    "5010",
                    "You and another user were working on the same thing.",
                )
            }
        updates = {k: v for k, v in obj.items() if k not in ("Id", "SyncToken", "sparse", "MetaData")}
        if not obj.get("sparse"):
            current.clear()
            current.update(Id=obj["Id"])
        current.update(updates)
        if entity == "Invoice" and "Line" in updates:
            paid = current.get("TotalAmt", 0) - current.get("Balance", 0)
            current["TotalAmt"] = _amount(current["Line"])
            current["Balance"] = round(current["TotalAmt"] - paid, 2)
        current["SyncToken"] = str(int(obj["SyncToken"]) + 1)
        current["MetaData"] = state.stamp()
        state.writes += 1
        return {entity: dict(current)}

    def once(request_id: str | None, run: Any) -> Any:
        if request_id and request_id in state.seen_request_ids:
            return state.seen_request_ids[request_id]
        result = run()
        if request_id:
            state.seen_request_ids[request_id] = result
        return result

    async def batch(request: Request) -> Response:
        if (refused := gate(request)) is not None:
            return refused
        items = json.loads(await request.body()).get("BatchItemRequest") or []
        if len(items) > 30:
            return JSONResponse({"Fault": fault("ValidationFault", "Batch size exceeds 30", "4001")}, 400)

        def run() -> dict[str, Any]:
            answers = []
            with state.lock:
                for item in items:
                    entity = next(k for k in item if k not in ("bId", "operation"))
                    answers.append({"bId": item["bId"], **write(entity, item["operation"], item[entity])})
            return {"BatchItemResponse": answers, "time": "2026-11-30T00:00:00.000-08:00"}

        return JSONResponse(once(request.query_params.get("requestid"), run))

    async def single(request: Request) -> Response:
        if (refused := gate(request)) is not None:
            return refused
        entity = request.path_params["entity"].capitalize()
        if entity not in state.entities:
            return JSONResponse({"Fault": fault("ValidationFault", "Unsupported entity", "4000")}, 400)
        obj = json.loads(await request.body())

        def run() -> tuple[dict[str, Any], int]:
            with state.lock:
                answer = write(entity, "update" if "Id" in obj else "create", obj)
            return answer, (400 if "Fault" in answer else 200)

        body, status = once(request.query_params.get("requestid"), run)
        return JSONResponse({**body, "time": "2026-11-30T00:00:00.000-08:00"}, status_code=status)

    async def company(request: Request) -> Response:
        if (refused := gate(request)) is not None:
            return refused
        return JSONResponse(
            {
                "CompanyInfo": {"CompanyName": "Acme Construction Ltd", "Country": "US", "Id": "1", "SyncToken": "3"},
                "time": "2026-11-30T00:00:00.000-08:00",
            }
        )

    return Starlette(
        routes=[
            Route("/oauth2/v1/tokens/bearer", token, methods=["POST"]),
            Route("/v3/company/{realm}/query", query, methods=["GET"]),
            Route("/v3/company/{realm}/batch", batch, methods=["POST"]),
            Route("/v3/company/{realm}/companyinfo/{id}", company, methods=["GET"]),
            Route("/v3/company/{realm}/{entity}", single, methods=["POST"]),
        ]
    )
