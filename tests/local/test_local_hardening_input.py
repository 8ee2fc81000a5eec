"""Issue 9, bad input: nothing unrenderable is committed, malformed input is a 4xx, authentication comes
before routing, and webhook destinations that delivery would always refuse are refused at create/update."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from helpers_local import WEBHOOK, err, ok

from cortexbuild_sdk.local import Backend, LocalRequest
from cortexbuild_sdk.local.delivery import AddressPolicy

HOOKS = "/api/integrations/webhooks"


def _raw_post(client: httpx.Client, path: str, text: str) -> httpx.Response:
    return client.post(
        path, content=text.encode("utf-8", "surrogatepass"), headers={"content-type": "application/json"}
    )


# ---- 1. committed, then unrenderable ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "text"),
    [
        (
            "/api/integrations",
            '{"provider": "stripe", "name": "s", "credentials": {"apiKey": "x"}, "config": {"a": 1e999}}',
        ),
        (
            "/api/integrations",
            '{"provider": "stripe", "name": "s", "credentials": {"apiKey": "x"}, "config": {"a": -1e999}}',
        ),
        (
            "/api/integrations",
            '{"provider": "stripe", "name": "s", "credentials": {"apiKey": "x"}, "config": {"a": "\\ud800"}}',
        ),
        (
            "/api/integrations",
            '{"provider": "stripe", "name": "s", "credentials": {"apiKey": "x"}, "config": {"\\udfff": 1}}',
        ),
        ("/api/sdk/usage/ai", '{"model": "m", "metadata": {"x": 1e999}}'),
        ("/api/sdk/usage/ai", '{"model": "m\\ud800"}'),
        (HOOKS, '{"name": "h\\udc00", "url": "https://example.com/h", "events": ["*"]}'),
        ("/api/sdk/sandboxes", '{"name": "s", "description": "\\ud83d"}'),
    ],
)
def test_unrenderable_values_are_refused_before_anything_is_written(
    client: httpx.Client, backend: Backend, path: str, text: str
) -> None:
    before = _dump(backend)
    body = err(_raw_post(client, path, text), 400, "invalid_json")
    assert "request body" in body["error"]
    assert _dump(backend) == before
    for listing in ("/api/integrations/list", f"{HOOKS}/list", "/api/sdk/sandboxes", "/api/sdk/usage/ai"):
        ok(client.get(listing))  # the account is not poisoned


def test_a_handler_answer_that_cannot_render_is_a_500_not_an_exception(backend: Backend) -> None:
    app = backend._app  # the last line of defence: rendering happens inside handle's error handling
    route, _ = app.router.match("GET", "/api/sdk/plan")
    original = route.handler
    object.__setattr__(route, "handler", lambda call: (200, {"x": float("inf")}))
    try:
        response = backend.handle(
            LocalRequest("GET", "/api/sdk/plan", headers={"authorization": f"Bearer {backend.owner_api_key}"})
        )
    finally:
        object.__setattr__(route, "handler", original)
    assert response.status == 500 and response.json()["code"] == "internal_error"


def test_huge_integers_and_times_never_reach_the_store(client: httpx.Client, backend: Backend) -> None:
    before = _dump(backend)
    err(client.post("/api/sdk/usage/ai", json={"model": "m", "total_tokens": 10**30}), 400, "invalid_json")
    err(client.post("/api/sdk/usage/ai", json={"model": "m", "prompt_tokens": 2**63}), 400, "invalid_json")
    err(client.post("/api/sdk/usage/ai", json={"model": "m", "prompt_tokens": 2**62}), 400, "validation_error")
    err(client.post("/api/sdk/usage/ai", json={"model": "m", "estimated_cost": 1e308}), 400, "validation_error")
    err(
        _raw_post(client, "/api/sdk/usage/ai", '{"model": "m", "total_tokens": ' + "9" * 5000 + "}"),
        400,
        "invalid_json",
    )
    for expires, code in (
        ("9999-12-31T23:59:59-14:00", "validation_error"),
        (10**17, "validation_error"),
        (2**63, "invalid_json"),
        (-(2**70), "invalid_json"),
    ):
        err(
            client.post("/api/sdk/keys", json={"name": "k", "scopes": ["usage:read"], "expires_at": expires}), 400, code
        )
    err(
        _raw_post(client, "/api/sdk/keys", '{"name": "k", "scopes": ["usage:read"], "expires_at": ' + "1" * 3000 + "}"),
        400,
        "invalid_json",
    )
    assert _dump(backend) == before
    ok(client.get("/api/sdk/keys"))


# ---- 2. no 500 on malformed input ---------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [200, 5000, 100_000])
def test_deeply_nested_json_is_a_400(client: httpx.Client, depth: int) -> None:
    text = '{"provider": "stripe", "name": "s", "config": {"a": ' + "[" * depth + "]" * depth + "}}"
    err(_raw_post(client, "/api/integrations", text), 400, "invalid_json")


@pytest.mark.parametrize("value", ["²", "١٢", "\U0001d7d7", "1" * 5000, "9" * 25, "-1", "0x10", "1_0"])
def test_integer_query_params_take_only_ascii_digits(client: httpx.Client, value: str) -> None:
    for path in (f"{HOOKS}/list", "/api/integrations/list", "/api/sdk/keys", "/api/sdk/sandboxes"):
        err(client.get(path, params={"limit": value}), 400, "validation_error")
    err(client.get("/api/sdk/usage/ai", params={"days": value}), 400, "validation_error")


@pytest.mark.parametrize("number", ["²", "1" * 5000, "9" * 30, "٣"])
def test_cursors_with_odd_numbers_are_a_400(client: httpx.Client, number: str) -> None:
    import base64

    cursor = base64.urlsafe_b64encode(f"id:{number}".encode()).decode().rstrip("=")
    err(client.get(f"{HOOKS}/list", params={"cursor": cursor}), 400, "validation_error")


@pytest.mark.parametrize("since", ["²", "1" * 5000, "٣٣"])
def test_recover_since_with_odd_digits_is_a_400(client: httpx.Client, since: str) -> None:
    hook = ok(client.post(HOOKS, json=WEBHOOK))["webhook"]
    err(client.post(f"{HOOKS}/{hook['id']}/recover", json={"since": since}), 400, "validation_error")


# ---- 3. authentication before routing -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/nope"),
        ("GET", "/api/integrations/webhooks/abc"),
        ("DELETE", "/api/sdk/plan"),
        ("OPTIONS", "/api/sdk/plan"),
        ("BREW", "/api/integrations"),
        ("GET", "/api/integrations/-1"),
        ("POST", HOOKS),
    ],
)
@pytest.mark.parametrize("auth", [None, "Bearer cbk_wrong", "Basic abc"])
def test_without_a_valid_key_every_request_is_a_401(backend: Backend, method: str, path: str, auth: str | None) -> None:
    headers = {} if auth is None else {"authorization": auth}
    response = backend.handle(LocalRequest(method, path, headers=headers, body=b"{not json"))
    assert response.status == 401, (response.status, response.body)
    assert response.json()["code"] == "unauthorized"
    assert "allow" not in {k.lower() for k in response.headers}


@pytest.mark.parametrize("where", ["path", "query", "header", "idempotency"])
def test_lone_surrogates_outside_the_body_are_a_400(backend: Backend, where: str) -> None:
    path, query = "/api/integrations/oauth/dropbox/callback", {}
    headers = {"authorization": f"Bearer {backend.owner_api_key}", "idempotency-key": "k1"}
    if where == "path":
        path = "/api/integrations/oauth/\ud800/callback"
    elif where == "query":
        query = {"state": "\udfff"}
    elif where == "header":
        headers["x-note"] = "\ud800"
    else:
        headers["idempotency-key"] = "\ud800"
    before = _dump(backend)
    response = backend.handle(LocalRequest("POST", path, query, headers, b'{"code": "c", "state": "s"}'))
    assert response.status == 400, response.body
    assert _dump(backend) == before


def test_oversized_bodies_without_a_key_are_a_401(backend: Backend) -> None:
    response = backend.handle(LocalRequest("POST", "/nope", body=b"x" * (2 * 1024 * 1024)))
    assert response.status == 401


def test_with_a_key_routing_errors_still_answer(client: httpx.Client) -> None:
    err(client.get("/nope"), 404, "not_found")
    err(client.request("OPTIONS", "/api/sdk/plan"), 405, "method_not_allowed")
    err(client.get(f"{HOOKS}/abc"), 400, "validation_error")


# ---- 4 and 6. destinations delivery would refuse, credentials in URLs ---------------------------------------

REFUSED_HOSTS = [
    "169.254.169.254",
    "2852039166",  # 169.254.169.254 in decimal
    "0xa9fea9fe",
    "0xA9.0xFE.0xA9.0xFE",
    "0251.0376.0251.0376",  # octal
    "169.254.43518",  # short forms
    "169.16689662",
    "[::ffff:169.254.169.254]",
    "[::ffff:a9fe:a9fe]",
    "[fe80::1%25eth0]",
    "[fe80::1]",
    "[fd00:ec2::254]",
    "100.100.100.200",
    "0.0.0.0",
    "0",
    "10.0.0.1",
    "012.0.0.1",  # octal 10.0.0.1
    "167772161",  # 10.0.0.1
    "192.168.1.1",
    "[fc00::1]",
    "224.0.0.1",
    "169.254.169.254.",
    "%31%36%39.254.169.254",  # percent-encoded
    "\uff11\uff16\uff19\u3002\uff12\uff15\uff14\u3002\uff11\uff16\uff19\u3002\uff12\uff15\uff14",  # fullwidth
]


@pytest.mark.parametrize("host", REFUSED_HOSTS)
def test_addresses_delivery_refuses_are_refused_at_create_and_update(
    client: httpx.Client, backend: Backend, host: str
) -> None:
    url = f"https://{host}/hook"
    body = err(client.post(HOOKS, json={**WEBHOOK, "url": url}), 400, "validation_error")
    assert "url" in body["error"] and "delivery" in body["error"]
    hook = ok(client.post(HOOKS, json=WEBHOOK))["webhook"]
    err(client.patch(f"{HOOKS}/{hook['id']}", json={"url": url}), 400, "validation_error")
    assert ok(client.get(f"{HOOKS}/{hook['id']}"))["webhook"]["url"] == WEBHOOK["url"]


@pytest.mark.parametrize(
    "host", ["localhost", "LOCALHOST.", "api.localhost", "127.0.0.1", "127.1", "2130706433", "[::1]"]
)
def test_loopback_follows_the_policy(clock: Any, host: str) -> None:
    url = f"http://{host}:8080/hook"
    with Backend(clock=clock) as allowing, _client(allowing) as c:  # the default policy allows loopback
        ok(c.post(HOOKS, json={**WEBHOOK, "url": url}))
    with Backend(clock=clock, delivery_policy=AddressPolicy(allow_loopback=False)) as strict, _client(strict) as c:
        err(c.post(HOOKS, json={**WEBHOOK, "url": url}), 400, "validation_error")


def test_private_addresses_follow_the_policy(clock: Any) -> None:
    with Backend(clock=clock, delivery_policy=AddressPolicy(allow_private=True)) as b, _client(b) as c:
        ok(c.post(HOOKS, json={**WEBHOOK, "url": "http://10.1.2.3/hook"}))
        err(c.post(HOOKS, json={**WEBHOOK, "url": "http://169.254.169.254/"}), 400, "validation_error")


@pytest.mark.parametrize(
    "host", ["example.com", "hooks.example.org", "93.184.216.34", "[2606:2800:220:1::1]", "1.2.3.4.example"]
)
def test_public_and_named_destinations_are_accepted(client: httpx.Client, host: str) -> None:
    ok(client.post(HOOKS, json={**WEBHOOK, "url": f"https://{host}/hook"}))  # names are not resolved at create


@pytest.mark.parametrize("userinfo", ["user:pass@", "user@", ":secret@", "a%40b:c@"])
def test_credentials_in_webhook_urls_are_refused(client: httpx.Client, backend: Backend, userinfo: str) -> None:
    url = f"https://{userinfo}example.com/hook"
    body = err(client.post(HOOKS, json={**WEBHOOK, "url": url}), 400, "validation_error")
    assert "secret" not in body["error"] and "pass" not in body["error"].replace("password", "")
    hook = ok(client.post(HOOKS, json=WEBHOOK))["webhook"]
    err(client.patch(f"{HOOKS}/{hook['id']}", json={"url": url}), 400, "validation_error")
    with backend.db.read() as conn:
        assert conn.execute("SELECT COUNT(*) FROM webhooks WHERE url LIKE '%@%'").fetchone()[0] == 0


# ---- helpers ------------------------------------------------------------------------------------------------


def _client(backend: Backend) -> httpx.Client:
    return httpx.Client(
        transport=backend.transport(),
        base_url="http://local",
        headers={"Authorization": f"Bearer {backend.owner_api_key}"},
    )


def _dump(backend: Backend) -> list[str]:
    with backend.db.read() as conn:
        # api_keys rows carry last_used_at, which authentication refreshes (not the request's doing)
        return [line for line in conn.iterdump() if not line.startswith('INSERT INTO "api_keys"')]


def test_dump_helper_sees_changes(client: httpx.Client, backend: Backend) -> None:
    before = _dump(backend)
    ok(client.post(HOOKS, json=WEBHOOK))
    assert _dump(backend) != before
    assert json.dumps(before)


@pytest.mark.parametrize(
    "url", ["http://[/x", "https://[::1/x", "https://example.com:99999/h", "https://example.com:x/h"]
)
def test_unparseable_webhook_urls_are_a_400(client: httpx.Client, url: str) -> None:
    err(client.post(HOOKS, json={**WEBHOOK, "url": url}), 400, "validation_error")


@pytest.mark.parametrize("value", ["²", "١٢", "\U0001d7d7"])
def test_a_receivers_retry_after_with_odd_digits_is_ignored(value: str) -> None:
    from cortexbuild_sdk.local.delivery.schedule import parse_retry_after

    assert parse_retry_after(value, 0.0) is None
