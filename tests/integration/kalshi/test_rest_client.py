"""Every KalshiClient method against a real sandbox process over HTTP."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from execution.kalshi import errors as e
from execution.kalshi.models import OrderRequest
from execution.kalshi.rest import KalshiClient, endpoints_for
from execution.kalshi.signing import Signer
from tests.conftest import rsa_private_key_pem
from tests.integration.kalshi.conftest import client_for, make_market, unique_ticker


def coid() -> str:
    return str(uuid.uuid4())


def test_it_reads_the_exchange_status(client):
    status = client.exchange_status()
    assert status.exchange_active
    assert status.trading_active


def test_it_iterates_every_page_of_markets_and_reads_one(client, sandbox_server):
    event = f"KXKCLI-E{uuid.uuid4().hex[:6].upper()}"
    tickers = {make_market(sandbox_server, f"{event}-M{i}", event=event) for i in range(5)}
    listed = list(client.markets(event_ticker=event, page_size=2))  # three pages
    assert {m.ticker for m in listed} == tickers
    assert len(listed) == 5
    by_tickers = list(client.markets(tickers=sorted(tickers)[:2]))
    assert len(by_tickers) == 2
    one = client.market(sorted(tickers)[0])
    assert one.status == "active"
    assert one.is_valid_price(4500)
    assert not one.is_valid_price(4550)


def test_it_reads_events_and_series(client, sandbox_server):
    event = f"KXKCLI-E{uuid.uuid4().hex[:6].upper()}"
    ticker = make_market(sandbox_server, f"{event}-A", event=event)
    got = client.event(event)
    assert got.series_ticker == "KXKCLI"
    assert [m.ticker for m in got.markets] == [ticker]
    assert event in {ev.event_ticker for ev in client.events(series_ticker="KXKCLI", page_size=1)}
    assert "KXKCLI" in {s.ticker for s in client.series_list()}
    assert client.series("KXKCLI").fee_type == "quadratic"


def test_orders_rest_on_the_book_and_trade_against_each_other(client, bob, market, sandbox_server):
    placed = client.create_order(OrderRequest.buy_yes(market, 4500, 1000, client_order_id=coid()))
    assert (placed.fill_count, placed.remaining_count, placed.duplicate) == (0, 1000, False)
    client.create_order(OrderRequest.buy_no(market, no_price=5000, count=300))  # YES ask at 0.50
    book = client.orderbook(market)
    assert book.yes_bids == ((4500, 1000),)
    assert book.no_bids == ((5000, 300),)
    assert book.best_yes_ask == (5000, 300)
    assert client.orderbook(market, depth=1).yes_bids == ((4500, 1000),)
    other = make_market(sandbox_server)
    books = client.orderbooks([market, other])
    assert books[market].best_yes_bid == (4500, 1000)
    assert books[other].yes_bids == ()

    # bob sells 4 YES into the 0.45 bid: a trade at the resting price.
    taken = bob.create_order(OrderRequest.sell_yes(market, 4500, 400, time_in_force="immediate_or_cancel"))
    assert taken.fill_count == 400
    assert taken.average_fill_price_micros == 450_000
    trades = list(client.trades(ticker=market))
    assert [(t.count, t.yes_price, t.taker_book_side) for t in trades] == [(400, 4500, "ask")]

    fills = list(client.fills(ticker=market))
    assert [(f.count, f.yes_price, f.is_taker, f.order_id) for f in fills] == [
        (400, 4500, False, placed.order_id)
    ]
    positions = list(client.positions(ticker=market))
    assert [p.position for p in positions] == [400]
    assert client.all_positions().event_positions
    order = client.order(placed.order_id)
    assert (order.fill_count, order.remaining_count, order.status) == (400, 600, "resting")


def test_fills_iterate_from_a_time_and_resume_from_a_cursor(client, bob, market):
    client.create_order(OrderRequest.buy_yes(market, 4000, 500))
    before = dt.datetime.now(tz=dt.UTC) - dt.timedelta(seconds=5)
    for _ in range(3):
        bob.create_order(OrderRequest.sell_yes(market, 4000, 100, time_in_force="immediate_or_cancel"))
    assert len(list(client.fills(min_ts=before))) == 3
    assert list(client.fills(min_ts=dt.datetime.now(tz=dt.UTC) + dt.timedelta(hours=1))) == []
    first, cursor = client.fills_page(page_size=2)
    assert len(first) == 2
    assert cursor
    rest = list(client.fills(cursor=cursor, page_size=2))
    assert {f.fill_id for f in first}.isdisjoint({f.fill_id for f in rest})
    assert len(first) + len(rest) == 3


def test_orders_iterate_and_filter_by_client_order_id(client, market):
    ids = [coid() for _ in range(3)]
    for i, client_order_id in enumerate(ids):
        client.create_order(
            OrderRequest.buy_yes(market, 3000 + 100 * i, 100, client_order_id=client_order_id)
        )
    everything = list(client.orders(ticker=market, page_size=2))
    assert {o.client_order_id for o in everything} == set(ids)
    assert [o.yes_price for o in client.orders(client_order_id=ids[1])] == [3100]
    assert client.find_order(ids[2], ticker=market).yes_price == 3200
    assert client.find_order(coid()) is None
    assert len(list(client.orders(status="resting", ticker=market))) == 3


def test_a_repeated_client_order_id_returns_the_existing_order_without_a_second_one(client, market):
    client_order_id = coid()
    first = client.create_order(OrderRequest.buy_yes(market, 4100, 200, client_order_id=client_order_id))
    again = client.create_order(OrderRequest.buy_yes(market, 4100, 200, client_order_id=client_order_id))
    assert again.duplicate
    assert again.order_id == first.order_id
    assert again.order.remaining_count == 200
    assert len(list(client.orders(client_order_id=client_order_id))) == 1


def test_a_client_order_id_reused_for_a_different_order_is_a_conflict(client, market):
    client_order_id = coid()
    first = client.create_order(OrderRequest.buy_yes(market, 4100, 200, client_order_id=client_order_id))
    with pytest.raises(e.ClientOrderIdConflict) as info:
        client.create_order(OrderRequest.buy_yes(market, 4200, 200, client_order_id=client_order_id))
    conflict = info.value
    assert not conflict.retryable
    assert conflict.existing_order_id == first.order_id
    assert conflict.differences == {"price": ("$0.4100", "$0.4200")}
    assert client_order_id in str(conflict)
    with pytest.raises(e.ClientOrderIdConflict, match=r"count 2\.00 there, 3\.00 requested"):
        client.create_order(OrderRequest.buy_yes(market, 4100, 300, client_order_id=client_order_id))
    # In a batch, the conflict is that item's error; the other items are placed.
    fresh = coid()
    items = client.batch_create(
        [
            OrderRequest.sell_yes(market, 4100, 200, client_order_id=client_order_id),
            OrderRequest.buy_yes(market, 3900, 100, client_order_id=fresh),
        ]
    )
    assert isinstance(items[0].error, e.ClientOrderIdConflict)
    assert items[0].error.differences == {"side": ("bid", "ask")}
    assert items[1].ok
    # Nothing extra was placed: still one order for the reused id, at its first price.
    assert [(o.order_id, o.yes_price) for o in client.orders(client_order_id=client_order_id)] == [
        (first.order_id, 4100)
    ]
    assert client.orderbook(market).yes_bids == ((3900, 100), (4100, 200))


def test_a_create_without_client_order_id_gets_one(client, market):
    result = client.create_order(OrderRequest.buy_yes(market, 4100, 100))
    assert result.client_order_id
    assert client.order(result.order_id).client_order_id == result.client_order_id


def test_cancel_amend_and_decrease(client, market):
    placed = client.create_order(OrderRequest.buy_yes(market, 4000, 1000, client_order_id=coid()))
    decreased = client.decrease_order(placed.order_id, reduce_by=200)
    assert decreased.remaining_count == 800
    assert client.decrease_order(placed.order_id, reduce_to=700).remaining_count == 700
    new_id = coid()
    amended = client.amend_order(
        placed.order_id,
        ticker=market,
        side="bid",
        price=4200,
        count=500,
        client_order_id=placed.client_order_id,
        updated_client_order_id=new_id,
    )
    order = client.order(amended.order_id)
    assert (order.yes_price, order.remaining_count, order.client_order_id) == (4200, 500, new_id)
    cancelled = client.cancel_order(amended.order_id)
    assert cancelled.reduced_by == 500
    assert client.order(amended.order_id).status == "canceled"
    with pytest.raises(e.NotFound):
        client.cancel_order(amended.order_id)  # no longer resting, and no earlier ambiguous attempt
    with pytest.raises(e.OrderRequestError):
        client.decrease_order(placed.order_id)


def test_batch_create_reports_each_order_and_batch_cancel_cancels_them(client, market):
    requests_ = [OrderRequest.buy_yes(market, 3000 + i * 100, 100, client_order_id=coid()) for i in range(3)]
    requests_.append(OrderRequest.buy_yes(market, 3000, 10_000_000))  # far beyond the balance
    items = client.batch_create(requests_)
    assert [item.ok for item in items] == [True, True, True, False]
    assert isinstance(items[3].error, e.InsufficientBalance)
    assert "you have $" in items[3].error.message
    # Sending the same batch again creates nothing new: each order is found by its id.
    again = client.batch_create(requests_[:3])
    assert all(item.result.duplicate for item in again)
    assert [i.result.order_id for i in again] == [i.result.order_id for i in items[:3]]

    order_ids = [item.result.order_id for item in items[:3]]
    cancelled = client.batch_cancel([*order_ids, "00000000-0000-0000-0000-000000000000"])
    assert [c.ok for c in cancelled] == [True, True, True, False]
    assert [c.result.reduced_by for c in cancelled[:3]] == [100, 100, 100]
    assert isinstance(cancelled[3].error, e.NotFound)
    assert client.orderbook(market).yes_bids == ()


def test_batches_larger_than_the_write_bucket_are_split(client, market):
    requests_ = [OrderRequest.buy_yes(market, 2000 + i * 100, 100) for i in range(23)]
    items = client.batch_create(requests_)  # Basic write bucket (with headroom): 9 orders per batch
    assert all(item.ok for item in items)
    assert len({item.result.order_id for item in items}) == 23
    write_calls = [r for r in client.call_hook.records if r.path.endswith("/portfolio/events/orders/batched")]
    assert len(write_calls) == 3


def test_balance_reads_the_available_cash(client, market):
    start = client.balance().balance_micros
    assert start == 1_000_000_000
    client.create_order(OrderRequest.buy_yes(market, 5000, 1000))
    assert client.balance().balance_micros < start - 5_000_000  # $5 reserved (plus fee allowance)


def test_insufficient_balance_says_how_much_is_needed_and_available(sandbox_server, market):
    key_id, pem = sandbox_server.create_account("poor", "3.10")
    with client_for(sandbox_server, key_id, pem) as poor, pytest.raises(e.InsufficientBalance) as info:
        poor.create_order(OrderRequest.buy_yes(market, 4500, 1000))
    assert (
        info.value.message
        == "Insufficient balance: the order needs $4.50 plus fees, you have $3.10 available."
    )
    assert info.value.status == 400
    assert info.value.code == "available_balance_too_low"
    assert not info.value.retryable


def test_each_exchange_refusal_is_its_own_error(client, market, sandbox_server):
    with pytest.raises(e.InvalidPrice):
        client.create_order(OrderRequest.buy_yes(market, 4550, 100))
    with pytest.raises(e.MarketNotFound):
        client.create_order(OrderRequest.buy_yes(unique_ticker(), 4500, 100))
    with pytest.raises(e.MarketNotFound):
        client.market("KXNOPE-NOPE")
    client.create_order(OrderRequest.sell_yes(market, 5000, 100))
    with pytest.raises(e.PostOnlyCross):
        client.create_order(OrderRequest.buy_yes(market, 5000, 100, post_only=True))

    paused = make_market(sandbox_server)
    assert sandbox_server.admin("POST", f"/markets/{paused}/close").status_code == 200
    with pytest.raises(e.MarketInactive):
        client.create_order(OrderRequest.buy_yes(paused, 4500, 100))

    assert sandbox_server.admin("POST", "/exchange", json={"trading_active": False}).status_code == 200
    try:
        with pytest.raises(e.TradingPaused) as info:
            client.create_order(OrderRequest.buy_yes(market, 4500, 100, client_order_id=coid()))
        assert not isinstance(info.value, e.OrderAlreadyExists)
        assert not info.value.retryable
    finally:
        sandbox_server.admin("POST", "/exchange", json={"trading_active": True})


def test_a_wrong_key_is_an_authentication_error(sandbox_server):
    key_id, _ = sandbox_server.create_account("wrongkey", "1.00")
    wrong = KalshiClient(sandbox_server.base_url, signer=Signer.from_pem(key_id, rsa_private_key_pem(1)))
    with pytest.raises(e.AuthenticationError) as info:
        wrong.balance()
    assert info.value.status == 401
    unknown = KalshiClient(
        sandbox_server.base_url, signer=Signer.from_pem(str(uuid.uuid4()), rsa_private_key_pem(1))
    )
    with pytest.raises(e.UnknownApiKey):
        unknown.balance()
    skewed = KalshiClient(
        sandbox_server.base_url,
        signer=Signer.from_pem(key_id, rsa_private_key_pem(1), clock=lambda: 1_000_000.0),
    )
    with pytest.raises(e.TimestampExpired):
        skewed.balance()


def test_public_data_needs_no_key(sandbox_server, market):
    public = KalshiClient(sandbox_server.base_url)
    assert public.market(market).ticker == market
    assert public.orderbook(market).yes_bids == ()


def test_every_call_is_logged_without_secrets(client, market, recorder, account):
    client.balance()
    client.create_order(OrderRequest.buy_yes(market, 4500, 100))
    with pytest.raises(e.InvalidPrice):
        client.create_order(OrderRequest.buy_yes(market, 4550, 100))
    records = recorder.records[-3:]
    assert [(r.method, r.path, r.status, r.error_code) for r in records] == [
        ("GET", "/trade-api/v2/portfolio/balance", 200, ""),
        ("POST", "/trade-api/v2/portfolio/events/orders", 201, ""),
        ("POST", "/trade-api/v2/portfolio/events/orders", 400, "invalid_price"),
    ]
    assert all(r.credential_id == "cred-1" and r.latency_ms > 0 for r in records)
    _, pem = account
    text = repr(recorder.records)
    assert pem.splitlines()[1] not in text
    assert "KALSHI-ACCESS" not in text


def test_the_environment_decides_the_urls():
    sandbox = endpoints_for("sandbox", sandbox_url="http://127.0.0.1:8001/")
    assert sandbox.rest_url == "http://127.0.0.1:8001/trade-api/v2"
    assert sandbox.ws_url == "ws://127.0.0.1:8001/trade-api/ws/v2"
    assert endpoints_for("demo").rest_url == "https://external-api.demo.kalshi.co/trade-api/v2"
    assert endpoints_for("production").ws_url == "wss://external-api-ws.kalshi.com/trade-api/ws/v2"
    with pytest.raises(ValueError, match="unknown environment"):
        endpoints_for("staging")


def test_settlements_list_settled_positions(client, bob, market, sandbox_server):
    client.create_order(OrderRequest.buy_yes(market, 4000, 200))
    bob.create_order(OrderRequest.sell_yes(market, 4000, 200, time_in_force="immediate_or_cancel"))
    response = sandbox_server.admin("POST", f"/markets/{market}/determine", json={"result": "yes"})
    assert response.status_code == 200, response.text
    settled = list(client.settlements(ticker=market))
    assert [(s.market_result, s.yes_count, s.revenue_micros) for s in settled] == [("yes", 200, 2_000_000)]
    assert list(client.positions(ticker=market)) == []
    assert client.market(market, cached=False).status == "finalized"
