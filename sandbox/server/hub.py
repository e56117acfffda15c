"""WebSocket subscriptions and fan-out (API.md §7, asyncapi.yaml).

Events are published only after the journal holds the commands that made them. The hub keeps
its own copy of every order book *as published*, so an `orderbook_snapshot` and the deltas that
follow it always agree, even while newer commands are applied but not yet durable.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from starlette.websockets import WebSocket, WebSocketState

from sandbox.engine.events import (
    BookDelta,
    FillRecord,
    MarketLifecycle,
    OrderUpdate,
    PositionUpdate,
    TickerUpdate,
    TradeRecord,
)
from sandbox.engine.units import PRICE_ONE, format_count, format_price
from sandbox.server import wire
from sandbox.server.catalog import market_uuid

if TYPE_CHECKING:
    from sandbox.server.runtime import Runtime

logger = logging.getLogger("sandbox")
_encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode

ORDERBOOK: Final = "orderbook_delta"
TICKER: Final = "ticker"
TRADE: Final = "trade"
FILL: Final = "fill"
POSITIONS: Final = "market_positions"
USER_ORDERS: Final = "user_orders"
LIFECYCLE: Final = "market_lifecycle_v2"
SUPPORTED_CHANNELS: Final = frozenset({ORDERBOOK, TICKER, TRADE, FILL, POSITIONS, USER_ORDERS, LIFECYCLE})
PRIVATE_CHANNELS: Final = frozenset({FILL, POSITIONS, USER_ORDERS})
# Real Kalshi channels the sandbox has no data for (combos, RFQs, order groups, index feeds).
UNSUPPORTED_CHANNELS: Final = frozenset(
    {
        "multivariate_market_lifecycle",
        "communications",
        "order_group_updates",
        "cfbenchmarks_value",
        "pyth_value",
    }
)
MAX_QUEUED_MESSAGES: Final = 50_000  # a consumer this far behind is disconnected


class Subscription:
    """One `sid` of one connection."""

    __slots__ = ("channel", "connection", "seq", "sid", "tickers", "use_yes_price")

    def __init__(
        self, connection: Connection, sid: int, channel: str, tickers: set[str] | None, use_yes_price: bool
    ) -> None:
        self.connection = connection
        self.sid = sid
        self.channel = channel
        self.tickers = tickers  # None = every market
        self.use_yes_price = use_yes_price
        self.seq = 0

    def next_seq(self, gap: bool = False) -> int:
        """The next per-subscription sequence number (skipping one when a gap fault fires)."""
        self.seq += 2 if gap else 1
        return self.seq


# The ASGI scope extension through which the server (serve.HeartbeatProtocol) lets a connection
# go silent for the ws_silence fault: {"silence": () -> None}.
SILENCE_EXTENSION: Final = "sandbox.silence"


class Connection:
    """An accepted WebSocket: its subscriptions and an ordered outbound queue."""

    def __init__(self, websocket: WebSocket, account_id: str) -> None:
        self.websocket = websocket
        self.account_id = account_id
        self.subscriptions: dict[int, Subscription] = {}
        self.next_sid = 1
        self.queue: deque[str] = deque()
        self.ready = asyncio.Event()
        self.closed = False
        self.silent = False  # the ws_silence fault: nothing leaves any more (faults.py)

    def send(self, text: str) -> None:
        """Queue a text frame."""
        if self.closed or self.silent:
            return
        self.queue.append(text)
        if len(self.queue) > MAX_QUEUED_MESSAGES:
            logger.warning(
                "sandbox: dropping a WebSocket consumer that is %d messages behind", len(self.queue)
            )
            self.queue.clear()
            self.closed = True
        self.ready.set()

    def send_json(self, payload: dict[str, Any]) -> None:
        """Queue a JSON message."""
        self.send(_encode(payload))

    def silence(self) -> None:
        """Send nothing more, not even heartbeat pings or pongs, and keep the TCP connection open."""
        self.silent = True
        self.queue.clear()
        extension = self.websocket.scope.get("extensions", {}).get(SILENCE_EXTENSION)
        if extension is None:
            logger.warning("sandbox: the server offers no %s extension; pings continue", SILENCE_EXTENSION)
            return
        extension["silence"]()


class Hub:
    """Every connection and subscription, indexed for fan-out."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.connections: set[Connection] = set()
        self._by_ticker: dict[tuple[str, str], set[Subscription]] = {}
        self._everything: dict[str, set[Subscription]] = {channel: set() for channel in SUPPORTED_CHANNELS}
        self._private: dict[tuple[str, str], set[Subscription]] = {}
        self.books: dict[str, tuple[dict[int, int], dict[int, int]]] = {}
        self.tickers: dict[str, TickerUpdate] = {}

    # ----------------------------------------------------------------------------- state

    def reset_books(self) -> None:
        """Copy the engine's books and tickers (only when nothing is waiting to be published)."""
        now = self.runtime.now_ms()
        self.tickers = {
            ticker: TickerUpdate(ticker, now, *market.ticker_state(), market.dollar_volume)
            for ticker, market in self.runtime.exchange.markets.items()
        }
        self.books = {
            ticker: tuple(
                {price: side.levels[price].size for price in side.prices} for side in market.book.sides
            )  # type: ignore[misc]
            for ticker, market in self.runtime.exchange.markets.items()
        }

    def _book(self, ticker: str) -> tuple[dict[int, int], dict[int, int]]:
        book = self.books.get(ticker)
        if book is None:
            book = self.books[ticker] = ({}, {})
        return book

    # ----------------------------------------------------------------------------- connections

    def add(self, connection: Connection) -> None:
        """A new accepted connection."""
        self.connections.add(connection)

    def remove(self, connection: Connection) -> None:
        """Forget a connection and its subscriptions."""
        self.connections.discard(connection)
        connection.closed = True
        for subscription in list(connection.subscriptions.values()):
            self.unindex(subscription)
        connection.subscriptions.clear()

    async def close_all(self) -> None:
        """Close every connection (shutdown, or the admin's `ws/drop`)."""
        for connection in list(self.connections):
            connection.closed = True
            connection.ready.set()
            if connection.websocket.application_state == WebSocketState.CONNECTED:
                with contextlib.suppress(RuntimeError, OSError):
                    await connection.websocket.close(code=1012)

    def silence(self, draw: Callable[[], bool]) -> int:
        """The ws_silence fault: each open connection for which `draw()` is true goes silent."""
        silenced = 0
        for connection in list(self.connections):
            if not connection.closed and not connection.silent and draw():
                connection.silence()
                silenced += 1
        return silenced

    def index(self, subscription: Subscription) -> None:
        """Register a subscription for fan-out."""
        channel = subscription.channel
        if channel in PRIVATE_CHANNELS:
            self._private.setdefault((channel, subscription.connection.account_id), set()).add(subscription)
        elif subscription.tickers is None:
            self._everything[channel].add(subscription)
        else:
            for ticker in subscription.tickers:
                self._by_ticker.setdefault((channel, ticker), set()).add(subscription)

    def unindex(self, subscription: Subscription) -> None:
        """Remove a subscription from every index."""
        channel = subscription.channel
        if channel in PRIVATE_CHANNELS:
            self._private.get((channel, subscription.connection.account_id), set()).discard(subscription)
        elif subscription.tickers is None:
            self._everything[channel].discard(subscription)
        else:
            for ticker in subscription.tickers:
                subs = self._by_ticker.get((channel, ticker))
                if subs is not None:
                    subs.discard(subscription)
                    if not subs:
                        del self._by_ticker[(channel, ticker)]

    async def run_sender(self, connection: Connection) -> None:
        """Write a connection's queue to its socket, in order (one task per connection)."""
        websocket = connection.websocket
        faults = self.runtime.faults
        try:
            while True:
                await connection.ready.wait()
                connection.ready.clear()
                while connection.queue:
                    text = connection.queue.popleft()
                    if faults.active and faults.hit(faults.settings.ws_drop_rate):
                        connection.closed = True
                    if connection.closed:
                        break
                    await websocket.send_text(text)
                if connection.closed:
                    await websocket.close(code=1011)
                    return
        except (RuntimeError, OSError, asyncio.CancelledError):
            return
        except Exception:
            logger.debug("sandbox: WebSocket sender stopped", exc_info=True)

    # ----------------------------------------------------------------------------- fan-out

    def publish(self, events: list[Any]) -> None:
        """Send the (durable) events of one command to their subscribers."""
        for event in events:
            kind = type(event)
            if kind is BookDelta:
                self._book_delta(event)
            elif kind is OrderUpdate:
                self._private_send(
                    USER_ORDERS, event.account_id, event.ticker, "user_order", wire.ws_user_order, event
                )
            elif kind is FillRecord:
                self._private_send(FILL, event.account_id, event.ticker, "fill", wire.ws_fill, event)
            elif kind is PositionUpdate:
                self._private_send(
                    POSITIONS,
                    event.account_id,
                    event.ticker,
                    "market_position",
                    wire.ws_market_position,
                    event,
                )
            elif kind is TradeRecord:
                self._public_send(TRADE, event.ticker, "trade", lambda e=event: wire.ws_trade(e))
            elif kind is TickerUpdate:
                self.tickers[event.ticker] = event
                self._public_send(
                    TICKER, event.ticker, "ticker", lambda e=event: wire.ws_ticker(e, market_uuid(e.ticker))
                )
            elif kind is MarketLifecycle:
                self._lifecycle(event)

    def _subscribers(self, channel: str, ticker: str) -> list[Subscription]:
        subs = list(self._everything[channel])
        specific = self._by_ticker.get((channel, ticker))
        if specific:
            subs.extend(specific)
        return subs

    def _public_send(self, channel: str, ticker: str, kind: str, build: Any) -> None:
        subs = self._subscribers(channel, ticker)
        if not subs:
            return
        body = _encode(build())
        for sub in subs:
            sub.connection.send(f'{{"type":"{kind}","sid":{sub.sid},"msg":{body}}}')

    def _private_send(
        self, channel: str, account_id: str, ticker: str, kind: str, build: Any, event: Any
    ) -> None:
        subs = self._private.get((channel, account_id))
        if not subs:
            return
        body = ""
        for sub in subs:
            if sub.tickers is not None and ticker not in sub.tickers:
                continue
            body = body or _encode(build(event))
            sub.connection.send(f'{{"type":"{kind}","sid":{sub.sid},"msg":{body}}}')

    def _book_delta(self, delta: BookDelta) -> None:
        side = self._book(delta.ticker)[delta.side]
        size = side.get(delta.price, 0) + delta.delta
        if size:
            side[delta.price] = size
        else:
            side.pop(delta.price, None)
        subs = self._by_ticker.get((ORDERBOOK, delta.ticker))
        if not subs:
            return
        faults = self.runtime.faults
        gaps = faults.active and faults.settings.seq_gap_rate > 0
        bodies: dict[tuple[bool, bool], str] = {}
        for sub in subs:
            own = bool(delta.client_order_id) and sub.connection.account_id == delta.account_id
            key = (sub.use_yes_price, own)
            body = bodies.get(key)
            if body is None:
                price = PRICE_ONE - delta.price if sub.use_yes_price and delta.side == 1 else delta.price
                msg: dict[str, Any] = {
                    "market_ticker": delta.ticker,
                    "market_id": market_uuid(delta.ticker),
                    "price_dollars": format_price(price),
                    "delta_fp": format_count(delta.delta),
                    "side": "yes" if delta.side == 0 else "no",
                    "ts_ms": delta.ts_ms,
                }
                if own:
                    msg["client_order_id"] = delta.client_order_id
                body = bodies[key] = _encode(msg)
            seq = sub.next_seq(gaps and faults.hit(faults.settings.seq_gap_rate))
            sub.connection.send(f'{{"type":"orderbook_delta","sid":{sub.sid},"seq":{seq},"msg":{body}}}')

    def _lifecycle(self, event: MarketLifecycle) -> None:
        if event.event_type == "created":
            self._book(event.ticker)
        subs = self._everything[LIFECYCLE]
        if not subs:
            return
        msg: dict[str, Any] = {
            "event_type": event.event_type,
            "market_ticker": event.ticker,
            "exchange_index": 0,
        }
        if event.event_type in ("created", "activated", "close_date_updated"):
            msg["open_ts"] = event.open_ms // 1000
            msg["close_ts"] = event.close_ms // 1000
        if event.event_type == "deactivated":
            msg["is_deactivated"] = True
        if event.event_type == "activated":
            msg["is_deactivated"] = False
        if event.event_type in ("determined", "settled"):
            msg["result"] = event.result
            msg["determination_ts"] = event.ts_ms // 1000
            if event.settlement_value >= 0:
                msg["settlement_value"] = format_price(event.settlement_value)
        if event.event_type == "settled":
            msg["settled_ts"] = event.ts_ms // 1000
        body = _encode(msg)
        for sub in subs:
            sub.connection.send(f'{{"type":"market_lifecycle_v2","sid":{sub.sid},"msg":{body}}}')

    def publish_event_created(self, payload: dict[str, Any]) -> None:
        """An `event_lifecycle` message (a new event was created by the admin or the simulator)."""
        body = _encode(payload)
        for sub in self._everything[LIFECYCLE]:
            sub.connection.send(f'{{"type":"event_lifecycle","sid":{sub.sid},"msg":{body}}}')

    # ----------------------------------------------------------------------------- snapshots

    def snapshot(self, subscription: Subscription, ticker: str) -> None:
        """Queue an `orderbook_snapshot` of the published book (keys absent for an empty side)."""
        yes, no = self._book(ticker)
        msg: dict[str, Any] = {"market_ticker": ticker, "market_id": market_uuid(ticker)}
        if yes:
            msg["yes_dollars_fp"] = [[format_price(p), format_count(yes[p])] for p in sorted(yes)]
        if no:
            if subscription.use_yes_price:  # NO bids on the YES scale, still ascending
                msg["no_dollars_fp"] = [
                    [format_price(PRICE_ONE - p), format_count(no[p])] for p in sorted(no, reverse=True)
                ]
            else:
                msg["no_dollars_fp"] = [[format_price(p), format_count(no[p])] for p in sorted(no)]
        seq = subscription.next_seq()
        body = _encode(msg)
        subscription.connection.send(
            f'{{"type":"orderbook_snapshot","sid":{subscription.sid},"seq":{seq},"msg":{body}}}'
        )

    def ticker_snapshot(self, subscription: Subscription, ticker: str) -> None:
        """Queue the last published ticker message of a market, if any."""
        update = self.tickers.get(ticker)
        if update is not None:
            body = _encode(wire.ws_ticker(update, market_uuid(ticker)))
            subscription.connection.send(f'{{"type":"ticker","sid":{subscription.sid},"msg":{body}}}')
