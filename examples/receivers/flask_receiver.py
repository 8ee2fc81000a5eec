"""A Flask endpoint that receives CortexBuild webhooks and trusts only genuine, fresh deliveries.

Run ``python examples/receivers/flask_receiver.py`` for a self-check through Flask's test client (no network),
or ``CORTEXBUILD_WEBHOOK_SECRET=... python examples/receivers/flask_receiver.py --serve`` to listen on
http://127.0.0.1:8000/webhooks/cortexbuild.
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Sequence

from flask import Flask, Response, jsonify, request

from cortexbuild_sdk.testing import signed_request
from cortexbuild_sdk.webhooks import WebhookVerificationError, construct_event, delivery_id

PATH = "/webhooks/cortexbuild"


def create_app(secret: str | Sequence[str]) -> Flask:
    """``secret`` may be a list while a rotation is in progress (newest first)."""
    app = Flask(__name__)
    # Delivery ids already handled; retries reuse the id. Use a unique-keyed table or Redis in production.
    seen: set[str] = set()

    @app.post(PATH)
    def receive() -> tuple[Response, int]:
        # Verify the RAW bytes from get_data(). Do not verify json.dumps(request.get_json()): re-serialising
        # changes the bytes (spacing, key order, escapes) and the signature would never match.
        body = request.get_data()
        try:
            event = construct_event(body, request.headers, secret)
        except WebhookVerificationError as exc:
            return jsonify(error=str(exc)), 400
        key = delivery_id(request.headers)  # the same for every retry of one delivery
        if key is not None:
            if key in seen:
                return jsonify(received=True, duplicate=True), 200
            seen.add(key)
        # Hand the typed event to your own code here (ideally a queue: answer within the 10 s timeout).
        return jsonify(received=True, event=event.event), 200

    return app


def self_check() -> None:
    secret = secrets.token_hex(32)
    client = create_app(secret).test_client()
    req = signed_request("invoice.paid", {"invoice": {"id": 9, "total": 1250.5}}, secret, webhook_id=1)
    genuine = client.post(PATH, data=req.body, headers=req.headers, content_type="application/json")
    tampered_body = req.body.replace(b"1250.5", b"9999.5")
    tampered = client.post(PATH, data=tampered_body, headers=req.headers, content_type="application/json")
    if genuine.status_code != 200 or not 400 <= tampered.status_code < 500:
        raise SystemExit(f"self-check failed: genuine -> {genuine.status_code}, tampered -> {tampered.status_code}")
    print(f"flask receiver ok: genuine -> {genuine.status_code}, tampered -> {tampered.status_code}")


def serve() -> None:
    secret = os.environ.get("CORTEXBUILD_WEBHOOK_SECRET")
    if not secret:
        raise SystemExit("set CORTEXBUILD_WEBHOOK_SECRET to the webhook's secret")
    create_app(secret).run(host="127.0.0.1", port=8000)


if __name__ == "__main__":
    if "--serve" in sys.argv[1:]:
        serve()
    else:
        self_check()
