"""Helpers for testing your own webhook receivers against genuine, signed CortexBuild deliveries.

Stdlib only (plus :mod:`cortexbuild_sdk.webhooks`), so it is cheap to import from any test suite::

    from cortexbuild_sdk.testing import signed_request

    req = signed_request("project.created", {"project": {"id": 1}}, secret)
    response = client.post("/webhooks/cortexbuild", content=req.body, headers=req.headers)
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cortexbuild_sdk.webhooks import sign

__all__ = ["SignedRequest", "encode_payload", "make_event_payload", "signed_request"]


@dataclass(frozen=True)
class SignedRequest:
    """A delivery as CortexBuild would POST it: send ``body`` verbatim with ``headers``."""

    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def content_type(self) -> str:
        return "application/json"

    def json(self) -> Any:
        """The decoded body, for assertions."""
        return json.loads(self.body)


def make_event_payload(
    event: str,
    data: Mapping[str, Any] | None = None,
    *,
    company_id: str = "company-1",
    user_id: str = "user-1",
    timestamp: int | None = None,
    event_id: str | None = None,
) -> dict[str, Any]:
    """The delivery body as a dict, in the seed's key order ``event, timestamp, data, company_id, user_id``.

    ``timestamp`` is epoch milliseconds (default: now). ``company_id``/``user_id`` default to the seed
    document's example values; ``event_id`` adds the ``id`` field the local backend sends.
    """
    payload: dict[str, Any] = {}
    if event_id is not None:
        payload["id"] = event_id
    payload["event"] = event
    payload["timestamp"] = int(time.time() * 1000) if timestamp is None else timestamp
    payload["data"] = dict(data) if data is not None else {}
    payload["company_id"] = company_id
    payload["user_id"] = user_id
    return payload


def encode_payload(payload: Mapping[str, Any]) -> bytes:
    """Serialise a body the way the platform's ``JSON.stringify`` does: compact, UTF-8, non-ASCII kept."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def signed_request(
    event: str,
    data: Mapping[str, Any] | None,
    secret: str | Sequence[str],
    *,
    company_id: str = "company-1",
    user_id: str = "user-1",
    timestamp: int | None = None,
    webhook_id: int | str | None = None,
    delivery_id: str | None = None,
    event_id: str | None = None,
) -> SignedRequest:
    """Build a delivery of ``event`` signed with ``secret``, ready to POST at a receiver under test.

    ``timestamp`` (epoch ms) defaults to now; pass an old one to test your replay handling. Pass the same
    ``delivery_id`` twice to test de-duplication of retries. ``webhook_id`` (the subscription's id) adds the
    ``X-CortexBuild-Webhook-Id`` header.
    """
    payload = make_event_payload(
        event, data, company_id=company_id, user_id=user_id, timestamp=timestamp, event_id=event_id
    )
    body = encode_payload(payload)
    headers = sign(body, secret, webhook_id=webhook_id, delivery_id=delivery_id)
    return SignedRequest(body, headers)
