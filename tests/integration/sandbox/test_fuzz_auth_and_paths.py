"""Hypothesis fuzz of what test_bad_input.py leaves out: the KALSHI-ACCESS-* headers (REST and the
WebSocket upgrade), cancel and batch cancel, path parameters and odd query strings. The property is
always the same: never a 5xx, always a documented status with Kalshi's error body (API.md §2, §5).
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any
from urllib.parse import quote

import pytest
import requests
import websockets
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.integration.conftest import SandboxServer
from tests.integration.sandbox.client import PREFIX, KalshiTestClient, setup_market
from tests.integration.sandbox.schemas import check_rest

AUTH_CODES = {"authentication_error", "header_timestamp_expired", "NOT_FOUND"}
FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def market(sandbox_server: SandboxServer) -> str:
    return setup_market(sandbox_server, f"KXSBXT-FUZZ-{uuid.uuid4().hex[:6].upper()}")


@pytest.fixture(scope="module")
def alice(sandbox_server: SandboxServer) -> KalshiTestClient:
    return KalshiTestClient(sandbox_server, *sandbox_server.create_account("fuzz-alice", "100.00"))


@pytest.fixture(scope="module")
def resting_order(alice: KalshiTestClient, market: str) -> str:
    order_id: str = alice.create(market, "bid", "0.0100", "1")["order_id"]
    return order_id


# Strings as they can arrive in JSON (lone surrogates included: "\ud800" is valid JSON text).
json_text = st.one_of(
    st.text(max_size=20),
    st.text(alphabet=st.characters(exclude_categories=()), max_size=8),
    st.sampled_from(["\ud800", "A\udfff", "", " ", "..", "%2F", "\x00", "Ω" * 64, "x" * 70]),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | json_text,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(json_text, children, max_size=3),
    max_leaves=6,
)
# Path segments as a client might send them: arbitrary text, percent-encoded as sent on the wire.
segments = st.one_of(
    st.text(min_size=1, max_size=30),
    st.text(alphabet=st.characters(codec="latin-1"), min_size=1, max_size=10),
    st.sampled_from(["NOPE-1", "%2F", "%00", "%ZZ", "%C3%28", "a%2Fb", "x" * 300, "ключ", "²²²"]),
).map(lambda text: text if text.startswith("%") or "%" in text[:3] else quote(text, safe=""))


def _send(
    client: KalshiTestClient, method: str, path: str, *, params: Any = None, data: bytes | None = None
) -> tuple[int, Any]:
    """Signed request for `path` (relative to /trade-api/v2), signing the path exactly as it goes
    on the wire (the HTTP client may re-encode it), so that the handler, not auth, answers."""
    assert client.auth is not None
    request = requests.Request(method, client.server.base_url + path, params=params, data=data).prepare()
    assert request.path_url.startswith(PREFIX), request.path_url
    request.headers.update(client.auth.create_auth_headers(method, request.path_url.split("?", 1)[0]))
    if data is not None:
        request.headers["Content-Type"] = "application/json"
    response = client.session.send(request, timeout=10, allow_redirects=False)
    assert response.status_code < 500, (method, path, params, response.status_code, response.text)
    if response.is_redirect:  # ".../%2F" ends in "/": Starlette redirects to the path without it
        return response.status_code, None
    assert response.headers["content-type"].startswith("application/json"), response.text
    return response.status_code, response.json()


def _assert_kalshi_error(status: int, body: Any) -> None:
    assert set(body) == {"error"}, body
    assert isinstance(body["error"]["code"], str), body
    assert isinstance(body["error"]["message"], str), body


# ----------------------------------------------------------------------------- auth headers

header_chars = st.characters(codec="latin-1", exclude_categories=["Cc"])
header_values = st.one_of(
    st.none(),  # header absent
    st.just(""),
    st.just("valid"),  # the right value for this header
    # Control characters are not legal in a header value (RFC 9110): the HTTP layer refuses them.
    st.text(alphabet=header_chars, max_size=60).map(str.strip),
    st.text(alphabet=header_chars, min_size=1_000, max_size=6_000).map(str.strip),
    st.sampled_from(
        [
            "not-a-uuid",
            "²²²",
            "1e12",
            "-1",
            "0",
            "99999999999999999999",
            "=" * 4,
            "AAAA",
            "x \t y",
            "ключ",
            "K" * 100_000,
        ]
    ),
)


def _auth_headers(key_id: str, good: dict[str, str], values: dict[str, str | None]) -> dict[str, bytes]:
    headers: dict[str, bytes] = {}
    for name, value in values.items():
        if value is None:
            continue
        text = good[name] if value == "valid" else value
        # Non-Latin-1 text goes out as its UTF-8 bytes (the server reads headers as Latin-1).
        headers[name] = text.encode("latin-1") if all(ord(c) < 256 for c in text) else text.encode()
    return headers


@FUZZ
@given(key=header_values, timestamp=header_values, signature=header_values)
def test_fuzzed_auth_headers_are_401s_with_kalshis_codes(sandbox_server, alice, key, timestamp, signature):
    path = "/portfolio/balance"
    assert alice.auth is not None
    good = alice.headers("GET", path)
    headers = _auth_headers(
        good["KALSHI-ACCESS-KEY"],
        good,
        {
            "KALSHI-ACCESS-KEY": key,
            "KALSHI-ACCESS-TIMESTAMP": timestamp,
            "KALSHI-ACCESS-SIGNATURE": signature,
        },
    )
    response = requests.get(sandbox_server.base_url + path, headers=headers, timeout=10)
    body = response.json()
    check_rest("GET", path, response.status_code, body)
    if (key, timestamp, signature) == ("valid", "valid", "valid"):
        assert response.status_code == 200
    else:
        assert response.status_code == 401, body
        assert body["error"]["code"] in AUTH_CODES, body


async def _upgrade_status(url: str, headers: dict[str, str]) -> int:
    try:
        async with websockets.connect(url, additional_headers=headers, open_timeout=5):
            return 101
    except websockets.exceptions.InvalidStatus as exc:
        return exc.response.status_code


ascii_header_values = st.one_of(
    st.none(),
    st.just(""),
    st.just("valid"),
    st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=60),
    st.sampled_from(["not-a-uuid", "1e12", "-1", "0", "99999999999999999999", "====", "x" * 4_000]),
)


@settings(FUZZ, max_examples=60)
@given(key=ascii_header_values, timestamp=ascii_header_values, signature=ascii_header_values)
def test_fuzzed_websocket_upgrade_headers_are_refused_with_401(
    sandbox_server, alice, key, timestamp, signature
):
    assert alice.auth is not None
    good = alice.auth.create_auth_headers("GET", "/trade-api/ws/v2")
    values = {
        "KALSHI-ACCESS-KEY": key,
        "KALSHI-ACCESS-TIMESTAMP": timestamp,
        "KALSHI-ACCESS-SIGNATURE": signature,
    }
    headers = {
        name: good[name] if value == "valid" else value for name, value in values.items() if value is not None
    }
    status = asyncio.run(_upgrade_status(sandbox_server.ws_url, headers))
    assert status == (101 if (key, timestamp, signature) == ("valid", "valid", "valid") else 401)


def test_a_stale_but_well_formed_timestamp_is_expired(sandbox_server, alice):
    path = "/portfolio/balance"
    good = alice.headers("GET", path)
    stale = str(int(time.time() * 1000) - 120_000)
    response = requests.get(
        sandbox_server.base_url + path, headers=good | {"KALSHI-ACCESS-TIMESTAMP": stale}, timeout=10
    )
    assert (response.status_code, response.json()["error"]["code"]) == (401, "header_timestamp_expired")


# ----------------------------------------------------------------------------- cancel and batch cancel


@FUZZ
@given(order_id=segments)
def test_fuzzed_cancels_are_404s(alice, resting_order, order_id):
    status, body = _send(alice, "DELETE", f"/portfolio/events/orders/{order_id}")
    if status == 307:  # ".../orders/%2F": a trailing slash
        return
    _assert_kalshi_error(status, body)
    assert status in (404, 405), body  # an id with a '/' in it can land on another route


cancel_items = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {"order_id": json_text | st.sampled_from([str(uuid.uuid4()), "missing"])},
        optional={
            "subaccount": json_values | st.integers(-2, 2),
            "exchange_index": json_values | st.integers(-2, 2),
            "market_ticker": json_values,
            "bogus": json_values,
        },
    ),
)


@FUZZ
@given(data=st.data())
def test_fuzzed_batch_cancels_answer_per_item(alice, resting_order, data):
    path = "/portfolio/events/orders/batched"
    body: Any = data.draw(
        st.one_of(
            json_values,
            st.fixed_dictionaries({"orders": st.lists(cancel_items, max_size=5)}),
            st.fixed_dictionaries({"orders": json_values}),
        )
    )
    status, payload = _send(alice, "DELETE", path, data=json.dumps(body).encode())
    check_rest("DELETE", path, status, payload)
    assert status in (200, 400), payload
    if status == 200:
        assert len(payload["orders"]) == len(body["orders"])
        for item in payload["orders"]:
            assert item["error"] is None or item["error"]["code"] in {"invalid_parameters", "not_found"}, item


@FUZZ
@given(
    orders=st.lists(st.fixed_dictionaries({"client_order_id": json_text, "ticker": json_text}), max_size=3)
)
def test_fuzzed_batch_creates_echo_odd_client_order_ids_safely(alice, orders):
    path = "/portfolio/events/orders/batched"
    status, payload = _send(alice, "POST", path, data=json.dumps({"orders": orders}).encode())
    check_rest("POST", path, status, payload)
    assert status in (201, 400), payload


# ----------------------------------------------------------------------------- path parameters

PATHS = [
    ("GET", "/markets/{}", "/markets/{ticker}", {"market_not_found"}),
    ("GET", "/markets/{}/orderbook", "/markets/{ticker}/orderbook", {"market_not_found"}),
    ("GET", "/events/{}", "/events/{event_ticker}", {"not_found"}),
    ("GET", "/series/{}", "/series/{series_ticker}", {"not_found"}),
    ("GET", "/portfolio/orders/{}", "/portfolio/orders/{order_id}", {"not_found"}),
    (
        "GET",
        "/portfolio/orders/{}/queue_position",
        "/portfolio/orders/{order_id}/queue_position",
        {"not_found"},
    ),
    (
        "POST",
        "/portfolio/events/orders/{}/amend",
        "/portfolio/events/orders/{order_id}/amend",
        {"not_found", "invalid_parameters"},
    ),
    (
        "POST",
        "/portfolio/events/orders/{}/decrease",
        "/portfolio/events/orders/{order_id}/decrease",
        {"not_found", "invalid_parameters"},
    ),
]


@FUZZ
@given(endpoint=st.sampled_from(PATHS), segment=segments, data=st.data())
def test_fuzzed_path_parameters_are_404s_or_400s(alice, market, endpoint, segment, data):
    method, pattern, template, codes = endpoint
    body = None
    if method == "POST":
        body = json.dumps(
            data.draw(
                st.sampled_from(
                    [
                        {"ticker": market, "side": "bid", "price": "0.5000", "count": "2"},
                        {"reduce_by": "1"},
                        {},
                    ]
                )
            )
        ).encode()
    status, payload = _send(alice, method, pattern.format(segment), data=body)
    if status < 400:  # "%2F" decodes to "/": GET /markets/%2F is a redirect to GET /markets
        return
    _assert_kalshi_error(status, payload)
    if status in (400, 404):
        # A segment with an encoded '/' routes elsewhere: the generic "no endpoint" 404 then.
        assert payload["error"]["code"] in codes | {"not_found", "invalid_parameters"}, payload
        check_rest(method, template, status, payload)
    else:
        assert status == 405, payload


def test_a_path_parameter_naming_a_real_market_in_another_case_is_unknown(alice, market):
    status, payload = _send(alice, "GET", f"/markets/{market.lower()}")
    assert (status, payload["error"]["code"]) == (404, "market_not_found")


# ----------------------------------------------------------------------------- query strings

QUERIES = [
    ("/markets/{ticker}/orderbook", ["depth"]),
    ("/markets/orderbooks", ["tickers"]),
    ("/markets", ["limit", "cursor", "min_settled_ts", "max_settled_ts", "series_ticker", "status"]),
    ("/markets/trades", ["limit", "min_ts", "max_ts", "cursor"]),
    ("/events", ["limit", "with_nested_markets", "with_milestones", "min_updated_ts", "tickers"]),
    ("/events/{event_ticker}", ["with_nested_markets"]),
    ("/series/{series_ticker}", ["include_volume"]),
    ("/portfolio/orders/queue_positions", ["market_tickers", "event_ticker", "subaccount"]),
    ("/portfolio/orders", ["limit", "event_ticker", "status", "max_ts", "exchange_index"]),
    ("/portfolio/settlements", ["limit", "event_ticker", "max_ts", "subaccount"]),
    ("/portfolio/positions", ["count_filter", "event_ticker", "cursor"]),
    ("/portfolio/balance", ["subaccount", "exchange_index"]),
]
odd_values = st.one_of(
    st.text(max_size=12),
    st.integers().map(str),
    st.sampled_from(
        [
            "-1",
            "0",
            "1",
            "abc",
            "1.5",
            "1e3",
            "0x10",
            " 7",
            "१२",
            "9" * 5_000,
            "-" + "9" * 30,
            "true",
            "%",
            "",
        ]
    ),
)


@FUZZ
@given(query=st.sampled_from(QUERIES), data=st.data())
def test_fuzzed_query_strings_never_fail_with_a_500(alice, market, query, data):
    template, names = query
    path = template.format(ticker=market, event_ticker=market.rsplit("-", 1)[0], series_ticker="KXSBXT")
    # A list of pairs: the same parameter may come several times.
    params = data.draw(st.lists(st.tuples(st.sampled_from(names), odd_values), max_size=5))
    status, body = _send(alice, "GET", path, params=params)
    check_rest("GET", template, status, body)
    assert status in (200, 400, 404), body
    if status != 200:
        assert body["error"]["code"] in {"invalid_parameters", "not_found", "market_not_found"}, body
