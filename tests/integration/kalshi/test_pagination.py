"""Iterating lists page by page against a real sandbox: every row exactly once, with small pages
so the cursor is followed several times."""

from __future__ import annotations

import collections

from execution.kalshi.models import OrderRequest
from execution.kalshi.rest import KalshiClient
from tests.integration.kalshi.conftest import Recorder, make_market, unique_ticker


def pages(recorder: Recorder, path: str) -> int:
    return sum(r.path == f"/trade-api/v2{path}" for r in recorder.records)


def buy_from(buyer: KalshiClient, seller: KalshiClient, market: str, count: int = 100) -> None:
    """`buyer` rests a YES bid; `seller` sells into it (one trade, one fill each)."""
    buyer.create_order(OrderRequest.buy_yes(market, 5000, count))
    seller.create_order(OrderRequest.sell_yes(market, 5000, count, time_in_force="immediate_or_cancel"))


def test_positions_iterate_every_page_and_list_each_market_once(client, bob, sandbox_server, recorder):
    event = unique_ticker("KXKCLI-PG")
    markets = [make_market(sandbox_server, f"{event}-M{i}", event=event) for i in range(5)]
    for i, market in enumerate(markets):
        buy_from(client, bob, market, count=100 * (i + 1))
    before = pages(recorder, "/portfolio/positions")
    positions = list(client.positions(event_ticker=event, page_size=2))
    assert pages(recorder, "/portfolio/positions") - before == 3  # 2 + 2 + 1
    assert collections.Counter(p.ticker for p in positions) == collections.Counter(markets)
    assert {p.ticker: p.position for p in positions} == {m: 100 * (i + 1) for i, m in enumerate(markets)}
    # The unfiltered listing of this fresh account, in pages of one, is the same rows.
    assert sorted(p.ticker for p in client.positions(page_size=1)) == sorted(markets)
    everything = client.all_positions(event_ticker=event, page_size=2)
    assert sorted(p.ticker for p in everything.market_positions) == sorted(markets)
    # bob holds the other side of each market.
    assert {p.ticker: p.position for p in bob.positions(page_size=2)} == {
        m: -100 * (i + 1) for i, m in enumerate(markets)
    }


def test_trades_iterate_every_page_and_list_each_trade_once(client, bob, sandbox_server, recorder):
    market = make_market(sandbox_server)
    for _ in range(7):
        buy_from(client, bob, market)
    before = pages(recorder, "/markets/trades")
    trades = list(client.trades(ticker=market, page_size=2))
    assert pages(recorder, "/markets/trades") - before == 4  # 2 + 2 + 2 + 1
    assert len(trades) == 7
    assert len({t.trade_id for t in trades}) == 7
    assert [t.created_time for t in trades] == sorted((t.created_time for t in trades), reverse=True)
    assert {t.trade_id for t in trades} == {t.trade_id for t in client.trades(ticker=market)}
    # The same trades, seen as fills, page the same way.
    fills = list(client.fills(ticker=market, page_size=3))
    assert len(fills) == 7
    assert len({f.fill_id for f in fills}) == 7
    assert {f.trade_id for f in fills} == {t.trade_id for t in trades}
    orders = list(client.orders(ticker=market, page_size=3))
    assert len({o.order_id for o in orders}) == len(orders) == 7
