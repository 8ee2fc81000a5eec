"""A Django view that receives CortexBuild webhooks and trusts only genuine, fresh deliveries.

In a project, copy ``cortexbuild_webhook`` into a views module, route it in ``urls.py`` and set
``CORTEXBUILD_WEBHOOK_SECRET`` in settings (a list during a rotation, newest first). This file is also a
single-file Django app: ``python examples/receivers/django_receiver.py`` runs a self-check through Django's
test client (no network); ``CORTEXBUILD_WEBHOOK_SECRET=... python examples/receivers/django_receiver.py
--serve`` listens on http://127.0.0.1:8000/webhooks/cortexbuild.
"""

from __future__ import annotations

import os
import secrets
import sys

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from cortexbuild_sdk.testing import signed_request
from cortexbuild_sdk.webhooks import WebhookVerificationError, construct_event, delivery_id

PATH = "/webhooks/cortexbuild"
_seen: set[str] = set()  # delivery ids handled; use a model with a unique field in production


@csrf_exempt  # the HMAC signature, not a CSRF token, authenticates the sender
@require_POST
def cortexbuild_webhook(request: HttpRequest) -> JsonResponse:
    # Verify request.body, the RAW bytes. Do not verify json.dumps(json.loads(request.body)): re-serialising
    # changes the bytes (spacing, key order, escapes) and the signature would never match.
    try:
        event = construct_event(request.body, request.headers, settings.CORTEXBUILD_WEBHOOK_SECRET)
    except WebhookVerificationError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    key = delivery_id(request.headers)  # the same for every retry of one delivery
    if key is not None:
        if key in _seen:
            return JsonResponse({"received": True, "duplicate": True})
        _seen.add(key)
    # Hand the typed event to your own code here (ideally a queue: answer within the 10 s timeout).
    return JsonResponse({"received": True, "event": event.event})


urlpatterns = [path(PATH.lstrip("/"), cortexbuild_webhook)]


def configure(secret: str | list[str]) -> None:
    """Minimal settings for running this file on its own (a real project has its settings module)."""
    if settings.configured:
        return
    import django

    settings.configure(
        DEBUG=False,
        SECRET_KEY=secrets.token_hex(32),
        ROOT_URLCONF=__name__,
        ALLOWED_HOSTS=["127.0.0.1", "localhost", "testserver"],
        MIDDLEWARE=[],
        INSTALLED_APPS=[],
        CORTEXBUILD_WEBHOOK_SECRET=secret,
    )
    django.setup()


def self_check() -> None:
    from django.test import Client

    secret = secrets.token_hex(32)
    configure(secret)
    client = Client()
    req = signed_request("task.completed", {"task": {"id": 2, "title": "Pour slab"}}, secret, webhook_id=1)
    genuine = client.post(PATH, data=req.body, content_type="application/json", headers=req.headers)
    tampered_body = req.body.replace(b"Pour slab", b"Skip slab")
    tampered = client.post(PATH, data=tampered_body, content_type="application/json", headers=req.headers)
    if genuine.status_code != 200 or not 400 <= tampered.status_code < 500:
        raise SystemExit(f"self-check failed: genuine -> {genuine.status_code}, tampered -> {tampered.status_code}")
    print(f"django receiver ok: genuine -> {genuine.status_code}, tampered -> {tampered.status_code}")


def serve() -> None:
    secret = os.environ.get("CORTEXBUILD_WEBHOOK_SECRET")
    if not secret:
        raise SystemExit("set CORTEXBUILD_WEBHOOK_SECRET to the webhook's secret")
    configure(secret)
    from django.core.management import execute_from_command_line

    execute_from_command_line([sys.argv[0], "runserver", "127.0.0.1:8000", "--noreload"])


if __name__ == "__main__":
    if "--serve" in sys.argv[1:]:
        serve()
    else:
        self_check()
