"""Typed errors and automatic retries, shown on the embedded local backend (plus one refused loopback port).

Every error the SDK raises derives from ``CortexBuildError``; HTTP errors carry ``status_code``, the machine
``code``, the server's ``message``, the ``request_id`` and the ``response``.

    python examples/errors_and_retries.py
"""

from __future__ import annotations

import socket
import time

from cortexbuild_sdk import (
    APIConnectionError,
    APIStatusError,
    AuthenticationError,
    CortexBuild,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
)
from cortexbuild_sdk.local import Bucket, RateLimitConfig


def show(error: APIStatusError) -> None:
    print(f"  {type(error).__name__}: status {error.status_code}, code {error.code!r}")
    print(f"    message:    {error.message}")
    print(f"    request id: {error.request_id}")
    if error.details is not None:
        print(f"    details:    {error.details}")


def not_found(client: CortexBuild) -> None:
    print("\n1. A webhook that does not exist -> NotFoundError (404)")
    try:
        client.webhooks.retrieve(999_999)
    except NotFoundError as error:
        show(error)


def plan_limit(client: CortexBuild) -> None:
    print("\n2. A 4th active integration on the free tier -> PermissionDeniedError (403 plan_limit_exceeded)")
    for n in range(1, 4):
        client.integrations.create(provider="stripe", name=f"Stripe {n}", credentials={"apiKey": f"sk_test_{n}"})
    print("  3 integrations created (the free tier's limit)")
    try:
        client.integrations.create(provider="stripe", name="Stripe 4", credentials={"apiKey": "sk_test_4"})
    except PermissionDeniedError as error:
        show(error)


def bad_key(client: CortexBuild) -> None:
    print("\n3. An unknown API key -> AuthenticationError (401)")
    try:
        client.with_options(api_key="cbk_live_not_a_real_key").webhooks.list()
    except AuthenticationError as error:
        show(error)


def rate_limited() -> None:
    print("\n5. Too many requests -> RateLimitError (429), and the retries that absorb it")
    # A deliberately tight bucket for the webhooks routes: a burst of 3, refilled at 2 requests/s.
    limits = RateLimitConfig(groups={"webhooks": Bucket(capacity=3, refill_per_second=2.0)})
    with CortexBuild.local(rate_limits=limits, max_retries=0) as client:
        try:
            for _ in range(10):
                client.webhooks.list()
        except RateLimitError as error:
            show(error)
            print(f"    Retry-After: {error.retry_after} s")
        # With retries on (the default is 2), the client sleeps for Retry-After and tries again.
        patient = client.with_options(max_retries=2)
        start = time.perf_counter()
        hooks = list(patient.webhooks.list())
        waited = time.perf_counter() - start
        print(f"  with max_retries=2 the same call succeeded after {waited:.1f} s ({len(hooks)} webhooks listed)")


def connection_refused() -> None:
    print("\n6. Nothing listening -> APIConnectionError after the retries (0.5 s backoff, doubling, jittered)")
    with socket.socket() as probe:  # a loopback port that is free, so nothing answers on it
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with CortexBuild(api_key="cbk_live_example", base_url=f"http://127.0.0.1:{port}", max_retries=2) as client:
        start = time.perf_counter()
        try:
            client.plan.retrieve()
        except APIConnectionError as error:
            print(f"  {type(error).__name__}: {error.message}")
            print(f"  gave up after 3 attempts in {time.perf_counter() - start:.1f} s")


def per_request_options(client: CortexBuild) -> None:
    print("\n4. Per-request options: timeout, retries and an explicit Idempotency-Key on a POST")
    sandbox = client.sandboxes.create(
        name="Retry-safe sandbox", timeout=10.0, max_retries=5, idempotency_key="create-sandbox-2025-10-09"
    )
    print(f"  sandbox #{sandbox.id} created; a retry of this POST would send the same Idempotency-Key")


def main() -> None:
    with CortexBuild.local() as client:  # the free tier unless configured
        not_found(client)
        plan_limit(client)
        bad_key(client)
        per_request_options(client)
    rate_limited()
    connection_refused()


if __name__ == "__main__":
    main()
