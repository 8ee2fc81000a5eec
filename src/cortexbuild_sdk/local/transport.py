"""httpx transports mounting the app in-process: no sockets, any base URL. The async one runs the (blocking,
SQLite) app in a worker thread so it never blocks the event loop.

Bodies: content httpx already holds in memory (``json=``, ``content=bytes``) is handed over as those very
bytes; streamed content (``files=``, generators, file objects) is passed through chunk by chunk, so an upload
is never buffered whole. Responses the app streams (downloads) are streamed to the client the same way.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Iterator

import anyio.from_thread
import anyio.to_thread
import httpx

from .http import LocalRequest, LocalResponse

__all__ = ["AsyncLocalTransport", "LocalTransport"]

Handler = Callable[[LocalRequest], LocalResponse]


def _to_local(request: httpx.Request, body: bytes, stream: Iterable[bytes] | None = None) -> LocalRequest:
    return LocalRequest(
        method=request.method,
        path=request.url.path,
        query=dict(request.url.params.items()) if request.url.query else {},
        headers=dict(request.headers.items()),
        body=body,
        stream=stream,
    )


def _in_memory(request: httpx.Request) -> bool:
    return isinstance(request.stream, httpx.ByteStream) or hasattr(request, "_content")


def _headers(response: LocalResponse) -> list[tuple[bytes, bytes]]:
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers.items()]
    if "content-length" not in response.headers and response.stream is None:
        headers.append((b"content-length", str(len(response.body)).encode("ascii")))
    return headers


def _to_httpx(response: LocalResponse, request: httpx.Request) -> httpx.Response:
    # Like a network transport: complete headers (content-length included) and a byte stream the client reads,
    # which skips httpx's content-encoding pass over headers we already know.
    stream: httpx.SyncByteStream = (
        httpx.ByteStream(response.body) if response.stream is None else _SyncChunks(response.stream)
    )
    return httpx.Response(response.status, headers=_headers(response), stream=stream, request=request)


class _SyncChunks(httpx.SyncByteStream):
    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = chunks

    def __iter__(self) -> Iterator[bytes]:
        yield from self._chunks

    def close(self) -> None:
        close = getattr(self._chunks, "close", None)
        if close is not None:
            close()  # a generator over an open file closes the file


class _AsyncChunks(httpx.AsyncByteStream):
    """The app's chunks read on a worker thread (they may come from a file) and handed to the event loop."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._iter = iter(chunks)
        self._chunks = chunks

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while (chunk := await anyio.to_thread.run_sync(next, self._iter, None)) is not None:
            yield chunk

    async def aclose(self) -> None:
        close = getattr(self._chunks, "close", None)
        if close is not None:
            await anyio.to_thread.run_sync(close)


def _from_loop(stream: AsyncIterable[bytes]) -> Iterator[bytes]:
    """An async body read chunk by chunk from the app's worker thread, each chunk fetched on the event loop."""
    chunks = stream.__aiter__()

    async def next_chunk() -> bytes | None:
        try:
            return await chunks.__anext__()
        except StopAsyncIteration:
            return None

    while (chunk := anyio.from_thread.run(next_chunk)) is not None:
        yield chunk


class LocalTransport(httpx.BaseTransport):
    def __init__(self, handler: Handler) -> None:
        self._handler = handler

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if _in_memory(request) or not isinstance(request.stream, Iterable):
            local = _to_local(request, request.read())
        else:
            local = _to_local(request, b"", request.stream)
        return _to_httpx(self._handler(local), request)


class AsyncLocalTransport(httpx.AsyncBaseTransport):
    def __init__(self, handler: Handler) -> None:
        self._handler = handler

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if _in_memory(request) or not isinstance(request.stream, AsyncIterable):
            local = _to_local(request, await request.aread())
        else:
            local = _to_local(request, b"", _from_loop(request.stream))
        response = await anyio.to_thread.run_sync(self._handler, local)
        stream: httpx.AsyncByteStream = (
            httpx.ByteStream(response.body) if response.stream is None else _AsyncChunks(response.stream)
        )
        return httpx.Response(response.status, headers=_headers(response), stream=stream, request=request)
