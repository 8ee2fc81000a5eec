"""The API reference is generated from the code (mkdocstrings), so it cannot drift from it."""

from __future__ import annotations

import importlib.util
import os
import pkgutil
import re
import subprocess
import sys
from collections.abc import Iterator
from functools import cached_property
from pathlib import Path
from typing import Any

import pytest

import cortexbuild_sdk.types
from cortexbuild_sdk import CortexBuild
from cortexbuild_sdk._resource import APIResource

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "docs" / "reference"


def _directives() -> set[str]:
    found: set[str] = set()
    for page in REFERENCE.glob("*.md"):
        found.update(re.findall(r"^::: ([\w.]+)$", page.read_text(encoding="utf-8"), flags=re.MULTILINE))
    return found


def _resource_classes(resource: Any) -> Iterator[type[Any]]:
    yield type(resource)
    for name in dir(type(resource)):
        if isinstance(getattr(type(resource), name, None), cached_property):
            child = getattr(resource, name)
            if isinstance(child, APIResource):
                yield from _resource_classes(child)


def test_every_resource_class_has_a_generated_reference() -> None:
    client = CortexBuild(api_key="cbk_test_docs")
    classes = {
        f"{cls.__module__}.{cls.__qualname__}"
        for name in dir(type(client))
        if isinstance(getattr(type(client), name, None), cached_property)
        and isinstance(getattr(client, name), APIResource)
        for cls in _resource_classes(getattr(client, name))
    }
    assert len(classes) >= 10
    assert classes <= _directives(), f"not in docs/reference: {sorted(classes - _directives())}"


def test_every_model_module_and_the_public_modules_have_a_generated_reference() -> None:
    modules = {f"cortexbuild_sdk.types.{m.name}" for m in pkgutil.iter_modules(cortexbuild_sdk.types.__path__)}
    wanted = modules | {"cortexbuild_sdk.webhooks", "cortexbuild_sdk.local.Backend", "cortexbuild_sdk.testing"}
    assert wanted <= _directives(), f"not in docs/reference: {sorted(wanted - _directives())}"


@pytest.mark.skipif(importlib.util.find_spec("mkdocstrings") is None, reason="needs the docs dependencies")
def test_the_built_reference_lists_the_fields_the_wire_sends(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "NO_MKDOCS_2_WARNING": "1"}
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(tmp_path)]
    subprocess.run(command, cwd=ROOT, env=env, check=True, timeout=300, capture_output=True)
    types_page = (tmp_path / "reference" / "types" / "index.html").read_text(encoding="utf-8")
    for anchor in (
        "cortexbuild_sdk.types.webhook.Webhook.disabled_at",
        "cortexbuild_sdk.types.webhook.Webhook.disabled_reason",
        "cortexbuild_sdk.types.webhook.Webhook.rate_limit_per_second",
        "cortexbuild_sdk.types.webhook.WebhookLog.event_id",
        "cortexbuild_sdk.types.api_key.ApiKey.updated_at",
    ):
        assert f'id="{anchor}"' in types_page, anchor
    webhooks_page = (tmp_path / "reference" / "webhooks" / "index.html").read_text(encoding="utf-8")
    assert "RequestSpec" not in webhooks_page and "PageSpec" not in webhooks_page
