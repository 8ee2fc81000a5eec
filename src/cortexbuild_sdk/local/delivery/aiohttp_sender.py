"""The fast HTTP stack (the ``delivery`` extra): aiohttp with a resolver that applies the address policy.

aiohttp connects to exactly the addresses its resolver returns, so checking them there is checking what
is dialled (the policy is applied to every address a name resolves to; one refused address refuses the
name). IP-literal hosts skip resolvers, so they are checked before the request. TLS verifies against the
engine's context and sends SNI for the URL's host; ``trust_env=False`` (no proxy from the environment),
``allow_redirects=False``, ``auto_decompress=False`` (the caller inflates, capped).
"""

from __future__ import annotations

import asyncio
import socket
import ssl

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from .attempt import READ_LIMIT, ConnectError, RawResponse
from .errors import AddressNotAllowedError
from .senders import check_literal
from .ssrf import AddressPolicy

__all__ = ["AiohttpSender", "GuardedResolver"]


class GuardedResolver(AbstractResolver):
    """Resolves with the system resolver, then refuses the host if any address is not allowed."""

    def __init__(self, policy: AddressPolicy) -> None:
        self._policy = policy

    async def resolve(self, host: str, port: int = 0, family: int = socket.AF_INET) -> list[ResolveResult]:
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM, family=socket.AF_UNSPEC)
        except OSError as exc:
            raise OSError(f"cannot resolve {host!r}: {exc}") from None
        out: list[ResolveResult] = []
        for fam, _, proto, _, address in infos:
            ip = str(address[0]).split("%", 1)[0]
            reason = self._policy.refusal(ip)
            if reason is not None:
                raise AddressNotAllowedError(f"refused to connect to {host} ({ip}): {reason} (SSRF policy)")
            out.append(
                {
                    "hostname": host,
                    "host": ip,
                    "port": port,
                    "family": fam,
                    "proto": proto,
                    "flags": socket.AI_NUMERICHOST,
                }
            )
        return out

    async def close(self) -> None:
        return None


class AiohttpSender:
    name = "aiohttp"

    def __init__(self, policy: AddressPolicy, context: ssl.SSLContext, *, concurrency: int) -> None:
        self._policy = policy
        self._context = context
        self._concurrency = concurrency
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None:  # on the loop that sends
            connector = aiohttp.TCPConnector(
                resolver=GuardedResolver(self._policy),
                ssl=self._context,
                limit=self._concurrency,
                limit_per_host=0,  # the claim enforces per-endpoint limits
                use_dns_cache=False,  # every new connection is resolved and checked again
                enable_cleanup_closed=False,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                trust_env=False,
                auto_decompress=False,
                cookie_jar=aiohttp.DummyCookieJar(),
                timeout=aiohttp.ClientTimeout(total=None),  # the attempt's own deadline covers everything
                skip_auto_headers=("Accept-Encoding", "User-Agent"),
            )
        return self._session

    async def post(self, url: str, headers: dict[str, str], body: bytes) -> RawResponse:
        session = self._open()
        try:
            check_literal(self._policy, URL(url).host or "")
            async with session.post(url, data=body, headers=headers, allow_redirects=False) as response:
                raw = bytearray()
                while len(raw) < READ_LIMIT:
                    chunk = await response.content.read(READ_LIMIT - len(raw))
                    if not chunk:
                        break
                    raw += chunk
                else:
                    response.close()  # more than we read: the connection cannot be reused
                return RawResponse(
                    response.status,
                    response.headers.get("Retry-After"),
                    response.headers.get("Content-Encoding"),
                    bytes(raw),
                )
        except aiohttp.ClientConnectorError as exc:
            inner = exc.os_error
            if isinstance(inner, AddressNotAllowedError):
                raise inner from None
            raise ConnectError(str(exc)) from None

    async def aclose(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()
