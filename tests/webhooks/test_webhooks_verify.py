"""verify(): both schemes, replay protection, rotation, secret forms, header objects and every error type."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.http.request import HttpHeaders
from starlette.datastructures import Headers as StarletteHeaders
from werkzeug.datastructures import EnvironHeaders
from werkzeug.datastructures import Headers as WerkzeugHeaders

from cortexbuild_sdk import webhooks
from cortexbuild_sdk.webhooks import (
    InvalidHeaderError,
    InvalidSecretError,
    InvalidSignatureError,
    MalformedPayloadError,
    MissingHeaderError,
    TimestampOutOfToleranceError,
    WebhookVerificationError,
)

SEED = ("X-CortexBuild-Event", "X-CortexBuild-Signature", "X-CortexBuild-Timestamp", "X-CortexBuild-Webhook-Id")


def seed_only(headers: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k in SEED}


def standard_only(headers: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.startswith("webhook-")}


def test_sign_emits_every_delivery_header(body: bytes, secret: str) -> None:
    headers = webhooks.sign(body, secret, webhook_id=123, delivery_id="msg_abc")
    assert headers == {
        "X-CortexBuild-Event": "project.created",
        "X-CortexBuild-Signature": headers["X-CortexBuild-Signature"],
        "X-CortexBuild-Timestamp": "1709876543210",
        "X-CortexBuild-Webhook-Id": "123",
        "X-CortexBuild-Delivery-Id": "msg_abc",
        "webhook-id": "msg_abc",
        "webhook-timestamp": "1709876543",
        "webhook-signature": headers["webhook-signature"],
    }
    assert len(headers["X-CortexBuild-Signature"]) == 64
    assert headers["X-CortexBuild-Signature"] == headers["X-CortexBuild-Signature"].lower()
    assert headers["webhook-signature"].startswith("v1,")


def test_sign_generates_distinct_delivery_ids_and_keeps_a_given_one(body: bytes, secret: str) -> None:
    first, second = webhooks.sign(body, secret), webhooks.sign(body, secret)
    assert first["webhook-id"].startswith("msg_")
    assert first["webhook-id"] != second["webhook-id"]
    assert first["X-CortexBuild-Delivery-Id"] == first["webhook-id"]
    retry = webhooks.sign(body, secret, delivery_id=first["webhook-id"])
    assert retry == first  # a retry of one delivery carries identical headers


def test_sign_refuses_a_timestamp_that_contradicts_the_body(body: bytes, secret: str) -> None:
    with pytest.raises(ValueError, match="differs from the body"):
        webhooks.sign(body, secret, timestamp_ms=1)
    with pytest.raises(ValueError, match="printable ASCII"):
        webhooks.sign(body, secret, delivery_id="msg\r\nX-Evil: 1")


def test_sign_without_json_body_uses_given_or_current_time(secret: str) -> None:
    headers = webhooks.sign(b"not json", secret, timestamp_ms=1_700_000_000_000, event="webhook.test")
    assert headers["X-CortexBuild-Timestamp"] == "1700000000000"
    assert headers["X-CortexBuild-Event"] == "webhook.test"
    assert "X-CortexBuild-Webhook-Id" not in headers
    webhooks.verify(b"not json", standard_only(headers), secret, now=1_700_000_000)
    with pytest.raises(MalformedPayloadError):  # the seed scheme needs the signed body timestamp
        webhooks.verify(b"not json", seed_only(headers), secret, now=1_700_000_000)


@pytest.mark.parametrize("select", [seed_only, standard_only, dict], ids=["seed", "standard", "both"])
def test_verify_accepts_each_scheme(body: bytes, secret: str, now: float, select: Any) -> None:
    headers = select(webhooks.sign(body, secret))
    assert webhooks.verify(body, headers, secret, now=now) is None
    assert webhooks.verify(body.decode(), headers, secret, now=now) is None
    assert webhooks.verify(bytearray(body), headers, secret, now=now) is None


@pytest.mark.parametrize("select", [seed_only, standard_only], ids=["seed", "standard"])
def test_any_body_change_is_rejected(body: bytes, secret: str, now: float, select: Any) -> None:
    headers = select(webhooks.sign(body, secret))
    for tampered in (body + b" ", body.replace(b"5000000", b"5000001"), b" " + body, body[:-1]):
        with pytest.raises(InvalidSignatureError):
            webhooks.verify(tampered, headers, secret, now=now)


def test_reserialised_json_fails_which_is_why_receivers_must_use_the_raw_body(
    body: bytes, secret: str, now: float
) -> None:
    headers = webhooks.sign(body, secret)
    with pytest.raises(InvalidSignatureError):
        webhooks.verify(json.dumps(json.loads(body)), headers, secret, now=now)


def test_seed_replay_with_a_fresh_header_timestamp_is_rejected(body: bytes, secret: str) -> None:
    headers = seed_only(webhooks.sign(body, secret))
    later = 1709876543.210 + 3600
    with pytest.raises(TimestampOutOfToleranceError):
        webhooks.verify(body, headers, secret, now=later)
    replay = {**headers, "X-CortexBuild-Timestamp": str(int(later * 1000))}
    with pytest.raises(InvalidSignatureError, match="differs from the signed body timestamp"):
        webhooks.verify(body, replay, secret, now=later)


def test_standard_replay_with_a_fresh_timestamp_is_rejected(body: bytes, secret: str) -> None:
    headers = standard_only(webhooks.sign(body, secret))
    later = 1709876543 + 3600
    with pytest.raises(TimestampOutOfToleranceError):
        webhooks.verify(body, headers, secret, now=later)
    with pytest.raises(InvalidSignatureError):
        webhooks.verify(body, {**headers, "webhook-timestamp": str(later)}, secret, now=later)
    with pytest.raises(InvalidSignatureError):
        webhooks.verify(body, {**headers, "webhook-id": "msg_other"}, secret, now=later - 3600)


@pytest.mark.parametrize("select", [seed_only, standard_only], ids=["seed", "standard"])
def test_tolerance_applies_both_ways_and_can_be_disabled(body: bytes, secret: str, select: Any) -> None:
    headers = select(webhooks.sign(body, secret))
    sent = 1709876543.210
    webhooks.verify(body, headers, secret, now=sent + 299)
    webhooks.verify(body, headers, secret, now=sent - 299)
    for skew in (301, -301):
        with pytest.raises(TimestampOutOfToleranceError):
            webhooks.verify(body, headers, secret, now=sent + skew)
    webhooks.verify(body, headers, secret, now=sent + 10, tolerance=60)
    webhooks.verify(body, headers, secret, tolerance=None)  # stored delivery: no clock check


def test_rotation_any_listed_secret_passes(body: bytes, now: float) -> None:
    headers = webhooks.sign(body, ["new", "old"])
    assert len(headers["webhook-signature"].split(" ")) == 2
    for secrets in (["new"], ["old"], ["unrelated", "old"], ("new", "old")):
        webhooks.verify(body, standard_only(headers), secrets, now=now)
    webhooks.verify(body, seed_only(headers), ["old", "new"], now=now)
    with pytest.raises(InvalidSignatureError):  # the seed header carries the newest secret only
        webhooks.verify(body, seed_only(headers), "old", now=now)
    with pytest.raises(InvalidSignatureError):
        webhooks.verify(body, headers, ["unrelated"], now=now)


def test_secret_in_standard_whsec_form_is_the_same_key(body: bytes, secret: str, now: float) -> None:
    whsec = webhooks.standard_secret(secret)
    assert whsec.startswith("whsec_")
    headers = webhooks.sign(body, secret)
    webhooks.verify(body, seed_only(headers), whsec, now=now)
    webhooks.verify(body, standard_only(headers), whsec, now=now)
    assert webhooks.sign(body, whsec, delivery_id="m") == webhooks.sign(body, secret, delivery_id="m")


def test_a_raw_secret_starting_with_whsec_but_not_base64_is_used_verbatim(body: bytes, now: float) -> None:
    secret = "whsec_not*base64!"
    headers = webhooks.sign(body, secret)
    webhooks.verify(body, headers, secret, now=now)
    assert webhooks.standard_secret(secret) != secret


@pytest.mark.parametrize("bad", ["", [], [""], ["ok", 3], b"bytes", None, 12, {"a": 1}, "whsec_"])
def test_bad_secrets_raise_invalid_secret(body: bytes, bad: Any) -> None:
    headers = webhooks.sign(body, "s")
    with pytest.raises(InvalidSecretError):
        webhooks.verify(body, headers, bad)


def test_headers_match_case_insensitively(body: bytes, secret: str, now: float) -> None:
    headers = webhooks.sign(body, secret)
    for transform in (str.lower, str.upper, str.title):
        for part in (seed_only(headers), standard_only(headers)):
            webhooks.verify(body, {transform(k): v for k, v in part.items()}, secret, now=now)


def test_framework_header_objects(body: bytes, secret: str, now: float) -> None:
    for part in (seed_only(webhooks.sign(body, secret)), standard_only(webhooks.sign(body, secret))):
        pairs = list(part.items())
        starlette = StarletteHeaders(raw=[(k.lower().encode(), v.encode()) for k, v in pairs])
        werkzeug = WerkzeugHeaders(pairs)
        environ = EnvironHeaders({"HTTP_" + k.upper().replace("-", "_"): v for k, v in pairs})
        django = HttpHeaders({"HTTP_" + k.upper().replace("-", "_"): v for k, v in pairs})
        for headers in (starlette, werkzeug, environ, django):
            webhooks.verify(body, headers, secret, now=now)
        webhooks.verify(body, {k: v.encode() for k, v in pairs}, secret, now=now)  # raw ASGI-style values


def test_missing_and_malformed_headers(body: bytes, secret: str, now: float) -> None:
    headers = webhooks.sign(body, secret)
    cases: list[tuple[Any, type[WebhookVerificationError]]] = [
        ({}, MissingHeaderError),
        (None, MissingHeaderError),
        ([("webhook-id", "x")], MissingHeaderError),
        ({k: v for k, v in seed_only(headers).items() if "Timestamp" not in k}, MissingHeaderError),
        ({k: v for k, v in standard_only(headers).items() if k != "webhook-id"}, MissingHeaderError),
        ({k: v for k, v in standard_only(headers).items() if k != "webhook-timestamp"}, MissingHeaderError),
        ({**seed_only(headers), "X-CortexBuild-Timestamp": "17e11"}, InvalidHeaderError),
        ({**seed_only(headers), "X-CortexBuild-Timestamp": "١٧٠٩"}, InvalidHeaderError),
        ({**standard_only(headers), "webhook-timestamp": " 1709876543"}, InvalidHeaderError),
        ({**standard_only(headers), "webhook-timestamp": 1709876543}, InvalidHeaderError),
        ({**headers, "X-CortexBuild-Delivery-Id": "msg_forged"}, InvalidHeaderError),
        ({**standard_only(headers), "webhook-signature": "v2,abc"}, InvalidSignatureError),
        ({**seed_only(headers), "X-CortexBuild-Signature": "é" * 64}, InvalidSignatureError),
        (
            {**seed_only(headers), "X-CortexBuild-Signature": headers["X-CortexBuild-Signature"].upper()},
            InvalidSignatureError,
        ),
    ]
    for bad_headers, error in cases:
        with pytest.raises(error):
            webhooks.verify(body, bad_headers, secret, now=now)


def test_extra_unknown_signatures_do_not_hide_a_valid_one(body: bytes, secret: str, now: float) -> None:
    headers = standard_only(webhooks.sign(body, secret))
    headers["webhook-signature"] = "v1a,abc v1,bm90IGl0 é " + headers["webhook-signature"]
    webhooks.verify(body, headers, secret, now=now)


@pytest.mark.parametrize(
    "payload",
    [
        b"not json",
        b"[1, 2]",
        b'{"event":"project.created","data":{}}',
        b'{"event":"project.created","timestamp":"1709876543210"}',
        b'{"event":"project.created","timestamp":true}',
        b'{"event":"project.created","timestamp":1709876543210.0}',
        b"\xff\xfe",
        b"[" * 100_000,
    ],
)
def test_signed_but_malformed_bodies_raise_malformed_payload(payload: bytes, secret: str, now: float) -> None:
    headers = seed_only(webhooks.sign(payload, secret, timestamp_ms=1709876543210))
    with pytest.raises(MalformedPayloadError):
        webhooks.verify(payload, headers, secret, now=now)


def test_the_top_level_timestamp_is_the_signed_one(secret: str, now: float) -> None:
    ts = 1709876543210
    for payload in (
        b'{"event":"a","data":{"timestamp":1},"timestamp":%d}' % ts,  # nested first, top-level later
        b'{"timestamp":%d,"event":"a","timestamp":1}' % ts,  # duplicated key: the first one counts
        b'{"event":"a","data":{},"timestamp":%d,"timestamp":1}' % ts,  # the same through the JSON parser
        b'{"time\\u0073tamp":%d,"event":"a"}' % ts,  # escaped key
        b' \n{ "id" : "evt_1" , "ok" : true , "n" : null , "x" : -1.5e3 , "timestamp" : %d }' % ts,
        b'{"event":"q\\"uote","timestamp":%d}' % ts,
        b'\xef\xbb\xbf{"timestamp":%d}' % ts,  # UTF-8 BOM
    ):
        headers = {"X-CortexBuild-Signature": webhooks.sign(payload, secret)["X-CortexBuild-Signature"]}
        webhooks.verify(payload, {**headers, "X-CortexBuild-Timestamp": str(ts)}, secret, now=now)
        with pytest.raises(InvalidSignatureError):
            webhooks.verify(payload, {**headers, "X-CortexBuild-Timestamp": "1"}, secret, now=now)


@pytest.mark.parametrize("payload", [None, 12, object(), ["a"], "\ud800"])
def test_non_body_payloads_raise_malformed_payload(payload: Any, secret: str) -> None:
    with pytest.raises(MalformedPayloadError):
        webhooks.verify(payload, {"webhook-signature": "v1,x"}, secret)


def test_header_object_that_explodes_is_contained(body: bytes, secret: str) -> None:
    class Exploding:
        def get(self, key: str) -> str:
            raise RuntimeError("boom")

    with pytest.raises(MissingHeaderError):
        webhooks.verify(body, Exploding(), secret)


def test_public_constants() -> None:
    assert len(webhooks.WEBHOOK_EVENT_TYPES) == 24
    assert "webhook.test" not in webhooks.WEBHOOK_EVENT_TYPES
    assert issubclass(webhooks.TimestampOutOfToleranceError, webhooks.WebhookVerificationError)


def test_a_platform_secret_that_looks_like_whsec_verifies_as_the_seed_receiver_keys_it(body: bytes, now: float) -> None:
    """The seed's receivers key the HMAC with the secret string's UTF-8 bytes, whatever it looks like."""
    import hashlib
    import hmac

    secret = webhooks.standard_secret("something")  # valid base64 after the prefix
    literal = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    timestamp = str(json.loads(body)["timestamp"])
    webhooks.verify(body, {"X-CortexBuild-Signature": literal, "X-CortexBuild-Timestamp": timestamp}, secret, now=now)
