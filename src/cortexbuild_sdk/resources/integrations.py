"""``client.integrations``: third-party integrations, their providers and OAuth connections."""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from functools import cached_property
from typing import Any

from typing_extensions import Unpack

from .._resource import (
    APIResource,
    ClientT,
    PageSpec,
    RequestSpec,
    ack,
    compact,
    endpoint,
    paginated,
    path_id,
    unwrap,
    unwrap_list,
    whole,
)
from .._types import NOT_GIVEN, NotGiven, RequestOptions
from ..types.integration import Integration, OAuthAuthorization, OAuthRefresh, Provider
from ..types.integration_sync import ActionResult, AutomationRun, Expense, ProviderRecord, ProviderRequestLog, SyncRun
from .integration_actions import (
    DropboxActions,
    GitHubActions,
    GoogleDriveActions,
    JiraActions,
    MailchimpActions,
    QuickBooksActions,
    SlackActions,
    StripeActions,
    XeroActions,
    ZapierActions,
    action_spec,
)

__all__ = ["Integrations", "IntegrationsOAuth"]

_BASE = "/api/integrations"


class Integrations(APIResource[ClientT]):
    @paginated
    def list(self, *, limit: int | None = None, **options: Unpack[RequestOptions]) -> PageSpec[Integration]:
        """Every integration of the account. ``limit`` sets the page size where the server pages."""
        return PageSpec(f"{_BASE}/list", "integrations", Integration.model_validate, {"limit": limit}, options)

    @endpoint
    def retrieve(self, integration_id: int, **options: Unpack[RequestOptions]) -> RequestSpec[Integration]:
        """One integration by id."""
        return RequestSpec(
            "GET", f"{_BASE}/{path_id(integration_id)}", unwrap("integration", Integration), options=options
        )

    @endpoint
    def create(
        self,
        *,
        provider: str,
        name: str,
        credentials: Mapping[str, Any] | None = None,
        config: Mapping[str, Any] | None = None,
        **options: Unpack[RequestOptions],
    ) -> RequestSpec[Integration]:
        """Create an integration. ``credentials`` are encrypted at rest and never returned."""
        body: dict[str, Any] = {"provider": provider, "name": name, "credentials": dict(credentials or {})}
        if config is not None:
            body["config"] = dict(config)
        return RequestSpec("POST", _BASE, unwrap("integration", Integration), body=body, options=options)

    @endpoint
    def update(
        self,
        integration_id: int,
        *,
        name: str | NotGiven = NOT_GIVEN,
        config: Mapping[str, Any] | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> RequestSpec[Integration]:
        """Rename and/or replace the config (extension route). ``config["automations"]`` is validated: known
        events, actions of this provider, params the action accepts."""
        body = compact(name=name, config=dict(config) if isinstance(config, Mapping) else config)
        path = f"{_BASE}/{path_id(integration_id)}"
        return RequestSpec("PATCH", path, unwrap("integration", Integration), body=body, options=options)

    @paginated
    def automation_runs(
        self, integration_id: int, *, limit: int | None = None, **options: Unpack[RequestOptions]
    ) -> PageSpec[AutomationRun]:
        """Events handled by the integration's automations, newest first, with every attempt."""
        path = f"{_BASE}/{path_id(integration_id)}/automation-runs"
        return PageSpec(path, "automation_runs", AutomationRun.model_validate, {"limit": limit}, options)

    @endpoint
    def update_status(
        self, integration_id: int, *, is_active: bool, **options: Unpack[RequestOptions]
    ) -> RequestSpec[None]:
        """Activate or deactivate. Activating counts against the plan's active-integration limit."""
        path = f"{_BASE}/{path_id(integration_id)}/status"
        return RequestSpec("PATCH", path, ack, body={"is_active": is_active}, options=options)

    @endpoint
    def sync(self, integration_id: int, **options: Unpack[RequestOptions]) -> RequestSpec[SyncRun | None]:
        """Start a sync in the background; returns the queued run (poll :meth:`sync_run` until ``done``).
        A second sync while one runs raises ``ConflictError`` (``sync_in_progress``). None from a server that
        reports no run (the platform contract answers only ``{success, message}``)."""
        path = f"{_BASE}/{path_id(integration_id)}/sync"
        return RequestSpec("POST", path, _run_or_none, options=options)

    @endpoint
    def sync_run(self, integration_id: int, run_id: int, **options: Unpack[RequestOptions]) -> RequestSpec[SyncRun]:
        """One sync run: its status, counts and error (``run.done`` once it ended)."""
        path = f"{_BASE}/{path_id(integration_id)}/sync-runs/{path_id(run_id)}"
        return RequestSpec("GET", path, unwrap("run", SyncRun), options=options)

    @paginated
    def sync_runs(
        self, integration_id: int, *, limit: int | None = None, **options: Unpack[RequestOptions]
    ) -> PageSpec[SyncRun]:
        """The integration's sync runs, newest first."""
        path = f"{_BASE}/{path_id(integration_id)}/sync-runs"
        return PageSpec(path, "runs", SyncRun.model_validate, {"limit": limit}, options)

    @paginated
    def requests(
        self, integration_id: int, *, limit: int | None = None, **options: Unpack[RequestOptions]
    ) -> PageSpec[ProviderRequestLog]:
        """Every provider request the integration's connector made (or logged unsent), newest first."""
        path = f"{_BASE}/{path_id(integration_id)}/requests"
        return PageSpec(path, "requests", ProviderRequestLog.model_validate, {"limit": limit}, options)

    @paginated
    def records(
        self,
        integration_id: int,
        *,
        kind: str | None = None,
        limit: int | None = None,
        **options: Unpack[RequestOptions],
    ) -> PageSpec[ProviderRecord]:
        """Records pulled from the provider, e.g. ``kind="expense"`` (QuickBooks Purchases)."""
        path = f"{_BASE}/{path_id(integration_id)}/records"
        return PageSpec(path, "records", ProviderRecord.model_validate, {"kind": kind, "limit": limit}, options)

    @paginated
    def expenses(
        self, integration_id: int, *, limit: int | None = None, **options: Unpack[RequestOptions]
    ) -> PageSpec[Expense]:
        """QuickBooks expenses (``Purchase``) pulled by the integration's syncs, typed."""
        path = f"{_BASE}/{path_id(integration_id)}/records"
        return PageSpec(path, "records", _expense, {"kind": "expense", "limit": limit}, options)

    @endpoint
    def test(self, integration_id: int, **options: Unpack[RequestOptions]) -> RequestSpec[ActionResult]:
        """Make the provider's cheapest authenticated call: proves the credentials work."""
        path = f"{_BASE}/{path_id(integration_id)}/test"
        return RequestSpec("POST", path, whole(ActionResult), options=options)

    @endpoint
    def action(
        self,
        integration_id: int,
        action: str,
        params: Mapping[str, Any] | None = None,
        **options: Unpack[RequestOptions],
    ) -> RequestSpec[ActionResult]:
        """Run a connector action by name (the typed wrappers below call this route)."""
        return action_spec(integration_id, action, params or {}, options)

    def slack(self, integration_id: int) -> SlackActions[ClientT]:
        """The Slack integration ``integration_id``'s typed actions (no request until one is called)."""
        return SlackActions(self._client, integration_id)

    def quickbooks(self, integration_id: int) -> QuickBooksActions[ClientT]:
        """The QuickBooks integration ``integration_id``'s typed actions (no request until one is called)."""
        return QuickBooksActions(self._client, integration_id)

    def google_drive(self, integration_id: int) -> GoogleDriveActions[ClientT]:
        """The Google Drive integration ``integration_id``'s typed actions (no request until one is called)."""
        return GoogleDriveActions(self._client, integration_id)

    def dropbox(self, integration_id: int) -> DropboxActions[ClientT]:
        """The Dropbox integration ``integration_id``'s typed actions (no request until one is called)."""
        return DropboxActions(self._client, integration_id)

    def xero(self, integration_id: int) -> XeroActions[ClientT]:
        """The Xero integration ``integration_id``'s typed actions (no request until one is called)."""
        return XeroActions(self._client, integration_id)

    def stripe(self, integration_id: int) -> StripeActions[ClientT]:
        """The Stripe integration ``integration_id``'s typed actions (no request until one is called)."""
        return StripeActions(self._client, integration_id)

    def mailchimp(self, integration_id: int) -> MailchimpActions[ClientT]:
        """The Mailchimp integration ``integration_id``'s typed actions (no request until one is called)."""
        return MailchimpActions(self._client, integration_id)

    def zapier(self, integration_id: int) -> ZapierActions[ClientT]:
        """The Zapier integration ``integration_id``'s typed actions (no request until one is called)."""
        return ZapierActions(self._client, integration_id)

    def github(self, integration_id: int) -> GitHubActions[ClientT]:
        """The GitHub integration ``integration_id``'s typed actions (no request until one is called)."""
        return GitHubActions(self._client, integration_id)

    def jira(self, integration_id: int) -> JiraActions[ClientT]:
        """The Jira integration ``integration_id``'s typed actions (no request until one is called)."""
        return JiraActions(self._client, integration_id)

    @endpoint
    def delete(self, integration_id: int, **options: Unpack[RequestOptions]) -> RequestSpec[None]:
        """Disconnect the integration and forget its stored credentials."""
        return RequestSpec("DELETE", f"{_BASE}/{path_id(integration_id)}", ack, options=options)

    @endpoint
    def providers(self, **options: Unpack[RequestOptions]) -> RequestSpec[builtins.list[Provider]]:
        """The provider catalogue, with which ones connect through OAuth."""
        path = f"{_BASE}/providers/available"
        return RequestSpec("GET", path, unwrap_list("providers", Provider), options=options)

    @cached_property
    def oauth(self) -> IntegrationsOAuth[ClientT]:
        return IntegrationsOAuth(self._client)


def _expense(record: Any) -> Expense:
    return Expense.model_validate(record["data"])


def _run_or_none(body: Any) -> SyncRun | None:
    run = body.get("run")
    return SyncRun.model_validate(run) if run is not None else None


class IntegrationsOAuth(APIResource[ClientT]):
    """``client.integrations.oauth``: connect an integration through the provider's OAuth flow."""

    @endpoint
    def authorize(
        self,
        provider: str,
        *,
        redirect_uri: str,
        name: str,
        integration_id: int | None = None,
        **options: Unpack[RequestOptions],
    ) -> RequestSpec[OAuthAuthorization]:
        """Start the flow: send the user to ``authorization_url``, then call :meth:`callback`. With
        ``integration_id`` the flow reconnects that integration (after ``reauthorization_required``)."""
        path = f"{_BASE}/oauth/{path_id(provider)}/authorize"
        query: dict[str, Any] = {"redirect_uri": redirect_uri, "name": name}
        if integration_id is not None:
            query["integration_id"] = integration_id
        return RequestSpec("GET", path, whole(OAuthAuthorization), query=query, options=options)

    @endpoint
    def callback(
        self,
        provider: str,
        *,
        code: str,
        state: str,
        realm_id: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> RequestSpec[Integration]:
        """Finish the flow with the ``code`` and ``state`` the provider redirected back with (QuickBooks also
        sends ``realmId``: pass it as ``realm_id``)."""
        path = f"{_BASE}/oauth/{path_id(provider)}/callback"
        body = {"code": code, "state": state}
        if realm_id is not None:
            body["realmId"] = realm_id
        return RequestSpec("POST", path, unwrap("integration", Integration), body=body, options=options)

    @endpoint
    def refresh(self, integration_id: int, **options: Unpack[RequestOptions]) -> RequestSpec[OAuthRefresh]:
        """Refresh the access token now (the backend also refreshes before expiry on its own)."""
        path = f"{_BASE}/{path_id(integration_id)}/oauth/refresh"
        return RequestSpec("POST", path, whole(OAuthRefresh), options=options)
