"""GitHub REST API (https://docs.github.com/rest): token auth, ``POST /repos/{owner}/{repo}/issues``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from .base import ProviderError, ProviderRequest, json_of
from .common import IssueParams, bearer, body_dict, issue_text, require
from .cursor import mapping_of
from .spec import Action, Session, SyncCounts

__all__ = ["GitHubConnector"]

API = "https://api.github.com"
_HEADERS = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}


class CreateIssue(IssueParams):
    owner: str | None = None
    repo: str | None = None


def create_issue(session: Session, p: CreateIssue) -> dict[str, Any]:
    owner = p.owner or require(session, "owner", "the repository owner")
    repo = p.repo or require(session, "repo", "the repository name")
    title, body, key = issue_text(session, p)
    if key is not None:
        known = mapping_of(session, "issue", key)
        if known is not None:  # one issue per RFI/task: never a duplicate
            return {"number": int(known.remote_id.rsplit("#", 1)[1]), "html_url": known.sync_token, "created": False}
    payload: dict[str, Any] = {"title": title, "body": body}
    if p.labels:
        payload["labels"] = p.labels
    issue = session.call(
        ProviderRequest("POST", f"{API}/repos/{owner}/{repo}/issues", body_dict, json=payload, headers=_HEADERS)
    )
    if key is not None:
        session.save_mapping("issue", key, f"{owner}/{repo}#{issue['number']}", sync_token=issue.get("html_url"))
    return {"number": issue.get("number"), "html_url": issue.get("html_url"), "created": True}


class GitHubConnector:
    provider = "github"
    actions: Mapping[str, Action] = {
        "create_issue": Action("create_issue", CreateIssue, create_issue, "open an issue (from an RFI or task)"),
    }

    def read_error(self, response: httpx.Response) -> ProviderError | None:
        if response.status_code < 400:
            return None
        body = json_of(response)
        message = (
            str(body.get("message"))
            if isinstance(body, dict) and body.get("message")
            else f"HTTP {response.status_code}"
        )
        limited = response.status_code == 429 or (
            response.status_code == 403 and response.headers.get("x-ratelimit-remaining") == "0"
        )
        code = (
            "provider_rate_limited"
            if limited
            else ("provider_unauthorized" if response.status_code == 401 else "github_error")
        )
        retry = None
        if limited and "retry-after" not in response.headers and response.headers.get("x-ratelimit-reset"):
            import time

            retry = max(0.0, float(response.headers["x-ratelimit-reset"]) - time.time())
        return ProviderError("github", message, status=response.status_code, code=code, retry_after=retry)

    def auth_headers(self, session: Session, access_token: str | None) -> dict[str, str]:
        return bearer(session.credentials.get("token"), "github")

    def test(self, session: Session) -> dict[str, Any]:
        owner, repo = (
            session.credentials.get("owner") or session.config.get("owner"),
            session.credentials.get("repo") or session.config.get("repo"),
        )
        if owner and repo:
            found = session.call(
                ProviderRequest("GET", f"{API}/repos/{owner}/{repo}", body_dict, headers=_HEADERS, retry_5xx=True)
            )
            return {"repository": found.get("full_name"), "private": found.get("private")}
        user = session.call(ProviderRequest("GET", f"{API}/user", body_dict, headers=_HEADERS, retry_5xx=True))
        return {"login": user.get("login")}

    def sync(self, session: Session, counts: SyncCounts) -> None:
        self.test(session)  # issues are opened per RFI/task (actions, automations); a sync checks access
