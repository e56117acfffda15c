"""The Kalshi WebSocket (API.md §7) as an async stream of typed events, with local order books.

    ws = KalshiWebSocket(url, signer)
    await ws.subscribe(["orderbook_delta", "trade"], ["KXHIGHNY-26AUG21-T80"])
    async for event in ws.events():          # connects, reconnects, resubscribes
        if isinstance(event, BookDelta): ws.book(event.ticker)

What it takes care of:
* a signed upgrade (`GET /trade-api/ws/v2`, the same signer as REST);
* local books from `orderbook_snapshot` + `orderbook_delta`; `use_yes_price` is always sent
  explicitly and NO levels are normalised to NO-leg prices, as REST reports them;
* `seq` per subscription: on a gap (or a delta for a book we do not hold) the affected books are
  dropped (`BookInvalidated`), a fresh snapshot is requested with `update_subscription
  get_snapshot` (falling back to unsubscribe + subscribe if refused), and deltas are discarded
  until it arrives;
* reconnect with full-jitter backoff, then every subscription is sent again and books rebuilt;
* silence: any frame (data, ping or pong) proves the connection alive; after `silence_timeout`
  without one the connection is dropped and reopened. We also ping every `ping_interval`.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Final
from urllib.parse import urlsplit

import websockets
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
from websockets.protocol import State

from execution.kalshi import errors as err
from execution.kalshi.models import (
    BookSide,
    OrderBook,
    OutcomeSide,
    WireReader,
    read_book_side,
    read_outcome_side,
)
from execution.kalshi.retry import RetryPolicy
from execution.kalshi.signing import Signer
from execution.kalshi.units import PRICE_ONE, UnitsError, parse_count, parse_price

ORDERBOOK: Final = "orderbook_delta"
TERMINAL_ERRORS: Final = frozenset({10, 17, 25})  # the subscription is dead: subscribe again
ALREADY_SUBSCRIBED: Final = 6


# ----------------------------------------------------------------------------- events


@dataclass(frozen=True, slots=True)
class Connected:
    """The socket is open (again); subscriptions are being sent."""

    attempt: int


@dataclass(frozen=True, slots=True)
class Disconnected:
    """The socket closed or could not be opened; a reconnect follows after `retry_in` seconds."""

    reason: str
    retry_in: float


@dataclass(frozen=True, slots=True)
class Subscribed:
    """The server confirmed a channel subscription."""

    channel: str
    sid: int


@dataclass(frozen=True, slots=True)
class WsError:
    """An `error` reply to a command (codes in API.md §7), or a message this client could not read."""

    code: int
    message: str
    command_id: int | None = None


@dataclass(frozen=True, slots=True)
class BookSnapshot:
    """A full book arrived; `book` is the new local book."""

    ticker: str
    book: OrderBook


@dataclass(frozen=True, slots=True)
class BookDelta:
    """One level changed. `price` is in the leg's own terms (a NO level in NO prices); `size`
    is the level's new size (0 = gone). `client_order_id` only when your order caused it."""

    ticker: str
    side: OutcomeSide
    price: int
    delta: int
    size: int
    ts_ms: int | None
    client_order_id: str | None


@dataclass(frozen=True, slots=True)
class BookInvalidated:
    """These local books are unreliable (seq gap, disconnect) until their next BookSnapshot."""

    tickers: tuple[str, ...]
    reason: str


@dataclass(frozen=True, slots=True)
class TickerUpdate:
    """`ticker` channel: top of book and statistics."""

    ticker: str
    last_price: int | None
    yes_bid: int | None
    yes_ask: int | None
    yes_bid_size: int | None
    yes_ask_size: int | None
    volume: int | None
    open_interest: int | None
    ts_ms: int | None


@dataclass(frozen=True, slots=True)
class TradeUpdate:
    """`trade` channel: a public trade."""

    trade_id: str
    ticker: str
    count: int
    yes_price: int
    taker_outcome_side: OutcomeSide
    taker_book_side: BookSide
    ts_ms: int | None


@dataclass(frozen=True, slots=True)
class FillUpdate:
    """`fill` channel: one of your fills; `post_position` is signed, in hundredths."""

    trade_id: str
    order_id: str
    ticker: str
    is_taker: bool
    yes_price: int
    count: int
    fee_cost_micros: int
    outcome_side: OutcomeSide
    book_side: BookSide
    post_position: int | None
    client_order_id: str | None
    ts_ms: int | None


@dataclass(frozen=True, slots=True)
class OrderUpdate:
    """`user_orders` channel: the current state of one of your orders."""

    order_id: str
    client_order_id: str
    ticker: str
    status: str
    outcome_side: OutcomeSide
    book_side: BookSide
    yes_price: int
    fill_count: int
    remaining_count: int
    initial_count: int
    ts_ms: int | None


@dataclass(frozen=True, slots=True)
class PositionUpdate:
    """`market_positions` channel: your position in one market (signed, hundredths)."""

    ticker: str
    position: int
    position_cost_micros: int | None
    realized_pnl_micros: int | None
    fees_paid_micros: int | None
    volume: int | None


@dataclass(frozen=True, slots=True)
class LifecycleUpdate:
    """`market_lifecycle_v2` / `event_lifecycle` / `event_fee_update`: `kind` is the message type,
    `ticker` the market (or event) ticker, `data` the whole payload for the details."""

    kind: str
    ticker: str
    event_type: str
    data: Mapping[str, Any] = field(compare=False)


@dataclass(frozen=True, slots=True)
class RawMessage:
    """A message type this client does not model (new channels keep working)."""

    type: str
    msg: Mapping[str, Any] = field(compare=False)


WsEvent = (
    Connected
    | Disconnected
    | Subscribed
    | WsError
    | BookSnapshot
    | BookDelta
    | BookInvalidated
    | TickerUpdate
    | TradeUpdate
    | FillUpdate
    | OrderUpdate
    | PositionUpdate
    | LifecycleUpdate
    | RawMessage
)


# ----------------------------------------------------------------------------- local state


class LocalBook:
    """One market's bids per leg (price -> size), both in their own leg's prices."""

    __slots__ = ("no", "ticker", "yes")

    def __init__(self, ticker: str) -> None:
        self.ticker = ticker
        self.yes: dict[int, int] = {}
        self.no: dict[int, int] = {}

    def apply(self, side: OutcomeSide, price: int, delta: int) -> int:
        """Apply a size change; the new size, or -1 when the book would go negative (corrupt)."""
        levels = self.yes if side == "yes" else self.no
        size = levels.get(price, 0) + delta
        if size < 0:
            return -1
        if size:
            levels[price] = size
        else:
            levels.pop(price, None)
        return size

    def freeze(self) -> OrderBook:
        """An immutable copy (ascending, best bid last)."""
        return OrderBook(self.ticker, tuple(sorted(self.yes.items())), tuple(sorted(self.no.items())))


class _TrackedConnection(ClientConnection):
    """Records when any frame (data, ping, pong, close) last arrived, for the silence check."""

    last_frame: float = 0.0
    silent: bool = False

    def process_event(self, event: Any) -> None:
        self.last_frame = time.monotonic()
        super().process_event(event)


@dataclass(slots=True)
class _Sub:
    channel: str
    last_seq: int | None = None


def _levels(value: object, to_no_leg: bool) -> dict[int, int]:
    out: dict[int, int] = {}
    if value is None:
        return out  # keys are absent when a side is empty
    if not isinstance(value, list):
        raise UnitsError("book levels are not a list")
    for level in value:
        if not isinstance(level, list) or len(level) != 2:
            raise UnitsError(f"book level {level!r} is not [price, size]")
        price = parse_price(level[0], "level price")
        size = parse_count(level[1], "level size")
        if to_no_leg:
            price = PRICE_ONE - price
        if size:
            out[price] = out.get(price, 0) + size
    return out


@lru_cache(maxsize=16_384)
def _cached_price(text: str) -> int:
    return parse_price(text, "price_dollars")


@lru_cache(maxsize=16_384)
def _cached_delta(text: str) -> int:
    return parse_count(text, "delta_fp", signed=True)


def _delta_price(value: object) -> int:
    """Strict like parse_price, memoised: a book's prices repeat all day."""
    if type(value) is not str:
        raise UnitsError(f"price_dollars must be a dollar string, got {value!r}")
    return _cached_price(value)


def _delta_count(value: object) -> int:
    if type(value) is not str:
        raise UnitsError(f"delta_fp must be a count string, got {value!r}")
    return _cached_delta(value)


class KalshiWebSocket:
    """One authenticated WebSocket connection with automatic reconnect (see module docstring)."""

    def __init__(
        self,
        url: str,
        signer: Signer,
        *,
        use_yes_price: bool = False,
        silence_timeout: float = 30.0,
        ping_interval: float | None = 10.0,
        open_timeout: float = 10.0,
        reconnect: RetryPolicy | None = None,
        stable_after: float = 10.0,
        max_size: int = 2**24,
        rng: random.Random | None = None,
    ) -> None:
        self.url = url
        self._path = urlsplit(url).path or "/trade-api/ws/v2"
        self._signer = signer
        self.use_yes_price = use_yes_price
        self.silence_timeout = silence_timeout
        self.ping_interval = ping_interval
        self.open_timeout = open_timeout
        self.reconnect = reconnect or RetryPolicy(attempts=0, base=0.5, cap=30.0)
        self.stable_after = stable_after
        self.max_size = max_size
        self._rng = rng or random.Random()  # noqa: S311 (jitter, not security)
        self._ws: _TrackedConnection | None = None
        self._closed = False
        self._next_id = 1
        # What the caller wants: channel -> tickers (None = every market).
        self._desired: dict[str, set[str] | None] = {}
        self._options: dict[str, dict[str, Any]] = {}
        self._sids: dict[int, _Sub] = {}
        self._channel_sid: dict[str, int] = {}
        self._books: dict[str, LocalBook] = {}
        self._awaiting: set[str] = set()  # tickers whose deltas are discarded until a snapshot
        self._pending: dict[int, tuple[str, str, tuple[str, ...]]] = {}  # id -> (kind, channel, tickers)
        self._due: dict[str, tuple[int, float]] = {}  # ticker -> (sid, when) of a snapshot to request
        self._resnap_tries: dict[str, int] = {}  # consecutive resnapshots without a good delta
        self._outbox: list[tuple[str, dict[str, Any], tuple[str, str, tuple[str, ...]] | None]] = []
        self.stats = {"gaps": 0, "resnapshots": 0, "reconnects": 0, "silences": 0}

    def __repr__(self) -> str:
        return f"KalshiWebSocket({self.url!r}, key_id={self._signer.key_id!r})"

    # ------------------------------------------------------------------------- public API

    def book(self, ticker: str) -> OrderBook | None:
        """The local book of a market, or None while it is unknown or being resynchronised."""
        book = self._books.get(ticker)
        if book is None or ticker in self._awaiting:
            return None
        return book.freeze()

    @property
    def connected(self) -> bool:
        return self._ws is not None

    async def subscribe(
        self,
        channels: Sequence[str],
        tickers: Sequence[str] | None = None,
        *,
        send_initial_snapshot: bool = False,
    ) -> None:
        """Add channels (for these markets, or all markets when None). Sent now if connected,
        and again after every reconnect."""
        for channel in channels:
            if channel == ORDERBOOK and not tickers:
                raise err.OrderRequestError("orderbook_delta needs market tickers.")
            if tickers is None:
                self._desired[channel] = None
            else:
                current = self._desired.get(channel, set())
                if current is not None:
                    current.update(tickers)
                    self._desired[channel] = current
            if send_initial_snapshot:
                self._options.setdefault(channel, {})["send_initial_snapshot"] = True
        if tickers:
            self._awaiting.update(t for t in tickers if ORDERBOOK in channels and t not in self._books)
        self._queue_subscribe(list(channels), list(tickers) if tickers else None)
        await self._flush()

    async def unsubscribe(self, channels: Sequence[str], tickers: Sequence[str] | None = None) -> None:
        """Remove markets from channels (or whole channels when `tickers` is None)."""
        for channel in channels:
            sid = self._channel_sid.get(channel)
            wanted = self._desired.get(channel)
            if tickers is not None and wanted:
                wanted.difference_update(tickers)
                if wanted:  # some markets stay: shrink the subscription
                    if sid is not None:
                        params = {"sid": sid, "action": "delete_markets", "market_tickers": list(tickers)}
                        self._queue("update_subscription", params)
                    self._drop_books(channel, tickers)
                    continue
            self._desired.pop(channel, None)
            if sid is not None:
                self._queue("unsubscribe", {"sids": [sid]})
            self._drop_books(channel, None)
        await self._flush()

    async def close(self) -> None:
        """Close the connection and end `events()`."""
        self._closed = True
        if self._ws is not None:
            await self._ws.close()

    async def events(self) -> AsyncIterator[WsEvent]:
        """Connect, then yield events until `close()`. Reconnects by itself; raises only for
        errors a reconnect cannot fix (a rejected key)."""
        failures = 0
        while not self._closed:
            try:
                ws = await self._connect()
            except err.AuthenticationError:
                raise
            except (OSError, InvalidHandshake, TimeoutError) as exc:
                failures += 1
                delay = self.reconnect.delay(failures - 1, self._rng)
                yield Disconnected(f"connect failed: {type(exc).__name__}: {exc}", delay)
                await asyncio.sleep(delay)
                continue
            opened = time.monotonic()
            self._ws = ws
            yield Connected(failures + 1)
            self._resubscribe_all()
            reason = "closed"
            watchdog = asyncio.create_task(self._watch_silence(ws))
            try:
                await self._flush()
                while True:
                    due_in = self._next_snapshot_due()
                    if due_in is None:
                        raw: str | bytes | None = await ws.recv()
                    else:
                        try:  # recv() is cancel-safe: nothing is lost on timeout
                            raw = await asyncio.wait_for(ws.recv(), max(0.0, due_in))
                        except TimeoutError:
                            raw = None
                    if raw is not None:
                        for event in self._handle(raw):
                            yield event
                    if self._due:
                        self._send_due_snapshots()
                    if self._outbox:
                        await self._flush()
            except ConnectionClosed as exc:
                reason = f"connection closed ({exc.rcvd.code if exc.rcvd else 'no close frame'})"
                if ws.silent:
                    reason = "silent connection"
            finally:
                watchdog.cancel()
                self._ws = None
                if ws.state is not State.CLOSED:
                    # Leaving early (the consumer stopped iterating): close politely.
                    await ws.close()
            if self._closed:
                return
            self.stats["reconnects"] += 1
            failures = 0 if time.monotonic() - opened >= self.stable_after else failures + 1
            invalid = tuple(sorted(self._books))
            self._forget_connection()
            if invalid:
                yield BookInvalidated(invalid, reason)
            delay = self.reconnect.delay(failures, self._rng)
            yield Disconnected(reason, delay)
            await asyncio.sleep(delay)

    # ------------------------------------------------------------------------- connection

    async def _connect(self) -> _TrackedConnection:
        headers = self._signer.headers("GET", self._path)
        try:
            ws = await websockets.connect(
                self.url,
                additional_headers=headers,
                open_timeout=self.open_timeout,
                ping_interval=self.ping_interval,
                ping_timeout=self.silence_timeout if self.ping_interval else None,
                max_size=self.max_size,
                close_timeout=2.0,
                create_connection=_TrackedConnection,
            )
        except InvalidStatus as exc:
            status = exc.response.status_code
            if status in (401, 403):
                raise err.error_from_response(
                    status, bytes(exc.response.body or b""), method="GET", path=self._path
                ) from None
            raise
        if not isinstance(ws, _TrackedConnection):
            raise TypeError("websockets did not use the tracked connection class")
        ws.last_frame = time.monotonic()
        return ws

    async def _watch_silence(self, ws: _TrackedConnection) -> None:
        """Close the socket when no frame at all arrived for `silence_timeout` seconds."""
        while True:
            quiet = time.monotonic() - ws.last_frame
            if quiet >= self.silence_timeout:
                self.stats["silences"] += 1
                ws.silent = True
                # Do not wait for a closing handshake from a peer that says nothing.
                ws.transport.abort()
                return
            await asyncio.sleep(max(0.05, self.silence_timeout - quiet))

    def _forget_connection(self) -> None:
        """After a disconnect: sids and books are gone; every book awaits a new snapshot."""
        self._sids.clear()
        self._channel_sid.clear()
        self._pending.clear()
        self._outbox.clear()
        self._due.clear()
        self._awaiting.update(self._books)
        self._books.clear()

    # ------------------------------------------------------------------------- commands

    def _queue(
        self, cmd: str, params: dict[str, Any], purpose: tuple[str, str, tuple[str, ...]] | None = None
    ) -> None:
        self._outbox.append((cmd, params, purpose))

    def _queue_subscribe(self, channels: list[str], tickers: list[str] | None) -> None:
        params: dict[str, Any] = {"channels": channels}
        if tickers:
            params["market_tickers"] = tickers
        if ORDERBOOK in channels:
            # Kalshi will flip this default; always say which scale we expect (API.md §7).
            params["use_yes_price"] = self.use_yes_price
        for channel in channels:
            params.update(self._options.get(channel, {}))
        self._queue("subscribe", params, ("subscribe", ",".join(channels), tuple(tickers or ())))

    def _resubscribe_all(self) -> None:
        for channel, tickers in self._desired.items():
            self._queue_subscribe([channel], sorted(tickers) if tickers is not None else None)

    async def _flush(self) -> None:
        ws = self._ws
        if ws is None:
            self._outbox.clear()  # the next connection sends the desired state again
            return
        while self._outbox:
            cmd, params, purpose = self._outbox.pop(0)
            command_id = self._next_id
            self._next_id += 1
            if purpose is not None:
                # Only error replies consume these; successful snapshots carry no id. Keep the
                # most recent few hundred so a long session does not grow without bound.
                self._pending[command_id] = purpose
                if len(self._pending) > 500:
                    del self._pending[next(iter(self._pending))]
            try:
                await ws.send(json.dumps({"id": command_id, "cmd": cmd, "params": params}))
            except ConnectionClosed:
                return  # the reader sees the close and reconnects

    def _request_snapshot(self, sid: int, tickers: Iterable[str]) -> None:
        """Schedule a fresh snapshot; a market that keeps breaking is asked again ever more slowly
        (0, 0.1, 0.2, ... up to 5 s) so a misbehaving feed cannot cause a request storm."""
        now = time.monotonic()
        for ticker in tickers:
            if ticker in self._due:
                continue
            tries = self._resnap_tries.get(ticker, 0)
            self._resnap_tries[ticker] = tries + 1
            delay = 0.0 if tries == 0 else min(5.0, 0.1 * 2 ** (tries - 1))
            self._due[ticker] = (sid, now + delay)
        self._send_due_snapshots()

    def _next_snapshot_due(self) -> float | None:
        if not self._due:
            return None
        return min(at for _, at in self._due.values()) - time.monotonic()

    def _send_due_snapshots(self) -> None:
        now = time.monotonic()
        by_sid: dict[int, list[str]] = {}
        for ticker, (sid, at) in list(self._due.items()):
            if at <= now:
                del self._due[ticker]
                by_sid.setdefault(sid, []).append(ticker)
        for sid, wanted in by_sid.items():
            wanted.sort()
            self.stats["resnapshots"] += 1
            self._queue(
                "update_subscription",
                {"sid": sid, "action": "get_snapshot", "market_tickers": wanted},
                ("get_snapshot", ORDERBOOK, tuple(wanted)),
            )

    def _drop_books(self, channel: str, tickers: Sequence[str] | None) -> None:
        if channel != ORDERBOOK:
            return
        for ticker in list(self._books | dict.fromkeys(self._awaiting)) if tickers is None else tickers:
            self._books.pop(ticker, None)
            self._awaiting.discard(ticker)
            self._due.pop(ticker, None)

    # ------------------------------------------------------------------------- messages

    def _handle(self, raw: str | bytes) -> list[WsEvent]:
        try:
            message = json.loads(raw)
        except ValueError:
            return [WsError(1, "the server sent a frame that is not JSON")]
        if not isinstance(message, dict):
            return [WsError(1, "the server sent a JSON value that is not an object")]
        kind = message.get("type")
        sid = message.get("sid")
        msg = message.get("msg")
        events: list[WsEvent] = []
        if type(sid) is int and type(message.get("seq")) is int:
            events.extend(self._check_seq(sid, message["seq"]))
        try:
            if kind == "orderbook_delta":
                events.extend(self._on_delta(sid, msg))
            elif kind == "orderbook_snapshot":
                events.extend(self._on_snapshot(msg))
            elif kind == "subscribed":
                events.extend(self._on_subscribed(message))
            elif kind == "unsubscribed":
                if type(sid) is int:
                    sub = self._sids.pop(sid, None)
                    if sub is not None and self._channel_sid.get(sub.channel) == sid:
                        del self._channel_sid[sub.channel]
            elif kind == "ok":
                self._pending.pop(message.get("id") or 0, None)
            elif kind == "error":
                events.extend(self._on_error(message))
            else:
                events.append(self._payload_event(str(kind), msg))
        except (err.ResponseFormatError, UnitsError) as exc:
            if kind in ("orderbook_delta", "orderbook_snapshot") and type(sid) is int:
                ticker = msg.get("market_ticker") if isinstance(msg, dict) else None
                events.extend(
                    self._invalidate(
                        sid, [ticker] if isinstance(ticker, str) else None, "malformed book message"
                    )
                )
            events.append(WsError(0, f"unreadable {kind} message: {exc}"))
        return events

    def _check_seq(self, sid: int, seq: int) -> list[WsEvent]:
        sub = self._sids.get(sid)
        if sub is None:
            sub = self._sids[sid] = _Sub(channel="")
        expected = None if sub.last_seq is None else sub.last_seq + 1
        sub.last_seq = seq
        if expected is None or seq == expected:
            return []
        self.stats["gaps"] += 1
        return self._invalidate(sid, None, f"seq gap on sid {sid}: expected {expected}, got {seq}")

    def _invalidate(self, sid: int, tickers: list[str] | None, reason: str) -> list[WsEvent]:
        """Drop the books of a sid (or some of its tickers) and ask for fresh snapshots."""
        sub = self._sids.get(sid)
        if sub is not None and sub.channel not in ("", ORDERBOOK):
            return []  # a gap on another channel: nothing local to rebuild
        if tickers is None:
            wanted = self._desired.get(ORDERBOOK) or set()
            tickers = sorted(set(self._books) | (wanted if isinstance(wanted, set) else set()))
        dropped = [t for t in tickers if t not in self._awaiting]
        for ticker in tickers:
            self._books.pop(ticker, None)
            self._awaiting.add(ticker)
        self._request_snapshot(sid, tickers)
        return [BookInvalidated(tuple(sorted(dropped)), reason)] if dropped else []

    def _on_subscribed(self, message: Mapping[str, Any]) -> list[WsEvent]:
        reader = WireReader(message.get("msg"), "subscribed reply")
        channel, sid = reader.text("channel"), reader.integer("sid")
        sub = self._sids.get(sid)
        if sub is None:
            self._sids[sid] = _Sub(channel)
        else:
            sub.channel = channel
        self._channel_sid[channel] = sid
        return [Subscribed(channel, sid)]

    def _on_error(self, message: Mapping[str, Any]) -> list[WsEvent]:
        raw = message.get("msg")
        msg: Mapping[str, Any] = raw if isinstance(raw, dict) else {}
        code = msg["code"] if type(msg.get("code")) is int else 0
        command_id = message.get("id") if type(message.get("id")) is int else None
        purpose = self._pending.pop(command_id, None) if command_id is not None else None
        events: list[WsEvent] = [WsError(code, str(msg.get("msg", "")), command_id)]
        if code == ALREADY_SUBSCRIBED:
            return events[:0]  # a resubscribe that changed nothing is not a problem
        if purpose is not None and purpose[0] == "get_snapshot" and ORDERBOOK in self._channel_sid:
            # The server cannot resend snapshots: subscribe afresh, which always sends them.
            self._queue("unsubscribe", {"sids": [self._channel_sid.pop(ORDERBOOK)]})
            self._queue_subscribe([ORDERBOOK], sorted(self._desired.get(ORDERBOOK) or ()))
        elif code in TERMINAL_ERRORS:
            self._forget_sids_and_resubscribe()
        return events

    def _forget_sids_and_resubscribe(self) -> None:
        for channel, sid in list(self._channel_sid.items()):
            self._queue("unsubscribe", {"sids": [sid]})
            del self._channel_sid[channel]
        self._awaiting.update(self._books)
        self._books.clear()
        self._resubscribe_all()

    def _on_snapshot(self, msg: object) -> list[WsEvent]:
        reader = WireReader(msg, "order book snapshot")
        ticker = reader.text("market_ticker")
        book = LocalBook(ticker)
        book.yes = _levels(reader.data.get("yes_dollars_fp"), False)
        book.no = _levels(reader.data.get("no_dollars_fp"), self.use_yes_price)
        self._books[ticker] = book
        self._awaiting.discard(ticker)
        return [BookSnapshot(ticker, book.freeze())]

    def _on_delta(self, sid: object, msg: object) -> list[WsEvent]:
        # The hot path (thousands per second): plain dict access, cached strict parsing.
        if type(msg) is not dict:
            raise err.ResponseFormatError("The exchange sent an order book delta that is not an object.")
        ticker = msg.get("market_ticker")
        if type(ticker) is not str:
            raise err.ResponseFormatError("The exchange sent an order book delta without a market_ticker.")
        book = self._books.get(ticker)
        if book is None or ticker in self._awaiting:
            if ticker not in self._awaiting and type(sid) is int:
                return self._invalidate(sid, [ticker], "delta for a book without a snapshot")
            return []
        side = msg.get("side")
        if side != "yes" and side != "no":
            raise err.ResponseFormatError(f"The exchange sent an order book delta with side {side!r}.")
        price = _delta_price(msg.get("price_dollars"))
        if side == "no" and self.use_yes_price:
            price = PRICE_ONE - price
        delta = _delta_count(msg.get("delta_fp"))
        size = book.apply(side, price, delta)
        if size < 0:
            return self._invalidate(sid if type(sid) is int else 0, [ticker], "delta below zero")
        if self._resnap_tries:
            self._resnap_tries.pop(ticker, None)
        ts_ms = msg.get("ts_ms")
        client_order_id = msg.get("client_order_id")
        return [
            BookDelta(
                ticker,
                side,
                price,
                delta,
                size,
                ts_ms if type(ts_ms) is int else None,
                client_order_id if type(client_order_id) is str else None,
            )
        ]

    def _payload_event(self, kind: str, msg: object) -> WsEvent:
        r = WireReader(msg, f"{kind} message")
        if kind == "ticker":
            return TickerUpdate(
                ticker=r.text("market_ticker"),
                last_price=r.opt_price("price_dollars"),
                yes_bid=r.opt_price("yes_bid_dollars"),
                yes_ask=r.opt_price("yes_ask_dollars"),
                yes_bid_size=r.opt_count("yes_bid_size_fp"),
                yes_ask_size=r.opt_count("yes_ask_size_fp"),
                volume=r.opt_count("volume_fp"),
                open_interest=r.opt_count("open_interest_fp"),
                ts_ms=r.opt_integer("ts_ms"),
            )
        if kind == "trade":
            outcome = read_outcome_side(r, "taker_outcome_side", legacy="taker_side")
            return TradeUpdate(
                trade_id=r.text("trade_id"),
                ticker=r.text("market_ticker"),
                count=r.count("count_fp"),
                yes_price=r.price("yes_price_dollars"),
                taker_outcome_side=outcome,
                taker_book_side=read_book_side(r, "taker_book_side", outcome),
                ts_ms=r.opt_integer("ts_ms"),
            )
        if kind == "fill":
            outcome = read_outcome_side(r, "outcome_side", legacy="side")
            return FillUpdate(
                trade_id=r.text("trade_id"),
                order_id=r.text("order_id"),
                ticker=r.text("market_ticker"),
                is_taker=r.flag("is_taker"),
                yes_price=r.price("yes_price_dollars"),
                count=r.count("count_fp"),
                fee_cost_micros=r.money("fee_cost"),
                outcome_side=outcome,
                book_side=read_book_side(r, "book_side", outcome),
                post_position=r.count("post_position_fp", signed=True) if r.has("post_position_fp") else None,
                client_order_id=r.opt_text("client_order_id"),
                ts_ms=r.opt_integer("ts_ms"),
            )
        if kind == "user_order":
            outcome = read_outcome_side(r, "outcome_side", legacy="side")
            return OrderUpdate(
                order_id=r.text("order_id"),
                client_order_id=r.text("client_order_id", ""),
                ticker=r.text("ticker"),
                status=r.text("status"),
                outcome_side=outcome,
                book_side=read_book_side(r, "book_side", outcome),
                yes_price=r.price("yes_price_dollars"),
                fill_count=r.count("fill_count_fp"),
                remaining_count=r.count("remaining_count_fp"),
                initial_count=r.opt_count("initial_count_fp") or 0,
                ts_ms=r.opt_integer("last_updated_ts_ms") or r.opt_integer("created_ts_ms"),
            )
        if kind == "market_position":
            return PositionUpdate(
                ticker=r.text("market_ticker"),
                position=r.count("position_fp", signed=True),
                position_cost_micros=r.opt_money("position_cost_dollars"),
                realized_pnl_micros=r.opt_money("realized_pnl_dollars"),
                fees_paid_micros=r.opt_money("fees_paid_dollars"),
                volume=r.opt_count("volume_fp"),
            )
        if kind in ("market_lifecycle_v2", "multivariate_market_lifecycle"):
            return LifecycleUpdate(kind, r.text("market_ticker"), r.text("event_type"), dict(r.data))
        if kind in ("event_lifecycle", "event_fee_update"):
            return LifecycleUpdate(kind, r.text("event_ticker"), kind, dict(r.data))
        return RawMessage(kind, dict(r.data))
