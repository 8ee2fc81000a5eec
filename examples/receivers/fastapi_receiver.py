"""A FastAPI endpoint that receives CortexBuild webhooks and trusts only genuine, fresh deliveries.

Run ``python examples/receivers/fastapi_receiver.py`` for a self-check through FastAPI's test client (no
network), or ``CORTEXBUILD_WEBHOOK_SECRET=... python examples/receivers/fastapi_receiver.py --serve`` to listen
on http://127.0.0.1:8000/webhooks/cortexbuild (needs ``pip install uvicorn``).
"""

from __future__ import annotations

import os
import secrets
import sys
import warnings
from collections.abc import Sequence

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from cortexbuild_sdk.testing import signed_request
from cortexbuild_sdk.webhooks import WebhookVerificationError, construct_event, delivery_id

PATH = "/webhooks/cortexbuild"


def create_app(secret: str | Sequence[str]) -> FastAPI:
    """``secret`` may be a list while a rotation is in progress (newest first)."""
    app = FastAPI()
    # Delivery ids already handled. Retries of one delivery reuse its id: use a database table with a
    # unique constraint (or Redis SET NX with a TTL) in production; a set is enough for one process.
    seen: set[str] = set()

    @app.post(PATH)
    async def receive(request: Request) -> JSONResponse:
        # Verify the RAW bytes. Do not use `await request.json()` and re-serialise it: json.dumps() does not
        # reproduce the sender's exact bytes (spacing, key order, escapes), so the signature would never match.
        body = await request.body()
        try:
            event = construct_event(body, request.headers, secret)
        except WebhookVerificationError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        key = delivery_id(request.headers)  # the same for every retry of one delivery
        if key is not None:
            if key in seen:
                return JSONResponse({"received": True, "duplicate": True})
            seen.add(key)
        # Hand the typed event to your own code here (ideally a queue: answer within the 10 s timeout).
        return JSONResponse({"received": True, "event": event.event})

    return app


def self_check() -> None:
    with warnings.catch_warnings():  # newer Starlette warns about its httpx-based test client
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    secret = secrets.token_hex(32)
    client = TestClient(create_app(secret))
    req = signed_request("project.created", {"project": {"id": 123, "name": "New Office"}}, secret, webhook_id=1)
    genuine = client.post(PATH, content=req.body, headers=req.headers)
    tampered = client.post(PATH, content=req.body.replace(b"New Office", b"Old Office"), headers=req.headers)
    if genuine.status_code != 200 or not 400 <= tampered.status_code < 500:
        raise SystemExit(f"self-check failed: genuine -> {genuine.status_code}, tampered -> {tampered.status_code}")
    print(f"fastapi receiver ok: genuine -> {genuine.status_code}, tampered -> {tampered.status_code}")


def serve() -> None:
    secret = os.environ.get("CORTEXBUILD_WEBHOOK_SECRET")
    if not secret:
        raise SystemExit("set CORTEXBUILD_WEBHOOK_SECRET to the webhook's secret")
    try:
        import uvicorn
    except ImportError:
        raise SystemExit("--serve needs uvicorn: pip install uvicorn") from None
    uvicorn.run(create_app(secret), host="127.0.0.1", port=8000)


if __name__ == "__main__":
    if "--serve" in sys.argv[1:]:
        serve()
    else:
        self_check()
