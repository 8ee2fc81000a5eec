"""Shared fixtures for the webhook tests: Node-computed vectors and the example receivers as modules."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

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


@pytest.fixture
def secret() -> str:
    return "3f9a1c0e5b7d4e2fa8c6b0d1e9f7a5c3"


@pytest.fixture
def body() -> bytes:
    return (
        b'{"event":"project.created","timestamp":1709876543210,"data":{"project":{"id":123,'
        b'"name":"New Office Building","status":"active","budget":5000000,"client_id":45}},'
        b'"company_id":"company-1","user_id":"user-1"}'
    )


@pytest.fixture
def now() -> float:
    """A receiver clock 2 s after the fixture body's timestamp."""
    return 1709876543.210 + 2
