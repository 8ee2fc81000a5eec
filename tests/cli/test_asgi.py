"""The ASGI adapter in-process: the bounded queue answers 503 instead of queueing without limit."""

from __future__ import annotations

import asyncio
import threading

import httpx

from cortexbuild_sdk.local import Backend
from cortexbuild_sdk.local.asgi import ASGIApp
from cortexbuild_sdk.local.http import LocalRequest, LocalResponse


async def test_a_full_queue_answers_503_with_retry_after() -> None:
    gate = threading.Event()
    with Backend() as backend:
        real = backend.handle

        def slow(request: LocalRequest) -> LocalResponse:
            gate.wait(10)
            return real(request)

        backend.handle = slow  # type: ignore[method-assign]
        app = ASGIApp(backend, workers=1, max_pending=1, start_delivery=False)
        headers = {"authorization": f"Bearer {backend.owner_api_key}"}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t", headers=headers) as client:
            held = [asyncio.create_task(client.get("/api/sdk/plan")) for _ in range(2)]
            await asyncio.sleep(0.2)
            refused = await client.get("/api/sdk/plan")
            gate.set()
            answered = await asyncio.gather(*held)
        app.close()
    assert refused.status_code == 503 and refused.headers["retry-after"] == "1"
    assert refused.json() == {"success": False, "error": "the server is busy; retry shortly", "code": "overloaded"}
    assert [a.status_code for a in answered] == [200, 200]


async def test_an_error_escaping_the_app_is_a_json_500_not_a_crash() -> None:
    with Backend() as backend:

        def broken(request: LocalRequest) -> LocalResponse:
            raise ValueError("Out of range float values are not JSON compliant")

        backend.handle = broken  # type: ignore[method-assign]
        app = ASGIApp(backend, start_delivery=False)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            answer = await client.get("/api/sdk/plan")
        app.close()
    assert answer.status_code == 500
    assert answer.json() == {"success": False, "error": "internal error in the local backend", "code": "internal_error"}


async def test_a_download_streams_the_whole_file_with_its_type() -> None:
    content = b"%PDF-1.4\n" + bytes(range(256)) * 2000  # larger than one chunk
    with Backend() as backend:
        app = ASGIApp(backend, start_delivery=False)
        headers = {"authorization": f"Bearer {backend.owner_api_key}"}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t", headers=headers) as client:
            project = (await client.post("/api/projects", json={"name": "Tower"})).json()["data"]
            files = {"file": ("plan.pdf", content, "application/pdf")}
            form = {"project_id": str(project["id"]), "name": "Plan"}
            created = await client.post("/api/documents", data=form, files=files)
            assert created.status_code == 201, created.text
            answer = await client.get(f"/api/documents/{created.json()['data']['id']}/download")
        app.close()
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.content == content and answer.headers["content-length"] == str(len(content))


async def test_head_answers_gets_status_and_headers_without_the_body() -> None:
    content = b"%PDF-1.4\n" + bytes(range(256)) * 100
    with Backend() as backend:
        app = ASGIApp(backend, start_delivery=False)
        headers = {"authorization": f"Bearer {backend.owner_api_key}"}
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t", headers=headers) as c:
            project = (await c.post("/api/projects", json={"name": "Tower"})).json()["data"]["id"]
            files = {"file": ("plan.pdf", content, "application/pdf")}
            form = {"project_id": str(project), "name": "Plan"}
            doc = (await c.post("/api/documents", data=form, files=files)).json()["data"]["id"]
            for path in ("/api/sdk/plan", f"/api/documents/{doc}/download", "/api/projects/999"):
                got, head = await c.get(path), await c.head(path)
                assert (head.status_code, head.content) == (got.status_code, b"")
                assert head.headers["content-type"] == got.headers["content-type"]
                assert int(head.headers["content-length"]) == len(got.content)
            assert (await c.head("/api/sdk/plan", headers={"authorization": "Bearer nope"})).status_code == 401
            refused = await c.request("PUT", "/api/sdk/plan")
            assert refused.status_code == 405 and "HEAD" in refused.headers["allow"].split(", ")
        app.close()
