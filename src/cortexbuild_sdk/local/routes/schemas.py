"""What each route answers and accepts, as pydantic models: the source of the OpenAPI document.

Object shapes reuse the client's types (``cortexbuild_sdk.types``): the wire the client reads is the wire the
backend writes, so one description serves both. Every route has one entry in :data:`RESPONSES` (status and
envelope model), keyed by ``(method, pattern)`` like the route table; routes that parse a JSON body have one
in :data:`REQUESTS` (the model from ``bodies.py`` the handler parses with), and routes that read query
parameters one in :data:`QUERY`. (One mapping here rather than fields on the route rows for now; a test
holds it to the table.)
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ...types.api_key import ApiKey
from ...types.integration import Integration, Provider
from ...types.marketplace import MarketplaceModule, Review
from ...types.plan import Plan
from ...types.sandbox import Sandbox
from ...types.usage import AIRequest, AIUsageDay, IntegrationUsage, WebhookUsage
from ...types.webhook import Webhook, WebhookLog
from . import bodies, domain_schemas

__all__ = ["BINARY", "MULTIPART", "QUERY", "REQUESTS", "RESPONSES", "ErrorBody", "QueryParam"]


class Envelope(BaseModel):
    """Every success answer: ``success: true`` plus the route's fields."""

    model_config = ConfigDict(extra="forbid")
    success: Literal[True]


class ErrorBody(BaseModel):
    """Every error answer."""

    success: Literal[False]
    error: str = Field(description="A human-readable message.")
    code: str = Field(description="Machine-readable: validation_error, not_found, rate_limited, ...")
    details: Any = None


class Ack(Envelope):
    pass


class Page(Envelope):
    next_cursor: str | None = Field(description="Pass back as ?cursor= for the next page; null on the last.")


class IntegrationOut(Envelope):
    integration: Integration


class IntegrationList(Page):
    integrations: list[Integration]


class ProviderList(Envelope):
    providers: list[Provider]


class OAuthStart(Envelope):
    authorization_url: str
    state: str


class OAuthRefreshed(Envelope):
    expires_at: str | None


class WebhookOut(Envelope):
    webhook: Webhook


class WebhookList(Page):
    webhooks: list[Webhook]


class EventList(Envelope):
    events: list[str]


class SecretOut(Envelope):
    secret: str


class LogList(Page):
    logs: list[WebhookLog]


class LogOut(Envelope):
    log: WebhookLog


class TestSent(Envelope):
    delivered: bool
    error: str | None


class Requeued(Envelope):
    requeued: int


class KeyOut(Envelope):
    key: ApiKey


class KeyWithSecret(KeyOut):
    secret: str = Field(description="The full key, shown once.")


class KeyList(Page):
    keys: list[ApiKey]


class SandboxOut(Envelope):
    sandbox: Sandbox


class SandboxWithSecret(SandboxOut):
    secret: str = Field(description="The sandbox's cbk_test_ key, shown once.")


class SandboxList(Page):
    sandboxes: list[Sandbox]


class PlanOut(Envelope):
    plan: Plan


class AIUsageOut(Envelope):
    usage: list[AIUsageDay]


class AIRequestOut(Envelope):
    request: AIRequest


class IntegrationUsageOut(Envelope):
    usage: list[IntegrationUsage]


class WebhookUsageOut(Envelope):
    usage: list[WebhookUsage]


class ModuleList(Envelope):
    modules: list[MarketplaceModule]


class ReviewList(Envelope):
    reviews: list[Review]
    average_rating: float | None
    count: int


class ReviewOut(Envelope):
    review: Review


class RecoverBody(bodies.Body):
    since: str | int = Field(description="ISO-8601 time (naive = UTC) or epoch milliseconds.")


class QueryParam(BaseModel):
    name: str
    schema_: dict[str, Any] = Field(alias="schema")
    required: bool = False
    description: str = ""


_I, _W, _K, _S = "/api/integrations", "/api/integrations/webhooks", "/api/sdk/keys", "/api/sdk/sandboxes"
_M = "/api/sdk/marketplace/modules"

RESPONSES: dict[tuple[str, str], tuple[int, type[BaseModel]]] = {
    ("GET", f"{_I}/list"): (200, IntegrationList),
    ("GET", f"{_I}/providers/available"): (200, ProviderList),
    ("POST", _I): (201, IntegrationOut),
    ("GET", f"{_I}/:id"): (200, IntegrationOut),
    ("PATCH", f"{_I}/:id/status"): (200, IntegrationOut),
    ("DELETE", f"{_I}/:id"): (200, Ack),
    ("GET", f"{_I}/oauth/:provider/authorize"): (200, OAuthStart),
    ("POST", f"{_I}/oauth/:provider/callback"): (201, IntegrationOut),
    ("POST", f"{_I}/:id/oauth/refresh"): (200, OAuthRefreshed),
    ("GET", f"{_W}/list"): (200, WebhookList),
    ("GET", f"{_W}/events/available"): (200, EventList),
    ("POST", _W): (201, WebhookOut),
    ("GET", f"{_W}/:id"): (200, WebhookOut),
    ("PATCH", f"{_W}/:id"): (200, WebhookOut),
    ("DELETE", f"{_W}/:id"): (200, Ack),
    ("GET", f"{_W}/:id/secret"): (200, SecretOut),
    ("POST", f"{_W}/:id/rotate-secret"): (200, WebhookOut),
    ("GET", f"{_W}/:id/logs"): (200, LogList),
    ("POST", f"{_W}/:id/test"): (200, TestSent),
    ("POST", f"{_W}/:id/logs/:log_id/retry"): (200, LogOut),
    ("POST", f"{_W}/:id/recover"): (200, Requeued),
    ("GET", _K): (200, KeyList),
    ("POST", _K): (201, KeyWithSecret),
    ("GET", f"{_K}/:id"): (200, KeyOut),
    ("PATCH", f"{_K}/:id"): (200, KeyOut),
    ("POST", f"{_K}/:id/revoke"): (200, Ack),
    ("POST", f"{_K}/:id/roll"): (200, KeyWithSecret),
    ("GET", _S): (200, SandboxList),
    ("POST", _S): (201, SandboxWithSecret),
    ("GET", f"{_S}/:id"): (200, SandboxOut),
    ("PATCH", f"{_S}/:id"): (200, SandboxOut),
    ("DELETE", f"{_S}/:id"): (200, Ack),
    ("POST", f"{_S}/:id/reset"): (200, SandboxOut),
    ("GET", "/api/sdk/plan"): (200, PlanOut),
    ("GET", "/api/sdk/usage/ai"): (200, AIUsageOut),
    ("POST", "/api/sdk/usage/ai"): (201, AIRequestOut),
    ("GET", "/api/sdk/usage/integrations"): (200, IntegrationUsageOut),
    ("GET", "/api/sdk/usage/webhooks"): (200, WebhookUsageOut),
    ("GET", _M): (200, ModuleList),
    ("GET", f"{_M}/:id/reviews"): (200, ReviewList),
    ("POST", f"{_M}/:id/reviews"): (201, ReviewOut),
}

REQUESTS: dict[tuple[str, str], type[BaseModel]] = {
    ("POST", _I): bodies.IntegrationCreate,
    ("PATCH", f"{_I}/:id/status"): bodies.IntegrationStatus,
    ("POST", f"{_I}/oauth/:provider/callback"): bodies.OAuthCallback,
    ("POST", _W): bodies.WebhookCreate,
    ("PATCH", f"{_W}/:id"): bodies.WebhookUpdate,
    ("POST", f"{_W}/:id/recover"): RecoverBody,
    ("POST", _K): bodies.KeyCreate,
    ("PATCH", f"{_K}/:id"): bodies.KeyUpdate,
    ("POST", _S): bodies.SandboxCreate,
    ("PATCH", f"{_S}/:id"): bodies.SandboxUpdate,
    ("POST", "/api/sdk/usage/ai"): bodies.AIRequest,
    ("POST", f"{_M}/:id/reviews"): bodies.Review,
}


def _page(limit_default: str = "") -> list[QueryParam]:
    return [
        QueryParam.model_validate(
            {
                "name": "limit",
                "schema": {"type": "integer", "minimum": 1, "maximum": 1000},
                "description": limit_default,
            }
        ),
        QueryParam.model_validate(
            {"name": "cursor", "schema": {"type": "string"}, "description": "A next_cursor from the previous page."}
        ),
    ]


QUERY: dict[tuple[str, str], list[QueryParam]] = {
    ("GET", f"{_I}/list"): _page(),
    ("GET", f"{_W}/list"): _page(),
    ("GET", f"{_W}/:id/logs"): _page("Default 50."),
    ("GET", _K): _page(),
    ("GET", _S): _page(),
    ("GET", "/api/sdk/usage/ai"): [
        QueryParam.model_validate({"name": "days", "schema": {"type": "integer", "minimum": 1, "maximum": 3660}})
    ],
    ("GET", f"{_I}/oauth/:provider/authorize"): [
        QueryParam.model_validate(
            {
                "name": "redirect_uri",
                "schema": {"type": "string", "format": "uri", "pattern": "^https?://[^/?#\\s]+"},
                "required": True,
            }
        ),
        QueryParam.model_validate({"name": "name", "schema": {"type": "string", "maxLength": 200}}),
        QueryParam.model_validate(
            {
                "name": "integration_id",
                "schema": {"type": "integer", "minimum": 1},
                "description": "Reconnect: the callback gives this integration new tokens.",
            }
        ),
    ],
}

# The construction routes (routes/domain_schemas.py): documents upload multipart and download raw bytes.
RESPONSES.update(domain_schemas.RESPONSES)
REQUESTS.update(domain_schemas.REQUESTS)
QUERY.update({key: [QueryParam.model_validate(p) for p in params] for key, params in domain_schemas.QUERY.items()})
MULTIPART: dict[tuple[str, str], type[BaseModel]] = dict(domain_schemas.MULTIPART)
BINARY: frozenset[tuple[str, str]] = domain_schemas.BINARY


def _merge_connectors() -> None:
    from . import schemas_connectors as c  # the connector routes' entries (issue 11)

    RESPONSES.update(c.RESPONSES)
    REQUESTS.update(c.REQUESTS)
    QUERY.update(c.QUERY)


_merge_connectors()
