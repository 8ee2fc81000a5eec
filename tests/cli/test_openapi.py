"""The OpenAPI document: complete for the route table, valid 3.1, served, and held to by schemathesis."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from openapi_spec_validator import validate

from cortexbuild_sdk.local.openapi import openapi_document
from cortexbuild_sdk.local.routes import ROUTES
from cortexbuild_sdk.local.routes.schemas import REQUESTS, RESPONSES

from .conftest import Server


def test_every_route_has_a_response_model_and_every_entry_a_route() -> None:
    table = {(r.method, r.pattern) for r in ROUTES}
    assert set(RESPONSES) == table
    assert set(REQUESTS) <= table
    assert {(r.method, r.pattern) for r in ROUTES if r.takes_body} == set(REQUESTS)


def test_document_is_valid_openapi_31_with_links_and_security() -> None:
    doc = openapi_document()
    validate(doc)
    assert doc["openapi"] == "3.1.0"
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    create = doc["paths"]["/api/integrations/webhooks"]["post"]
    links = create["responses"]["201"]["links"]
    assert links["get_integrations_webhooks_by_id"]["parameters"] == {"id": "$response.body#/webhook/id"}
    assert "404" in doc["paths"]["/api/integrations/webhooks/{id}"]["get"]["responses"]
    schemas = doc["components"]["schemas"]
    assert "pattern" in schemas["WebhookCreate"]["properties"]["url"]  # what a request must be...
    assert "pattern" not in schemas["Webhook"]["properties"]["url"]  # ...never narrows what an answer may hold
    operations = sum(len(methods) for methods in doc["paths"].values())
    assert operations == len(ROUTES)


def test_served_unauthenticated(server: Server) -> None:
    answer = httpx.get(server.url + "/openapi.json")
    assert answer.status_code == 200
    assert answer.json() == openapi_document()


@pytest.mark.slow
def test_schemathesis_finds_no_500_and_nothing_outside_the_schema(server: Server, tmp_path: Path) -> None:
    if shutil.which("schemathesis") is None and not _module_available():
        pytest.skip("schemathesis is not installed")
    # The owner key is the fuzzer's credential: revoking, rolling or re-scoping it would lock the rest out.
    excluded = [
        "--exclude-operation-id", "post_sdk_keys_by_id_revoke",
        "--exclude-operation-id", "post_sdk_keys_by_id_roll",
        "--exclude-operation-id", "patch_sdk_keys_by_id",
    ]  # fmt: skip
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "run",
            server.url + "/openapi.json",
            "-H",
            f"Authorization: Bearer {server.owner_key}",
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
            "--phases",
            "fuzzing,stateful",
            "--max-examples",
            os.environ.get("CORTEXBUILD_API_FUZZ_EXAMPLES", "3"),  # .ci/run's API fuzzer section raises both
            "--workers",
            "1",
            "--max-time",
            os.environ.get("CORTEXBUILD_API_FUZZ_SECONDS", "15"),
            "--seed",
            "1",
            "--no-color",
            *excluded,
        ],
        capture_output=True,
        text=True,
        timeout=int(os.environ.get("CORTEXBUILD_API_FUZZ_SECONDS", "15")) + 300,
        cwd=tmp_path,  # schemathesis keeps a cache in its working directory
    )
    print(result.stdout[-3000:])
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


def _module_available() -> bool:
    try:
        import schemathesis  # noqa: F401
    except ImportError:
        return False
    return True


def test_docs_copy_is_current() -> None:
    import json
    from pathlib import Path

    committed = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
    assert json.loads(committed.read_text()) == openapi_document(), (
        "docs/openapi.json is stale: run `cortexbuild local openapi > docs/openapi.json`"
    )
