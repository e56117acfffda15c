"""The WebSocket client against a scripted local server: seq gaps, resnapshots, silence, refusals."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection, serve

from execution.kalshi import ws as w
from execution.kalshi.models import OrderBook
from execution.kalshi.retry import RetryPolicy
from execution.kalshi.signing import Signer
from tests.conftest import rsa_private_key_pem
from tests.unit.kalshi.watcher import Watcher

T = "KXT-1"
FAST = RetryPolicy(attempts=0, base=0.02, cap=0.05, floor=0.01)


def snapshot(
    seq: int, yes: list[list[str]] | None = None, no: list[list[str]] | None = None, sid: int = 1
) -> str:
    msg: dict[str, Any] = {"market_ticker": T, "market_id": "m"}
    if yes:
        msg["yes_dollars_fp"] = yes
    if no:
        msg["no_dollars_fp"] = no
    return json.dumps({"type": "orderbook_snapshot", "sid": sid, "seq": seq, "msg": msg})


def delta(seq: int, price: str, size: str, side: str = "yes", ticker: str = T, sid: int = 1) -> str:
    msg = {
        "market_ticker": ticker,
        "market_id": "m",
        "price_dollars": price,
        "delta_fp": size,
        "side": side,
        "ts_ms": 1,
    }
    return json.dumps({"type": "orderbook_delta", "sid": sid, "seq": seq, "msg": msg})


class FakeExchange:
    """Answers each command with `script(command, connection_number)` -> frames to send."""

    def __init__(
        self,
        script: Callable[[dict[str, Any], int], list[str]],
        greet: Callable[[int], list[str]] | None = None,
    ) -> None:
        self.script = script
        self.greet = greet
        self.commands: list[dict[str, Any]] = []
        self.connections = 0
        self.headers: list[dict[str, str]] = []

    async def handler(self, connection: ServerConnection) -> None:
        self.connections += 1
        number = self.connections
        assert connection.request is not None
        self.headers.append(dict(connection.request.headers))
        for frame in self.greet(number) if self.greet else []:
            await connection.send(frame)
        async for raw in connection:
            command = json.loads(raw)
            self.commands.append(command)
            for frame in self.script(command, number):
                await connection.send(frame)


@asynccontextmanager
async def running(exchange: FakeExchange) -> AsyncIterator[str]:
    async with serve(exchange.handler, "127.0.0.1", 0, ping_interval=None) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        yield f"ws://127.0.0.1:{port}/trade-api/ws/v2"


def client(url: str, **options: Any) -> w.KalshiWebSocket:
    options.setdefault("reconnect", FAST)
    options.setdefault("ping_interval", None)
    return w.KalshiWebSocket(url, Signer.from_pem("key-1", rsa_private_key_pem(0)), **options)


def book(watcher: Watcher) -> OrderBook:
    current = watcher.ws.book(T)
    assert current is not None
    return current


def subscribed(command: dict[str, Any], sid: int = 1) -> str:
    return json.dumps(
        {"id": command["id"], "type": "subscribed", "msg": {"channel": "orderbook_delta", "sid": sid}}
    )


@pytest.mark.asyncio
async def test_a_seq_gap_drops_the_book_and_asks_for_a_snapshot():
    def script(command: dict[str, Any], _: int) -> list[str]:
        if command["cmd"] == "subscribe":
            return [
                subscribed(command),
                snapshot(1, yes=[["0.40", "5.00"]]),
                delta(2, "0.4100", "2.00"),
                delta(4, "0.4200", "1.00"),  # seq 3 never came
                delta(5, "0.4300", "1.00"),  # discarded: the book awaits its snapshot
            ]
        if command["cmd"] == "update_subscription":
            return [
                snapshot(
                    6, yes=[["0.4000", "5.00"], ["0.4100", "2.00"], ["0.4200", "1.00"], ["0.4300", "1.00"]]
                )
            ]
        return []

    exchange = FakeExchange(script)
    async with running(exchange) as url, Watcher(client(url)) as watcher:
        await watcher.ws.subscribe([w.ORDERBOOK], [T])
        await watcher.until(lambda: len(watcher.of(w.BookSnapshot)) == 2, what="resnapshot")
        assert book(watcher).yes_bids == ((4000, 500), (4100, 200), (4200, 100), (4300, 100))
        assert watcher.ws.stats["gaps"] == 1
        assert [d.price for d in watcher.of(w.BookDelta)] == [4100]
        assert watcher.of(w.BookInvalidated)[0].tickers == (T,)
        update = exchange.commands[1]
        assert update["cmd"] == "update_subscription"
        assert update["params"] == {"sid": 1, "action": "get_snapshot", "market_tickers": [T]}


@pytest.mark.asyncio
async def test_use_yes_price_is_always_sent_and_no_levels_are_normalised():
    def script(command: dict[str, Any], _: int) -> list[str]:
        if command["cmd"] != "subscribe":
            return []
        # With use_yes_price the NO bid at 0.30 NO is reported on the YES scale as 0.70.
        return [
            subscribed(command),
            snapshot(1, no=[["0.7000", "3.00"]]),
            delta(2, "0.6500", "1.00", side="no"),
        ]

    exchange = FakeExchange(script)
    async with running(exchange) as url, Watcher(client(url, use_yes_price=True)) as watcher:
        await watcher.ws.subscribe([w.ORDERBOOK], [T])
        await watcher.until(lambda: watcher.of(w.BookDelta), what="delta")
        assert exchange.commands[0]["params"]["use_yes_price"] is True
        assert book(watcher).no_bids == ((3000, 300), (3500, 100))
        assert book(watcher).best_yes_ask == (6500, 100)
    exchange = FakeExchange(lambda c, _: [subscribed(c)] if c["cmd"] == "subscribe" else [])
    async with running(exchange) as url, Watcher(client(url)) as watcher:
        await watcher.ws.subscribe([w.ORDERBOOK], [T])
        await watcher.until(lambda: exchange.commands, what="subscribe")
        assert exchange.commands[0]["params"]["use_yes_price"] is False


@pytest.mark.asyncio
async def test_a_refused_get_snapshot_falls_back_to_subscribing_again():
    def script(command: dict[str, Any], _: int) -> list[str]:
        if command["cmd"] == "subscribe":
            sid = 1 + sum(c["cmd"] == "subscribe" for c in exchange.commands[:-1])
            first = sid == 1
            return [subscribed(command, sid), snapshot(1, yes=[["0.40", "5.00"]], sid=sid)] + (
                [delta(3, "0.4100", "1.00", sid=sid)] if first else []
            )
        if command["cmd"] == "update_subscription":
            return [
                json.dumps(
                    {"id": command["id"], "type": "error", "msg": {"code": 13, "msg": "Unsupported action"}}
                )
            ]
        return []

    exchange = FakeExchange(script)
    async with running(exchange) as url, Watcher(client(url)) as watcher:
        await watcher.ws.subscribe([w.ORDERBOOK], [T])
        await watcher.until(lambda: len(watcher.of(w.BookSnapshot)) == 2, what="snapshot after resubscribe")
        assert [c["cmd"] for c in exchange.commands] == [
            "subscribe",
            "update_subscription",
            "unsubscribe",
            "subscribe",
        ]
        assert book(watcher).yes_bids == ((4000, 500),)


@pytest.mark.asyncio
async def test_bad_deltas_never_corrupt_the_book():
    def script(command: dict[str, Any], _: int) -> list[str]:
        if command["cmd"] == "subscribe":
            return [
                subscribed(command),
                delta(1, "0.4000", "1.00", ticker="KXT-OTHER"),  # no snapshot for it
                snapshot(2, yes=[["0.40", "1.00"]]),
                delta(3, "0.4000", "-2.00"),  # below zero
            ]
        if command["cmd"] == "update_subscription" and command["params"]["market_tickers"] == [T]:
            return [snapshot(4, yes=[["0.40", "1.00"]]), delta(5, "0.4x", "1.00")]
        return []

    exchange = FakeExchange(script)
    async with running(exchange) as url, Watcher(client(url)) as watcher:
        await watcher.ws.subscribe([w.ORDERBOOK], [T])
        await watcher.until(lambda: watcher.of(w.WsError), what="unreadable delta")
        snapshot_requests = [
            c["params"]["market_tickers"] for c in exchange.commands if c["cmd"] == "update_subscription"
        ]
        assert ["KXT-OTHER"] in snapshot_requests
        assert [T] in snapshot_requests
        assert watcher.ws.book(T) is None  # the malformed delta invalidated it again
        assert watcher.of(w.BookDelta) == []
        # The feed keeps sending a bad delta after every snapshot: requests slow down, no storm.
        await asyncio.sleep(0.5)
        again = sum(
            c["params"].get("market_tickers") == [T]
            for c in exchange.commands
            if c["cmd"] == "update_subscription"
        )
        assert 2 <= again <= 6


@pytest.mark.asyncio
async def test_a_silent_connection_is_dropped_and_reopened_with_subscriptions():
    def script(command: dict[str, Any], number: int) -> list[str]:
        if command["cmd"] == "subscribe":
            return [subscribed(command), snapshot(1, yes=[["0.40", "1.00"]])]
        return []

    exchange = FakeExchange(script)  # after answering, the server says nothing at all
    async with running(exchange) as url, Watcher(client(url, silence_timeout=0.3)) as watcher:
        await watcher.ws.subscribe([w.ORDERBOOK], [T])
        await watcher.until(lambda: exchange.connections >= 2, what="reconnect", timeout=5)
        await watcher.until(lambda: len(watcher.of(w.BookSnapshot)) >= 2, what="resubscribed", timeout=5)
        assert any(d.reason == "silent connection" for d in watcher.of(w.Disconnected))
        assert watcher.ws.stats["silences"] >= 1
        assert [c["cmd"] for c in exchange.commands[:2]] == ["subscribe", "subscribe"]


@pytest.mark.asyncio
async def test_the_upgrade_is_signed_for_the_websocket_path():
    from execution.kalshi.signing import verify

    exchange = FakeExchange(lambda c, _: [])
    async with running(exchange) as url, Watcher(client(url)) as watcher:
        await watcher.until(lambda: exchange.headers, what="connect")
    headers = {k.lower(): v for k, v in exchange.headers[0].items()}
    public = Signer.from_pem("key-1", rsa_private_key_pem(0)).public_key()
    assert headers["kalshi-access-key"] == "key-1"
    assert verify(
        public,
        headers["kalshi-access-timestamp"],
        "GET",
        "/trade-api/ws/v2",
        headers["kalshi-access-signature"],
    )


@pytest.mark.asyncio
async def test_reconnects_back_off_while_the_exchange_is_down():
    ws = client(
        "ws://127.0.0.1:9/trade-api/ws/v2",
        reconnect=RetryPolicy(attempts=0, base=0.01, cap=0.04, floor=0.005),
    )
    events: list[w.Disconnected] = []
    async for event in ws.events():
        assert isinstance(event, w.Disconnected)
        events.append(event)
        if len(events) == 4:
            await ws.close()
            break
    assert all(0.005 <= e.retry_in <= 0.04 for e in events)


@pytest.mark.asyncio
async def test_orderbook_subscriptions_need_tickers():
    ws = client("ws://127.0.0.1:9/x")
    with pytest.raises(ValueError, match="needs market tickers"):
        await ws.subscribe([w.ORDERBOOK])
