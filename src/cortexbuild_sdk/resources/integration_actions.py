"""Typed wrappers over ``POST /api/integrations/:id/actions/<action>``, one class per provider.

``client.integrations.slack(12).send_message(channel="#site", text="...")`` describes the request once (like
every endpoint) and runs on the sync or the async client. Each returns an :class:`ActionResult`: ``sent`` is
False when a sandbox with integrations disabled logged the request instead of sending it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from typing_extensions import Unpack

from .._resource import APIResource, ClientT, RequestSpec, endpoint, path_id, whole
from .._types import RequestOptions
from ..types.integration_sync import ActionResult

__all__ = [
    "DropboxActions",
    "GitHubActions",
    "GoogleDriveActions",
    "JiraActions",
    "MailchimpActions",
    "ProviderActions",
    "QuickBooksActions",
    "SlackActions",
    "StripeActions",
    "XeroActions",
    "ZapierActions",
    "action_spec",
]


def action_spec(
    integration_id: int, action: str, params: Mapping[str, Any], options: RequestOptions
) -> RequestSpec[ActionResult]:
    path = f"/api/integrations/{path_id(integration_id)}/actions/{path_id(action)}"
    clean = {k: v for k, v in params.items() if v is not None}
    return RequestSpec("POST", path, whole(ActionResult), body={"params": clean}, options=options)


class ProviderActions(APIResource[ClientT]):
    def __init__(self, client: ClientT, integration_id: int) -> None:
        self._client = client
        self.integration_id = integration_id

    def _spec(self, action: str, options: RequestOptions, **params: Any) -> RequestSpec[ActionResult]:
        return action_spec(self.integration_id, action, params, options)


class SlackActions(ProviderActions[ClientT]):
    @endpoint
    def send_message(
        self,
        *,
        text: str,
        channel: str | None = None,
        blocks: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> RequestSpec[ActionResult]:
        """``chat.postMessage``; ``channel`` defaults to the integration's ``defaultChannel``. Result
        ``{channel, ts}``."""
        return self._spec("send_message", options, text=text, channel=channel, blocks=blocks, thread_ts=thread_ts)

    @endpoint
    def notify_event(
        self, *, event: str, data: Mapping[str, Any], channel: str | None = None, **options: Unpack[RequestOptions]
    ) -> RequestSpec[ActionResult]:
        """Post the seed's notification line for an event (``rfi.created``, ``invoice.paid``...)."""
        return self._spec("notify_event", options, event=event, data=dict(data), channel=channel)


class QuickBooksActions(ProviderActions[ClientT]):
    @endpoint
    def sync_invoices(self, **options: Unpack[RequestOptions]) -> RequestSpec[ActionResult]:
        """Customers and invoices both ways, now; result ``{counts, problems}``."""
        return self._spec("sync_invoices", options)

    @endpoint
    def push_invoice(self, invoice_id: int, **options: Unpack[RequestOptions]) -> RequestSpec[ActionResult]:
        """Create (or update) one invoice in QuickBooks; result ``{invoice_id, remote_id, sync_token, created}``."""
        return self._spec("push_invoice", options, invoice_id=invoice_id)


class GoogleDriveActions(ProviderActions[ClientT]):
    @endpoint
    def upload_document(self, document_id: int, **options: Unpack[RequestOptions]) -> RequestSpec[ActionResult]:
        """Upload into the project's folder, or a new version of an uploaded one; result ``{file_id, version,
        web_view_link, created}``."""
        return self._spec("upload_document", options, document_id=document_id)

    @endpoint
    def share_document(
        self,
        document_id: int,
        *,
        email: str,
        role: Literal["reader", "commenter", "writer"] = "reader",
        notify: bool = True,
        **options: Unpack[RequestOptions],
    ) -> RequestSpec[ActionResult]:
        return self._spec("share_document", options, document_id=document_id, email=email, role=role, notify=notify)

    @endpoint
    def document_versions(self, document_id: int, **options: Unpack[RequestOptions]) -> RequestSpec[ActionResult]:
        """Drive's revisions of an uploaded document: result ``{file_id, revisions: [{id, modifiedTime, size}]}``."""
        return self._spec("document_versions", options, document_id=document_id)


class DropboxActions(ProviderActions[ClientT]):
    @endpoint
    def backup_document(self, document_id: int, **options: Unpack[RequestOptions]) -> RequestSpec[ActionResult]:
        return self._spec("backup_document", options, document_id=document_id)


class XeroActions(ProviderActions[ClientT]):
    @endpoint
    def sync_contacts(self, **options: Unpack[RequestOptions]) -> RequestSpec[ActionResult]:
        return self._spec("sync_contacts", options)

    @endpoint
    def push_invoice(self, invoice_id: int, **options: Unpack[RequestOptions]) -> RequestSpec[ActionResult]:
        return self._spec("push_invoice", options, invoice_id=invoice_id)


class StripeActions(ProviderActions[ClientT]):
    @endpoint
    def record_payments(self, **options: Unpack[RequestOptions]) -> RequestSpec[ActionResult]:
        """Mark invoices paid from succeeded PaymentIntents with ``metadata[cortexbuild_invoice_id]``."""
        return self._spec("record_payments", options)


class MailchimpActions(ProviderActions[ClientT]):
    @endpoint
    def add_member(
        self,
        *,
        email: str | None = None,
        client_id: int | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        list_id: str | None = None,
        tags: list[str] | None = None,
        **options: Unpack[RequestOptions],
    ) -> RequestSpec[ActionResult]:
        return self._spec(
            "add_member",
            options,
            email=email,
            client_id=client_id,
            first_name=first_name,
            last_name=last_name,
            list_id=list_id,
            tags=tags,
        )


class ZapierActions(ProviderActions[ClientT]):
    @endpoint
    def send_event(
        self, *, event: str, data: Mapping[str, Any] | None = None, **options: Unpack[RequestOptions]
    ) -> RequestSpec[ActionResult]:
        return self._spec("send_event", options, event=event, data=dict(data or {}))


class _IssueActions(ProviderActions[ClientT]):
    def _issue(self, options: RequestOptions, **params: Any) -> RequestSpec[ActionResult]:
        return self._spec("create_issue", options, **params)


class GitHubActions(_IssueActions[ClientT]):
    @endpoint
    def create_issue(
        self,
        *,
        title: str | None = None,
        body: str | None = None,
        rfi_id: int | None = None,
        task_id: int | None = None,
        labels: list[str] | None = None,
        owner: str | None = None,
        repo: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> RequestSpec[ActionResult]:
        """Open an issue from an RFI or task (once: a second call returns the same issue) or from a title."""
        return self._issue(
            options, title=title, body=body, rfi_id=rfi_id, task_id=task_id, labels=labels, owner=owner, repo=repo
        )


class JiraActions(_IssueActions[ClientT]):
    @endpoint
    def create_issue(
        self,
        *,
        title: str | None = None,
        body: str | None = None,
        rfi_id: int | None = None,
        task_id: int | None = None,
        labels: list[str] | None = None,
        project_key: str | None = None,
        issue_type: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> RequestSpec[ActionResult]:
        return self._issue(
            options,
            title=title,
            body=body,
            rfi_id=rfi_id,
            task_id=task_id,
            labels=labels,
            project_key=project_key,
            issue_type=issue_type,
        )
