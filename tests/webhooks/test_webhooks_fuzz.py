"""Property tests: verify/construct_event raise only WebhookVerificationError, and tampering is never accepted."""

from __future__ import annotations

import contextlib
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from cortexbuild_sdk import webhooks
from cortexbuild_sdk.testing import encode_payload, make_event_payload
from cortexbuild_sdk.webhooks import WebhookVerificationError

NAMES = [
    "X-CortexBuild-Signature",
    "X-CortexBuild-Timestamp",
    "X-CortexBuild-Delivery-Id",
    "x-cortexbuild-signature",
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
    "Webhook-Signature",
]
TS = 1709876543210
NOW = TS / 1000

header_values = st.one_of(
    st.text(max_size=80),
    st.from_regex(r"\A[0-9]{1,25}\Z"),
    st.from_regex(r"\A(v1,[A-Za-z0-9+/=]{0,50} ?){1,3}\Z"),
    st.binary(max_size=40),
    st.integers(),
    st.none(),
)
headers_strategy = st.one_of(
    st.dictionaries(st.one_of(st.sampled_from(NAMES), st.text(max_size=20)), header_values, max_size=8),
    st.none(),
    st.lists(st.tuples(st.text(), st.text()), max_size=3),
    st.integers(),
)
payloads = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=300),
    st.builds(
        lambda d: encode_payload(make_event_payload("project.created", d, timestamp=TS)),
        st.dictionaries(st.text(max_size=10), st.integers() | st.text(max_size=10), max_size=4),
    ),
    st.none(),
    st.integers(),
)
secrets = st.one_of(
    st.text(max_size=40),
    st.lists(st.text(max_size=20), max_size=3),
    st.binary(max_size=10),
    st.none(),
    st.builds(lambda s: "whsec_" + s, st.text(max_size=20)),
)
data = st.dictionaries(
    st.text(max_size=8),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda c: st.lists(c, max_size=3),
        max_leaves=6,
    ),
    max_size=4,
)


def usable(secret: str) -> bool:
    try:
        webhooks.standard_secret(secret)
    except WebhookVerificationError:  # e.g. "whsec_" alone: an empty key
        return False
    return True


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(payload=payloads, headers=headers_strategy, secret=secrets)
def test_only_webhook_verification_errors_escape(payload: Any, headers: Any, secret: Any) -> None:
    for call in (webhooks.verify, webhooks.construct_event):
        with contextlib.suppress(WebhookVerificationError):
            call(payload, headers, secret, now=NOW)


def signed(event_data: dict[str, Any], secret: list[str]) -> tuple[bytes, dict[str, str]]:
    body = encode_payload(make_event_payload("task.updated", event_data, timestamp=TS))
    return body, webhooks.sign(body, secret, webhook_id=3)


def subset(headers: dict[str, str], scheme: str) -> dict[str, str]:
    if scheme == "seed":
        return {k: v for k, v in headers.items() if k.startswith("X-")}
    if scheme == "standard":
        return {k: v for k, v in headers.items() if k.startswith("webhook-")}
    return headers


secret_lists = st.lists(
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=20).filter(usable), min_size=1, max_size=3
)
schemes = st.sampled_from(["seed", "standard", "both"])


@settings(max_examples=300)
@given(
    event_data=data,
    secret=secret_lists,
    scheme=schemes,
    position=st.integers(min_value=0),
    change=st.sampled_from(["flip", "insert", "delete", "truncate"]),
    byte=st.integers(1, 255),
)
def test_a_tampered_body_is_never_accepted(
    event_data: dict[str, Any], secret: list[str], scheme: str, position: int, change: str, byte: int
) -> None:
    body, all_headers = signed(event_data, secret)
    headers = subset(all_headers, scheme)
    webhooks.verify(body, headers, secret, now=NOW)  # sanity: the genuine delivery passes
    i = position % len(body)
    if change == "flip":
        tampered = body[:i] + bytes([body[i] ^ byte]) + body[i + 1 :]
    elif change == "insert":
        tampered = body[:i] + bytes([byte]) + body[i:]
    elif change == "delete":
        tampered = body[:i] + body[i + 1 :]
    else:
        tampered = body[:i]
    assume(tampered != body)
    for candidate in (tampered, tampered.decode("utf-8", "replace")):
        try:
            webhooks.verify(candidate, headers, secret, now=NOW)
        except WebhookVerificationError:
            continue
        raise AssertionError(f"tampered body accepted: {candidate!r}")


@settings(max_examples=300)
@given(
    event_data=data,
    secret=secret_lists,
    scheme=schemes,
    name=st.sampled_from(
        ["X-CortexBuild-Signature", "X-CortexBuild-Timestamp", "webhook-id", "webhook-timestamp", "webhook-signature"]
    ),
    value=header_values,
)
def test_a_tampered_signed_header_is_never_accepted(
    event_data: dict[str, Any], secret: list[str], scheme: str, name: str, value: Any
) -> None:
    body, all_headers = signed(event_data, secret)
    headers = subset(all_headers, scheme)
    if scheme == "both" and name.startswith("X-"):
        name = "webhook-signature"  # with both schemes present the standard headers are the ones verified
    # Dropping the Standard header (None) when both are present leaves a genuine seed delivery: not tampering.
    assume(value is not None or scheme != "both")
    assume(name in headers and value != headers[name] and value != headers[name].encode())
    try:
        webhooks.verify(body, {**headers, name: value}, secret, now=NOW)
    except WebhookVerificationError:
        return
    raise AssertionError(f"tampered header {name}={value!r} accepted")


@settings(max_examples=200)
@given(event_data=data, secret=secret_lists, other=secret_lists, scheme=schemes)
def test_another_secret_is_never_accepted(
    event_data: dict[str, Any], secret: list[str], other: list[str], scheme: str
) -> None:
    keys = {webhooks.standard_secret(s) for s in secret}
    assume(not keys & {webhooks.standard_secret(s) for s in other})
    body, all_headers = signed(event_data, secret)
    try:
        webhooks.verify(body, subset(all_headers, scheme), other, now=NOW)
    except WebhookVerificationError:
        return
    raise AssertionError("a signature made with another secret was accepted")
