"""One scenario suite, two targets: the local backend's transport, and respx serving a loose platform.

Scenarios are written once against a synchronous surface. For the async client, :class:`Blocking`
drives every call on one event loop, so each scenario also runs through ``AsyncCortexBuild``.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx

from cortexbuild_sdk import AsyncCortexBuild, AsyncPaginator, CortexBuild
from cortexbuild_sdk.local import Backend

from .platform_emulator import platform_response

PLATFORM_URL = "http://localhost:3001"


class Blocking:
    """A synchronous view of an async client or resource: awaits results, collects async pages."""

    def __init__(self, target: Any, loop: asyncio.AbstractEventLoop) -> None:
        self._target = target
        self._loop = loop

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        if callable(value):
            return lambda *args, **kwargs: self._resolve(value(*args, **kwargs))
        if hasattr(value, "_client"):  # a resource or sub-resource
            return Blocking(value, self._loop)
        return value

    def _resolve(self, result: Any) -> Any:
        if isinstance(result, AsyncPaginator):
            return self._loop.run_until_complete(_collect(result))
        if inspect.isawaitable(result):
            result = self._loop.run_until_complete(result)
        if isinstance(result, AsyncCortexBuild):
            return Blocking(result, self._loop)
        return result


async def _collect(paginator: AsyncPaginator[Any]) -> list[Any]:
    return [item async for item in paginator]


class Target:
    """Builds clients (as any key) that reach one shared backend through one route."""

    def __init__(self, kind: str, mode: str, backend: Backend, loop: asyncio.AbstractEventLoop) -> None:
        self.kind, self.mode, self.backend, self._loop = kind, mode, backend, loop
        self._closers: list[Any] = []

    def client(self, api_key: str | None = None) -> Any:
        key = api_key or self.backend.owner_api_key
        if self.kind == "local":
            cls = CortexBuild if self.mode == "sync" else AsyncCortexBuild
            client: Any = cls.local(backend=self.backend, api_key=key, max_retries=0)
        else:
            cls = CortexBuild if self.mode == "sync" else AsyncCortexBuild
            client = cls(api_key=key, base_url=PLATFORM_URL, max_retries=0)
        self._closers.append(client)
        return client if self.mode == "sync" else Blocking(client, self._loop)

    def close(self) -> None:
        for client in self._closers:
            if isinstance(client, AsyncCortexBuild):
                self._loop.run_until_complete(client.close())
            else:
                client.close()


@pytest.fixture(params=["local-sync", "local-async", "respx-sync", "respx-async"])
def target(request: pytest.FixtureRequest) -> Iterator[Target]:
    kind, mode = request.param.split("-")
    loop = asyncio.new_event_loop()
    backend = Backend()
    target = Target(kind, mode, backend, loop)
    try:
        if kind == "respx":
            transport = backend.transport()
            # respx patches httpx everywhere: the platform's host goes to the emulator, while the backend's
            # own deliveries to loopback receivers pass through to the real network stack.
            with respx.mock(assert_all_called=False) as router:
                router.route(host="localhost", port=3001).mock(
                    side_effect=lambda req: platform_response(_forward(transport, req))
                )
                router.route(host="127.0.0.1").pass_through()
                yield target
        else:
            yield target
    finally:
        target.close()
        backend.close()
        loop.close()


def _forward(transport: httpx.BaseTransport, request: httpx.Request) -> httpx.Response:
    request.read()
    return transport.handle_request(request)


@pytest.fixture
def client(target: Target) -> Any:
    return target.client()
