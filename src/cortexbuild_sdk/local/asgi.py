"""A thin ASGI adapter: serve a :class:`Backend` over real HTTP with any ASGI server (``cortexbuild local serve``
runs it under uvicorn).

The backend's app is synchronous SQLite work, so every request runs on a bounded worker pool, never on the
event loop; at most ``max_pending`` requests wait for a worker (beyond that the answer is 503 with
``Retry-After``, so a burst cannot queue unbounded memory). Request bodies are read chunk by chunk and refused
with 413 as soon as they pass the cap, before anything is buffered past it; multipart uploads are streamed to
the app instead, which holds them to the route's per-tier limit and writes the file to disk as it reads.
``GET /openapi.json`` serves the OpenAPI document without authentication. Lifespan: startup starts the
delivery engine (so deliveries queued by this store - by any process - are sent from here); shutdown closes
the backend, whose delivery engine lets in-flight attempts finish and record, leaving the rest queued.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import secrets
import threading
from collections.abc import Awaitable, Callable, Iterable, Iterator, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

from .app import _REQUEST_ID, MAX_BODY_BYTES
from .backend import Backend
from .http import LocalRequest, LocalResponse, json_body

__all__ = ["ASGIApp"]

_log = logging.getLogger("cortexbuild_sdk.local")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class ASGIApp:
    """``ASGIApp(backend)`` is an ASGI 3 application. It does not own the backend unless ``close_backend``."""

    def __init__(
        self,
        backend: Backend,
        *,
        workers: int = 8,
        max_pending: int = 256,
        max_body_bytes: int = MAX_BODY_BYTES,
        close_backend: bool = False,
        start_delivery: bool = True,
    ) -> None:
        self.backend = backend
        self.max_body_bytes = max_body_bytes
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="cortexbuild-http")
        self._slots = threading.BoundedSemaphore(workers + max_pending)
        self._close_backend = close_backend
        self._start_delivery = start_delivery
        self._openapi: bytes | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, send)
        elif kind == "lifespan":
            await self._lifespan(receive, send)
        else:  # websockets: not part of the API
            raise RuntimeError(f"unsupported ASGI scope type {kind!r}")

    # ---- lifespan ---------------------------------------------------------------------------------------

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                message = await receive()
            except asyncio.CancelledError:  # a forced exit (second Ctrl-C): the command's own cleanup closes
                return
            if message["type"] == "lifespan.startup":
                try:
                    if self._start_delivery:
                        await loop.run_in_executor(self._pool, self.backend.delivery.engine)
                except Exception as exc:
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await loop.run_in_executor(None, self.close)
                await send({"type": "lifespan.shutdown.complete"})
                return

    def close(self) -> None:
        """Finish queued requests, then close the backend if this adapter owns it."""
        self._pool.shutdown(wait=True)
        if self._close_backend:
            self.backend.close()

    # ---- http -------------------------------------------------------------------------------------------

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        method: str = scope["method"]
        path: str = scope["path"]
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        if method == "GET" and path == "/openapi.json":
            await _respond(
                send, LocalResponse(200, {"content-type": "application/json"}, self.openapi_bytes()), headers
            )
            return
        stream: _Inbound | None = None
        if method in ("POST", "PUT") and headers.get("content-type", "").lower().startswith("multipart/form-data"):
            # An upload: streamed to the app, which checks its route's own (per-tier) limit as it reads and
            # writes the file part to disk, never buffered here (the 1 MiB cap is for JSON bodies).
            body: bytes | LocalResponse = b""
            stream = _Inbound(receive, asyncio.get_running_loop())
        else:
            body = await self._read_body(receive, headers)
        if isinstance(body, LocalResponse):
            await _respond(send, body, headers)
            return
        if not self._slots.acquire(blocking=False):
            busy = _error(503, "overloaded", "the server is busy; retry shortly", {"retry-after": "1"})
            await _respond(send, busy, headers)
            return
        query: dict[str, str] = {}
        for name, value in parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True):
            query.setdefault(name, value)
        request = LocalRequest(method=method, path=path, query=query, headers=headers, body=body, stream=stream)
        try:
            future = self._pool.submit(self.backend.handle, request)
        except RuntimeError:  # the pool is shutting down
            self._slots.release()
            closing = _error(503, "shutting_down", "the server is shutting down", {"retry-after": "1"})
            await _respond(send, closing, headers)
            return
        future.add_done_callback(lambda _f: self._slots.release())
        try:
            response = await asyncio.wrap_future(future)
        except Exception:  # a bug past the app's own net (e.g. while rendering): still the platform's shape
            _log.exception("local backend: unhandled error on %s %s", method, path)
            response = _error(500, "internal_error", "internal error in the local backend")
        if response.stream is not None:
            await self._stream(send, response, response.stream)
            return
        await _respond(send, response, headers)

    async def _stream(self, send: Send, response: LocalResponse, stream: Iterable[bytes]) -> None:
        """A download: chunks are read on the worker pool (file reads block) and sent as they come."""
        loop = asyncio.get_running_loop()
        chunks = iter(stream)
        raw = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers.items()]
        try:
            await send({"type": "http.response.start", "status": response.status, "headers": raw})
            while True:
                chunk = await loop.run_in_executor(self._pool, next, chunks, None)
                if chunk is None:
                    break
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()  # a generator holding a file: closed even when the client went away

    async def _read_body(self, receive: Receive, headers: dict[str, str]) -> bytes | LocalResponse:
        declared = headers.get("content-length")
        if declared is not None and declared.isascii() and declared.isdigit() and int(declared) > self.max_body_bytes:
            return self._too_large(int(declared))
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return b"".join(chunks)
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                return self._too_large(size)
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    def _too_large(self, size: int) -> LocalResponse:
        return _error(
            413, "payload_too_large", f"request body is at least {size} bytes; the limit is {self.max_body_bytes}"
        )

    def openapi_bytes(self) -> bytes:
        if self._openapi is None:
            from .openapi import openapi_document

            self._openapi = json_body(openapi_document())
        return self._openapi


class _Inbound:
    """A request body read by a worker thread from the event loop's ``receive``, chunk by chunk. A client that
    goes away or stalls past :attr:`STALL` seconds ends the body early (the upload is then refused as
    truncated)."""

    STALL = 60.0

    def __init__(self, receive: Receive, loop: asyncio.AbstractEventLoop) -> None:
        self._receive, self._loop = receive, loop

    def __iter__(self) -> Iterator[bytes]:
        while True:
            future: concurrent.futures.Future[MutableMapping[str, Any]]
            future = asyncio.run_coroutine_threadsafe(_awaited(self._receive()), self._loop)
            try:
                message = future.result(self.STALL)
            except (concurrent.futures.TimeoutError, RuntimeError):
                future.cancel()
                return
            if message["type"] != "http.request":
                return
            chunk: bytes = message.get("body", b"")
            if chunk:
                yield chunk
            if not message.get("more_body", False):
                return


async def _awaited(awaitable: Awaitable[MutableMapping[str, Any]]) -> MutableMapping[str, Any]:
    return await awaitable  # run_coroutine_threadsafe takes a coroutine; ASGI's receive is any awaitable


def _error(status: int, code: str, message: str, extra: dict[str, str] | None = None) -> LocalResponse:
    headers = {"content-type": "application/json", **(extra or {})}
    return LocalResponse(status, headers, json_body({"success": False, "error": message, "code": code}))


async def _respond(send: Send, response: LocalResponse, request_headers: dict[str, str]) -> None:
    """Send ``response``. The app's answers carry their ``X-Request-Id``; the adapter's own (413, 503, the
    OpenAPI document) get one here too: the request's, if it sent a usable one, else a fresh id."""
    raw = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers.items()]
    if "x-request-id" not in response.headers:
        given = request_headers.get("x-request-id")
        rid = given if given and _REQUEST_ID.match(given) else "req_" + secrets.token_hex(12)
        raw.append((b"x-request-id", rid.encode("ascii")))
    if "content-length" not in response.headers:
        raw.append((b"content-length", str(len(response.body)).encode("ascii")))
    await send({"type": "http.response.start", "status": response.status, "headers": raw})
    await send({"type": "http.response.body", "body": response.body})
