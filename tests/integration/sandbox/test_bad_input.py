"""Bad input gets Kalshi's error code and status (API.md §5), never a 500: cases, then hypothesis fuzz."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.integration.conftest import SandboxServer
from tests.integration.sandbox.client import KalshiTestClient, setup_market
from tests.integration.sandbox.schemas import check_rest

CREATE = "/portfolio/events/orders"


@pytest.fixture(scope="module")
def market(sandbox_server: SandboxServer) -> str:
    return setup_market(sandbox_server, f"KXSBXT-BAD-{uuid.uuid4().hex[:6].upper()}")


@pytest.fixture(scope="module")
def alice(sandbox_server: SandboxServer) -> KalshiTestClient:
    return KalshiTestClient(sandbox_server, *sandbox_server.create_account("bad-alice", "5.00"))


def _order(market: str, **changes: Any) -> dict[str, Any]:
    order: dict[str, Any] = {
        "ticker": market,
        "side": "bid",
        "price": "0.4000",
        "count": "1",
        "time_in_force": "good_till_canceled",
        "self_trade_prevention_type": "taker_at_cross",
    }
    for name, value in changes.items():
        if value is ...:
            order.pop(name)
        else:
            order[name] = value
    return order


def _post(
    client: KalshiTestClient, path: str, data: bytes, content_type: str = "application/json"
) -> tuple[int, Any]:
    response = client.session.post(
        client.server.base_url + path,
        data=data,
        headers={**client.headers("POST", path), "Content-Type": content_type},
        timeout=10,
    )
    return response.status_code, response.json()


@pytest.mark.parametrize(
    ("changes", "status", "code"),
    [
        ({"price": "0.4050"}, 400, "invalid_price"),  # off the 1¢ grid
        ({"price": "1.0000"}, 400, "invalid_price"),
        ({"price": "0.4"}, 400, "invalid_price"),  # requests take 2 to 4 decimals
        ({"price": 0.4}, 400, "invalid_parameters"),  # a number, not a string
        ({"count": "0"}, 400, "invalid_order_size"),
        ({"count": "-1"}, 400, "invalid_order_size"),
        ({"count": "1.001"}, 400, "invalid_order_size"),
        ({"count": 1}, 400, "invalid_parameters"),
        ({"side": "yes"}, 400, "invalid_parameters"),
        ({"side": ...}, 400, "invalid_parameters"),
        ({"time_in_force": ...}, 400, "invalid_parameters"),
        ({"time_in_force": "GTT"}, 400, "invalid_parameters"),
        ({"self_trade_prevention_type": ...}, 400, "invalid_parameters"),
        ({"post_only": "yes"}, 400, "invalid_parameters"),
        ({"client_order_id": "has.dot"}, 400, "invalid_parameters"),
        ({"type": "market"}, 400, "invalid_parameters"),  # unknown field
        ({"buy_max_cost": 100}, 400, "invalid_parameters"),
        ({"expiration_time": 1}, 400, "invalid_parameters"),  # in the past
        (
            {"time_in_force": "immediate_or_cancel", "expiration_time": 4_000_000_000},
            400,
            "invalid_parameters",
        ),
        ({"subaccount": 3}, 400, "invalid_parameters"),
        ({"order_group_id": "g1"}, 400, "invalid_parameters"),
        ({"ticker": "NOPE-1"}, 404, "market_not_found"),
        ({"count": "1000"}, 400, "available_balance_too_low"),
    ],
)
def test_bad_orders_get_kalshis_codes(alice, market, changes, status, code):
    body = alice.call("POST", CREATE, json=_order(market, **changes), expect=status)
    assert body["error"]["code"] == code


def test_bad_bodies_and_bad_requests_are_400s_not_500s(alice, market):
    cases = [
        (b"{not json", "application/json", "invalid_parameters"),
        (b"[1, 2]", "application/json", "invalid_parameters"),
        (json.dumps(_order(market)).encode(), "text/plain", "invalid_content_type"),
        (b"", "application/json", "invalid_parameters"),
        ("\udcff".encode("utf-8", "surrogatepass"), "application/json", "invalid_parameters"),
        (b"[" * 100_000 + b"]" * 100_000, "application/json", "invalid_parameters"),  # nesting
        (b'{"ticker": "' + b"A" * (2 << 20) + b'"}', "application/json", "invalid_parameters"),  # size
    ]
    for data, content_type, code in cases:
        status, body = _post(alice, CREATE, data, content_type)
        check_rest("POST", CREATE, status, body)
        assert (status, body["error"]["code"]) == (400, code), data
    assert (
        alice.call("GET", "/markets", params={"limit": "abc"}, expect=400)["error"]["code"]
        == "invalid_parameters"
    )
    assert (
        alice.call("GET", "/markets", params={"limit": "5000"}, expect=400)["error"]["code"]
        == "invalid_parameters"
    )
    assert (
        alice.call("GET", "/markets", params={"status": "live"}, expect=400)["error"]["code"]
        == "invalid_parameters"
    )
    assert (
        alice.call("GET", "/markets", params={"cursor": "garbage!"}, expect=400)["error"]["code"]
        == "invalid_parameters"
    )
    assert (
        alice.call("GET", "/markets/NOPE-1", "/markets/{ticker}", expect=404)["error"]["code"]
        == "market_not_found"
    )
    response = alice.session.get(alice.server.base_url + "/no/such/endpoint", timeout=5)
    assert (response.status_code, response.json()["error"]["code"]) == (404, "not_found")
    response = alice.session.put(alice.server.base_url + "/markets", timeout=5)
    assert response.status_code == 405
    assert "error" in response.json()


@pytest.mark.parametrize("raw", ["v1:abc", "v1:-3", "v1:99999999999", "v2:1", "v1:"])
def test_forged_cursors_are_400s_or_empty_pages(alice, raw):
    cursor = base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")
    for path, template, _ in READS:
        if path == "/series":
            continue  # not paginated
        response = alice.session.get(
            alice.server.base_url + path,
            params={"cursor": cursor},
            headers=alice.headers("GET", path),
            timeout=10,
        )
        body = response.json()
        check_rest("GET", template, response.status_code, body)
        assert response.status_code in (200, 400), (path, raw, body)


def test_duplicate_client_order_ids_conflict(alice, market):
    client_order_id = f"dup-{uuid.uuid4().hex[:10]}"
    alice.call(
        "POST", CREATE, json=_order(market, price="0.0100", client_order_id=client_order_id), expect=201
    )
    body = alice.call(
        "POST", CREATE, json=_order(market, price="0.0200", client_order_id=client_order_id), expect=409
    )
    assert body["error"]["code"] == "order_already_exists"


def test_orders_on_a_closed_market_are_refused(sandbox_server, alice):
    ticker = setup_market(sandbox_server, f"KXSBXT-SHUT-{uuid.uuid4().hex[:6].upper()}")
    sandbox_server.admin("POST", f"/markets/{ticker}/close")
    assert alice.call("POST", CREATE, json=_order(ticker), expect=409)["error"]["code"] == "MARKET_INACTIVE"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=6,
)
create_fields = [
    "ticker",
    "side",
    "price",
    "count",
    "time_in_force",
    "self_trade_prevention_type",
    "client_order_id",
    "expiration_time",
    "post_only",
    "reduce_only",
    "cancel_order_on_pause",
    "subaccount",
    "exchange_index",
]
plausible = {
    "side": st.sampled_from(["bid", "ask", "BID", ""]),
    "price": st.sampled_from(["0.5000", "0.50", "0.505", "1.0000", "0.0000", "-0.5", "abc"]),
    "count": st.sampled_from(["1", "0", "0.01", "1.005", "-2", "1e3", "99999999"]),
    "time_in_force": st.sampled_from(["good_till_canceled", "immediate_or_cancel", "fill_or_kill", "day"]),
    "self_trade_prevention_type": st.sampled_from(["taker_at_cross", "maker", "none"]),
}


@st.composite
def order_bodies(draw: st.DrawFn, ticker: str) -> Any:
    if draw(st.integers(0, 9)) == 0:
        return draw(json_values)  # not even an object
    body: dict[str, Any] = {}
    for name in create_fields:
        choice = draw(st.integers(0, 4))
        if choice == 0:
            continue
        if choice == 1:
            body[name] = draw(json_values)
        elif name == "ticker":
            body[name] = ticker
        elif name in plausible:
            body[name] = draw(plausible[name])
        else:
            body[name] = draw(json_values)
    if draw(st.booleans()):
        body[draw(st.text(min_size=1, max_size=6))] = draw(json_values)
    return body


ALLOWED = {200, 201, 400, 404, 409}


@settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_fuzzed_order_writes_never_fail_with_a_500(alice, market, data):
    body = data.draw(order_bodies(market))
    status, payload = _post(alice, CREATE, json.dumps(body).encode())
    assert status in ALLOWED, (status, payload)
    check_rest("POST", CREATE, status, payload)
    batch = {"orders": data.draw(st.lists(order_bodies(market), max_size=3))}
    status, payload = _post(alice, CREATE + "/batched", json.dumps(batch).encode())
    assert status in ALLOWED, (status, payload)
    check_rest("POST", CREATE + "/batched", status, payload)
    order_id = data.draw(st.sampled_from(["missing", str(uuid.uuid4()), "ABC-123", "x" * 80]))
    amend = data.draw(
        st.dictionaries(
            st.sampled_from(["ticker", "side", "price", "count", "client_order_id", "x"]),
            json_values | st.sampled_from(["bid", "0.5000", "3", market]),
            max_size=5,
        )
    )
    status, payload = _post(alice, f"{CREATE}/{order_id}/amend", json.dumps(amend).encode())
    assert status in ALLOWED, (status, payload)
    check_rest("POST", "/portfolio/events/orders/{order_id}/amend", status, payload)
    decrease = data.draw(
        st.dictionaries(
            st.sampled_from(["reduce_by", "reduce_to", "market_ticker", "y"]),
            json_values | st.sampled_from(["1", "0.5"]),
            max_size=3,
        )
    )
    status, payload = _post(alice, f"{CREATE}/{order_id}/decrease", json.dumps(decrease).encode())
    assert status in ALLOWED, (status, payload)
    check_rest("POST", "/portfolio/events/orders/{order_id}/decrease", status, payload)


crafted_cursors = st.sampled_from(["v1:abc", "v1:-3", "v1:99999999999", "v2:1", "v1:"]).map(
    lambda text: base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")
)
query_values = (
    st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=10)
    | st.integers(-5, 5000).map(str)
    | crafted_cursors
)
READS = [
    (
        "/markets",
        "/markets",
        [
            "limit",
            "cursor",
            "status",
            "tickers",
            "event_ticker",
            "min_close_ts",
            "max_close_ts",
            "min_created_ts",
            "min_updated_ts",
            "mve_filter",
        ],
    ),
    (
        "/markets/trades",
        "/markets/trades",
        ["limit", "cursor", "ticker", "min_ts", "max_ts", "is_block_trade"],
    ),
    (
        "/events",
        "/events",
        ["limit", "cursor", "status", "with_nested_markets", "series_ticker", "min_close_ts"],
    ),
    ("/series", "/series", ["category", "tags", "include_volume", "min_updated_ts"]),
    (
        "/portfolio/orders",
        "/portfolio/orders",
        ["limit", "cursor", "status", "ticker", "event_ticker", "min_ts"],
    ),
    (
        "/portfolio/fills",
        "/portfolio/fills",
        ["limit", "cursor", "ticker", "order_id", "max_ts", "subaccount"],
    ),
    (
        "/portfolio/positions",
        "/portfolio/positions",
        ["limit", "cursor", "count_filter", "ticker", "exchange_index"],
    ),
    ("/portfolio/settlements", "/portfolio/settlements", ["limit", "cursor", "ticker", "min_ts"]),
]


@settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(read=st.sampled_from(READS), data=st.data())
def test_fuzzed_queries_never_fail_with_a_500(alice, read, data):
    path, template, names = read
    params = data.draw(st.dictionaries(st.sampled_from(names), query_values, max_size=4))
    body = alice.call("GET", path, template, params=params)
    assert "error" not in body or body["error"]["code"] in {
        "invalid_parameters",
        "not_found",
        "market_not_found",
    }
