"""Standard Webhooks interoperability: the PyPI `standardwebhooks` and `svix` libraries agree with us both ways."""

from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest
import standardwebhooks
import svix.webhooks

from cortexbuild_sdk import webhooks
from cortexbuild_sdk.testing import signed_request

SECRETS = ["3f9a1c0e5b7d4e2fa8c6b0d1e9f7a5c3", "sécrët-🔑-秘密"]


@pytest.mark.parametrize("secret", SECRETS)
def test_standard_libraries_verify_what_sign_produces(secret: str) -> None:
    req = signed_request("project.created", {"project": {"id": 1, "name": "Clădire"}}, secret, webhook_id=9)
    parsed = standardwebhooks.Webhook(webhooks.standard_secret(secret)).verify(req.body, req.headers)
    assert parsed["event"] == "project.created"
    svix.webhooks.Webhook(webhooks.standard_secret(secret)).verify(req.body, req.headers)


def test_standard_libraries_accept_any_secret_during_rotation() -> None:
    req = signed_request("task.created", {"task": {"id": 1}}, ["newest", "older"])
    for secret in ("newest", "older"):
        standardwebhooks.Webhook(webhooks.standard_secret(secret)).verify(req.body, req.headers)
        svix.webhooks.Webhook(webhooks.standard_secret(secret)).verify(req.body, req.headers)


def test_standard_libraries_reject_tampering() -> None:
    req = signed_request("invoice.paid", {"invoice": {"id": 1, "total": 10}}, "s")
    tampered = req.body.replace(b'"total":10', b'"total":99')
    with pytest.raises(standardwebhooks.WebhookVerificationError):
        standardwebhooks.Webhook(webhooks.standard_secret("s")).verify(tampered, req.headers)
    with pytest.raises(svix.webhooks.WebhookVerificationError):
        svix.webhooks.Webhook(webhooks.standard_secret("s")).verify(tampered, req.headers)


@pytest.mark.parametrize("secret", SECRETS)
@pytest.mark.parametrize("library", ["standardwebhooks", "svix"])
def test_verify_accepts_what_the_standard_libraries_sign(secret: str, library: str) -> None:
    body = '{"event":"project.created","timestamp":1,"data":{"project":{"id":1,"name":"東京"}}}'
    whsec = webhooks.standard_secret(secret)
    signer = standardwebhooks.Webhook(whsec) if library == "standardwebhooks" else svix.webhooks.Webhook(whsec)
    sent = datetime.now(tz=timezone.utc)
    headers = {
        "webhook-id": "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W",
        "webhook-timestamp": str(int(sent.timestamp())),
        "webhook-signature": signer.sign("msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", sent, body),
    }
    webhooks.verify(body, headers, secret)
    webhooks.verify(body.encode(), headers, whsec)
    event = webhooks.construct_event(body, headers, secret)
    assert event.event == "project.created"
    with pytest.raises(webhooks.InvalidSignatureError):
        webhooks.verify(body + " ", headers, secret)
    with pytest.raises(webhooks.TimestampOutOfToleranceError):
        webhooks.verify(body, headers, secret, now=time.time() + 3600)
