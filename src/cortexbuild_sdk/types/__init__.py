"""Response models. Every model keeps unknown fields from the server (``model_extra``).

Each model module loads on first use, so touching one resource does not build every model.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._domain import Money
    from .api_key import ApiKey, ApiKeyWithSecret
    from .client import Client
    from .document import Document, DocumentCategory, DownloadedFile, SavedFile
    from .integration import Integration, OAuthAuthorization, OAuthRefresh, Provider, SyncStatus
    from .integration_sync import (
        ActionResult,
        AutomationAttempt,
        AutomationRun,
        Expense,
        ExpenseLine,
        ProviderRecord,
        ProviderRequestLog,
        SyncCounts,
        SyncRun,
        SyncRunStatus,
    )
    from .invoice import Invoice, InvoiceItem, InvoiceStatus
    from .marketplace import MarketplaceModule, Review, ReviewList
    from .plan import Plan
    from .project import Project, ProjectStatus
    from .purchase_order import PurchaseOrder, PurchaseOrderStatus
    from .rfi import Rfi, RfiStatus
    from .sandbox import Sandbox, SandboxConfig, SandboxWithSecret
    from .task import Task, TaskStatus
    from .time_entry import TimeEntry, TimeEntryStatus, TimeEntrySummary
    from .usage import AIRequest, AIUsageDay, IntegrationUsage, WebhookUsage
    from .webhook import Webhook, WebhookLog, WebhookTestResult

_MODULES: dict[str, tuple[str, ...]] = {
    "_domain": ("Money",),
    "client": ("Client",),
    "document": ("Document", "DocumentCategory", "DownloadedFile", "SavedFile"),
    "invoice": ("Invoice", "InvoiceItem", "InvoiceStatus"),
    "project": ("Project", "ProjectStatus"),
    "purchase_order": ("PurchaseOrder", "PurchaseOrderStatus"),
    "rfi": ("Rfi", "RfiStatus"),
    "task": ("Task", "TaskStatus"),
    "time_entry": ("TimeEntry", "TimeEntryStatus", "TimeEntrySummary"),
    "api_key": ("ApiKey", "ApiKeyWithSecret"),
    "integration": ("Integration", "OAuthAuthorization", "OAuthRefresh", "Provider", "SyncStatus"),
    "integration_sync": (
        "ActionResult",
        "AutomationAttempt",
        "AutomationRun",
        "Expense",
        "ExpenseLine",
        "ProviderRecord",
        "ProviderRequestLog",
        "SyncCounts",
        "SyncRun",
        "SyncRunStatus",
    ),
    "marketplace": ("MarketplaceModule", "Review", "ReviewList"),
    "plan": ("Plan",),
    "sandbox": ("Sandbox", "SandboxConfig", "SandboxWithSecret"),
    "usage": ("AIRequest", "AIUsageDay", "IntegrationUsage", "WebhookUsage"),
    "webhook": ("Webhook", "WebhookLog", "WebhookTestResult"),
}
_MODULE_OF = {name: module for module, names in _MODULES.items() for name in names}

__all__ = [
    "AIRequest",
    "AIUsageDay",
    "ActionResult",
    "ApiKey",
    "ApiKeyWithSecret",
    "AutomationAttempt",
    "AutomationRun",
    "Client",
    "Document",
    "DocumentCategory",
    "DownloadedFile",
    "Expense",
    "ExpenseLine",
    "Integration",
    "IntegrationUsage",
    "Invoice",
    "InvoiceItem",
    "InvoiceStatus",
    "MarketplaceModule",
    "Money",
    "OAuthAuthorization",
    "OAuthRefresh",
    "Plan",
    "Project",
    "ProjectStatus",
    "Provider",
    "ProviderRecord",
    "ProviderRequestLog",
    "PurchaseOrder",
    "PurchaseOrderStatus",
    "Review",
    "ReviewList",
    "Rfi",
    "RfiStatus",
    "Sandbox",
    "SandboxConfig",
    "SandboxWithSecret",
    "SavedFile",
    "SyncCounts",
    "SyncRun",
    "SyncRunStatus",
    "SyncStatus",
    "Task",
    "TaskStatus",
    "TimeEntry",
    "TimeEntryStatus",
    "TimeEntrySummary",
    "Webhook",
    "WebhookLog",
    "WebhookTestResult",
    "WebhookUsage",
]


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'cortexbuild_sdk.types' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
