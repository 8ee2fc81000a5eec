"""The local backend over real HTTP: start `cortexbuild local serve`, talk to it with the ordinary client.

The client cannot tell the served backend from the platform: it only gets a base URL and a key. Needs the
``cli`` extra (``pip install 'cortexbuild-sdk[cli]'``) for uvicorn. Loopback only; the store is a temp file.

    python examples/local_serve.py
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from cortexbuild_sdk import CortexBuild, NotFoundError


def main() -> None:
    with tempfile.TemporaryDirectory() as workdir:
        db = Path(workdir) / "cortexbuild.db"
        server = subprocess.Popen(
            [sys.executable, "-m", "cortexbuild_sdk.cli", "local", "serve", "--port", "0", "--db", str(db), "--json"],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert server.stdout is not None
        ready = json.loads(server.stdout.readline())  # {"event": "listening", "url": ..., "owner_key": ...}
        print(f"serving {ready['url']} (store {db.name}); owner key {ready['owner_key'][:16]}...")
        try:
            with CortexBuild(api_key=ready["owner_key"], base_url=ready["url"]) as client:
                hook = client.webhooks.create(name="Project Updates", url="https://myapp.com/webhook", events=["*"])
                print(f"created webhook #{hook.id} over HTTP; secret {(hook.secret or '')[:8]}...")
                assert client.webhooks.retrieve(hook.id).name == "Project Updates"
                integration = client.integrations.create(
                    provider="slack", name="Team Slack", credentials={"accessToken": "xoxb-your-token"}
                )
                print(f"created integration #{integration.id}: {integration.provider}")
                try:
                    client.keys.retrieve(999)
                except NotFoundError as exc:
                    print(f"typed errors cross the wire too: {exc.status_code} {exc.code}")
                else:
                    raise AssertionError("expected a 404")
        finally:
            server.send_signal(signal.SIGTERM)  # graceful: in-flight requests and deliveries finish
            rest, _ = server.communicate(timeout=60)
        assert server.returncode == 0, server.returncode
        assert json.loads(rest.splitlines()[-1])["event"] == "stopped"
        print("server stopped cleanly")


if __name__ == "__main__":
    main()
