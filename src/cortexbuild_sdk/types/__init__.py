"""Response models. Every model keeps unknown fields from the server (``model_extra``)."""

from .api_key import ApiKey, ApiKeyWithSecret
from .integration import Integration, OAuthAuthorization, OAuthRefresh, Provider, SyncStatus
from .marketplace import MarketplaceModule, Review, ReviewList
from .plan import Plan
from .sandbox import Sandbox, SandboxConfig, SandboxWithSecret
from .usage import AIRequest, AIUsageDay, IntegrationUsage, WebhookUsage
from .webhook import Webhook, WebhookLog, WebhookTestResult

__all__ = [
    "AIRequest",
    "AIUsageDay",
    "ApiKey",
    "ApiKeyWithSecret",
    "Integration",
    "IntegrationUsage",
    "MarketplaceModule",
    "OAuthAuthorization",
    "OAuthRefresh",
    "Plan",
    "Provider",
    "Review",
    "ReviewList",
    "Sandbox",
    "SandboxConfig",
    "SandboxWithSecret",
    "SyncStatus",
    "Webhook",
    "WebhookLog",
    "WebhookTestResult",
    "WebhookUsage",
]
