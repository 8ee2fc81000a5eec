"""What a new user runs first: the README's snippets run on their own, the quickstart's wording is right."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run(args, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False)


def _readme_snippets() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)


def test_the_manual_clock_snippet_runs_on_its_own(tmp_path: Path) -> None:
    (snippet,) = [s for s in _readme_snippets() if "ManualClock" in s]
    done = _run([sys.executable, "-c", snippet], tmp_path)
    assert done.returncode == 0, done.stderr


def test_the_quickstart_says_never_synced_integrations_were_never_synced(tmp_path: Path) -> None:
    done = _run([sys.executable, str(ROOT / "examples" / "quickstart_local.py")], tmp_path)
    assert done.returncode == 0, done.stderr
    (line,) = [line for line in done.stdout.splitlines() if "integrations report" in line]
    assert "never synced" in line
    assert "succeeded for 0%" not in done.stdout
