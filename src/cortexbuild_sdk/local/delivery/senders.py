"""The engine's HTTP stacks. Both keep every guarantee: the address policy applied to the resolved
address at connect time, TLS verified, no redirects, no proxies or environment settings, keep-alive pools,
at most :data:`~.attempt.READ_LIMIT` raw body bytes read (decompression is the caller's, capped).

``httptools`` (the ``delivery`` extra: HTTP/1.1 on asyncio transports, answers parsed by httptools) is the
fast one, chosen by measurement over aiohttp and httpx (``benchmarks/bench_delivery.py``); httpx, a core
dependency, is the fallback when it is not installed.
"""

from __future__ import annotations

import ipaddress
import ssl
from functools import lru_cache
from typing import Final

import httpx

from .attempt import READ_LIMIT, RawResponse, Sender
from .errors import AddressNotAllowedError
from .ssrf import AddressPolicy, GuardedTransport

__all__ = ["HttpxSender", "available_stacks", "make_sender"]

_MAX_SHARDS: Final = 32


def available_stacks() -> list[str]:
    """The stacks this installation can use, fastest first."""
    try:
        import httptools  # noqa: F401
    except ImportError:
        return ["httpx"]
    return ["httptools", "httpx"]


def make_sender(
    stack: str | None, policy: AddressPolicy, context: ssl.SSLContext, *, concurrency: int, per_endpoint: int
) -> Sender:
    """A sender on ``stack`` (``"httptools"`` / ``"httpx"``; None: the fastest installed)."""
    chosen = stack if stack is not None else available_stacks()[0]
    if chosen == "httptools":
        from .h1_sender import H1Sender

        return H1Sender(policy, context, max_idle=concurrency)
    if chosen == "httpx":
        return HttpxSender(policy, context, concurrency=concurrency, per_endpoint=per_endpoint)
    raise ValueError(f"unknown HTTP stack {stack!r}; expected one of {available_stacks()}")


def check_literal(policy: AddressPolicy, host: str) -> None:
    """Refuse an IP-literal host the policy refuses (stacks skip their resolver for literals)."""
    try:
        address = ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return
    reason = policy.refusal(address)
    if reason is not None:
        raise AddressNotAllowedError(f"refused to connect to {host}: {reason} (SSRF policy)")


@lru_cache(maxsize=4096)
def _parse_url(url: str) -> httpx.URL:
    # Endpoints are few and their URLs repeat on every attempt: parse each once.
    return httpx.URL(url)


class HttpxSender:
    """httpx's transport, driven directly (no ``AsyncClient``: no auth, redirects or cookie jar to skip).

    Endpoints are spread over several small connection pools: httpcore scans every queued request against
    every connection of a pool on each request, so one pool of 64 connections costs far more CPU per request
    than pools holding a few endpoints each.
    """

    name = "httpx"

    def __init__(self, policy: AddressPolicy, context: ssl.SSLContext, *, concurrency: int, per_endpoint: int) -> None:
        self._policy = policy
        self._context = context
        self._limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=per_endpoint * 2)
        self._shards = max(1, min(_MAX_SHARDS, 2 * concurrency // per_endpoint))
        self._transports: dict[int, GuardedTransport] = {}

    def _transport(self, url: httpx.URL) -> GuardedTransport:
        shard = hash(str(url)) % self._shards  # by endpoint: one host's many endpoints spread over the pools
        transport = self._transports.get(shard)
        if transport is None:
            transport = GuardedTransport(self._policy, limits=self._limits, verify=self._context)
            self._transports[shard] = transport
        return transport

    async def post(self, url: str, headers: dict[str, str], body: bytes) -> RawResponse:
        parsed = _parse_url(url)
        check_literal(self._policy, parsed.host)
        request = httpx.Request("POST", parsed, content=body, headers=headers)
        response = await self._transport(parsed).handle_async_request(request)
        try:
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_raw():  # raw: inflating is capped by the caller
                chunks.append(chunk)
                size += len(chunk)
                if size >= READ_LIMIT:
                    break
        finally:
            await response.aclose()
        headers_in = response.headers
        return RawResponse(
            response.status_code,
            headers_in.get("retry-after"),
            headers_in.get("content-encoding"),
            b"".join(chunks)[:READ_LIMIT],
        )

    async def aclose(self) -> None:
        transports, self._transports = list(self._transports.values()), {}
        for transport in transports:
            await transport.aclose()
