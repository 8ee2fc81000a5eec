"""sign/verify against vectors computed independently by Node's crypto (tests/webhooks/make_vectors.mjs)."""

from __future__ import annotations

from typing import Any

import pytest
from webhook_test_support import load_vectors

from cortexbuild_sdk import webhooks

VECTORS = load_vectors()


def test_vectors_cover_the_edge_cases() -> None:
    names = {v["name"] for v in VECTORS}
    assert {"empty data", "unicode body", "unicode secret", "64 KiB body"} <= names
    big = next(v for v in VECTORS if v["name"] == "64 KiB body")
    assert len(big["payload"].encode("utf-8")) == 64 * 1024


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_sign_reproduces_node_signatures(vector: dict[str, Any]) -> None:
    headers = webhooks.sign(vector["payload"], vector["secret"], delivery_id=vector["webhook_id"])
    assert headers["X-CortexBuild-Signature"] == vector["signature"]
    assert headers["webhook-signature"] == vector["standard_signature"]
    assert headers["X-CortexBuild-Timestamp"] == str(vector["timestamp_ms"])
    assert headers["webhook-timestamp"] == str(vector["timestamp_ms"] // 1000)


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
@pytest.mark.parametrize("as_bytes", [True, False], ids=["bytes", "str"])
def test_verify_accepts_node_signatures_in_both_schemes(vector: dict[str, Any], as_bytes: bool) -> None:
    payload: bytes | str = vector["payload"].encode("utf-8") if as_bytes else vector["payload"]
    now = vector["timestamp_ms"] / 1000 + 1
    seed_headers = {"X-CortexBuild-Signature": vector["signature"], "X-CortexBuild-Timestamp": "1709876543210"}
    webhooks.verify(payload, seed_headers, vector["secret"], now=now)
    standard_headers = {
        "webhook-id": vector["webhook_id"],
        "webhook-timestamp": str(vector["timestamp_ms"] // 1000),
        "webhook-signature": vector["standard_signature"],
    }
    webhooks.verify(payload, standard_headers, vector["secret"], now=now)


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_node_signature_rejected_with_another_secret(vector: dict[str, Any]) -> None:
    headers = {"X-CortexBuild-Signature": vector["signature"], "X-CortexBuild-Timestamp": "1709876543210"}
    with pytest.raises(webhooks.InvalidSignatureError):
        webhooks.verify(vector["payload"], headers, vector["secret"] + "x", now=1709876544.0)
