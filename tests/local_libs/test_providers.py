"""Provider catalogue and credential validation: good and bad credentials for every provider."""

from __future__ import annotations

from typing import Any

import pytest

from cortexbuild_sdk.local.providers import (
    PROVIDERS,
    CredentialsError,
    available,
    mailchimp_server,
    validate_credentials,
)

CONTRACT_IDS = [
    "quickbooks", "slack", "google_drive", "dropbox", "xero",
    "stripe", "mailchimp", "zapier", "github", "jira",
]  # fmt: skip
OAUTH = {"quickbooks", "slack", "google_drive", "dropbox"}


def test_catalogue_matches_contract() -> None:
    assert list(PROVIDERS) == CONTRACT_IDS
    assert {p.id for p in PROVIDERS.values() if p.requires_oauth} == OAUTH
    listed = available()
    assert [p["id"] for p in listed] == CONTRACT_IDS
    assert all(set(p) == {"id", "name", "requiresOAuth"} for p in listed)
    assert {p["id"] for p in listed if p["requiresOAuth"]} == OAUTH
    assert all(isinstance(p["name"], str) and p["name"] for p in listed)
    with pytest.raises(TypeError):
        PROVIDERS["x"] = PROVIDERS["slack"]  # type: ignore[index]


GOOD: list[tuple[str, dict[str, Any]]] = [
    ("quickbooks", {}),
    ("quickbooks", {"realmId": "9130350000000000", "companyName": "My Company"}),
    ("slack", {"accessToken": "xoxb-your-token", "defaultChannel": "#general"}),
    ("slack", {"defaultChannel": "C0123ABCD"}),
    ("google_drive", {"folderId": "1AbCdEf"}),
    ("dropbox", {"accessToken": "sl.abc", "rootPath": "/CortexBuild"}),
    ("xero", {"accessToken": "eyJ.a.b", "tenantId": "45e4708e-d862-4111-ab3a-dd8cd03913e1"}),
    ("xero", {"clientId": "ABC", "clientSecret": "def"}),
    ("stripe", {"apiKey": "sk_test_4eC39HqLyjWDarjtT1zdp7dc"}),
    ("stripe", {"apiKey": "rk_live_abc", "webhookSecret": "whsec_123"}),
    ("mailchimp", {"apiKey": "0123456789abcdef0123456789abcdef-us6", "listId": "a1b2c3"}),
    ("zapier", {"webhookUrl": "https://hooks.zapier.com/hooks/catch/123/abc/"}),
    ("github", {"token": "ghp_abc", "owner": "acme", "repo": "site"}),
    ("jira", {"baseUrl": "https://acme.atlassian.net", "email": "dev@acme.com", "apiToken": "ATATT3x"}),
]


@pytest.mark.parametrize(("provider", "creds"), GOOD)
def test_good_credentials(provider: str, creds: dict[str, Any]) -> None:
    assert validate_credentials(provider, creds) == creds


BAD: list[tuple[str, object, str | None]] = [
    ("slack", {"accessToken": 123}, "accessToken"),
    ("slack", {"defaultChannel": "#"}, "defaultChannel"),
    ("slack", {"accessToken": "   "}, "accessToken"),
    ("quickbooks", {"realmId": 9130350000}, "realmId"),
    ("google_drive", {"folderId": None}, "folderId"),
    ("dropbox", {"accessToken": ["x"]}, "accessToken"),
    ("xero", {}, "accessToken"),
    ("xero", {"accessToken": "t"}, "tenantId"),
    ("xero", {"clientId": "c"}, "clientSecret"),
    ("xero", {"clientSecret": "s"}, "clientId"),
    ("stripe", {}, "apiKey"),
    ("stripe", {"apiKey": "pk_test_abc"}, "apiKey"),
    ("stripe", {"apiKey": "abc"}, "apiKey"),
    ("stripe", {"apiKey": "sk_test_x", "webhookSecret": "nope"}, "webhookSecret"),
    ("mailchimp", {"apiKey": "0123456789abcdef"}, "apiKey"),
    ("mailchimp", {"apiKey": "abc-"}, "apiKey"),
    ("mailchimp", {}, "apiKey"),
    ("zapier", {"webhookUrl": "http://hooks.zapier.com/x"}, "webhookUrl"),
    ("zapier", {"webhookUrl": "https://"}, "webhookUrl"),
    ("zapier", {}, "webhookUrl"),
    ("github", {}, "token"),
    ("github", {"token": True}, "token"),
    ("jira", {"email": "a@b.co", "apiToken": "t"}, "baseUrl"),
    ("jira", {"baseUrl": "http://acme.atlassian.net", "email": "a@b.co", "apiToken": "t"}, "baseUrl"),
    ("jira", {"baseUrl": "https://acme.atlassian.net", "email": "nope", "apiToken": "t"}, "email"),
    ("jira", {"baseUrl": "https://acme.atlassian.net", "email": "a@b.co"}, "apiToken"),
    ("slack", ["accessToken"], "credentials"),
    ("slack", "xoxb", "credentials"),
    ("slack", {1: "x"}, "credentials"),
    ("slack", {"extra": 5}, "extra"),
    ("myspace", {}, "provider"),
]


@pytest.mark.parametrize(("provider", "creds", "field"), BAD)
def test_bad_credentials(provider: str, creds: object, field: str | None) -> None:
    with pytest.raises(CredentialsError) as info:
        validate_credentials(provider, creds)
    assert info.value.field == field
    assert str(info.value)


def test_normalisation_and_extras() -> None:
    creds = {"apiKey": " sk_test_abc\n", "note": " kept as is "}
    original = dict(creds)
    out = validate_credentials("stripe", creds)
    assert out == {"apiKey": "sk_test_abc", "note": " kept as is "}
    assert creds == original  # input untouched
    assert validate_credentials("slack", None) == {}


def test_mailchimp_server() -> None:
    assert mailchimp_server("0123456789abcdef-us21") == "us21"
    with pytest.raises(CredentialsError):
        mailchimp_server("nodc")


def test_non_string_provider_id() -> None:
    with pytest.raises(CredentialsError, match="unknown provider"):
        validate_credentials(None, {})  # type: ignore[arg-type]


def test_fields_documented() -> None:
    assert PROVIDERS["slack"].credential_field("defaultChannel") is not None
    assert PROVIDERS["quickbooks"].credential_field("realmId") is not None
    stripe_key = PROVIDERS["stripe"].credential_field("apiKey")
    assert stripe_key is not None
    assert stripe_key.required
    assert stripe_key.secret
