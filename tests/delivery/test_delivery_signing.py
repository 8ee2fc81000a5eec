"""The engine's signing fast path produces exactly what ``webhooks.sign`` produces, and verifies."""

from __future__ import annotations

import pytest

from cortexbuild_sdk import webhooks
from cortexbuild_sdk.local.delivery.outbox import build_payload
from cortexbuild_sdk.local.delivery.signing import signed_headers


@pytest.mark.parametrize(
    "secrets",
    [("whsec-one-0123456789",), ("whsec-new-0123456789", "whsec-old-0123456789"), ("whsec_" + "QUJD" * 8,)],
)
def test_fast_headers_equal_sign(secrets: tuple[str, ...]) -> None:
    body = build_payload(
        event="task.created",
        timestamp_ms=1_764_547_200_123,
        data={"task": {"id": 7, "title": "Pour slab — level 3"}},
        company_id="company-1",
        user_id="user-1",
        event_id="evt_0001",
    ).encode()
    fast = signed_headers(
        body, secrets, timestamp_ms=1_764_547_200_123, webhook_id=42, event="task.created", delivery_id="msg_abc"
    )
    slow = webhooks.sign(
        body, list(secrets), timestamp_ms=1_764_547_200_123, webhook_id=42, event="task.created", delivery_id="msg_abc"
    )
    assert list(fast.items()) == list(slow.items())
    for secret in secrets:  # each secret alone verifies the delivery (rotation)
        webhooks.verify(body, fast, secret, now=1_764_547_200.5)


@pytest.mark.parametrize("delivery_id", ["", "msg a", "msg\r\nX-Injected: 1", "msg_é"])
def test_fast_headers_refuse_unsafe_ids(delivery_id: str) -> None:
    with pytest.raises(ValueError, match="printable ASCII"):
        signed_headers(b"{}", ("whsec-x-0123456789",), timestamp_ms=1, webhook_id=1, event="e", delivery_id=delivery_id)
