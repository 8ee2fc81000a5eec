"""`import cortexbuild_sdk.webhooks` stays light: no httpx, and pydantic only once typed events are needed."""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import json, sys, time
start = time.perf_counter()
import cortexbuild_sdk.webhooks as webhooks
elapsed = time.perf_counter() - start
verify_only = {"httpx": "httpx" in sys.modules, "pydantic": "pydantic" in sys.modules}
import cortexbuild_sdk.testing
body = b'{"event":"webhook.test","timestamp":1,"data":{}}'
webhooks.construct_event(body, webhooks.sign(body, "s"), "s", tolerance=None)
print(json.dumps({"seconds": elapsed, "verify_only": verify_only, "after_construct": "httpx" in sys.modules}))
"""


def test_webhooks_import_pulls_in_neither_httpx_nor_pydantic() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60, check=True)
    report = json.loads(done.stdout)
    print(f"import cortexbuild_sdk.webhooks took {report['seconds'] * 1000:.1f} ms")
    assert report["verify_only"] == {"httpx": False, "pydantic": False}
    assert report["after_construct"] is False  # typed events load pydantic, never httpx


LISTING_PROBE = """
import json, sys
import cortexbuild_sdk.webhooks as webhooks
listed = {"all": list(webhooks.__all__), "dir": dir(webhooks), "pydantic": "pydantic" in sys.modules}
from cortexbuild_sdk.webhooks import ProjectCreatedEvent, WebhookEvent
listed["loaded"] = [ProjectCreatedEvent.__name__, str(WebhookEvent)]
print(json.dumps(listed))
"""


def test_event_classes_are_listed_in_all_and_dir_without_being_imported() -> None:
    done = subprocess.run([sys.executable, "-c", LISTING_PROBE], capture_output=True, text=True, timeout=60, check=True)
    listed = json.loads(done.stdout)
    assert listed["pydantic"] is False  # listing the names loaded nothing
    for name in ("ProjectCreatedEvent", "WebhookEvent", "UnknownWebhookEvent", "TaskEventData", "construct_event"):
        assert name in listed["all"] and name in listed["dir"]
    assert listed["loaded"][0] == "ProjectCreatedEvent"


def test_every_event_class_is_listed() -> None:
    import cortexbuild_sdk.webhooks as webhooks
    from cortexbuild_sdk import _webhook_events

    classes = {name for name in _webhook_events.__all__ if name[:1].isupper()}
    assert classes <= set(webhooks.__all__)
    # The lazy names are spelled out in webhooks.py (mypy types its re-exports from the list): the two lists
    # must name the same things, so neither can gain or lose an event alone.
    assert set(webhooks._LAZY_EVENT_NAMES) == set(_webhook_events.__all__) - {"validate_event_json"}  # internal
    for name in classes:
        assert getattr(webhooks, name) is getattr(_webhook_events, name)
