"""The example receivers (examples/receivers) and the cortexbuild_sdk.testing helpers, end to end."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from typing import Any

import pytest
from webhook_test_support import RECEIVERS, load_receiver

from cortexbuild_sdk import webhooks
from cortexbuild_sdk.testing import SignedRequest, encode_payload, make_event_payload, signed_request

PATH = "/webhooks/cortexbuild"


def test_make_event_payload_has_the_seed_shape_and_order() -> None:
    payload = make_event_payload("project.created", {"project": {"id": 1}}, timestamp=1709876543210)
    assert list(payload) == ["event", "timestamp", "data", "company_id", "user_id"]
    assert encode_payload(payload) == (
        b'{"event":"project.created","timestamp":1709876543210,"data":{"project":{"id":1}},'
        b'"company_id":"company-1","user_id":"user-1"}'
    )
    assert next(iter(make_event_payload("webhook.test", None, event_id="evt_1"))) == "id"
    assert encode_payload({"name": "Clădire"}) == '{"name":"Clădire"}'.encode()


def test_signed_request_verifies_and_is_fresh() -> None:
    req = signed_request("invoice.sent", {"invoice": {"id": 4}}, "s", webhook_id=12, delivery_id="msg_1")
    assert isinstance(req, SignedRequest)
    assert req.content_type == "application/json"
    assert req.json()["data"] == {"invoice": {"id": 4}}
    assert abs(req.json()["timestamp"] / 1000 - time.time()) < 5
    assert req.headers["X-CortexBuild-Webhook-Id"] == "12"
    assert req.headers["webhook-id"] == req.headers["X-CortexBuild-Delivery-Id"] == "msg_1"
    webhooks.verify(req.body, req.headers, "s")
    old = signed_request("invoice.sent", {}, "s", timestamp=int(time.time() * 1000) - 3_600_000)
    with pytest.raises(webhooks.TimestampOutOfToleranceError):
        webhooks.verify(old.body, old.headers, "s")


Poster = Callable[[bytes, dict[str, str]], "tuple[int, Any]"]


def fastapi_receiver(secret: str) -> Poster:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    client = TestClient(load_receiver("fastapi_receiver").create_app(secret))

    def post(body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
        response = client.post(PATH, content=body, headers=headers)
        return response.status_code, response.json()

    return post


def flask_receiver(secret: str) -> Poster:
    client = load_receiver("flask_receiver").create_app(secret).test_client()

    def post(body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
        response = client.post(PATH, data=body, headers=headers, content_type="application/json")
        return response.status_code, response.get_json()

    return post


def django_receiver(secret: str) -> Poster:
    from django.test import Client, override_settings

    module = load_receiver("django_receiver")
    module.configure(secret)
    module._seen.clear()

    def post(body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
        with override_settings(ROOT_URLCONF=module.__name__, CORTEXBUILD_WEBHOOK_SECRET=secret):
            response = Client().post(PATH, data=body, content_type="application/json", headers=headers)
        return response.status_code, json.loads(response.content)

    return post


RECEIVER_FACTORIES = {"fastapi": fastapi_receiver, "flask": flask_receiver, "django": django_receiver}


@pytest.mark.parametrize("framework", sorted(RECEIVER_FACTORIES))
def test_receiver_accepts_genuine_and_rejects_tampered_replayed_and_reserialised(framework: str) -> None:
    secret = f"{framework}-secret"
    post = RECEIVER_FACTORIES[framework](secret)
    req = signed_request("project.created", {"project": {"id": 1, "name": "Clădire"}}, secret, webhook_id=5)
    assert post(req.body, req.headers) == (200, {"received": True, "event": "project.created"})
    # A retry of the same delivery (same id) is acknowledged but not handled twice.
    assert post(req.body, req.headers) == (200, {"received": True, "duplicate": True})

    tampered = req.body.replace(b'"id":1', b'"id":2')
    status, answer = post(tampered, req.headers)
    assert status == 400
    assert "does not match" in answer["error"]

    reserialised = json.dumps(json.loads(req.body)).encode()  # the classic receiver bug
    assert post(reserialised, req.headers)[0] == 400

    stale = signed_request("project.created", {}, secret, timestamp=int(time.time() * 1000) - 3_600_000)
    assert post(stale.body, stale.headers)[0] == 400
    assert RECEIVER_FACTORIES[framework]("another-secret")(req.body, req.headers)[0] == 400

    fresh = signed_request("task.completed", {"task": {"id": 3}}, secret)
    seed_only = {k: v for k, v in fresh.headers.items() if k.startswith("X-")}
    assert post(fresh.body, seed_only)[0] == 200  # the seed's headers alone also verify
    forged_id = {**req.headers, "X-CortexBuild-Delivery-Id": "msg_forged"}
    assert post(req.body, forged_id)[0] == 400  # the de-dup key must match the signed webhook-id


@pytest.mark.parametrize("name", ["fastapi_receiver", "flask_receiver", "django_receiver"])
def test_receiver_script_self_check_exits_zero(name: str) -> None:
    done = subprocess.run([sys.executable, str(RECEIVERS / f"{name}.py")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "genuine -> 200, tampered -> 400" in done.stdout
