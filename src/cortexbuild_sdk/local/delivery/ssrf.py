"""SSRF guard: an address policy enforced on the resolved address at connect time.

Checking the URL text is not enough (a public name can resolve to 127.0.0.1 or to a cloud metadata
address, and DNS answers can change between a check and the connect). ``GuardedNetworkBackend`` resolves
the host itself, refuses the connection if ANY resolved address is not allowed, and connects to the
checked IP, so what was checked is what is dialled. TLS still verifies and sends SNI for the hostname:
httpcore passes ``server_hostname`` (the URL's host) to ``start_tls``, not the dialled IP.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
import typing
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

import httpcore
import httpx
from httpcore import AsyncNetworkBackend, AsyncNetworkStream

from .errors import AddressNotAllowedError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

METADATA_ADDRESSES: Final[frozenset[IPAddress]] = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP (metadata.google.internal), Azure, DigitalOcean, OpenStack
        "fd00:ec2::254",  # AWS IPv6 (inside fc00::/7, but never allowed)
        "100.100.100.200",  # Alibaba Cloud
        "192.0.0.192",  # Oracle Cloud
    )
)

PRIVATE_NETWORKS: Final[tuple[IPNetwork, ...]] = tuple(
    ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")
)

_THIS_NETWORK: Final = ipaddress.ip_network("0.0.0.0/8")
_NAT64: Final = ipaddress.ip_network("64:ff9b::/96")


def _unwrap(ip: IPAddress) -> IPAddress:
    """The IPv4 address an IPv6 address embeds (mapped, 6to4, NAT64), so v6 cannot smuggle a v4 target."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip.sixtofour is not None:
            return ip.sixtofour
        if ip in _NAT64:
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip


def _networks(values: Iterable[str | IPNetwork]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(v, strict=False) if isinstance(v, str) else v for v in values)


@dataclass(frozen=True)
class AddressPolicy:
    """Which resolved addresses a webhook delivery may connect to.

    Order of rules: cloud metadata and link-local are always refused; then ``deny`` refuses; then
    ``allow`` admits (it can open loopback or private ranges, never metadata/link-local); unspecified is
    refused; loopback follows ``allow_loopback`` (default True: local receivers run on the developer's
    machine); multicast and reserved are refused; private and other non-global ranges follow
    ``allow_private`` (default False); everything else (public unicast) is allowed.
    """

    allow_loopback: bool = True
    allow_private: bool = False
    allow: tuple[IPNetwork, ...] = field(default=())
    deny: tuple[IPNetwork, ...] = field(default=())

    @classmethod
    def build(
        cls,
        *,
        allow_loopback: bool = True,
        allow_private: bool = False,
        allow: Iterable[str | IPNetwork] = (),
        deny: Iterable[str | IPNetwork] = (),
    ) -> AddressPolicy:
        """Like the constructor, but networks may be given as strings (``"10.1.0.0/16"``)."""
        return cls(allow_loopback, allow_private, _networks(allow), _networks(deny))

    def refusal(self, address: str | IPAddress) -> str | None:
        """Why ``address`` is refused, or None when a connection to it is allowed."""
        raw = ipaddress.ip_address(address) if isinstance(address, str) else address
        ip = _unwrap(raw)
        if ip in METADATA_ADDRESSES or raw in METADATA_ADDRESSES:
            return "cloud metadata address"
        if ip.is_link_local:
            return "link-local address"
        if any(ip in n or raw in n for n in self.deny):
            return "address denied by policy"
        if any(ip in n or raw in n for n in self.allow):
            return None
        if ip.is_unspecified or ip in _THIS_NETWORK:
            return "unspecified address"
        if ip.is_loopback:  # before "reserved": ::1 sits inside the reserved ::/8
            return None if self.allow_loopback else "loopback address not allowed"
        if ip.is_multicast:
            return "multicast address"
        if ip.is_reserved:
            return "reserved address"
        if any(ip in n for n in PRIVATE_NETWORKS) or not ip.is_global:
            return None if self.allow_private else "private address not allowed"
        return None


class GuardedNetworkBackend(AsyncNetworkBackend):
    """An httpcore network backend that resolves, checks and then dials the checked IP."""

    def __init__(self, policy: AddressPolicy, inner: AsyncNetworkBackend | None = None) -> None:
        self._policy = policy
        self._inner = inner if inner is not None else httpcore.AnyIOBackend()

    async def resolve(self, host: str, port: int, timeout: float | None) -> list[str]:
        loop = asyncio.get_running_loop()
        try:
            infos = await asyncio.wait_for(
                loop.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP), timeout
            )
        except asyncio.TimeoutError:
            raise httpcore.ConnectTimeout(f"resolving {host!r} timed out") from None
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host!r}: {exc}") from None
        addresses: list[str] = []
        for info in infos:
            ip = str(info[4][0]).split("%", 1)[0]  # drop an IPv6 zone id
            if ip not in addresses:
                addresses.append(ip)
        for ip in addresses:
            reason = self._policy.refusal(ip)
            if reason is not None:
                raise AddressNotAllowedError(f"refused to connect to {host} ({ip}): {reason} (SSRF policy)")
        return addresses

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> AsyncNetworkStream:
        addresses = await self.resolve(host, port, timeout)
        last: Exception = httpcore.ConnectError(f"no address for {host!r}")
        for ip in addresses:
            try:
                return await self._inner.connect_tcp(
                    ip, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        raise last

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> AsyncNetworkStream:
        raise AddressNotAllowedError("unix sockets are never a webhook destination (SSRF policy)")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """``httpx.AsyncHTTPTransport`` whose connections go through :class:`GuardedNetworkBackend`.

    httpx 0.28 does not expose httpcore's ``network_backend`` argument, so the pool the parent built is
    replaced by an identical one that uses the guarded backend; ``handle_async_request`` (and its
    exception mapping) is inherited unchanged. No proxy and no environment settings: a proxy would
    connect on our behalf and bypass the check.
    """

    def __init__(self, policy: AddressPolicy, *, limits: httpx.Limits, verify: bool | ssl.SSLContext = True) -> None:
        # One SSL context for both pools (building one loads the CA store: the costly part of a transport).
        context = verify if isinstance(verify, ssl.SSLContext) else httpx.create_ssl_context(verify, trust_env=False)
        super().__init__(verify=context, trust_env=False, limits=limits)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            http1=True,
            http2=False,
            network_backend=GuardedNetworkBackend(policy),
        )
