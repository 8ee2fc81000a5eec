"""Loggable copies of provider requests and answers: credentials in URLs and bodies replaced, size capped.

Headers are never logged at all (that is where tokens travel); body and query fields whose names look like
credentials read ``[redacted]``.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

__all__ = ["MAX_LOGGED_BODY", "body_of", "redact_body", "redact_url", "text_of"]

MAX_LOGGED_BODY = 4096
"""Characters of a request/response body kept in the request log."""

_SECRET_KEY = re.compile(
    r"(token|secret|password|passwd|authorization|api[_-]?key|apikey|client_secret|code_verifier|^code$|^key$)",
    re.IGNORECASE,
)
_REDACTED = "[redacted]"
_JSON_SECRET = re.compile(
    r'("[^"]*(?:token|secret|password|passwd|authorization|api[_-]?key|apikey)[^"]*"\s*:\s*)"(?:[^"\\]|\\.)*"',
    re.IGNORECASE,
)


def redact_url(url: str) -> str:
    parts = urlsplit(url)
    if not parts.query:
        return url
    pairs = [(k, _REDACTED if _SECRET_KEY.search(k) else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    return urlunsplit(parts._replace(query=urlencode(pairs, safe="/:[],")))


def _redact(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: (_REDACTED if isinstance(k, str) and _SECRET_KEY.search(k) else _redact(v)) for k, v in value.items()
        }
    if isinstance(value, list):
        return [_redact(v) for v in value]
    return value


def redact_body(content: bytes, content_type: str) -> str | None:
    """A loggable copy of a body: JSON and form fields whose names look like credentials are replaced."""
    if not content:
        return None
    kind = content_type.split(";")[0].strip().lower()
    if kind.endswith("json") and len(content) > MAX_LOGGED_BODY:
        # Too long to keep whole: redact the kept prefix textually instead of parsing megabytes to log 4 KiB.
        head = content[: MAX_LOGGED_BODY * 2].decode("utf-8", "replace")
        return _JSON_SECRET.sub(lambda m: f'{m.group(1)}"{_REDACTED}"', head)[:MAX_LOGGED_BODY]
    if kind.endswith("json"):
        try:
            text = json.dumps(_redact(json.loads(content)), ensure_ascii=False)
        except ValueError:
            text = content.decode("utf-8", "replace")
    elif kind == "application/x-www-form-urlencoded":
        pairs = parse_qsl(content.decode("utf-8", "replace"), keep_blank_values=True)
        text = urlencode([(k, _REDACTED if _SECRET_KEY.search(k) else v) for k, v in pairs])
    elif kind.startswith("text/"):
        text = content.decode("utf-8", "replace")
    else:
        text = f"<{len(content)} bytes of {kind or 'binary'}>"
    return text[:MAX_LOGGED_BODY]


def body_of(request: httpx.Request) -> str | None:
    try:
        content = request.content
    except httpx.RequestNotRead:
        return "<streamed body>"
    return redact_body(content, request.headers.get("content-type", ""))


def text_of(response: httpx.Response) -> str | None:
    return redact_body(response.content, response.headers.get("content-type", ""))
