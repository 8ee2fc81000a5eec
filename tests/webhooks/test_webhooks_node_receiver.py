"""The seed's own Node receiver snippet (verifyWebhook) accepts what the Python `sign` produces."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from cortexbuild_sdk import webhooks
from cortexbuild_sdk.testing import signed_request

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="node is not on PATH: cannot run the seed's receiver")

# The seed's snippet, with only its TypeScript annotations removed.
SEED_RECEIVER = """
import crypto from 'crypto';
import fs from 'fs';

function verifyWebhook(payload, signature, secret) {
  const expectedSignature = crypto
    .createHmac('sha256', secret)
    .update(payload)
    .digest('hex');

  return crypto.timingSafeEqual(
    Buffer.from(signature),
    Buffer.from(expectedSignature)
  );
}

const cases = JSON.parse(fs.readFileSync(0, 'utf8'));
const results = cases.map(({ payload, signature, secret }) => {
  try { return verifyWebhook(payload, signature, secret); } catch (err) { return 'threw: ' + err.message; }
});
process.stdout.write(JSON.stringify(results));
"""


def run_seed_receiver(tmp_path: Path, cases: list[dict[str, str]]) -> list[object]:
    script = tmp_path / "seed_receiver.mjs"
    script.write_text(SEED_RECEIVER, "utf-8")
    assert NODE is not None
    done = subprocess.run(
        [NODE, str(script)], input=json.dumps(cases), capture_output=True, text=True, timeout=30, check=True
    )
    results: list[object] = json.loads(done.stdout)
    return results


def test_seed_receiver_accepts_python_signed_deliveries(tmp_path: Path) -> None:
    cases = []
    for event, data, secret in [
        ("project.created", {"project": {"id": 123, "name": "New Office Building"}}, "plain-secret"),
        ("webhook.test", {}, "sécrët-🔑-秘密"),
        ("document.uploaded", {"document": {"name": "Clădire — 東京 🏗️", "note": 'q"\n\\'}}, "k"),
        ("invoice.paid", {"invoice": {"id": 1, "memo": "x" * 70_000}}, "big"),
    ]:
        req = signed_request(event, data, secret, webhook_id=7)
        cases.append(
            {"payload": req.body.decode("utf-8"), "signature": req.headers["X-CortexBuild-Signature"], "secret": secret}
        )
    assert run_seed_receiver(tmp_path, cases) == [True] * len(cases)


def test_seed_receiver_rejects_tampered_body_and_rotated_out_secret(tmp_path: Path) -> None:
    req = signed_request("invoice.paid", {"invoice": {"id": 1, "total": 10}}, ["new-secret", "old-secret"])
    signature = req.headers["X-CortexBuild-Signature"]
    body = req.body.decode("utf-8")
    cases = [
        {"payload": body, "signature": signature, "secret": "new-secret"},  # seed header = newest secret
        {"payload": body.replace("10", "99"), "signature": signature, "secret": "new-secret"},
        {"payload": body, "signature": signature, "secret": "old-secret"},
    ]
    assert run_seed_receiver(tmp_path, cases) == [True, False, False]
    assert webhooks.sign(req.body, "new-secret")["X-CortexBuild-Signature"] == signature
