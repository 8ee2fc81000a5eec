"""``client.webhooks``: endpoints that receive signed event deliveries, and their delivery logs."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import datetime

from typing_extensions import Unpack

from .._resource import (
    APIResource,
    ClientT,
    PageSpec,
    RequestSpec,
    ack,
    as_iso,
    compact,
    endpoint,
    paginated,
    path_id,
    unwrap,
    whole,
)
from .._types import NOT_GIVEN, NotGiven, RequestOptions
from ..types.webhook import Webhook, WebhookLog, WebhookTestResult

__all__ = ["Webhooks"]

_BASE = "/api/integrations/webhooks"


def _path(webhook_id: int, suffix: str = "") -> str:
    return f"{_BASE}/{path_id(webhook_id)}{suffix}"


class Webhooks(APIResource[ClientT]):
    @paginated
    def list(self, *, limit: int | None = None, **options: Unpack[RequestOptions]) -> PageSpec[Webhook]:
        """Every webhook endpoint of the account. ``limit`` sets the page size where the server pages."""
        return PageSpec(f"{_BASE}/list", "webhooks", Webhook.model_validate, {"limit": limit}, options)

    @endpoint
    def retrieve(self, webhook_id: int, **options: Unpack[RequestOptions]) -> RequestSpec[Webhook]:
        """One webhook endpoint by id (without its secret: see :meth:`secret`)."""
        return RequestSpec("GET", _path(webhook_id), unwrap("webhook", Webhook), options=options)

    @endpoint
    def create(
        self,
        *,
        name: str,
        url: str,
        events: Sequence[str],
        rate_limit_per_second: float | None = None,
        **options: Unpack[RequestOptions],
    ) -> RequestSpec[Webhook]:
        """Subscribe ``url`` to ``events`` (or ``["*"]``). The returned webhook carries its ``secret``.

        ``rate_limit_per_second`` caps deliveries to this endpoint (an extension; the platform ignores it)."""
        if isinstance(events, str):
            raise TypeError('events must be a list of event names, e.g. ["project.created"]')
        body: dict[str, object] = {"name": name, "url": url, "events": list(events)}
        if rate_limit_per_second is not None:
            body["rate_limit_per_second"] = rate_limit_per_second
        return RequestSpec("POST", _BASE, unwrap("webhook", Webhook), body=body, options=options)

    @endpoint
    def update(
        self,
        webhook_id: int,
        *,
        name: str | NotGiven = NOT_GIVEN,
        url: str | NotGiven = NOT_GIVEN,
        events: Sequence[str] | NotGiven = NOT_GIVEN,
        is_active: bool | NotGiven = NOT_GIVEN,
        rate_limit_per_second: float | NotGiven | None = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> RequestSpec[None]:
        """Change only the fields given. Re-activating a disabled endpoint resumes pending deliveries;
        ``rate_limit_per_second=None`` removes the endpoint's delivery rate limit."""
        if isinstance(events, str):
            raise TypeError("events must be a list of event names")
        body = compact(
            name=name,
            url=url,
            events=events if isinstance(events, NotGiven) else list(events),
            is_active=is_active,
            rate_limit_per_second=rate_limit_per_second,
        )
        return RequestSpec("PATCH", _path(webhook_id), ack, body=body, options=options)

    @endpoint
    def delete(self, webhook_id: int, **options: Unpack[RequestOptions]) -> RequestSpec[None]:
        """Delete the endpoint, with its delivery logs and the deliveries not yet sent to it."""
        return RequestSpec("DELETE", _path(webhook_id), ack, options=options)

    @endpoint
    def test(self, webhook_id: int, **options: Unpack[RequestOptions]) -> RequestSpec[WebhookTestResult]:
        """Send a signed ``webhook.test`` event now and report whether the endpoint accepted it."""
        return RequestSpec("POST", _path(webhook_id, "/test"), whole(WebhookTestResult), options=options)

    @paginated
    def logs(
        self, webhook_id: int, *, limit: int | None = 50, **options: Unpack[RequestOptions]
    ) -> PageSpec[WebhookLog]:
        """Delivery attempts, newest first."""
        path = _path(webhook_id, "/logs")
        return PageSpec(path, "logs", WebhookLog.model_validate, {"limit": limit}, options)

    @endpoint
    def events(self, **options: Unpack[RequestOptions]) -> RequestSpec[builtins.list[str]]:
        """The event names a webhook can subscribe to."""
        path = f"{_BASE}/events/available"
        return RequestSpec("GET", path, lambda body: [str(e) for e in body["events"]], options=options)

    @endpoint
    def secret(self, webhook_id: int, **options: Unpack[RequestOptions]) -> RequestSpec[str]:
        """The current signing secret."""
        return RequestSpec("GET", _path(webhook_id, "/secret"), lambda body: str(body["secret"]), options=options)

    @endpoint
    def rotate_secret(self, webhook_id: int, **options: Unpack[RequestOptions]) -> RequestSpec[Webhook]:
        """Issue a new secret; the old one keeps verifying for 24 hours so receivers can roll over."""
        path = _path(webhook_id, "/rotate-secret")
        return RequestSpec("POST", path, unwrap("webhook", Webhook), options=options)

    @endpoint
    def retry_delivery(
        self, webhook_id: int, log_id: int, **options: Unpack[RequestOptions]
    ) -> RequestSpec[WebhookLog]:
        """Re-send the payload of one logged attempt now; returns the new attempt's log."""
        path = _path(webhook_id, f"/logs/{path_id(log_id)}/retry")
        return RequestSpec("POST", path, unwrap("log", WebhookLog), options=options)

    @endpoint
    def recover(
        self, webhook_id: int, *, since: datetime | str | int, **options: Unpack[RequestOptions]
    ) -> RequestSpec[int]:
        """Re-queue every failed delivery since ``since``; returns how many were re-queued."""
        path = _path(webhook_id, "/recover")
        return RequestSpec(
            "POST", path, lambda body: int(body["requeued"]), body={"since": as_iso(since)}, options=options
        )
