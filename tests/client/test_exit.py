"""A client left unclosed lets the interpreter exit quietly, in the middle of webhook delivery or not."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

# An endpoint that accepts connections and never answers keeps an attempt in flight at exit, and a tiny
# poll interval keeps the delivery thread busy while the interpreter shuts its thread pools down.
SCRIPT = textwrap.dedent(
    """
    import socket, sys
    from cortexbuild_sdk import AsyncCortexBuild, CortexBuild

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/hook"
    if sys.argv[1] == "sync":
        client = CortexBuild.local(delivery_poll_interval=0.001)
        client.webhooks.create(name="slow", url=url, events=["*"])
    else:
        import asyncio

        async def main():
            client = AsyncCortexBuild.local(delivery_poll_interval=0.001)
            await client.webhooks.create(name="slow", url=url, events=["*"])
            return client

        client = asyncio.run(main())
    for number in range(5):
        client.backend.emit("project.created", {"project": {"id": number}})
    print("done", flush=True)
    """
)


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_an_unclosed_local_client_exits_quietly(kind: str) -> None:
    for _ in range(3):  # the shutdown race it guards against does not show on every run
        done = subprocess.run(
            [sys.executable, "-c", SCRIPT, kind], capture_output=True, text=True, timeout=60, check=False
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "done"
        assert done.stderr == ""
