"""What the OAuth tests share: the redirect URI, and the state of the loopback token server (``server`` in
conftest.py) emulating each provider's token endpoint: the requests it recorded and the answer it gives."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

REDIRECT = "http://localhost:8080/callback"


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    form: dict[str, str]


@dataclass
class TokenServer:
    url: str
    requests: list[Recorded] = field(default_factory=list)
    status: int = 200
    body: bytes = b"{}"

    def reply(self, status: int, body: Any) -> None:
        self.status = status
        self.body = body if isinstance(body, bytes) else json.dumps(body).encode()

    @property
    def last(self) -> Recorded:
        return self.requests[-1]
