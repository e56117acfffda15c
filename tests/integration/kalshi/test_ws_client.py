"""The WebSocket client against a real sandbox: signed connect, books, typed events, reconnect."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from execution.kalshi import errors as e
from execution.kalshi import ws as w
from execution.kalshi.models import OrderRequest
from tests.conftest import rsa_private_key_pem
from tests.integration.kalshi.conftest import client_for, make_market
from tests.integration.kalshi.wshelpers import book_matches_rest, ws_for
from tests.unit.kalshi.watcher import Watcher


async def place(client, *requests_: OrderRequest) -> None:
    for request in requests_:
        await asyncio.to_thread(client.create_order, request)


@pytest.mark.asyncio
@pytest.mark.parametrize("use_yes_price", [False, True])
async def test_the_local_book_follows_snapshot_and_deltas(
    sandbox_server, account, client, market, use_yes_price
):
    await place(client, OrderRequest.buy_yes(market, 4000, 500), OrderRequest.buy_no(market, 5500, 300))
    async with Watcher(ws_for(sandbox_server, *account, use_yes_price=use_yes_price)) as watcher:
        await watcher.ws.subscribe([w.ORDERBOOK], [market])
        snapshot = await watcher.until(lambda: watcher.of(w.BookSnapshot), what="snapshot")
        # NO levels are always in NO-leg prices, whatever the scale on the wire.
        assert snapshot[0].book.no_bids == ((5500, 300),)
        await place(
            client,
            OrderRequest.buy_yes(market, 4100, 200),
            OrderRequest.buy_no(market, 5600, 100),
            OrderRequest.sell_yes(market, 4100, 200, time_in_force="immediate_or_cancel"),
        )
        await book_matches_rest(watcher, client, market)
        deltas = watcher.of(w.BookDelta)
        assert {(d.side, d.price) for d in deltas} >= {("yes", 4100), ("no", 5600)}
        own = [d for d in deltas if d.client_order_id]
        assert own  # our own orders' deltas carry their client_order_id


@pytest.mark.asyncio
async def test_public_and_private_channels_yield_typed_events(sandbox_server, account, client, market):
    bob_key = sandbox_server.create_account(f"bob-{uuid.uuid4().hex[:6]}", "1000.00")
    with client_for(sandbox_server, *bob_key) as bob:
        async with Watcher(ws_for(sandbox_server, *account)) as watcher:
            await watcher.ws.subscribe(
                ["ticker", "trade", "fill", "user_orders", "market_positions"], [market]
            )
            await watcher.ws.subscribe(["market_lifecycle_v2"])
            await watcher.until(lambda: len(watcher.of(w.Subscribed)) == 6, what="six subscriptions")
            placed = await asyncio.to_thread(
                client.create_order,
                OrderRequest.buy_yes(market, 4500, 300, client_order_id=str(uuid.uuid4())),
            )
            await asyncio.to_thread(
                bob.create_order,
                OrderRequest.sell_yes(market, 4500, 300, time_in_force="immediate_or_cancel"),
            )
            await watcher.until(
                lambda: watcher.of(w.FillUpdate) and watcher.of(w.PositionUpdate), what="fill"
            )
            await watcher.until(
                lambda: watcher.of(w.TradeUpdate) and watcher.of(w.TickerUpdate), what="trade"
            )
            trade = watcher.of(w.TradeUpdate)[0]
            assert (trade.ticker, trade.count, trade.yes_price, trade.taker_book_side) == (
                market,
                300,
                4500,
                "ask",
            )
            fill = watcher.of(w.FillUpdate)[0]
            assert (fill.order_id, fill.count, fill.is_taker, fill.post_position) == (
                placed.order_id,
                300,
                False,
                300,
            )
            await watcher.until(
                lambda: any(u.status == "executed" for u in watcher.of(w.OrderUpdate)), what="executed order"
            )
            assert watcher.of(w.PositionUpdate)[-1].position == 300
            new_market = make_market(sandbox_server)
            await watcher.until(
                lambda: any(u.ticker == new_market for u in watcher.of(w.LifecycleUpdate)), what="lifecycle"
            )


@pytest.mark.asyncio
async def test_unsubscribe_stops_a_market(sandbox_server, account, client):
    first, second = make_market(sandbox_server), make_market(sandbox_server)
    async with Watcher(ws_for(sandbox_server, *account)) as watcher:
        await watcher.ws.subscribe([w.ORDERBOOK], [first, second])
        await watcher.until(lambda: len(watcher.of(w.BookSnapshot)) == 2, what="two snapshots")
        await watcher.ws.unsubscribe([w.ORDERBOOK], [first])
        assert watcher.ws.book(first) is None
        await place(client, OrderRequest.buy_yes(first, 4000, 100), OrderRequest.buy_yes(second, 4000, 100))
        await book_matches_rest(watcher, client, second)
        assert all(d.ticker == second for d in watcher.of(w.BookDelta))
        await watcher.ws.unsubscribe([w.ORDERBOOK])
        assert watcher.ws.book(second) is None


@pytest.mark.asyncio
async def test_a_dropped_socket_reconnects_resubscribes_and_rebuilds(sandbox_server, account, client, market):
    async with Watcher(ws_for(sandbox_server, *account)) as watcher:
        await watcher.ws.subscribe([w.ORDERBOOK], [market])
        await watcher.until(lambda: watcher.of(w.BookSnapshot), what="snapshot")
        assert sandbox_server.admin("POST", "/ws/drop").json()["dropped"] >= 1
        await watcher.until(lambda: watcher.of(w.Disconnected), what="disconnect")
        await place(client, OrderRequest.buy_yes(market, 3900, 700))  # while we are away
        await watcher.until(lambda: len(watcher.of(w.Connected)) == 2, what="reconnect")
        await watcher.until(lambda: len(watcher.of(w.BookSnapshot)) == 2, what="fresh snapshot")
        await book_matches_rest(watcher, client, market)
        assert watcher.of(w.BookInvalidated)[0].tickers == (market,)
        assert watcher.ws.stats["reconnects"] == 1


@pytest.mark.asyncio
async def test_a_bad_key_is_refused_at_connect(sandbox_server):
    key_id, _ = sandbox_server.create_account("ws-wrong", "1.00")
    ws = ws_for(sandbox_server, key_id, rsa_private_key_pem(1))
    with pytest.raises(e.AuthenticationError):
        async for _ in ws.events():
            pass


@pytest.mark.asyncio
async def test_server_pings_keep_a_quiet_connection_alive(sandbox_factory):
    server = sandbox_factory(extra=["--ws-heartbeat-seconds", "0.3"])
    key_id, pem = server.create_account("quiet", "10.00")
    ticker = make_market(server)
    # Our own pings are off: only the server's heartbeat frames prove the connection alive.
    async with Watcher(ws_for(server, key_id, pem, ping_interval=None, silence_timeout=1.0)) as watcher:
        await watcher.ws.subscribe([w.ORDERBOOK], [ticker])
        await watcher.until(lambda: watcher.of(w.BookSnapshot), what="snapshot")
        await asyncio.sleep(2.5)  # no data at all flows on this market
        assert watcher.ws.stats["silences"] == 0
        assert len(watcher.of(w.Connected)) == 1
