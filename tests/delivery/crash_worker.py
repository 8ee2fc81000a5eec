"""Run by test_delivery_crash: emit events and deliver them until SIGKILLed.

argv: database path, number of events. Prints each event id once ``emit`` has returned (committed).
"""

from __future__ import annotations

import sys

from delivery_helpers import emit, open_db, plain_secrets

from cortexbuild_sdk.local.clock import SystemClock
from cortexbuild_sdk.local.delivery import DeliveryEngine


def main() -> None:
    db = open_db(sys.argv[1])
    engine = DeliveryEngine(
        db, clock=SystemClock(), signing_secrets=plain_secrets, concurrency=16, per_endpoint=2, lease_ms=1500
    )
    engine.start()
    for n in range(int(sys.argv[2])):
        print(emit(engine, "task.created", {"task": {"n": n}}), flush=True)
    print("done", flush=True)
    engine.drain(timeout=600)
    print("drained", flush=True)


if __name__ == "__main__":
    main()
