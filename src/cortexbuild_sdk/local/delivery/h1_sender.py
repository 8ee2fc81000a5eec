"""The fastest HTTP stack (the ``delivery`` extra): HTTP/1.1 on asyncio transports, parsed by httptools.

httptools (llhttp, Node's parser) parses every answer (status line, headers, chunked or sized bodies);
this module only writes requests, whose parts are fixed by the engine (method POST, signed headers it
validated, a body it built). Connections: resolved with the system resolver, refused unless the policy
allows every address, dialled at the checked address (what was checked is what is dialled), TLS through
``ssl`` with the engine's verifying context and the URL's host as SNI and for the certificate check.
Keep-alive pools per (scheme, host, port); no redirects (a 3xx is an answer), no proxies, no environment.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from functools import lru_cache
from typing import Final, cast
from urllib.parse import urlsplit

import httptools

from .attempt import READ_LIMIT, ConnectError, RawResponse
from .errors import AddressNotAllowedError
from .ssrf import AddressPolicy

__all__ = ["H1Sender"]

_FORBIDDEN_IN_TARGET: Final = frozenset(chr(c) for c in (*range(0x21), 0x7F))

Origin = tuple[str, str, int]


@lru_cache(maxsize=4096)
def _split(url: str) -> tuple[Origin, str, bytes]:
    """(scheme, host, port), the request target, and the request head's first two lines."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"unsupported URL {url!r}")
    host = parts.hostname.encode("idna").decode("ascii")
    port = parts.port or (443 if scheme == "https" else 80)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if any(ch in _FORBIDDEN_IN_TARGET for ch in target):
        raise ValueError(f"URL path has spaces or control characters: {url!r}")
    authority = f"[{host}]" if ":" in host else host
    if parts.port is not None:
        authority += f":{port}"
    return (scheme, host, port), target, f"POST {target} HTTP/1.1\r\nHost: {authority}\r\n".encode("ascii")


class _Connection(asyncio.Protocol):
    """One keep-alive connection; one request at a time."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self._parser = httptools.HttpResponseParser(self)
        self._waiter: asyncio.Future[RawResponse] | None = None
        self._reset()

    def _reset(self) -> None:
        self._status = 0
        self._retry_after: str | None = None
        self._encoding: str | None = None
        self._body = bytearray()
        self.reusable = False
        self.answered = False  # a byte of the answer arrived (a failure after that is not "stale")

    # -- asyncio.Protocol --------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # A stream transport (uvloop's are not asyncio.Transport subclasses, but have the same methods).
        self.transport = cast("asyncio.Transport", transport)

    def data_received(self, data: bytes) -> None:
        self.answered = True
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._fail(ConnectionError("the receiver switched protocols"))
        except httptools.HttpParserError as exc:
            self._fail(ConnectionError(f"malformed HTTP answer: {exc}"))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self._status and exc is None:  # a body delimited by the close: what arrived is the answer
            self._finish(reusable=False)
        self._fail(ConnectionResetError("the receiver closed the connection before answering in full"))

    # -- httptools callbacks -----------------------------------------------------------------------

    def on_header(self, name: bytes, value: bytes) -> None:
        key = name.lower()
        if key == b"retry-after":
            self._retry_after = value.decode("latin-1")
        elif key == b"content-encoding":
            self._encoding = value.decode("latin-1")

    def on_headers_complete(self) -> None:
        self._status = self._parser.get_status_code()

    def on_body(self, body: bytes) -> None:
        room = READ_LIMIT - len(self._body)
        if room > 0:
            self._body += body[:room]
        if len(self._body) >= READ_LIMIT:  # more than we read: answer now, never reuse this connection
            self._finish(reusable=False)

    def on_message_complete(self) -> None:
        self._finish(reusable=self._parser.should_keep_alive())

    # -- request -----------------------------------------------------------------------------------

    def _finish(self, *, reusable: bool) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            self.reusable = reusable and not self.closed
            waiter.set_result(RawResponse(self._status, self._retry_after, self._encoding, bytes(self._body)))

    def _fail(self, exc: Exception) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_exception(exc)

    async def exchange(self, request: bytes) -> RawResponse:
        assert self.transport is not None
        self._reset()  # the parser is kept: llhttp starts the next message once one completes (keep-alive)
        self._waiter = asyncio.get_running_loop().create_future()
        self.transport.write(request)
        try:
            return await self._waiter
        finally:
            self._waiter = None

    def abort(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.abort()


class H1Sender:
    name = "httptools"

    def __init__(self, policy: AddressPolicy, context: ssl.SSLContext, *, max_idle: int = 64) -> None:
        self._policy = policy
        self._max_idle = max_idle  # per origin: many endpoints often share one host and port
        self._context = context
        self._idle: dict[Origin, list[_Connection]] = {}
        self._open: set[_Connection] = set()

    async def _resolve(self, host: str, port: int) -> list[str]:
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
        except OSError as exc:
            raise ConnectError(f"cannot resolve {host!r}: {exc}") from None
        addresses: list[str] = []
        for info in infos:
            ip = str(info[4][0]).split("%", 1)[0]
            reason = self._policy.refusal(ip)
            if reason is not None:
                raise AddressNotAllowedError(f"refused to connect to {host} ({ip}): {reason} (SSRF policy)")
            if ip not in addresses:
                addresses.append(ip)
        return addresses

    async def _connect(self, origin: Origin) -> _Connection:
        scheme, host, port = origin
        loop = asyncio.get_running_loop()
        last: Exception = ConnectError(f"no address for {host!r}")
        for ip in await self._resolve(host, port):
            try:
                if scheme == "https":
                    _, conn = await loop.create_connection(
                        _Connection, ip, port, ssl=self._context, server_hostname=host
                    )
                else:
                    _, conn = await loop.create_connection(_Connection, ip, port)
            except ssl.SSLError as exc:
                raise ConnectError(f"TLS handshake with {host} failed: {exc}") from None
            except OSError as exc:
                last = ConnectError(f"{host}:{port} ({ip}): {exc.strerror or exc}")
                continue
            self._open.add(conn)
            return conn
        raise last

    def _checkout(self, origin: Origin) -> _Connection | None:
        idle = self._idle.get(origin)
        while idle:
            conn = idle.pop()
            if not conn.closed:
                return conn
            self._open.discard(conn)
        return None

    def _checkin(self, origin: Origin, conn: _Connection) -> None:
        idle = self._idle.setdefault(origin, [])
        if conn.reusable and not conn.closed and len(idle) < self._max_idle:
            idle.append(conn)
        else:
            self._drop(conn)

    def _drop(self, conn: _Connection) -> None:
        conn.abort()
        self._open.discard(conn)

    async def post(self, url: str, headers: dict[str, str], body: bytes) -> RawResponse:
        origin, _, head = _split(url)
        lines = "".join([f"{k}: {v}\r\n" for k, v in headers.items() if k.lower() != "host"])
        request = head + f"{lines}Content-Length: {len(body)}\r\n\r\n".encode("latin-1") + body
        conn = self._checkout(origin)
        reused = conn is not None
        if conn is None:
            conn = await self._connect(origin)
        try:
            try:
                response = await conn.exchange(request)
            except ConnectionError:
                if not reused or conn.answered:
                    raise
                # A kept-alive connection the receiver had closed while idle: once more on a fresh one.
                self._drop(conn)
                conn = await self._connect(origin)
                response = await conn.exchange(request)
        except BaseException:  # failed, or cancelled by the attempt's deadline: this connection is done
            self._drop(conn)
            raise
        self._checkin(origin, conn)
        return response

    async def aclose(self) -> None:
        for conn in list(self._open):
            self._drop(conn)
        self._idle.clear()
