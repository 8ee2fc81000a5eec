"""httpx transports mounting the app in-process: no sockets, any base URL. The async one runs the (blocking,
SQLite) app in a worker thread so it never blocks the event loop."""

from __future__ import annotations

from collections.abc import Callable

import anyio.to_thread
import httpx

from .http import LocalRequest, LocalResponse

__all__ = ["AsyncLocalTransport", "LocalTransport"]

Handler = Callable[[LocalRequest], LocalResponse]


def _to_local(request: httpx.Request, body: bytes) -> LocalRequest:
    return LocalRequest(
        method=request.method,
        path=request.url.path,
        query=dict(request.url.params.items()) if request.url.query else {},
        headers=dict(request.headers.items()),
        body=body,
    )


def _to_httpx(response: LocalResponse, request: httpx.Request) -> httpx.Response:
    # Like a network transport: complete headers (content-length included) and a byte stream the client reads,
    # which skips httpx's content-encoding pass over headers we already know.
    body = response.body
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers.items()]
    if "content-length" not in response.headers:
        headers.append((b"content-length", str(len(body)).encode("ascii")))
    return httpx.Response(response.status, headers=headers, stream=httpx.ByteStream(body), request=request)


class LocalTransport(httpx.BaseTransport):
    def __init__(self, handler: Handler) -> None:
        self._handler = handler

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return _to_httpx(self._handler(_to_local(request, request.read())), request)


class AsyncLocalTransport(httpx.AsyncBaseTransport):
    def __init__(self, handler: Handler) -> None:
        self._handler = handler

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        local = _to_local(request, await request.aread())
        response = await anyio.to_thread.run_sync(self._handler, local)
        return _to_httpx(response, request)
