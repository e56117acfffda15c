"""The REST API end to end over HTTP: every response is validated against its fragment's schema."""

from __future__ import annotations

import uuid

import pytest

from tests.integration.sandbox.client import KalshiTestClient, setup_market


@pytest.fixture(scope="module")
def market(sandbox_server) -> str:
    return setup_market(sandbox_server, f"KXSBXT-REST-{uuid.uuid4().hex[:6].upper()}")


@pytest.fixture(scope="module")
def alice(sandbox_server) -> KalshiTestClient:
    return KalshiTestClient(sandbox_server, *sandbox_server.create_account("alice", "1000.00"))


@pytest.fixture(scope="module")
def bob(sandbox_server) -> KalshiTestClient:
    return KalshiTestClient(sandbox_server, *sandbox_server.create_account("bob", "1000.00"))


@pytest.fixture
def public(sandbox_server) -> KalshiTestClient:
    return KalshiTestClient(sandbox_server)


def test_public_exchange_endpoints_answer_with_the_documented_shapes(public):
    status = public.call("GET", "/exchange/status", signed=False, expect=200)
    assert status["exchange_active"] is True
    assert status["trading_active"] is True
    schedule = public.call("GET", "/exchange/schedule", signed=False, expect=200)
    assert schedule["schedule"]["maintenance_windows"] == []
    public.call("GET", "/exchange/user_data_timestamp", signed=False, expect=200)
    public.call("GET", "/account/endpoint_costs", signed=False, expect=200)


def test_markets_events_and_series_are_listed_and_filtered(public, market):
    listed = public.call("GET", "/markets", params={"limit": 1000}, signed=False, expect=200)
    assert market in {m["ticker"] for m in listed["markets"]}
    one = public.call("GET", f"/markets/{market}", "/markets/{ticker}", signed=False, expect=200)["market"]
    assert one["status"] == "active"
    assert one["price_ranges"] == [{"start": "0.0000", "end": "1.0000", "step": "0.0100"}]
    by_event = public.call(
        "GET", "/markets", params={"event_ticker": one["event_ticker"]}, signed=False, expect=200
    )
    assert [m["ticker"] for m in by_event["markets"]] == [market]
    assert (
        public.call("GET", "/markets", params={"status": "settled", "tickers": market}, signed=False)[
            "markets"
        ]
        == []
    )
    event = public.call(
        "GET",
        f"/events/{one['event_ticker']}",
        "/events/{event_ticker}",
        params={"with_nested_markets": "true"},
        signed=False,
        expect=200,
    )
    assert [m["ticker"] for m in event["event"]["markets"]] == [market]
    events = public.call(
        "GET",
        "/events",
        params={"series_ticker": "KXSBXT", "with_nested_markets": "true"},
        signed=False,
        expect=200,
    )
    assert one["event_ticker"] in {e["event_ticker"] for e in events["events"]}
    series = public.call("GET", "/series", params={"include_volume": "true"}, signed=False, expect=200)
    assert "KXSBXT" in {s["ticker"] for s in series["series"]}
    got = public.call("GET", "/series/KXSBXT", "/series/{series_ticker}", signed=False, expect=200)
    assert got["series"]["fee_type"] == "quadratic"


def test_a_trade_between_two_members_shows_up_everywhere(alice, bob, public, market):
    created = alice.create(market, "bid", "0.4200", "10", client_order_id=f"a-{uuid.uuid4().hex[:12]}")
    assert created["fill_count"] == "0.00"
    assert created["remaining_count"] == "10.00"
    book = public.call(
        "GET", f"/markets/{market}/orderbook", "/markets/{ticker}/orderbook", signed=False, expect=200
    )
    assert book["orderbook_fp"]["yes_dollars"][-1] == ["0.4200", "10.00"]
    taken = bob.create(market, "ask", "0.4000", "4", time_in_force="immediate_or_cancel")
    assert taken["fill_count"] == "4.00"
    assert taken["remaining_count"] == "0.00"
    assert taken["average_fill_price"] == "0.4200"  # executed at the resting price
    # Taker fee 0.07 x 4 x 0.42 x 0.58 = $0.068208 -> $0.0683, + 0.0017 rounding = $0.0700 for 4.
    assert taken["average_fee_paid"] == "0.0175"

    fills = bob.call("GET", "/portfolio/fills", params={"ticker": market}, expect=200)["fills"]
    assert [(f["count_fp"], f["yes_price_dollars"], f["is_taker"], f["outcome_side"]) for f in fills] == [
        ("4.00", "0.4200", True, "no")
    ]
    order = alice.call(
        "GET", f"/portfolio/orders/{created['order_id']}", "/portfolio/orders/{order_id}", expect=200
    )["order"]
    assert (order["status"], order["fill_count_fp"], order["remaining_count_fp"]) == (
        "resting",
        "4.00",
        "6.00",
    )
    positions = alice.call("GET", "/portfolio/positions", params={"ticker": market}, expect=200)
    assert positions["market_positions"][0]["position_fp"] == "4.00"
    bob_positions = bob.call("GET", "/portfolio/positions", params={"ticker": market}, expect=200)
    assert bob_positions["market_positions"][0]["position_fp"] == "-4.00"
    trades = public.call("GET", "/markets/trades", params={"ticker": market}, signed=False, expect=200)[
        "trades"
    ]
    assert trades[0]["taker_book_side"] == "ask"
    assert trades[0]["yes_price_dollars"] == "0.4200"
    balance = bob.call("GET", "/portfolio/balance", expect=200)
    assert balance["balance"] == 100_000 - 232 - 7  # $2.32 for 4 NO at 0.58, $0.07 fees
    market_view = public.call("GET", f"/markets/{market}", "/markets/{ticker}", signed=False)["market"]
    assert (market_view["last_price_dollars"], market_view["volume_fp"], market_view["open_interest_fp"]) == (
        "0.4200",
        "4.00",
        "4.00",
    )
    queue = alice.call(
        "GET",
        f"/portfolio/orders/{created['order_id']}/queue_position",
        "/portfolio/orders/{order_id}/queue_position",
        expect=200,
    )
    assert queue["queue_position_fp"] == "0.00"
    alice.call("GET", "/portfolio/orders/queue_positions", params={"market_tickers": market}, expect=200)


def test_amend_decrease_and_cancel_follow_the_v2_contract(alice, market):
    order_id = alice.create(market, "bid", "0.3000", "5")["order_id"]
    path = f"/portfolio/events/orders/{order_id}"
    amended = alice.call(
        "POST",
        path + "/amend",
        "/portfolio/events/orders/{order_id}/amend",
        json={"ticker": market, "side": "bid", "price": "0.3100", "count": "8"},
        expect=200,
    )
    assert (amended["order_id"], amended["remaining_count"], amended["fill_count"]) == (
        order_id,
        "8.00",
        "0.00",
    )
    decreased = alice.call(
        "POST",
        path + "/decrease",
        "/portfolio/events/orders/{order_id}/decrease",
        json={"reduce_by": "3"},
        expect=200,
    )
    assert decreased["remaining_count"] == "5.00"
    both = alice.call(
        "POST",
        path + "/decrease",
        "/portfolio/events/orders/{order_id}/decrease",
        json={"reduce_by": "1", "reduce_to": "1"},
        expect=400,
    )
    assert both["error"]["code"] == "invalid_parameters"
    cancelled = alice.call("DELETE", path, "/portfolio/events/orders/{order_id}", expect=200)
    assert cancelled["reduced_by"] == "5.00"
    again = alice.call("DELETE", path, "/portfolio/events/orders/{order_id}", expect=404)
    assert again["error"]["code"] == "not_found"
    orders = alice.call(
        "GET", "/portfolio/orders", params={"status": "canceled", "ticker": market}, expect=200
    )
    assert order_id in {o["order_id"] for o in orders["orders"]}


def test_batch_create_and_cancel_answer_per_item(alice, market):
    created = alice.call(
        "POST",
        "/portfolio/events/orders/batched",
        json={
            "orders": [
                {
                    "ticker": market,
                    "side": "bid",
                    "price": "0.2000",
                    "count": "1",
                    "time_in_force": "good_till_canceled",
                    "self_trade_prevention_type": "maker",
                },
                {
                    "ticker": market,
                    "side": "bid",
                    "price": "0.2050",
                    "count": "1",
                    "time_in_force": "good_till_canceled",
                    "self_trade_prevention_type": "maker",
                    "client_order_id": "bad-price",
                },
                {
                    "ticker": "NOPE-1",
                    "side": "bid",
                    "price": "0.2000",
                    "count": "1",
                    "time_in_force": "good_till_canceled",
                    "self_trade_prevention_type": "maker",
                },
            ]
        },
        expect=201,
    )["orders"]
    assert created[0]["error"] is None
    assert "order_id" not in created[1]
    assert created[1]["error"]["code"] == "invalid_price"
    assert created[1]["client_order_id"] == "bad-price"
    assert created[2]["error"]["code"] == "market_not_found"
    cancelled = alice.call(
        "DELETE",
        "/portfolio/events/orders/batched",
        json={"orders": [{"order_id": created[0]["order_id"]}, {"order_id": "missing"}]},
        expect=200,
    )["orders"]
    assert cancelled[0]["reduced_by"] == "1.00"
    assert cancelled[0]["error"] is None
    assert cancelled[1]["error"]["code"] == "not_found"


def test_portfolio_reads_paginate_with_cursors(sandbox_server, alice, market):
    setup_market(sandbox_server, f"KXSBXT-PAGE-{uuid.uuid4().hex[:6].upper()}")
    for i in range(5):
        alice.create(market, "bid", f"0.0{i + 1}00", "1")
    seen: list[str] = []
    cursor = ""
    while True:
        page = alice.call(
            "GET", "/portfolio/orders", params={"limit": 2, "cursor": cursor, "ticker": market}, expect=200
        )
        seen += [o["order_id"] for o in page["orders"]]
        cursor = page["cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen))
    every = alice.call("GET", "/portfolio/orders", params={"limit": 1000, "ticker": market}, expect=200)[
        "orders"
    ]
    assert seen == [o["order_id"] for o in every]
    alice.call("GET", "/portfolio/settlements", expect=200)
    alice.call("GET", "/account/limits", expect=200)
    markets_page = alice.call("GET", "/markets", params={"limit": 1}, expect=200)
    assert markets_page["cursor"]  # there are at least two markets
    second = alice.call("GET", "/markets", params={"limit": 1, "cursor": markets_page["cursor"]}, expect=200)
    assert second["markets"][0]["ticker"] != markets_page["markets"][0]["ticker"]


def test_multiple_orderbooks_in_one_call(public, market):
    books = public.call(
        "GET", "/markets/orderbooks", params={"tickers": [market, market]}, signed=False, expect=200
    )
    assert [b["ticker"] for b in books["orderbooks"]] == [market, market]
    missing = public.call("GET", "/markets/orderbooks", signed=False, expect=400)
    assert missing["error"]["code"] == "invalid_parameters"


def test_orderbook_depth_keeps_the_best_levels_of_each_side(sandbox_server, alice, bob, public):
    ticker = setup_market(sandbox_server, f"KXSBXT-DEPTH-{uuid.uuid4().hex[:6].upper()}")
    for price in ("0.3000", "0.3100", "0.3200"):
        alice.create(ticker, "bid", price, "1")
    for price in ("0.6000", "0.6100"):  # NO bids at 0.40 and 0.39
        bob.create(ticker, "ask", price, "2")
    path, template = f"/markets/{ticker}/orderbook", "/markets/{ticker}/orderbook"
    full = public.call("GET", path, template, signed=False, expect=200)["orderbook_fp"]
    assert [p for p, _ in full["yes_dollars"]] == ["0.3000", "0.3100", "0.3200"]
    for depth, yes, no in (
        (1, [["0.3200", "1.00"]], [["0.4000", "2.00"]]),
        (2, [["0.3100", "1.00"], ["0.3200", "1.00"]], [["0.3900", "2.00"], ["0.4000", "2.00"]]),
        (100, full["yes_dollars"], full["no_dollars"]),
    ):
        book = public.call("GET", path, template, params={"depth": depth}, signed=False, expect=200)
        assert book["orderbook_fp"] == {"yes_dollars": yes, "no_dollars": no}, depth
    for bad in ("-1", "101", "abc", "1.5", "9" * 5_000):
        body = public.call("GET", path, template, params={"depth": bad}, signed=False, expect=400)
        assert body["error"]["code"] == "invalid_parameters", bad


def test_closing_a_market_that_has_not_opened_closes_it(sandbox_server, alice, public):
    ticker = setup_market(
        sandbox_server,
        f"KXSBXT-UNOPENED-{uuid.uuid4().hex[:6].upper()}",
        open_time="2099-01-01T00:00:00Z",
        close_time="2099-02-01T00:00:00Z",
    )
    path, template = f"/markets/{ticker}", "/markets/{ticker}"
    assert public.call("GET", path, template, signed=False, expect=200)["market"]["status"] == "initialized"
    response = sandbox_server.admin("POST", f"/markets/{ticker}/close")
    assert response.status_code == 200, response.text
    assert response.json()["market"]["status"] == "closed"
    market = public.call("GET", path, template, signed=False, expect=200)["market"]
    assert market["status"] == "closed"
    assert market["open_time"] <= market["close_time"]
    order = alice.call(
        "POST",
        "/portfolio/events/orders",
        json={
            "ticker": ticker,
            "side": "bid",
            "price": "0.4000",
            "count": "1",
            "time_in_force": "good_till_canceled",
            "self_trade_prevention_type": "taker_at_cross",
        },
        expect=409,
    )
    assert order["error"]["code"] == "MARKET_INACTIVE"


def test_a_series_fee_change_applies_to_its_existing_markets(sandbox_server, alice, bob):
    series = f"KXSBXFEE{uuid.uuid4().hex[:6].upper()}"
    ticker = setup_market(sandbox_server, f"{series}-M1", series=series)  # quadratic: no maker fee
    balance = alice.call("GET", "/portfolio/balance", expect=200)["balance"]
    alice.create(ticker, "bid", "0.5000", "10")
    reserved = balance - alice.call("GET", "/portfolio/balance", expect=200)["balance"]
    update = {
        "ticker": series,
        "title": "Fees",
        "fee_type": "quadratic_with_maker_fees",
        "fee_multiplier": "2",
    }
    response = sandbox_server.admin("POST", "/series", json=update)
    assert response.status_code == 201, response.text
    assert response.json()["series"]["fee_type"] == "quadratic_with_maker_fees"
    # The resting bid now reserves a maker fee allowance too, as soon as the update is answered.
    assert balance - alice.call("GET", "/portfolio/balance", expect=200)["balance"] > reserved
    bob.create(ticker, "ask", "0.5000", "10", time_in_force="immediate_or_cancel")
    fills = alice.call("GET", "/portfolio/fills", params={"ticker": ticker}, expect=200)["fills"]
    # 0.0175 x 2 x 10 x 0.50 x 0.50 = $0.0875, floored into the balance as $0.09.
    assert [(f["is_taker"], f["fee_cost"]) for f in fills] == [(False, "0.0900")]
