"""SSRF policy and the connect-time guard (checked on the resolved address)."""

from __future__ import annotations

import httpx
import pytest
from receiver import Receiver

from cortexbuild_sdk.local.delivery import AddressNotAllowedError, AddressPolicy, GuardedTransport

ALWAYS = ["169.254.169.254", "fd00:ec2::254", "100.100.100.200", "192.0.0.192", "169.254.1.1", "fe80::1",
          "::ffff:169.254.169.254", "64:ff9b::a9fe:a9fe", "2002:a9fe:a9fe::1"]  # fmt: skip
PRIVATE = ["10.0.0.1", "172.16.5.4", "192.168.1.1", "100.64.0.1", "fc00::1", "fd12::1", "::ffff:10.0.0.1"]
NEVER = ["0.0.0.0", "0.1.2.3", "::", "224.0.0.1", "ff02::1", "240.0.0.1"]
PUBLIC = ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"]


@pytest.mark.parametrize("address", ALWAYS)
def test_metadata_and_link_local_are_always_refused(address: str) -> None:
    wide_open = AddressPolicy.build(allow_private=True, allow=["0.0.0.0/0", "::/0"])
    assert AddressPolicy().refusal(address) is not None
    assert wide_open.refusal(address) is not None


@pytest.mark.parametrize("address", PRIVATE)
def test_private_ranges_refused_unless_allowed(address: str) -> None:
    assert AddressPolicy().refusal(address) == "private address not allowed"
    assert AddressPolicy(allow_private=True).refusal(address) is None


def test_explicit_allow_and_deny_networks() -> None:
    policy = AddressPolicy.build(allow=["10.1.0.0/16"], deny=["93.184.216.0/24", "10.1.2.0/24"])
    assert policy.refusal("10.1.9.9") is None
    assert policy.refusal("10.2.0.1") == "private address not allowed"
    assert policy.refusal("10.1.2.3") == "address denied by policy"
    assert policy.refusal("93.184.216.34") == "address denied by policy"


@pytest.mark.parametrize("address", NEVER)
def test_unspecified_multicast_reserved_refused(address: str) -> None:
    assert AddressPolicy(allow_private=True).refusal(address) is not None


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_allowed(address: str) -> None:
    assert AddressPolicy().refusal(address) is None


def test_loopback_allowed_by_default_and_refusable() -> None:
    assert AddressPolicy().refusal("127.0.0.1") is None
    assert AddressPolicy().refusal("::1") is None
    assert AddressPolicy(allow_loopback=False).refusal("127.0.0.1") == "loopback address not allowed"
    assert AddressPolicy(allow_loopback=False).refusal("::ffff:127.0.0.1") == "loopback address not allowed"


async def _post(policy: AddressPolicy, url: str) -> httpx.Response:
    transport = GuardedTransport(policy, limits=httpx.Limits(max_connections=4))
    async with httpx.AsyncClient(transport=transport) as client:
        return await client.post(url, content=b"{}")


async def test_guard_connects_to_an_allowed_resolved_address(receiver: Receiver) -> None:
    response = await _post(AddressPolicy(), receiver.url("/ok", host="localhost"))
    assert response.status_code == 200
    assert receiver.requests("/ok")[0].headers["host"] == f"localhost:{receiver.port}"


async def test_guard_checks_the_resolved_address_not_the_url_text(receiver: Receiver) -> None:
    # "localhost" is not an IP literal: only resolution reveals it is loopback.
    with pytest.raises(AddressNotAllowedError, match=r"localhost \((127\.0\.0\.1|::1)\): loopback"):
        await _post(AddressPolicy(allow_loopback=False), receiver.url("/no", host="localhost"))
    with pytest.raises(AddressNotAllowedError, match="loopback"):
        await _post(AddressPolicy(allow_loopback=False), receiver.url("/no"))
    assert receiver.requests() == []


async def test_guard_refuses_metadata_before_any_packet() -> None:
    with pytest.raises(AddressNotAllowedError, match="cloud metadata"):
        await _post(AddressPolicy(), "http://169.254.169.254/latest/meta-data/")
    with pytest.raises(AddressNotAllowedError, match="cloud metadata"):
        await _post(AddressPolicy(), "http://[::ffff:169.254.169.254]/")


async def test_unresolvable_host_is_a_connect_error() -> None:
    with pytest.raises(httpx.ConnectError, match="cannot resolve"):
        await _post(AddressPolicy(), "http://nonexistent.invalid/")
