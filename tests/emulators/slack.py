"""Slack Web API emulator: ``oauth.v2.access`` (with token rotation), ``auth.test``, ``chat.postMessage``.

Answers follow https://api.slack.com/methods: HTTP 200 with ``{"ok": true, ...}`` or ``{"ok": false, "error"}``.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

CLIENT_ID, CLIENT_SECRET = "111.222", "slack-secret"


@dataclass
class SlackState:
    channels: dict[str, str] = field(default_factory=lambda: {"#general": "C0GENERAL", "#rfis": "C0RFIS"})
    access: set[str] = field(default_factory=set)
    refresh: set[str] = field(default_factory=set)
    messages: list[dict[str, Any]] = field(default_factory=list)
    refresh_calls: int = 0
    refresh_delay: float = 0.0
    expires_in: int = 43200
    rate_limit_next: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    _n: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def issue(self) -> dict[str, Any]:
        n = next(self._n)
        access, refresh = f"xoxe.xoxb-1-{n}", f"xoxe-1-refresh-{n}"
        self.access.add(access)
        self.refresh.add(refresh)
        return {
            "ok": True,
            "access_token": access,
            "token_type": "bot",
            "scope": "chat:write,channels:read",
            "bot_user_id": "U0BOT",
            "app_id": "A0APP",
            "team": {"id": "T0ACME", "name": "Acme"},
            "enterprise": None,
            "expires_in": self.expires_in,
            "refresh_token": refresh,
        }


def _client_ok(request: Request, form: dict[str, str]) -> bool:
    header = request.headers.get("authorization", "")
    if header.startswith("Basic "):
        return base64.b64decode(header[6:]).decode() == f"{CLIENT_ID}:{CLIENT_SECRET}"
    return form.get("client_id") == CLIENT_ID and form.get("client_secret") == CLIENT_SECRET


def app(state: SlackState) -> Starlette:
    async def oauth_access(request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        if not _client_ok(request, form):
            return JSONResponse({"ok": False, "error": "invalid_client_id"})
        if form.get("grant_type") == "refresh_token":
            with state.lock:
                state.refresh_calls += 1
                if form.get("refresh_token") not in state.refresh:
                    return JSONResponse({"ok": False, "error": "invalid_refresh_token"})
                state.refresh.discard(form["refresh_token"])  # rotation: a refresh token works once
            if state.refresh_delay:
                await asyncio.sleep(state.refresh_delay)  # widen the race window for the concurrency tests
            with state.lock:
                return JSONResponse(state.issue())
        if form.get("code") != "good-code":
            return JSONResponse({"ok": False, "error": "invalid_code"})
        with state.lock:
            return JSONResponse(state.issue())

    def _token(request: Request) -> str | None:
        header = request.headers.get("authorization", "")
        token = header[7:] if header.startswith("Bearer ") else None
        return token if token in state.access else None

    async def auth_test(request: Request) -> Response:
        if _token(request) is None:
            return JSONResponse({"ok": False, "error": "invalid_auth"})
        return JSONResponse(
            {
                "ok": True,
                "url": "https://acme.slack.com/",
                "team": "Acme",
                "user": "cortexbot",
                "team_id": "T0ACME",
                "user_id": "U0BOT",
                "bot_id": "B0BOT",
            }
        )

    async def post_message(request: Request) -> Response:
        with state.lock:
            if state.rate_limit_next:
                state.rate_limit_next -= 1
                return JSONResponse(
                    {"ok": False, "error": "ratelimited"}, status_code=429, headers={"Retry-After": "1"}
                )
        token = _token(request)
        if token is None:
            return JSONResponse({"ok": False, "error": "invalid_auth"})
        body = json.loads(await request.body())
        channel = state.channels.get(
            body.get("channel"), body.get("channel") if body.get("channel") in state.channels.values() else None
        )
        if channel is None:
            return JSONResponse({"ok": False, "error": "channel_not_found"})
        if not body.get("text") and not body.get("blocks"):
            return JSONResponse({"ok": False, "error": "no_text"})
        ts = f"{time.time():.6f}"
        with state.lock:
            state.messages.append({"channel": channel, "text": body.get("text"), "token": token, "ts": ts})
        return JSONResponse(
            {
                "ok": True,
                "channel": channel,
                "ts": ts,
                "message": {"type": "message", "text": body.get("text"), "ts": ts, "bot_id": "B0BOT"},
            }
        )

    return Starlette(
        routes=[
            Route("/api/oauth.v2.access", oauth_access, methods=["POST"]),
            Route("/api/auth.test", auth_test, methods=["POST"]),
            Route("/api/chat.postMessage", post_message, methods=["POST"]),
        ]
    )
