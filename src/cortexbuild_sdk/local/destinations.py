"""Webhook destinations that delivery would always refuse, refused when the webhook is created or updated.

Only a URL that *names an address* can be judged at create: an IP literal in any spelling a resolver accepts
(dotted, decimal ``2130706433``, hex ``0x7f000001``, octal ``0177.0.0.1``, short ``127.1``, bracketed IPv6
with embedded IPv4 or a zone id) or ``localhost`` (and ``*.localhost``, which resolvers answer with loopback).
Those are checked against the delivery engine's own :class:`~.delivery.ssrf.AddressPolicy`, so create and send
agree. Names are never resolved here (a name need not resolve where the API runs, and its answer can change):
the connect-time guard, which re-resolves and checks every address it dials, stays the line that holds.
"""

from __future__ import annotations

import ipaddress
import unicodedata
from urllib.parse import unquote, urlsplit

from . import errors
from .delivery.ssrf import AddressPolicy
from .services.context import Runtime

__all__ = ["check_destination", "delivery_policy", "literal_address"]

_LOOPBACK = ipaddress.ip_address("127.0.0.1")


def _ipv4_number(part: str) -> int | None:
    """One part of an IPv4 literal as inet_aton (and the WHATWG URL parser) reads it: 0x hex, 0 octal, decimal."""
    text = part.lower()
    try:
        if text.startswith("0x"):
            return int(text[2:] or "0", 16)
        if len(text) > 1 and text.startswith("0"):
            return int(text[1:], 8)
        return int(text, 10) if text.isascii() and text.isdigit() else None
    except ValueError:
        return None


def _ipv4(host: str) -> ipaddress.IPv4Address | None:
    parts = host.split(".")
    if parts and parts[-1] == "" and len(parts) > 1:  # one trailing dot is allowed
        parts.pop()
    if not 1 <= len(parts) <= 4 or any(not p for p in parts):
        return None
    numbers = [_ipv4_number(p) for p in parts]
    if any(n is None for n in numbers):
        return None
    values = [n for n in numbers if n is not None]
    if any(n > 255 for n in values[:-1]) or values[-1] >= 256 ** (5 - len(values)):
        return None
    address = values[-1]
    for index, value in enumerate(values[:-1]):
        address += value << (8 * (3 - index))
    return ipaddress.IPv4Address(address)


def literal_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a URL's host names literally (``localhost`` counts as loopback), or None for a real name."""
    # NFKC and the ideographic dots: fullwidth digits and U+3002 spell 127.0.0.1 to a URL parser applying UTS 46
    host = unicodedata.normalize("NFKC", unquote(host)).strip().lower()
    host = host.replace("\u3002", ".").replace("\uff0e", ".").replace("\uff61", ".")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host.split("%", 1)[0])  # a zone id does not change the address's class
        except ValueError:
            return None
    name = host.rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return _LOOPBACK
    return _ipv4(host)


def check_destination(url: str, policy: AddressPolicy, *, field: str = "url") -> None:
    """:class:`errors.Invalid` if ``url`` names an address ``policy`` refuses (the URL is already well formed)."""
    netloc = urlsplit(url).netloc.rpartition("@")[2]
    host = netloc[: netloc.index("]") + 1] if netloc.startswith("[") and "]" in netloc else netloc.rsplit(":", 1)[0]
    address = literal_address(host)
    if address is None:
        return
    reason = policy.refusal(address)
    if reason is not None:
        message = f"{field} names {address} ({reason}): webhook delivery never connects there"
        raise errors.Invalid(message, details=[{"field": field, "message": message}])


def delivery_policy(rt: Runtime) -> AddressPolicy:
    """The policy the backend's delivery engines enforce (the default one when delivery is not running)."""
    hub = rt.delivery
    return hub.policy if hub is not None else AddressPolicy()
