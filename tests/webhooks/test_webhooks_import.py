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
