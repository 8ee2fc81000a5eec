"""One refresh at a time across processes: two processes find the same expired token; the lease row makes
exactly one of them call the token endpoint (a real loopback Slack emulator counts the calls)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from cortexbuild_sdk import CortexBuild
from cortexbuild_sdk.local import Backend
from emulators import slack
from emulators.server import serve

WORKER = textwrap.dedent(
    """
    import json, os, sys, time
    from pathlib import Path
    from cortexbuild_sdk import CortexBuild
    path, url, iid, go = sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
    oauth = {"slack": {"client_id": "111.222", "client_secret": "slack-secret"}}
    with CortexBuild.local(path, oauth=oauth, provider_urls={"slack": url}) as client:
        client.integrations.list()  # open and warm up before the start line
        while not go.exists():
            time.sleep(0.005)
        result = client.integrations.test(iid)
        print(json.dumps(result.result))
    """
)


def test_two_processes_refresh_once(tmp_path: Path) -> None:
    state = slack.SlackState(expires_in=30, refresh_delay=0.3)  # 30 s: already inside the refresh skew
    db = tmp_path / "shared.db"
    oauth = {"slack": {"client_id": slack.CLIENT_ID, "client_secret": slack.CLIENT_SECRET}}
    with serve(slack.app(state)) as url:
        with (
            Backend(db, oauth=oauth, provider_urls={"slack": url}) as backend,
            CortexBuild.local(backend=backend) as client,
        ):
            auth = client.integrations.oauth.authorize("slack", redirect_uri="http://127.0.0.1/cb", name="Slack")
            iid = client.integrations.oauth.callback("slack", code="good-code", state=auth.state).id
        state.expires_in = 3600
        go = tmp_path / "go"
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", WORKER, str(db), url, str(iid), str(go)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=env,
                text=True,
            )
            for _ in range(2)
        ]
        time.sleep(1.5)  # both processes are open and waiting
        go.touch()
        outputs = [p.communicate(timeout=60) for p in procs]
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
        assert json.loads(out.strip().splitlines()[-1])["team"] == "Acme"
    assert state.refresh_calls == 1
