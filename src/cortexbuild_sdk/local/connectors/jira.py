"""Jira Cloud REST API v3 (https://developer.atlassian.com/cloud/jira/platform/rest/v3/): basic auth with the
account email and an API token; ``POST /rest/api/3/issue`` with an Atlassian Document Format description."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from .base import ProviderError, ProviderRequest, json_of
from .common import IssueParams, basic, body_dict, issue_text, require
from .cursor import mapping_of
from .spec import Action, Session, SyncCounts

__all__ = ["JiraConnector", "adf"]


def adf(text: str) -> dict[str, Any]:
    """Plain text as an ADF document: one paragraph per line block (ADF text nodes must not be empty)."""
    paragraphs = [p for p in text.split("\n\n") if p.strip()] or []
    return {
        "type": "doc",
        "version": 1,
        "content": [{"type": "paragraph", "content": [{"type": "text", "text": p}]} for p in paragraphs],
    }


class CreateIssue(IssueParams):
    project_key: str | None = None
    issue_type: str = "Task"


def _base(session: Session) -> str:
    return require(session, "baseUrl", "the site URL").rstrip("/")


def create_issue(session: Session, p: CreateIssue) -> dict[str, Any]:
    project = p.project_key or require(session, "projectKey", "the project key")
    title, body, key = issue_text(session, p)
    if key is not None:
        known = mapping_of(session, "issue", key)
        if known is not None:
            return {"key": known.remote_id, "id": known.sync_token, "created": False}
    fields: dict[str, Any] = {"project": {"key": project}, "summary": title[:255], "issuetype": {"name": p.issue_type}}
    if body:
        fields["description"] = adf(body)
    if p.labels:
        fields["labels"] = p.labels
    issue = session.call(
        ProviderRequest(
            "POST", f"{_base(session)}/rest/api/3/issue", body_dict, json={"fields": fields}, user_host=True
        )
    )
    if key is not None:
        session.save_mapping("issue", key, str(issue["key"]), sync_token=str(issue.get("id")))
    return {"key": issue.get("key"), "id": issue.get("id"), "self": issue.get("self"), "created": True}


class JiraConnector:
    provider = "jira"
    actions: Mapping[str, Action] = {
        "create_issue": Action("create_issue", CreateIssue, create_issue, "open an issue (from an RFI or task)"),
    }

    def read_error(self, response: httpx.Response) -> ProviderError | None:
        if response.status_code < 400:
            return None
        body = json_of(response)
        parts: list[str] = []
        if isinstance(body, dict):
            parts += [str(m) for m in body.get("errorMessages") or []]
            parts += [f"{k}: {v}" for k, v in (body.get("errors") or {}).items()]
        code = {401: "provider_unauthorized", 429: "provider_rate_limited"}.get(response.status_code, "jira_error")
        return ProviderError(
            "jira", "; ".join(parts) or f"HTTP {response.status_code}", status=response.status_code, code=code
        )

    def auth_headers(self, session: Session, access_token: str | None) -> dict[str, str]:
        return basic(require(session, "email", "the account email"), require(session, "apiToken", "an API token"))

    def test(self, session: Session) -> dict[str, Any]:
        me = session.call(
            ProviderRequest("GET", f"{_base(session)}/rest/api/3/myself", body_dict, retry_5xx=True, user_host=True)
        )
        return {"account_id": me.get("accountId"), "display_name": me.get("displayName")}

    def sync(self, session: Session, counts: SyncCounts) -> None:
        self.test(session)
