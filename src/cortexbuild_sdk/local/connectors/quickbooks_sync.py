"""The QuickBooks sync: customers <-> clients, invoices both ways with their payments, Purchase expenses.

Each object's twin is kept in ``connector_mappings`` (local id <-> QuickBooks Id, SyncToken, both sides'
last-updated stamps), so a second sync with nothing changed writes nothing. Both sides are read from cursors
saved by the last clean sync: QuickBooks' ``LastUpdatedTime`` and the local ``updated_at`` (an index range, see
``LocalData.clients_changed`` and :class:`~.cursor.LocalCursors`), so a repeat sync reads O(what changed).
Local data is reached only through the :class:`~.local_data.LocalData` protocol.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from functools import partial
from typing import Any, Protocol, TypeVar

from ..errors import DomainError, Invalid, NotFound
from .local_data import LocalData, LocalInvoice, LocalLine, RemoteInvoice
from .quickbooks import (
    BATCH,
    _Api,
    _customer_payload,
    _invoice_payload,
    _remote_client,
    _request_id,
    _stamp,
    cents,
    fault_message,
)
from .spec import Mapping_, SyncCounts

__all__ = ["sync_all", "sync_customers", "sync_expenses", "sync_invoices"]


def _batched(items: list[Any], size: int = BATCH) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _run_batch(
    api: _Api, entity: str, ops: list[tuple[str, str, dict[str, Any]]], counts: SyncCounts, what: str
) -> dict[str, dict[str, Any]]:
    """Send (local id, operation, payload) in batches; returns the saved objects by local id. A Fault on one
    item counts it as failed (recorded in ``failures``) without failing the batch."""
    saved: dict[str, dict[str, Any]] = {}
    for chunk in _batched(ops):
        items = [{"bId": local_id, "operation": op, entity: payload} for local_id, op, payload in chunk]
        key = _request_id(api.session, what, *(f"{lid}:{op}:{sorted(p.items())}" for lid, op, p in chunk))
        for answer in api.batch(items, key):
            local_id = str(answer.get("bId"))
            if isinstance(answer.get(entity), dict):
                saved[local_id] = answer[entity]
                api.note(entity, answer[entity])
            else:
                counts.failed += 1
                message, code = fault_message(answer.get("Fault") or {})
                counts.problems.append(f"{what} {local_id}: {message}" + (f" (code {code})" if code else ""))
    return saved


class _Stored(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def updated_at(self) -> int: ...


S = TypeVar("S", bound=_Stored)


def _pull_one(
    api: _Api, counts: SyncCounts, kind: str, rid: str, obj: Mapping[str, Any], upsert: Callable[[], S]
) -> S | None:
    """Write one QuickBooks object through the local service (``upsert``) and map it to its twin. None when
    the service refuses it (e.g. a negative line): that object counts as failed and the sync goes on."""
    try:
        stored = upsert()
    except DomainError as exc:
        counts.failed += 1
        counts.problems.append(f"{kind} {rid}: {exc.message}")
        return None
    api.session.save_mapping(
        kind,
        str(stored.id),
        rid,
        sync_token=obj.get("SyncToken"),
        local_updated_at=stored.updated_at,
        remote_updated=_stamp(obj),
    )
    return stored


def sync_customers(api: _Api, counts: SyncCounts) -> dict[str, str]:
    """Customers <-> clients, reading only the clients changed since the last clean sync (and the customers
    QuickBooks changed). Returns remote customer id -> local client id for the customers it looked at."""
    s = api.session
    data = s.local_data()
    changed = api.local.changed("clients", data.clients_changed)
    locals_ = {str(c.id): c for c in changed.rows}
    remote = {str(c["Id"]): c for c in api.pull("Customer")}
    mapped = s.lookup_mappings("customer", local_ids=locals_, remote_ids=remote)
    if api.incremental["Customer"]:  # only changes were read: look up the names of new local clients
        new_names = [c.name for lid, c in locals_.items() if lid not in mapped]
        candidates = {str(c["Id"]): c for c in api.find("Customer", "DisplayName", new_names)} if new_names else {}
        mapped.update(s.lookup_mappings("customer", remote_ids=candidates))
    else:
        candidates = remote
    remote_to_local = {m.remote_id: lid for lid, m in mapped.items()}
    by_name = {str(c.get("DisplayName", "")).casefold(): cid for cid, c in candidates.items()}
    remote = {**candidates, **remote}
    pushes: list[tuple[str, str, dict[str, Any]]] = []
    for lid, client in locals_.items():
        m = mapped.get(lid)
        if m is None:
            twin = by_name.get(client.name.casefold())
            if twin is not None and twin not in remote_to_local:  # DisplayName is unique in QuickBooks: link
                s.save_mapping(
                    "customer",
                    lid,
                    twin,
                    sync_token=remote[twin].get("SyncToken"),
                    local_updated_at=client.updated_at,
                    remote_updated=_stamp(remote[twin]),
                )
                remote_to_local[twin] = lid
                counts.skipped += 1
            else:
                pushes.append((lid, "create", _customer_payload(client)))
        elif client.updated_at > (m.local_updated_at or 0):
            token = (remote.get(m.remote_id) or {}).get("SyncToken", m.sync_token)
            pushes.append(
                (lid, "update", {**_customer_payload(client), "Id": m.remote_id, "SyncToken": token, "sparse": True})
            )
        else:
            counts.skipped += 1
    saved = _run_batch(api, "Customer", pushes, counts, "customer")
    s.save_mappings(
        "customer",
        [
            Mapping_(lid, str(obj["Id"]), obj.get("SyncToken"), locals_[lid].updated_at, _stamp(obj))
            for lid, obj in saved.items()
        ],
    )
    for lid, obj in saved.items():
        remote_to_local[str(obj["Id"])] = lid
        if lid not in mapped:
            counts.created += 1
        else:
            counts.updated += 1
    for rid, obj in remote.items():  # pull what QuickBooks has that we do not, or changed there
        known = remote_to_local.get(rid)
        if known is not None and (mapped.get(known) is None or mapped[known].remote_updated == _stamp(obj)):
            continue
        if known is not None and known in locals_ and locals_[known].updated_at > (mapped[known].local_updated_at or 0):
            continue  # changed on both sides: the local edit was just pushed and wins
        upsert = partial(data.upsert_client, int(known) if known is not None else None, _remote_client(obj))
        pulled = _pull_one(api, counts, "customer", rid, obj, upsert)
        if pulled is None:
            continue
        remote_to_local[rid] = str(pulled.id)
        if known is None:
            counts.created += 1
        else:
            counts.updated += 1
    return remote_to_local


def _item_id(api: _Api) -> str:
    given = api.session.config.get("itemId")
    if isinstance(given, str) and given:
        return given
    for item in api.query("Item", " where Type = 'Service'"):
        api.session.set_config("itemId", str(item["Id"]))
        return str(item["Id"])
    raise Invalid("QuickBooks has no Service item to put on invoice lines; create one or set config.itemId")


def _paid_dates(api: _Api) -> dict[str, str]:
    """Invoice id -> date of the latest payment applied to it."""
    out: dict[str, str] = {}
    for payment in api.pull("Payment"):
        for line in payment.get("Line") or []:
            for txn in line.get("LinkedTxn") or []:
                if txn.get("TxnType") == "Invoice":
                    out[str(txn["TxnId"])] = max(out.get(str(txn["TxnId"]), ""), str(payment.get("TxnDate", "")))
    return out


def _remote_invoice(obj: Mapping[str, Any], client_id: int) -> RemoteInvoice:
    lines = tuple(
        LocalLine(str(line.get("Description") or ""), cents(line.get("Amount")))
        for line in obj.get("Line") or []
        if line.get("DetailType") == "SalesItemLineDetail"
    )
    return RemoteInvoice(
        remote_id=str(obj["Id"]),
        client_id=client_id,
        invoice_number=str(obj.get("DocNumber") or f"QB-{obj['Id']}"),
        issue_date=str(obj.get("TxnDate") or ""),
        total_cents=cents(obj.get("TotalAmt")),
        balance_cents=cents(obj.get("Balance")),
        due_date=obj.get("DueDate"),
        lines=lines,
    )


def _customer_ref(obj: Mapping[str, Any]) -> str:
    return str((obj.get("CustomerRef") or {}).get("value"))


def _current(data: LocalData, lid: str, read: Mapping[str, LocalInvoice]) -> LocalInvoice | None:
    """The local invoice ``lid`` (read this sync, or looked up: an unchanged one was not read), None when it
    is gone or cancelled."""
    if lid in read:
        return read[lid]
    try:
        local = data.invoice(int(lid))
    except NotFound:
        return None
    return None if local.status == "cancelled" else local


def sync_invoices(api: _Api, counts: SyncCounts) -> None:
    """Invoices both ways, reading only the local invoices changed since the last clean sync, the invoices
    QuickBooks changed, and the mappings of those (never every invoice). Run after :func:`sync_customers`."""
    s = api.session
    data = s.local_data()
    changed = api.local.changed("invoices", data.invoices_changed)
    locals_ = {str(i.id): i for i in changed.rows}
    remote = {str(i["Id"]): i for i in api.pull("Invoice")}
    paid_on = _paid_dates(api) if any(cents(i.get("Balance")) == 0 for i in remote.values()) else {}
    mapped = s.lookup_mappings("invoice", local_ids=locals_, remote_ids=remote)
    by_number = {str(i.get("DocNumber")): rid for rid, i in remote.items() if i.get("DocNumber")}
    if api.incremental["Invoice"]:  # only changes were read: look up the numbers of new local invoices
        new_numbers = [i.invoice_number for lid, i in locals_.items() if lid not in mapped]
        found = api.find("Invoice", "DocNumber", new_numbers) if new_numbers else []
        for obj in found:
            remote.setdefault(str(obj["Id"]), obj)
            by_number.setdefault(str(obj["DocNumber"]), str(obj["Id"]))
        mapped.update(s.lookup_mappings("invoice", remote_ids=[str(obj["Id"]) for obj in found]))
    by_remote = {m.remote_id: lid for lid, m in mapped.items()}
    unmapped_numbers = [str(i["DocNumber"]) for rid, i in remote.items() if rid not in by_remote and i.get("DocNumber")]
    local_numbers = {i.invoice_number for i in locals_.values()}
    local_numbers |= {i.invoice_number for i in data.invoices_numbered(unmapped_numbers)} if unmapped_numbers else set()
    customers = s.lookup_mappings(
        "customer",
        local_ids={str(i.client_id) for i in locals_.values()},
        remote_ids={_customer_ref(i) for i in remote.values()},
    )
    remote_to_local = {m.remote_id: lid for lid, m in customers.items()}
    local_to_remote_customer = {lid: m.remote_id for lid, m in customers.items()}
    # Pull: invoices created in QuickBooks, and payments that settled mapped ones.
    for rid, obj in remote.items():
        lid = by_remote.get(rid)
        if lid is None:
            if obj.get("DocNumber") in local_numbers:
                continue  # a local invoice with this number: linked in the push below
            customer = remote_to_local.get(_customer_ref(obj))
            if customer is None:
                counts.failed += 1
                counts.problems.append(f"invoice {rid}: its customer is not synced")
                continue
            upsert_invoice = partial(data.upsert_invoice, None, _remote_invoice(obj, int(customer)))
            if _pull_one(api, counts, "invoice", rid, obj, upsert_invoice) is None:
                continue
            counts.created += 1
            continue
        if mapped[lid].remote_updated == _stamp(obj):
            continue
        local = _current(data, lid, locals_)
        seen = mapped[lid].local_updated_at
        settled = cents(obj.get("Balance")) == 0 and cents(obj.get("TotalAmt")) > 0
        if local is not None and settled and local.status != "paid":
            data.mark_invoice_paid(int(lid), paid_cents=cents(obj.get("TotalAmt")), paid_at=paid_on.get(rid))
            counts.updated += 1
            if seen is not None and local.updated_at <= seen:  # no pending local edit: the payment is synced
                seen = data.invoice(int(lid)).updated_at
                locals_[lid] = data.invoice(int(lid))
        s.save_mapping(
            "invoice", lid, rid, sync_token=obj.get("SyncToken"), local_updated_at=seen, remote_updated=_stamp(obj)
        )
        mapped[lid] = Mapping_(lid, rid, obj.get("SyncToken"), seen, _stamp(obj))
    # Push: local invoices QuickBooks does not have, and local edits.
    pushes: list[tuple[str, str, dict[str, Any]]] = []
    item_id: str | None = None
    for lid, inv in locals_.items():
        m = mapped.get(lid)
        if m is not None and inv.updated_at <= (m.local_updated_at or 0):
            counts.skipped += 1
            continue
        if m is None and inv.invoice_number in by_number and by_number[inv.invoice_number] not in by_remote:
            rid = by_number[inv.invoice_number]
            s.save_mapping(
                "invoice",
                lid,
                rid,
                sync_token=remote[rid].get("SyncToken"),
                local_updated_at=inv.updated_at,
                remote_updated=_stamp(remote[rid]),
            )
            counts.skipped += 1
            continue
        customer_rid = local_to_remote_customer.get(str(inv.client_id))
        if customer_rid is None:
            counts.failed += 1
            counts.problems.append(f"invoice {lid}: client {inv.client_id} is not synced to QuickBooks")
            continue
        item_id = item_id or _item_id(api)
        payload = _invoice_payload(inv, customer_rid, item_id)
        if m is None:
            pushes.append((lid, "create", payload))
        else:
            token = (remote.get(m.remote_id) or {}).get("SyncToken", m.sync_token)
            pushes.append((lid, "update", {**payload, "Id": m.remote_id, "SyncToken": token, "sparse": True}))
    saved = _run_batch(api, "Invoice", pushes, counts, "invoice")
    s.save_mappings(
        "invoice",
        [
            Mapping_(lid, str(obj["Id"]), obj.get("SyncToken"), locals_[lid].updated_at, _stamp(obj))
            for lid, obj in saved.items()
        ],
    )
    for lid in saved:
        if lid not in mapped:
            counts.created += 1
        else:
            counts.updated += 1


def _expense(obj: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": str(obj["Id"]),
        "txn_date": obj.get("TxnDate"),
        "total": money_str(obj.get("TotalAmt")),
        "currency": (obj.get("CurrencyRef") or {}).get("value"),
        "payment_type": obj.get("PaymentType"),
        "account": (obj.get("AccountRef") or {}).get("name"),
        "vendor": (obj.get("EntityRef") or {}).get("name"),
        "memo": obj.get("PrivateNote"),
        "lines": [
            {"amount": money_str(line.get("Amount")), "description": line.get("Description")}
            for line in obj.get("Line") or []
        ],
        "updated": _stamp(obj),
    }


def money_str(amount: Any) -> float:
    return cents(amount) / 100


def sync_expenses(api: _Api, counts: SyncCounts) -> None:
    pulled = api.pull("Purchase")
    known = {
        m.remote_id: m
        for m in api.session.lookup_mappings("expense", remote_ids=[str(o["Id"]) for o in pulled]).values()
    }
    for obj in pulled:
        rid = str(obj["Id"])
        if rid in known and known[rid].remote_updated == _stamp(obj):
            counts.skipped += 1
            continue
        new = api.session.save_record("expense", rid, _expense(obj))
        api.session.save_mapping("expense", rid, rid, sync_token=obj.get("SyncToken"), remote_updated=_stamp(obj))
        if new:
            counts.created += 1
        else:
            counts.updated += 1


def sync_all(api: _Api, counts: SyncCounts) -> None:
    sync_customers(api, counts)
    sync_invoices(api, counts)
    sync_expenses(api, counts)
    if not counts.failed:  # a failed object is read again next time, so the cursors stay put
        api.advance()
