"""The integration provider catalogue and credential validation.

The contract fixes the ten provider ids and which four use OAuth. For each provider the catalogue documents
the credential fields this project knows (the camelCase names follow the seed, e.g. Slack ``accessToken`` and
``defaultChannel``). Validation only enforces what is certain about the provider's real API:

* stripe: ``apiKey`` is a secret (``sk_``) or restricted (``rk_``) key; publishable ``pk_`` keys cannot call
  the API server-side;
* github: a ``token`` (classic or fine-grained PAT, app token: the prefix is not checked);
* jira (Atlassian Cloud basic auth): ``baseUrl`` (https), the account ``email`` and an ``apiToken``;
* mailchimp: ``apiKey`` of the form ``<key>-<dc>``; the suffix (``us6``...) is the data-center server prefix
  the API host needs, so a key without it cannot be used;
* zapier: an https ``webhookUrl`` (a Catch Hook);
* xero: either an OAuth ``accessToken`` plus the ``tenantId`` every API call must send as ``xero-tenant-id``,
  or a custom connection's ``clientId`` + ``clientSecret`` (client-credentials grant);
* the OAuth providers (quickbooks, slack, google_drive, dropbox): nothing is required, since tokens arrive
  through the OAuth flow; a pasted ``accessToken`` is accepted.

Unknown extra keys are kept when their values are strings. Known string fields are stripped of surrounding
whitespace (pasted tokens often carry a newline) and must not be empty.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

__all__ = [
    "PROVIDERS",
    "CredentialField",
    "CredentialsError",
    "Provider",
    "available",
    "mailchimp_server",
    "validate_credentials",
]


class CredentialsError(ValueError):
    """Credentials rejected for a provider; ``field`` names the offending key when there is one."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


_Check = Callable[[str], "str | None"]  # returns an error message, or None when the value is fine


@dataclass(frozen=True)
class CredentialField:
    """One documented credential key. ``secret`` fields must never be shown back to users."""

    name: str
    description: str
    required: bool = False
    secret: bool = False
    check: _Check | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Provider:
    id: str
    name: str
    requires_oauth: bool
    category: str
    credential_fields: tuple[CredentialField, ...]

    def credential_field(self, name: str) -> CredentialField | None:
        return next((f for f in self.credential_fields if f.name == name), None)


# ---- value checks -----------------------------------------------------------------------------------------


def _https_url(value: str) -> str | None:
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname:
        return "must be an https:// URL"
    return None


def _stripe_key(value: str) -> str | None:
    if value.startswith("pk_"):
        return "is a publishable key (pk_...); use a secret (sk_...) or restricted (rk_...) key"
    if not value.startswith(("sk_", "rk_")):
        return "must be a Stripe secret key (sk_...) or restricted key (rk_...)"
    return None


def _stripe_webhook_secret(value: str) -> str | None:
    return None if value.startswith("whsec_") else "must be a webhook signing secret (whsec_...)"


_MAILCHIMP_KEY = re.compile(r"^[^\s-]+-([a-z]+[0-9]+)$")


def mailchimp_server(api_key: str) -> str:
    """The data-center server prefix (``us6``) from a Mailchimp API key ``<key>-us6``."""
    match = _MAILCHIMP_KEY.match(api_key.strip())
    if not match:
        raise CredentialsError("Mailchimp apiKey must end with its data-center suffix, e.g. '...-us6'", field="apiKey")
    return match.group(1)


def _mailchimp_key(value: str) -> str | None:
    if _MAILCHIMP_KEY.match(value):
        return None
    return "must be '<key>-<dc>', ending with the data-center suffix shown with the key (e.g. -us6)"


def _email(value: str) -> str | None:
    local, at, domain = value.rpartition("@")
    if not at or not local or "." not in domain or any(c.isspace() for c in value):
        return "must be the Atlassian account email address"
    return None


def _slack_channel(value: str) -> str | None:
    # "#general", or a channel id such as C0123ABCD; Slack accepts both in chat.postMessage.
    return None if len(value) > 1 and not any(c.isspace() for c in value) else "must be '#name' or a channel id"


def _f(
    name: str, description: str, *, required: bool = False, secret: bool = False, check: _Check | None = None
) -> CredentialField:
    return CredentialField(name, description, required, secret, check)


_ACCESS = _f("accessToken", "OAuth access token (normally stored by the OAuth flow)", secret=True)
_REFRESH = _f("refreshToken", "OAuth refresh token (normally stored by the OAuth flow)", secret=True)

_CATALOGUE: tuple[Provider, ...] = (
    Provider(
        "quickbooks",
        "QuickBooks Online",
        True,
        "accounting",
        (
            _f("realmId", "QuickBooks company id (realmId), returned on the OAuth redirect"),
            _f("companyName", "Display name of the QuickBooks company"),
            _ACCESS,
            _REFRESH,
        ),
    ),
    Provider(
        "slack",
        "Slack",
        True,
        "communication",
        (
            _f("accessToken", "Bot token (xoxb-...) from the OAuth flow or the app settings", secret=True),
            _f(
                "defaultChannel",
                "Channel for notifications, e.g. '#general' or a channel id",
                check=_slack_channel,
            ),
            _REFRESH,
        ),
    ),
    Provider(
        "google_drive",
        "Google Drive",
        True,
        "storage",
        (_f("folderId", "Drive folder that receives project documents"), _ACCESS, _REFRESH),
    ),
    Provider(
        "dropbox",
        "Dropbox",
        True,
        "storage",
        (
            _f("rootPath", "Folder path under which documents are stored, e.g. '/CortexBuild'"),
            _ACCESS,
            _REFRESH,
        ),
    ),
    Provider(
        "xero",
        "Xero",
        False,
        "accounting",
        (
            _f("accessToken", "OAuth 2.0 access token", secret=True),
            _f("refreshToken", "OAuth 2.0 refresh token", secret=True),
            _f("tenantId", "Organisation id sent as the xero-tenant-id header (from GET /connections)"),
            _f("clientId", "Custom connection client id (client-credentials grant)"),
            _f("clientSecret", "Custom connection client secret", secret=True),
        ),
    ),
    Provider(
        "stripe",
        "Stripe",
        False,
        "payments",
        (
            _f(
                "apiKey",
                "Secret (sk_...) or restricted (rk_...) API key",
                required=True,
                secret=True,
                check=_stripe_key,
            ),
            _f(
                "webhookSecret",
                "Webhook signing secret (whsec_...)",
                secret=True,
                check=_stripe_webhook_secret,
            ),
            _f("accountId", "Connected account id (acct_...) for Stripe Connect"),
        ),
    ),
    Provider(
        "mailchimp",
        "Mailchimp",
        False,
        "marketing",
        (
            _f("apiKey", "Marketing API key '<key>-<dc>'", required=True, secret=True, check=_mailchimp_key),
            _f("listId", "Audience (list) id that receives contacts"),
        ),
    ),
    Provider(
        "zapier",
        "Zapier",
        False,
        "automation",
        (_f("webhookUrl", "Catch Hook URL of a Zap", required=True, secret=True, check=_https_url),),
    ),
    Provider(
        "github",
        "GitHub",
        False,
        "development",
        (
            _f("token", "Personal access token or GitHub App installation token", required=True, secret=True),
            _f("owner", "Default repository owner (user or organisation)"),
            _f("repo", "Default repository name"),
        ),
    ),
    Provider(
        "jira",
        "Jira",
        False,
        "project_management",
        (
            _f("baseUrl", "Site URL, e.g. https://your-domain.atlassian.net", required=True, check=_https_url),
            _f("email", "Atlassian account email (basic auth user)", required=True, check=_email),
            _f("apiToken", "Atlassian API token", required=True, secret=True),
            _f("projectKey", "Default project key, e.g. 'CB'"),
        ),
    ),
)

PROVIDERS: Mapping[str, Provider] = MappingProxyType({p.id: p for p in _CATALOGUE})
"""The ten providers of the contract, in catalogue order."""


def available() -> list[dict[str, object]]:
    """The ``GET /api/integrations/providers/available`` list: ``[{id, name, requiresOAuth}]``."""
    return [{"id": p.id, "name": p.name, "requiresOAuth": p.requires_oauth} for p in _CATALOGUE]


def _xero_rule(creds: dict[str, Any]) -> None:
    if "accessToken" in creds:
        if "tenantId" not in creds:
            raise CredentialsError(
                "xero credentials with an accessToken also need tenantId (the organisation's xero-tenant-id)",
                field="tenantId",
            )
        return
    if "clientId" in creds or "clientSecret" in creds:
        missing = "clientSecret" if "clientId" in creds else "clientId"
        if missing not in creds:
            raise CredentialsError(f"xero custom connection credentials need {missing}", field=missing)
        return
    raise CredentialsError(
        "xero needs either accessToken + tenantId, or a custom connection's clientId + clientSecret",
        field="accessToken",
    )


_RULES: Mapping[str, Callable[[dict[str, Any]], None]] = {"xero": _xero_rule}


def validate_credentials(provider_id: str, credentials: object) -> dict[str, Any]:
    """Check ``credentials`` for ``provider_id`` and return a normalised copy; ``CredentialsError`` if not."""
    provider = PROVIDERS.get(provider_id) if isinstance(provider_id, str) else None
    if provider is None:
        raise CredentialsError(
            f"unknown provider {provider_id!r}; expected one of: {', '.join(PROVIDERS)}", field="provider"
        )
    if credentials is None:
        credentials = {}
    if not isinstance(credentials, Mapping):
        raise CredentialsError(f"credentials must be an object, not {type(credentials).__name__}", field="credentials")
    out: dict[str, Any] = {}
    for key, value in credentials.items():
        if not isinstance(key, str) or not key:
            raise CredentialsError(f"credential keys must be non-empty strings, got {key!r}", field="credentials")
        if not isinstance(value, str):
            raise CredentialsError(
                f"{provider.id} credential {key!r} must be a string, not {_json_type(value)}", field=key
            )
        spec = provider.credential_field(key)
        if spec is None:
            out[key] = value  # extra keys are kept verbatim
            continue
        value = value.strip()
        if not value:
            raise CredentialsError(f"{provider.id} credential {key!r} must not be empty", field=key)
        if spec.check is not None:
            problem = spec.check(value)
            if problem:
                raise CredentialsError(f"{provider.id} credential {key!r} {problem}", field=key)
        out[key] = value
    for spec in provider.credential_fields:
        if spec.required and spec.name not in out:
            raise CredentialsError(f"{provider.id} credentials need {spec.name!r}: {spec.description}", field=spec.name)
    rule = _RULES.get(provider.id)
    if rule is not None:
        rule(out)
    return out


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, (list, tuple)):
        return "an array"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__
