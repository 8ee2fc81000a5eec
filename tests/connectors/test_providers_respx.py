"""Dropbox, Xero, Stripe, Mailchimp, Zapier, GitHub and Jira: the connection test with each provider's real
auth, and the action that fits the seed, with request bodies asserted against the documented shapes."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
import respx

from cortexbuild_sdk import APIStatusError, CortexBuild
from cortexbuild_sdk.local import Backend, ManualClock
from cortexbuild_sdk.local.connectors.local_data import LocalDocument, LocalLine, LocalWorkItem
from cortexbuild_sdk.local.providers import PROVIDERS

from .books import MemoryData
from .conftest import HOST, SLEEPS


@pytest.fixture
def data() -> MemoryData:
    return MemoryData()


@pytest.fixture
def client(clock: ManualClock, data: MemoryData) -> Iterator[CortexBuild]:
    with Backend(clock=clock, provider_urls=dict.fromkeys(PROVIDERS, HOST), local_data=lambda ctx: data) as b:
        b.connectors.sleep = SLEEPS.append
        with CortexBuild.local(backend=b, max_retries=0) as c:
            yield c


def _create(client: CortexBuild, provider: str, credentials: dict[str, str], **config: Any) -> int:
    return client.integrations.create(provider=provider, name=provider, credentials=credentials, config=config).id


def _basic(request: httpx.Request) -> str:
    return base64.b64decode(request.headers["authorization"].removeprefix("Basic ")).decode()


def _json(request: httpx.Request) -> Any:
    return json.loads(request.content)


def test_dropbox_backup(client: CortexBuild, data: MemoryData) -> None:
    iid = _create(client, "dropbox", {"accessToken": "sl.token", "rootPath": "/CortexBuild"})
    data.documents_[5] = LocalDocument(5, "Façade plan.pdf", "application/pdf", b"%PDF", 1, 2, "Tower A")
    with respx.mock as mock:
        who = mock.post(f"{HOST}/2/users/get_current_account").respond(
            json={"account_id": "dbid:1", "email": "o@a.example"}
        )
        upload = mock.post(f"{HOST}/2/files/upload").respond(
            json={"id": "id:abc", "path_display": "/CortexBuild/Tower A/Façade plan.pdf", "rev": "015f", "size": 4}
        )
        assert client.integrations.test(iid).result == {"account_id": "dbid:1", "email": "o@a.example"}
        result = client.integrations.dropbox(iid).backup_document(5)
    assert who.calls.last.request.content == b"" and "content-type" not in who.calls.last.request.headers
    request = upload.calls.last.request
    assert request.headers["authorization"] == "Bearer sl.token"
    assert request.headers["content-type"] == "application/octet-stream" and request.content == b"%PDF"
    arg = request.headers["dropbox-api-arg"]
    assert arg.isascii() and "\\u00e7" in arg  # non-ASCII escaped, as Dropbox requires in a header
    assert json.loads(arg) == {
        "path": "/CortexBuild/Tower A/Façade plan.pdf",
        "mode": "overwrite",
        "autorename": False,
        "mute": True,
        "strict_conflict": False,
    }
    assert result.result == {"id": "id:abc", "path": "/CortexBuild/Tower A/Façade plan.pdf", "rev": "015f", "size": 4}


def test_xero_client_credentials_contacts_and_invoice(client: CortexBuild, data: MemoryData) -> None:
    iid = _create(client, "xero", {"clientId": "xc", "clientSecret": "xs"})
    c = data.add_client("Bay Builders", "ap@bay.example")
    inv = data.add_invoice(c.id, "INV-9", 150_050, due_date="2026-12-01", lines=(LocalLine("Framing", 150_050),))
    with respx.mock as mock:
        token = mock.post(f"{HOST}/connect/token").respond(json={"access_token": "xero-at", "expires_in": 1800})
        contacts = mock.post(f"{HOST}/api.xro/2.0/Contacts").respond(
            json={"Contacts": [{"ContactID": "ct-1", "Name": "Bay Builders"}]}
        )
        invoices = mock.post(f"{HOST}/api.xro/2.0/Invoices").respond(
            json={"Invoices": [{"InvoiceID": "xi-1", "ValidationErrors": []}]}
        )
        result = client.integrations.xero(iid).push_invoice(inv.id)
    assert _basic(token.calls.last.request) == "xc:xs"
    assert parse_qs(token.calls.last.request.content.decode()) == {"grant_type": ["client_credentials"]}
    assert contacts.calls.last.request.url.params["summarizeErrors"] == "false"
    assert _json(contacts.calls.last.request) == {
        "Contacts": [{"Name": "Bay Builders", "EmailAddress": "ap@bay.example"}]
    }
    assert invoices.calls.last.request.headers["authorization"] == "Bearer xero-at"
    assert _json(invoices.calls.last.request) == {
        "Invoices": [
            {
                "Type": "ACCREC",
                "Contact": {"ContactID": "ct-1"},
                "Date": "2026-11-01",
                "InvoiceNumber": "INV-9",
                "LineItems": [{"Description": "Framing", "Quantity": 1, "UnitAmount": 1500.5}],
                "Status": "DRAFT",
                "DueDate": "2026-12-01",
            }
        ]
    }
    assert result.result == {"invoice_id": inv.id, "remote_id": "xi-1", "created": True}


def test_xero_token_and_tenant_header(client: CortexBuild) -> None:
    iid = _create(client, "xero", {"accessToken": "at", "tenantId": "tenant-1"})
    with respx.mock as mock:
        org = mock.get(f"{HOST}/api.xro/2.0/Organisation").respond(
            json={"Organisations": [{"Name": "Acme", "CountryCode": "GB"}]}
        )
        assert client.integrations.test(iid).result == {"name": "Acme", "country": "GB"}
    assert org.calls.last.request.headers["xero-tenant-id"] == "tenant-1"


def test_stripe_records_payments(client: CortexBuild, data: MemoryData) -> None:
    iid = _create(client, "stripe", {"apiKey": "sk_test_123"})
    c = data.add_client("Bay Builders")
    inv = data.add_invoice(c.id, "INV-1", 20_000)
    paid = {
        "id": "pi_1",
        "status": "succeeded",
        "amount_received": 20_000,
        "currency": "usd",
        "metadata": {"cortexbuild_invoice_id": str(inv.id)},
        "created": 1,
    }
    waiting = {"id": "pi_2", "status": "requires_payment_method", "metadata": {"cortexbuild_invoice_id": str(inv.id)}}
    page1 = {"object": "list", "has_more": True, "data": [paid, waiting]}
    page2 = {"object": "list", "has_more": False, "data": [{"id": "pi_3", "status": "succeeded", "metadata": {}}]}
    succeeded = {"id": "evt_1", "object": "event", "type": "payment_intent.succeeded", "created": 1_760_000_000,
                 "data": {"object": paid}}  # fmt: skip
    with respx.mock as mock:
        mock.get(f"{HOST}/v1/balance").respond(json={"object": "balance", "livemode": False, "available": []})
        listing = mock.get(f"{HOST}/v1/payment_intents").mock(
            side_effect=[httpx.Response(200, json=page1), httpx.Response(200, json=page2)]
        )
        events = mock.get(f"{HOST}/v1/events").respond(json={"object": "list", "has_more": False, "data": [succeeded]})
        assert client.integrations.test(iid).result == {"livemode": False, "available": []}
        first = client.integrations.stripe(iid).record_payments()  # the list whole; the newest event first
        second = client.integrations.stripe(iid).record_payments()  # the events since then only
    assert [dict(c.request.url.params) for c in listing.calls] == [
        {"limit": "100"},
        {"limit": "100", "starting_after": "pi_2"},
    ]
    assert [dict(c.request.url.params) for c in events.calls] == [
        {"type": "payment_intent.succeeded", "limit": "1"},
        {"type": "payment_intent.succeeded", "created[gte]": str(1_760_000_000 - 60), "limit": "100"},
    ]
    assert listing.calls.last.request.headers["authorization"] == "Bearer sk_test_123"
    assert first.result == {"counts": {"created": 0, "updated": 1, "skipped": 0, "failed": 0}, "problems": []}
    assert second.result is not None and second.result["counts"]["skipped"] == 1  # recorded once
    assert data.paid_events == [{"invoice_id": inv.id, "paid_cents": 20_000, "paid_at": None}]


def test_stripe_error_shape(client: CortexBuild) -> None:
    iid = _create(client, "stripe", {"apiKey": "sk_test_bad"})
    with respx.mock as mock:
        mock.get(f"{HOST}/v1/balance").respond(
            401,
            json={"error": {"type": "invalid_request_error", "message": "Invalid API Key provided: sk_test_***bad"}},
        )
        with pytest.raises(APIStatusError) as caught:
            client.integrations.test(iid)
    assert caught.value.code == "provider_unauthorized" and "Invalid API Key" in str(caught.value)


def test_mailchimp_add_member(client: CortexBuild, data: MemoryData) -> None:
    iid = _create(client, "mailchimp", {"apiKey": "abc123-us6", "listId": "list9"})
    c = data.add_client("Dana Reyes", "Dana@Example.com")
    member_path = f"/3.0/lists/list9/members/{hashlib.md5(b'dana@example.com').hexdigest()}"
    with respx.mock as mock:
        ping = mock.get(f"{HOST}/3.0/ping").respond(json={"health_status": "Everything's Chimpy!"})
        put = mock.put(f"{HOST}{member_path}").respond(
            json={"id": "m1", "email_address": "Dana@Example.com", "status": "subscribed"}
        )
        assert client.integrations.test(iid).result == {"health_status": "Everything's Chimpy!"}
        result = client.integrations.mailchimp(iid).add_member(client_id=c.id, tags=["client"])
    assert _basic(ping.calls.last.request).endswith(":abc123-us6")
    assert _json(put.calls.last.request) == {
        "email_address": "Dana@Example.com",
        "status_if_new": "subscribed",
        "merge_fields": {"FNAME": "Dana", "LNAME": "Reyes"},
        "tags": ["client"],
    }
    assert result.result == {"id": "m1", "email_address": "Dana@Example.com", "status": "subscribed"}


def test_zapier_forwards_events(client: CortexBuild) -> None:
    iid = _create(client, "zapier", {"webhookUrl": "https://hooks.zapier.com/hooks/catch/123/abc/"})
    with respx.mock as mock:
        hook = mock.post(f"{HOST}/hooks/catch/123/abc/").respond(
            json={"attempt": "a1", "id": "z1", "request_id": "r1", "status": "success"}
        )
        result = client.integrations.zapier(iid).send_event(event="invoice.paid", data={"invoice": {"id": 3}})
    body = _json(hook.calls.last.request)
    assert body["event"] == "invoice.paid" and body["data"] == {"invoice": {"id": 3}} and "sent_at" in body
    assert "authorization" not in hook.calls.last.request.headers
    assert result.result == {"status": "success", "id": "z1", "request_id": "r1", "attempt": "a1"}


def test_github_issue_from_rfi_once(client: CortexBuild, data: MemoryData) -> None:
    iid = _create(client, "github", {"token": "ghp_x", "owner": "acme", "repo": "site"})
    data.work[("rfi", 12)] = LocalWorkItem("rfi", 12, "RFI-12: Beam depth", "Confirm W12x26 at grid C.")
    with respx.mock as mock:
        create = mock.post(f"{HOST}/repos/acme/site/issues").respond(
            201, json={"number": 44, "html_url": "https://github.com/acme/site/issues/44"}
        )
        first = client.integrations.github(iid).create_issue(rfi_id=12, labels=["rfi"])
        again = client.integrations.github(iid).create_issue(rfi_id=12)
    request = create.calls.last.request
    assert request.headers["authorization"] == "Bearer ghp_x"
    assert request.headers["accept"] == "application/vnd.github+json"
    assert request.headers["x-github-api-version"] == "2022-11-28"
    assert _json(request) == {"title": "RFI-12: Beam depth", "body": "Confirm W12x26 at grid C.", "labels": ["rfi"]}
    assert first.result == {"number": 44, "html_url": "https://github.com/acme/site/issues/44", "created": True}
    assert again.result is not None and again.result["created"] is False and create.call_count == 1


def test_github_rate_limit_reset(client: CortexBuild) -> None:
    iid = _create(client, "github", {"token": "ghp_x"})
    with respx.mock as mock:
        mock.get(f"{HOST}/user").mock(
            side_effect=[
                httpx.Response(429, headers={"retry-after": "3"}, json={"message": "API rate limit exceeded"}),
                httpx.Response(200, json={"login": "octo"}),
            ]
        )
        assert client.integrations.test(iid).result == {"login": "octo"}
    assert SLEEPS == [3.0]


def test_jira_issue_from_task(client: CortexBuild, data: MemoryData) -> None:
    iid = _create(
        client,
        "jira",
        {"baseUrl": "https://acme.atlassian.net", "email": "pm@acme.example", "apiToken": "tok", "projectKey": "CB"},
    )
    data.work[("task", 7)] = LocalWorkItem("task", 7, "Order rebar", "Level 3 slab.\n\nBy Friday.")
    with respx.mock as mock:
        me = mock.get(f"{HOST}/rest/api/3/myself").respond(json={"accountId": "5b10", "displayName": "PM"})
        create = mock.post(f"{HOST}/rest/api/3/issue").respond(201, json={"id": "10001", "key": "CB-1", "self": "x"})
        assert client.integrations.test(iid).result == {"account_id": "5b10", "display_name": "PM"}
        result = client.integrations.jira(iid).create_issue(task_id=7)
        mock.post(f"{HOST}/rest/api/3/issue").respond(
            400, json={"errorMessages": [], "errors": {"summary": "required"}}
        )
        with pytest.raises(APIStatusError) as caught:
            client.integrations.jira(iid).create_issue(title="x")
    assert _basic(me.calls.last.request) == "pm@acme.example:tok"
    assert _json(create.calls[0].request) == {
        "fields": {
            "project": {"key": "CB"},
            "summary": "Order rebar",
            "issuetype": {"name": "Task"},
            "description": {
                "type": "doc",
                "version": 1,
                "content": [
                    {"type": "paragraph", "content": [{"type": "text", "text": "Level 3 slab."}]},
                    {"type": "paragraph", "content": [{"type": "text", "text": "By Friday."}]},
                ],
            },
        }
    }
    assert result.result == {"key": "CB-1", "id": "10001", "self": "x", "created": True}
    assert caught.value.code == "jira_error" and "summary: required" in str(caught.value)


def test_bad_action_params_change_nothing(client: CortexBuild) -> None:
    from cortexbuild_sdk import BadRequestError, NotFoundError

    iid = _create(client, "github", {"token": "ghp_x", "owner": "acme", "repo": "site"})
    with respx.mock:  # no route: any request would fail the test
        with pytest.raises(NotFoundError):
            client.integrations.action(iid, "delete_everything")
        with pytest.raises(BadRequestError):
            client.integrations.action(iid, "create_issue", {"title": 5})
        with pytest.raises(BadRequestError):
            client.integrations.action(iid, "create_issue", {"title": "t", "unknown": 1})
    assert list(client.integrations.requests(iid)) == []


def test_other_tenant_cannot_see_requests(client: CortexBuild) -> None:
    from cortexbuild_sdk import NotFoundError

    iid = _create(client, "github", {"token": "ghp_x"})
    backend = client.backend
    assert backend is not None
    other = backend.create_account(company_name="Rival")
    with CortexBuild.local(backend=backend, api_key=other.owner_api_key, max_retries=0) as rival:
        with pytest.raises(NotFoundError):
            list(rival.integrations.requests(iid))
        with pytest.raises(NotFoundError):
            rival.integrations.github(iid).create_issue(title="x")


@pytest.mark.parametrize("site", ["https://169.254.169.254", "https://10.0.0.7", "https://[::ffff:192.168.1.1]"])
def test_user_supplied_hosts_are_checked_against_the_address_policy(
    site: str, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CORTEXBUILD_PROVIDER_JIRA_URL")  # no override: the user's own site URL is used
    with Backend(clock=clock) as backend, CortexBuild.local(backend=backend, max_retries=0) as client:
        iid = _create(client, "jira", {"baseUrl": site, "email": "a@b.example", "apiToken": "t"})
        with respx.mock, pytest.raises(APIStatusError) as caught:  # no route: nothing may be sent
            client.integrations.test(iid)
    assert caught.value.code == "provider_address_refused"


def test_drive_rate_limit_reason_is_retried(client: CortexBuild) -> None:
    iid = _create(client, "google_drive", {"accessToken": "ya29.x"})
    limited = {
        "error": {
            "code": 403,
            "message": "User rate limit exceeded.",
            "errors": [{"reason": "userRateLimitExceeded", "domain": "usageLimits"}],
        }
    }
    with respx.mock as mock:
        about = mock.get(f"{HOST}/drive/v3/about").mock(
            side_effect=[
                httpx.Response(403, json=limited),
                httpx.Response(200, json={"user": {"emailAddress": "o@a.example"}}),
            ]
        )
        assert client.integrations.test(iid).result == {"user": "o@a.example"}
    assert about.call_count == 2 and SLEEPS == [0.5]  # no Retry-After: exponential backoff from 0.5 s
