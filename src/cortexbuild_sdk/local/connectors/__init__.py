"""Provider connectors: one module per provider, each speaking the provider's documented REST API over httpx.

:data:`CONNECTORS` is the catalogue (code, not state): provider id -> connector. Everything stateful (URL
overrides, the local-data binding, throttles, the sync worker) lives on the backend's
:class:`~.runtime.ConnectorRuntime`.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from .dropbox import DropboxConnector
from .github import GitHubConnector
from .google_drive import GoogleDriveConnector
from .jira import JiraConnector
from .mailchimp import MailchimpConnector
from .quickbooks import QuickBooksConnector
from .slack import SlackConnector
from .spec import Connector
from .stripe import StripeConnector
from .xero import XeroConnector
from .zapier import ZapierConnector

__all__ = ["CONNECTORS"]

CONNECTORS: Mapping[str, Connector] = MappingProxyType(
    {
        c.provider: c
        for c in (
            QuickBooksConnector(),
            SlackConnector(),
            GoogleDriveConnector(),
            DropboxConnector(),
            XeroConnector(),
            StripeConnector(),
            MailchimpConnector(),
            ZapierConnector(),
            GitHubConnector(),
            JiraConnector(),
        )
    }
)
