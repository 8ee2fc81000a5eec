"""Shared helpers for the webhook tests: Node-computed vectors and the example receivers as modules.

Kept out of conftest.py: several test folders have a conftest, so ``from conftest import`` is ambiguous."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
RECEIVERS = ROOT / "examples" / "receivers"


def load_vectors() -> list[dict[str, Any]]:
    vectors: list[dict[str, Any]] = json.loads((HERE / "vectors.json").read_text("utf-8"))["vectors"]
    return vectors


def load_receiver(name: str) -> ModuleType:
    """Import examples/receivers/<name>.py as a module (examples/ is not a package)."""
    module_name = f"cortexbuild_example_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, RECEIVERS / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # Django resolves ROOT_URLCONF through sys.modules
    spec.loader.exec_module(module)
    return module
