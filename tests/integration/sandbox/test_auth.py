"""Request signatures exactly as API.md §2: RSA-PSS SHA-256, salt 32, over ts + METHOD + path."""

from __future__ import annotations

import asyncio
import base64
import time
from typing import Any

import pytest
import requests
import websockets
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from kalshi_python_sync.auth import KalshiAuth

from tests.integration.conftest import SandboxServer
from tests.integration.sandbox.client import KalshiTestClient
from tests.integration.sandbox.schemas import check_rest

BALANCE = "/trade-api/v2/portfolio/balance"
PSS_32 = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)


@pytest.fixture(scope="module")
def key(sandbox_server: SandboxServer) -> tuple[str, str]:
    return sandbox_server.create_account("auth-alice", "10.00")


def _sign(pem: str, message: str, pad: padding.AsymmetricPadding = PSS_32) -> str:
    private_key = serialization.load_pem_private_key(pem.encode(), password=None)
    assert isinstance(private_key, rsa.RSAPrivateKey)
    return base64.b64encode(private_key.sign(message.encode(), pad, hashes.SHA256())).decode()


def _headers(
    key_id: str, pem: str, *, method: str = "GET", path: str = BALANCE, ts: int | None = None, **kw: Any
) -> dict[str, str]:
    ts = int(time.time() * 1000) if ts is None else ts
    return {
        "KALSHI-ACCESS-KEY": key_id,
        "KALSHI-ACCESS-TIMESTAMP": str(ts),
        "KALSHI-ACCESS-SIGNATURE": _sign(pem, f"{ts}{method}{path}", **kw),
    }


def _get(server: Any, headers: dict[str, str], query: str = "") -> tuple[int, dict[str, Any]]:
    response = requests.get(server.root_url + BALANCE + query, headers=headers, timeout=10)
    body = response.json()
    check_rest("GET", "/portfolio/balance", response.status_code, body)
    return response.status_code, body


def test_the_official_sdk_signer_is_accepted(sandbox_server, key):
    headers = KalshiAuth(*key).create_auth_headers("GET", sandbox_server.root_url + BALANCE)
    status, body = _get(sandbox_server, headers)
    assert status == 200
    assert body["balance"] == 1_000


def test_the_query_string_is_not_signed(sandbox_server, key):
    assert _get(sandbox_server, _headers(*key), "?subaccount=0")[0] == 200
    status, body = _get(sandbox_server, _headers(*key, path=BALANCE + "?subaccount=0"), "?subaccount=0")
    assert (status, body["error"]["code"]) == (401, "authentication_error")


def test_a_bad_signature_is_a_401_with_kalshis_details(sandbox_server, key):
    key_id, pem = key
    for headers in (
        _headers(key_id, pem, path="/portfolio/balance"),  # without /trade-api/v2
        _headers(key_id, pem, method="POST"),
        _headers(key_id, pem, pad=padding.PKCS1v15()),
        _headers(
            key_id,
            pem,
            pad=padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.MAX_LENGTH),
        ),
        {**_headers(key_id, pem), "KALSHI-ACCESS-SIGNATURE": "not base64!"},
    ):
        status, body = _get(sandbox_server, headers)
        assert status == 401
        assert body["error"]["code"] == "authentication_error"
        assert body["error"]["details"] == "INCORRECT_API_KEY_SIGNATURE"


def test_timestamps_outside_thirty_seconds_are_expired(sandbox_server, key):
    now = int(time.time() * 1000)
    assert _get(sandbox_server, _headers(*key, ts=now - 25_000))[0] == 200
    for ts in (now - 31_000, now + 31_000, now // 1000):  # the last one is in seconds (§15.11)
        status, body = _get(sandbox_server, _headers(*key, ts=ts))
        assert (status, body["error"]["code"]) == (401, "header_timestamp_expired")


def test_unknown_keys_and_missing_headers_are_refused(sandbox_server, key):
    _, pem = key
    status, body = _get(sandbox_server, _headers("5f2b8f3e-0000-4000-8000-000000000000", pem))
    assert (status, body["error"]["code"]) == (401, "NOT_FOUND")
    status, body = _get(sandbox_server, {})
    assert (status, body["error"]["code"]) == (401, "authentication_error")
    partial = _headers(*key)
    del partial["KALSHI-ACCESS-TIMESTAMP"]
    assert _get(sandbox_server, partial)[0] == 401


def test_members_cannot_see_each_others_orders(sandbox_server, key):
    from tests.integration.sandbox.client import setup_market

    ticker = setup_market(sandbox_server, "KXSBXT-AUTH-OWN")
    alice = KalshiTestClient(sandbox_server, *key)
    bob = KalshiTestClient(sandbox_server, *sandbox_server.create_account("auth-bob", "10.00"))
    order_id = alice.create(ticker, "bid", "0.1000", "1")["order_id"]
    assert (
        bob.call("GET", f"/portfolio/orders/{order_id}", "/portfolio/orders/{order_id}")["error"]["code"]
        == "not_found"
    )
    cancel = bob.call("DELETE", f"/portfolio/events/orders/{order_id}", "/portfolio/events/orders/{order_id}")
    assert cancel["error"]["code"] == "not_found"
    assert bob.call("GET", "/portfolio/orders", expect=200)["orders"] == []


async def _ws_status(url: str, headers: dict[str, str]) -> int:
    try:
        async with websockets.connect(url, additional_headers=headers, open_timeout=5):
            return 101
    except websockets.exceptions.InvalidStatus as exc:
        return exc.response.status_code


def test_the_websocket_handshake_is_signed_like_rest(sandbox_server, key):
    key_id, pem = key
    url = sandbox_server.ws_url
    assert asyncio.run(_ws_status(url, {})) == 401
    assert asyncio.run(_ws_status(url, _headers(key_id, pem, path="/trade-api/ws/v3"))) == 401
    assert (
        asyncio.run(_ws_status(url, KalshiAuth(key_id, pem).create_auth_headers("GET", "/trade-api/ws/v2")))
        == 101
    )


@pytest.mark.parametrize(
    "key_id", ["not-a-uuid", "5f2b8f3e", "5f2b8f3e00004000800000000000000z", "ключ", "x" * 5_000]
)
def test_a_key_id_that_is_not_a_uuid_is_an_unknown_key(sandbox_server, key, key_id):
    _, pem = key
    headers = _headers("00000000-0000-4000-8000-000000000000", pem) | {"KALSHI-ACCESS-KEY": key_id}
    response = requests.get(
        sandbox_server.root_url + BALANCE, headers={k: v.encode() for k, v in headers.items()}, timeout=10
    )
    body = response.json()
    check_rest("GET", "/portfolio/balance", response.status_code, body)
    assert (response.status_code, body["error"]["code"]) == (401, "NOT_FOUND")
    if key_id.isascii():  # the WebSocket client sends ASCII headers only
        ws_headers = KalshiAuth(*key).create_auth_headers("GET", "/trade-api/ws/v2")
        ws_headers["KALSHI-ACCESS-KEY"] = key_id
        assert asyncio.run(_ws_status(sandbox_server.ws_url, ws_headers)) == 401


def test_a_timestamp_of_non_ascii_digits_is_a_401(sandbox_server, key):
    key_id, pem = key
    for ts in ("²²²", "1767225600000¹"):  # Latin-1 on the wire, so the server reads '²' itself
        headers = {
            "KALSHI-ACCESS-KEY": key_id,
            "KALSHI-ACCESS-TIMESTAMP": ts,
            "KALSHI-ACCESS-SIGNATURE": _sign(pem, f"{ts}GET{BALANCE}"),
        }
        response = requests.get(
            sandbox_server.root_url + BALANCE,
            headers={k: v.encode("latin-1") for k, v in headers.items()},
            timeout=10,
        )
        body = response.json()
        check_rest("GET", "/portfolio/balance", response.status_code, body)
        assert (response.status_code, body["error"]["code"]) == (401, "authentication_error"), ts
