"""Typed, frozen views of Kalshi's JSON (the OpenAPI fragments are authoritative).

Units (see `units`): fields named like prices (`yes_price`, `yes_bid`, `price`) are ints in $0.0001;
counts are ints in hundredths of a contract; fields ending in `_micros` are money in micro-dollars.
NO prices are in the NO leg's terms, as on the wire (NO price = 10000 - YES price).

Reading is tolerant of absent optional fields and strict about values: a present field with a
malformed value (a price `"0.5x"`, a count `12`) raises `ResponseFormatError`, never a silent zero.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Final, Literal

from execution.kalshi.errors import KalshiError, OrderRequestError, ResponseFormatError
from execution.kalshi.units import (
    COUNT_ONE,
    MICROS_PER_CENT,
    PRICE_ONE,
    UnitsError,
    format_count,
    format_price,
    parse_count,
    parse_money,
    parse_price,
)

BookSide = Literal["bid", "ask"]
OutcomeSide = Literal["yes", "no"]
TimeInForce = Literal["good_till_canceled", "immediate_or_cancel", "fill_or_kill"]
SelfTradePrevention = Literal["taker_at_cross", "maker"]
Level = tuple[int, int]  # (price, count)

TIME_IN_FORCE: Final = frozenset({"good_till_canceled", "immediate_or_cancel", "fill_or_kill"})
STP_TYPES: Final = frozenset({"taker_at_cross", "maker"})
# What the sandbox enforces and Kalshi recommends (UUIDs; no dots or other punctuation).
CLIENT_ORDER_ID_RE: Final = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class WireReader:
    """Typed access to one JSON object with errors that say which field of what was wrong."""

    __slots__ = ("data", "kind")

    def __init__(self, data: object, kind: str) -> None:
        if not isinstance(data, Mapping):
            raise ResponseFormatError(f"Expected a {kind} object, got {type(data).__name__}.")
        self.data: Mapping[str, Any] = data
        self.kind = kind

    def _fail(self, name: str, problem: str) -> ResponseFormatError:
        return ResponseFormatError(f"The exchange sent a {self.kind} whose {name} {problem}.")

    def has(self, name: str) -> bool:
        return self.data.get(name) is not None

    def raw(self, name: str) -> Any:
        if name not in self.data:
            raise self._fail(name, "is missing")
        return self.data[name]

    def text(self, name: str, default: str | None = None) -> str:
        value = self.data.get(name)
        if value is None:
            if default is None:
                raise self._fail(name, "is missing")
            return default
        if not isinstance(value, str):
            raise self._fail(name, f"is not a string ({value!r})")
        return value

    def opt_text(self, name: str) -> str | None:
        value = self.data.get(name)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self._fail(name, f"is not a string ({value!r})")
        return value

    def flag(self, name: str, default: bool | None = None) -> bool:
        value = self.data.get(name)
        if value is None and default is not None:
            return default
        if type(value) is not bool:
            raise self._fail(name, f"is not a boolean ({value!r})")
        return value

    def integer(self, name: str, default: int | None = None) -> int:
        value = self.data.get(name)
        if value is None and default is not None:
            return default
        if type(value) is not int:
            raise self._fail(name, f"is not an integer ({value!r})")
        return value

    def opt_integer(self, name: str) -> int | None:
        return None if self.data.get(name) is None else self.integer(name)

    def _unit(self, name: str, parse: Any, **kwargs: Any) -> int:
        try:
            return int(parse(self.raw(name), name, **kwargs))
        except UnitsError as exc:
            raise ResponseFormatError(
                f"The exchange sent a {self.kind} with a malformed value: {exc}."
            ) from None

    def price(self, name: str) -> int:
        return self._unit(name, parse_price)

    def opt_price(self, name: str) -> int | None:
        return self.price(name) if self.has(name) else None

    def count(self, name: str, *, signed: bool = False) -> int:
        return self._unit(name, parse_count, signed=signed)

    def opt_count(self, name: str) -> int | None:
        return self.count(name) if self.has(name) else None

    def money(self, name: str) -> int:
        return self._unit(name, parse_money)

    def opt_money(self, name: str) -> int | None:
        return self.money(name) if self.has(name) else None

    def time(self, name: str) -> dt.datetime:
        value = self.raw(name)
        parsed = parse_time(value)
        if parsed is None:
            raise self._fail(name, f"is not an RFC 3339 time ({value!r})")
        return parsed

    def opt_time(self, name: str) -> dt.datetime | None:
        return self.time(name) if self.has(name) else None

    def opt_stamp(self, name: str) -> dt.datetime | None:
        """A time given as RFC 3339 text or Unix seconds (`*_ts` fields); None only when absent or
        null, an error when present but unreadable."""
        value = self.data.get(name)
        if value is None:
            return None
        parsed = parse_time(value)
        if parsed is None:
            raise self._fail(name, f"is not an RFC 3339 time or Unix seconds ({value!r})")
        return parsed

    def strings(self, name: str) -> tuple[str, ...]:
        """An optional list of strings (absent or null = empty)."""
        values = self.items(name, required=False)
        if not all(isinstance(v, str) for v in values):
            raise self._fail(name, f"is not a list of strings ({list(values)!r})")
        return tuple(values)

    def decimal(self, name: str, default: Decimal | None = None) -> Decimal:
        value = self.data.get(name)
        if value is None and default is not None:
            return default
        if type(value) not in (int, float, str):
            raise self._fail(name, f"is not a number ({value!r})")
        try:
            # str() first: a JSON number becomes its shortest decimal text, not a binary float.
            return Decimal(str(value))
        except InvalidOperation:
            raise self._fail(name, f"is not a number ({value!r})") from None

    def items(self, name: str, *, required: bool = True) -> Sequence[Any]:
        value = self.data.get(name)
        if value is None:
            if required and name not in self.data:
                raise self._fail(name, "is missing")
            return ()
        if not isinstance(value, list):
            raise self._fail(name, "is not a list")
        return value


def parse_time(value: object) -> dt.datetime | None:
    """RFC 3339 text or Unix seconds -> aware UTC datetime; None when unreadable."""
    if type(value) is int:
        try:
            return dt.datetime.fromtimestamp(value, tz=dt.UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    return parsed.astimezone(dt.UTC)


def read_outcome_side(reader: WireReader, name: str, legacy: str | None = None) -> OutcomeSide:
    value = reader.data.get(name)
    if value is None and legacy is not None:
        value = reader.data.get(legacy)
    if value not in ("yes", "no"):
        raise reader._fail(name, f"is not yes/no ({value!r})")
    return "yes" if value == "yes" else "no"


def read_book_side(reader: WireReader, name: str, outcome: OutcomeSide | None = None) -> BookSide:
    value = reader.data.get(name)
    if value is None and outcome is not None:
        return "bid" if outcome == "yes" else "ask"  # bid ≡ yes, ask ≡ no (API.md §3)
    if value not in ("bid", "ask"):
        raise reader._fail(name, f"is not bid/ask ({value!r})")
    return "bid" if value == "bid" else "ask"


# ----------------------------------------------------------------------------- exchange


@dataclass(frozen=True, slots=True)
class ExchangeStatus:
    """GET /exchange/status (top-level fields describe shard 0)."""

    exchange_active: bool
    trading_active: bool
    estimated_resume_time: dt.datetime | None

    @classmethod
    def from_wire(cls, data: object) -> ExchangeStatus:
        r = WireReader(data, "exchange status")
        return cls(
            r.flag("exchange_active"), r.flag("trading_active"), r.opt_time("exchange_estimated_resume_time")
        )


# ----------------------------------------------------------------------------- market data


@dataclass(frozen=True, slots=True)
class PriceRange:
    """One band of a market's price grid: valid prices are start, start + step, ... <= end."""

    start: int
    end: int
    step: int

    @classmethod
    def from_wire(cls, data: object) -> PriceRange:
        r = WireReader(data, "price range")
        band = cls(r.price("start"), r.price("end"), r.price("step"))
        if band.step <= 0 or band.start > band.end:
            raise ResponseFormatError(f"The exchange sent a market price range that is unusable: {data!r}.")
        return band

    def contains(self, price: int) -> bool:
        """True when `price` lies on this band's grid."""
        return self.start <= price <= self.end and (price - self.start) % self.step == 0


@dataclass(frozen=True, slots=True)
class Market:
    """A market (GET /markets, /markets/{ticker})."""

    ticker: str
    event_ticker: str
    market_type: str
    status: str
    title: str
    subtitle: str
    yes_sub_title: str
    no_sub_title: str
    open_time: dt.datetime | None
    close_time: dt.datetime | None
    latest_expiration_time: dt.datetime | None
    settlement_timer_seconds: int
    yes_bid: int
    yes_ask: int
    no_bid: int
    no_ask: int
    yes_bid_size: int
    yes_ask_size: int
    last_price: int
    volume: int
    volume_24h: int
    open_interest: int
    result: str
    can_close_early: bool
    price_level_structure: str
    price_ranges: tuple[PriceRange, ...]
    settlement_value: int | None = None
    rules_primary: str = ""
    exchange_index: int = 0

    @classmethod
    def from_wire(cls, data: object) -> Market:
        r = WireReader(data, "market")
        return cls(
            ticker=r.text("ticker"),
            event_ticker=r.text("event_ticker"),
            market_type=r.text("market_type", "binary"),
            status=r.text("status"),
            title=r.text("title", ""),
            subtitle=r.text("subtitle", ""),
            yes_sub_title=r.text("yes_sub_title", ""),
            no_sub_title=r.text("no_sub_title", ""),
            open_time=r.opt_time("open_time"),
            close_time=r.opt_time("close_time"),
            latest_expiration_time=r.opt_time("latest_expiration_time"),
            settlement_timer_seconds=r.integer("settlement_timer_seconds", 0),
            yes_bid=r.price("yes_bid_dollars"),
            yes_ask=r.price("yes_ask_dollars"),
            no_bid=r.price("no_bid_dollars"),
            no_ask=r.price("no_ask_dollars"),
            yes_bid_size=r.opt_count("yes_bid_size_fp") or 0,
            yes_ask_size=r.opt_count("yes_ask_size_fp") or 0,
            last_price=r.opt_price("last_price_dollars") or 0,
            volume=r.opt_count("volume_fp") or 0,
            volume_24h=r.opt_count("volume_24h_fp") or 0,
            open_interest=r.opt_count("open_interest_fp") or 0,
            result=r.text("result", ""),
            can_close_early=r.flag("can_close_early", False),
            price_level_structure=r.text("price_level_structure", ""),
            price_ranges=tuple(PriceRange.from_wire(b) for b in r.items("price_ranges")),
            settlement_value=r.opt_price("settlement_value_dollars"),
            rules_primary=r.text("rules_primary", ""),
            exchange_index=r.integer("exchange_index", 0),
        )

    def is_valid_price(self, price: int) -> bool:
        """True when a YES price can be ordered on this market (its `price_ranges`, never $0 or $1)."""
        return 0 < price < PRICE_ONE and any(band.contains(price) for band in self.price_ranges)


def _levels(reader: WireReader, name: str) -> tuple[Level, ...]:
    """`[[price, count], ...]` -> levels sorted ascending by price (best bid last), merged."""
    merged: dict[int, int] = {}
    for item in reader.items(name, required=False):
        if not isinstance(item, list) or len(item) != 2:
            raise ResponseFormatError(
                f"The exchange sent a {reader.kind} level that is not [price, count]: {item!r}."
            )
        level = WireReader({"price": item[0], "count": item[1]}, reader.kind)
        price, size = level.price("price"), level.count("count")
        merged[price] = merged.get(price, 0) + size
    return tuple(sorted((p, s) for p, s in merged.items() if s > 0))


@dataclass(frozen=True, slots=True)
class OrderBook:
    """Bids only, as Kalshi publishes them: YES bids in YES prices, NO bids in NO prices,
    each ascending with the best bid last. Asks are derived (best YES ask = 1 - best NO bid)."""

    ticker: str
    yes_bids: tuple[Level, ...]
    no_bids: tuple[Level, ...]

    @classmethod
    def from_wire(cls, ticker: str, data: object) -> OrderBook:
        r = WireReader(data, "order book")
        return cls(ticker, _levels(r, "yes_dollars"), _levels(r, "no_dollars"))

    @property
    def best_yes_bid(self) -> Level | None:
        """(YES price, size) of the best YES bid."""
        return self.yes_bids[-1] if self.yes_bids else None

    @property
    def best_no_bid(self) -> Level | None:
        """(NO price, size) of the best NO bid."""
        return self.no_bids[-1] if self.no_bids else None

    @property
    def best_yes_ask(self) -> Level | None:
        """(YES price, size): a NO bid at q is a YES offer at 1 - q."""
        best = self.best_no_bid
        return (PRICE_ONE - best[0], best[1]) if best else None

    @property
    def best_no_ask(self) -> Level | None:
        """(NO price, size): a YES bid at p is a NO offer at 1 - p."""
        best = self.best_yes_bid
        return (PRICE_ONE - best[0], best[1]) if best else None


@dataclass(frozen=True, slots=True)
class Trade:
    """A public trade (GET /markets/trades)."""

    trade_id: str
    ticker: str
    count: int
    yes_price: int
    no_price: int
    taker_outcome_side: OutcomeSide
    taker_book_side: BookSide
    created_time: dt.datetime
    is_block_trade: bool

    @classmethod
    def from_wire(cls, data: object) -> Trade:
        r = WireReader(data, "trade")
        outcome = read_outcome_side(r, "taker_outcome_side", legacy="taker_side")
        return cls(
            trade_id=r.text("trade_id"),
            ticker=r.text("ticker"),
            count=r.count("count_fp"),
            yes_price=r.price("yes_price_dollars"),
            no_price=r.price("no_price_dollars"),
            taker_outcome_side=outcome,
            taker_book_side=read_book_side(r, "taker_book_side", outcome),
            created_time=r.time("created_time"),
            is_block_trade=r.flag("is_block_trade", False),
        )


@dataclass(frozen=True, slots=True)
class Series:
    """A series (GET /series, /series/{ticker})."""

    ticker: str
    title: str
    category: str
    frequency: str
    tags: tuple[str, ...]
    fee_type: str
    fee_multiplier: Decimal
    volume: int | None = None

    @classmethod
    def from_wire(cls, data: object) -> Series:
        r = WireReader(data, "series")
        return cls(
            ticker=r.text("ticker"),
            title=r.text("title", ""),
            category=r.text("category", ""),
            frequency=r.text("frequency", ""),
            tags=r.strings("tags"),
            fee_type=r.text("fee_type"),
            fee_multiplier=r.decimal("fee_multiplier", Decimal(1)),
            volume=r.opt_count("volume_fp"),
        )


@dataclass(frozen=True, slots=True)
class Event:
    """An event (GET /events, /events/{ticker}); `markets` when asked for nested markets."""

    event_ticker: str
    series_ticker: str
    title: str
    sub_title: str
    mutually_exclusive: bool
    collateral_return_type: str
    strike_date: dt.datetime | None
    markets: tuple[Market, ...] = ()
    exchange_index: int = 0

    @classmethod
    def from_wire(cls, data: object, markets: Sequence[Any] | None = None) -> Event:
        r = WireReader(data, "event")
        nested = r.items("markets", required=False) or (markets or ())
        return cls(
            event_ticker=r.text("event_ticker"),
            series_ticker=r.text("series_ticker"),
            title=r.text("title", ""),
            sub_title=r.text("sub_title", ""),
            mutually_exclusive=r.flag("mutually_exclusive", False),
            collateral_return_type=r.text("collateral_return_type", ""),
            strike_date=r.opt_time("strike_date"),
            markets=tuple(Market.from_wire(m) for m in nested),
            exchange_index=r.integer("exchange_index", 0),
        )


# ----------------------------------------------------------------------------- portfolio


@dataclass(frozen=True, slots=True)
class Balance:
    """GET /portfolio/balance. `balance_micros` is the available balance (API.md §15.12)."""

    balance_micros: int
    portfolio_value_micros: int
    updated_ts: dt.datetime | None

    @classmethod
    def from_wire(cls, data: object) -> Balance:
        r = WireReader(data, "balance")
        cents = r.integer("balance")
        # balance_dollars may carry sub-cent digits that the integer-cent `balance` truncates.
        micros = r.money("balance_dollars") if r.has("balance_dollars") else cents * MICROS_PER_CENT
        return cls(micros, r.integer("portfolio_value", 0) * MICROS_PER_CENT, r.opt_stamp("updated_ts"))


@dataclass(frozen=True, slots=True)
class MarketPosition:
    """One unsettled market position; `position` is signed (> 0 YES, < 0 NO), in hundredths."""

    ticker: str
    position: int
    total_traded_micros: int
    market_exposure_micros: int
    realized_pnl_micros: int
    fees_paid_micros: int
    last_updated: dt.datetime | None
    exchange_index: int = 0

    @classmethod
    def from_wire(cls, data: object) -> MarketPosition:
        r = WireReader(data, "market position")
        return cls(
            ticker=r.text("ticker"),
            position=r.count("position_fp", signed=True),
            total_traded_micros=r.money("total_traded_dollars"),
            market_exposure_micros=r.money("market_exposure_dollars"),
            realized_pnl_micros=r.money("realized_pnl_dollars"),
            fees_paid_micros=r.money("fees_paid_dollars"),
            # The fragment says RFC 3339; API.md §4.6 calls it `_ts`: accept both readings.
            last_updated=r.opt_stamp("last_updated_ts"),
            exchange_index=r.integer("exchange_index", 0),
        )


@dataclass(frozen=True, slots=True)
class EventPosition:
    """Per-event sums of the market positions."""

    event_ticker: str
    total_cost_micros: int
    total_cost_shares: int
    event_exposure_micros: int
    realized_pnl_micros: int
    fees_paid_micros: int

    @classmethod
    def from_wire(cls, data: object) -> EventPosition:
        r = WireReader(data, "event position")
        return cls(
            event_ticker=r.text("event_ticker"),
            total_cost_micros=r.money("total_cost_dollars"),
            total_cost_shares=r.count("total_cost_shares_fp", signed=True),
            event_exposure_micros=r.money("event_exposure_dollars"),
            realized_pnl_micros=r.money("realized_pnl_dollars"),
            fees_paid_micros=r.money("fees_paid_dollars"),
        )


@dataclass(frozen=True, slots=True)
class Positions:
    """Every page of GET /portfolio/positions."""

    market_positions: tuple[MarketPosition, ...]
    event_positions: tuple[EventPosition, ...]


@dataclass(frozen=True, slots=True)
class Fill:
    """One of your fills (GET /portfolio/fills). Fills carry no client_order_id since March 2026."""

    fill_id: str
    trade_id: str
    order_id: str
    ticker: str
    outcome_side: OutcomeSide
    book_side: BookSide
    count: int
    yes_price: int
    no_price: int
    is_taker: bool
    fee_cost_micros: int
    created_time: dt.datetime | None
    exchange_index: int = 0

    @classmethod
    def from_wire(cls, data: object) -> Fill:
        r = WireReader(data, "fill")
        outcome = read_outcome_side(r, "outcome_side", legacy="side")
        fill_id = r.opt_text("fill_id") or r.text("trade_id")
        created_time, ts = r.opt_time("created_time"), r.opt_stamp("ts")  # both checked when present
        created = created_time or ts
        return cls(
            fill_id=fill_id,
            trade_id=r.text("trade_id", fill_id),
            order_id=r.text("order_id"),
            ticker=r.opt_text("ticker") or r.text("market_ticker"),
            outcome_side=outcome,
            book_side=read_book_side(r, "book_side", outcome),
            count=r.count("count_fp"),
            yes_price=r.price("yes_price_dollars"),
            no_price=r.opt_price("no_price_dollars") or PRICE_ONE - r.price("yes_price_dollars"),
            is_taker=r.flag("is_taker"),
            fee_cost_micros=r.money("fee_cost"),
            created_time=created,
            exchange_index=r.integer("exchange_index", 0),
        )


@dataclass(frozen=True, slots=True)
class Order:
    """An order as the exchange holds it (GET /portfolio/orders[/{id}]). Status is one of
    `resting`, `canceled`, `executed`; `yes_price` is the YES limit price."""

    order_id: str
    client_order_id: str
    ticker: str
    status: str
    outcome_side: OutcomeSide
    book_side: BookSide
    yes_price: int
    no_price: int
    fill_count: int
    remaining_count: int
    initial_count: int
    taker_fill_cost_micros: int
    maker_fill_cost_micros: int
    taker_fees_micros: int
    maker_fees_micros: int
    created_time: dt.datetime | None
    last_update_time: dt.datetime | None
    expiration_time: dt.datetime | None
    self_trade_prevention_type: str
    cancel_order_on_pause: bool
    user_id: str = ""
    exchange_index: int = 0

    @classmethod
    def from_wire(cls, data: object) -> Order:
        r = WireReader(data, "order")
        outcome = read_outcome_side(r, "outcome_side", legacy="side")
        return cls(
            order_id=r.text("order_id"),
            client_order_id=r.text("client_order_id", ""),
            ticker=r.text("ticker"),
            status=r.text("status"),
            outcome_side=outcome,
            book_side=read_book_side(r, "book_side", outcome),
            yes_price=r.price("yes_price_dollars"),
            no_price=r.opt_price("no_price_dollars") or PRICE_ONE - r.price("yes_price_dollars"),
            fill_count=r.count("fill_count_fp"),
            remaining_count=r.count("remaining_count_fp"),
            initial_count=r.count("initial_count_fp"),  # required by the fragment
            taker_fill_cost_micros=r.opt_money("taker_fill_cost_dollars") or 0,
            maker_fill_cost_micros=r.opt_money("maker_fill_cost_dollars") or 0,
            taker_fees_micros=r.opt_money("taker_fees_dollars") or 0,
            maker_fees_micros=r.opt_money("maker_fees_dollars") or 0,
            created_time=r.opt_time("created_time"),
            last_update_time=r.opt_time("last_update_time"),
            expiration_time=r.opt_time("expiration_time"),
            self_trade_prevention_type=r.text("self_trade_prevention_type", ""),
            cancel_order_on_pause=r.flag("cancel_order_on_pause", False),
            user_id=r.text("user_id", ""),
            exchange_index=r.integer("exchange_index", 0),
        )

    @property
    def is_resting(self) -> bool:
        """True while the order can still fill."""
        return self.status == "resting"


@dataclass(frozen=True, slots=True)
class Settlement:
    """A settled position (GET /portfolio/settlements); `revenue_micros` from integer cents."""

    ticker: str
    event_ticker: str
    market_result: str
    yes_count: int
    no_count: int
    yes_total_cost_micros: int
    no_total_cost_micros: int
    revenue_micros: int
    fee_cost_micros: int
    settled_time: dt.datetime | None
    value_cents: int | None = None

    @classmethod
    def from_wire(cls, data: object) -> Settlement:
        r = WireReader(data, "settlement")
        return cls(
            ticker=r.text("ticker"),
            event_ticker=r.text("event_ticker", ""),
            market_result=r.text("market_result"),
            yes_count=r.count("yes_count_fp"),
            no_count=r.count("no_count_fp"),
            yes_total_cost_micros=r.money("yes_total_cost_dollars"),
            no_total_cost_micros=r.money("no_total_cost_dollars"),
            revenue_micros=r.integer("revenue") * MICROS_PER_CENT,
            fee_cost_micros=r.opt_money("fee_cost") or 0,
            settled_time=r.opt_time("settled_time"),
            value_cents=r.opt_integer("value"),
        )


# ----------------------------------------------------------------------------- order writes (V2)


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """A V2 limit order. `side` is on the YES leg: `bid` buys YES at `price`, `ask` sells YES at
    `price` (= buys NO at 1 - price). `price` is always the YES price (API.md §4.3)."""

    ticker: str
    side: BookSide
    price: int
    count: int
    time_in_force: TimeInForce = "good_till_canceled"
    self_trade_prevention_type: SelfTradePrevention = "taker_at_cross"
    client_order_id: str | None = None
    expiration_time: int | None = None  # Unix seconds; good_till_canceled only
    post_only: bool = False
    reduce_only: bool = False
    cancel_order_on_pause: bool = False
    subaccount: int | None = None
    exchange_index: int | None = None

    def __post_init__(self) -> None:
        if self.side not in ("bid", "ask"):
            raise OrderRequestError(f"side must be 'bid' (buy YES) or 'ask' (sell YES), not {self.side!r}.")
        if type(self.price) is not int or not 0 < self.price < PRICE_ONE:
            raise OrderRequestError(
                f"price must be a YES price between $0.0001 and $0.9999, got {self.price!r}."
            )
        if type(self.count) is not int or self.count <= 0:
            raise OrderRequestError(f"count must be a positive number of hundredths, got {self.count!r}.")
        if self.time_in_force not in TIME_IN_FORCE:
            raise OrderRequestError(
                f"time_in_force {self.time_in_force!r} is not one of {sorted(TIME_IN_FORCE)}."
            )
        if self.self_trade_prevention_type not in STP_TYPES:
            raise OrderRequestError(f"self_trade_prevention_type must be one of {sorted(STP_TYPES)}.")
        if self.expiration_time is not None and self.time_in_force != "good_till_canceled":
            raise OrderRequestError("expiration_time is only allowed with good_till_canceled.")
        if self.client_order_id is not None and not CLIENT_ORDER_ID_RE.match(self.client_order_id):
            raise OrderRequestError(
                "client_order_id must be 1-64 letters, digits, '-' or '_' (a UUID is ideal)."
            )

    @classmethod
    def buy_yes(cls, ticker: str, price: int, count: int, **options: Any) -> OrderRequest:
        """Buy YES at a YES price."""
        return cls(ticker, "bid", price, count, **options)

    @classmethod
    def sell_yes(cls, ticker: str, price: int, count: int, **options: Any) -> OrderRequest:
        """Sell YES at a YES price (opens NO without a YES position unless reduce_only)."""
        return cls(ticker, "ask", price, count, **options)

    @classmethod
    def buy_no(cls, ticker: str, no_price: int, count: int, **options: Any) -> OrderRequest:
        """Buy NO at a NO price q: V2 `ask` at YES price 1 - q."""
        return cls(ticker, "ask", PRICE_ONE - no_price, count, **options)

    @classmethod
    def sell_no(cls, ticker: str, no_price: int, count: int, **options: Any) -> OrderRequest:
        """Sell NO at a NO price q: V2 `bid` at YES price 1 - q."""
        return cls(ticker, "bid", PRICE_ONE - no_price, count, **options)

    @property
    def cost_micros(self) -> int:
        """Worst-case cost before fees: the leg price this order pays times its count."""
        leg = self.price if self.side == "bid" else PRICE_ONE - self.price
        return leg * self.count

    def to_wire(self) -> dict[str, Any]:
        """The JSON body of POST /portfolio/events/orders."""
        body: dict[str, Any] = {
            "ticker": self.ticker,
            "side": self.side,
            "price": format_price(self.price),
            "count": format_count(self.count),
            "time_in_force": self.time_in_force,
            "self_trade_prevention_type": self.self_trade_prevention_type,
        }
        if self.client_order_id is not None:
            body["client_order_id"] = self.client_order_id
        if self.expiration_time is not None:
            body["expiration_time"] = self.expiration_time
        for name in ("post_only", "reduce_only", "cancel_order_on_pause"):
            if getattr(self, name):
                body[name] = True
        if self.subaccount is not None:
            body["subaccount"] = self.subaccount
        if self.exchange_index is not None:
            body["exchange_index"] = self.exchange_index
        return body


@dataclass(frozen=True, slots=True)
class CreateOrderResult:
    """The answer to a create. `duplicate` is True when the client_order_id already existed and
    this result describes the existing order (`order`), looked up instead of sending again."""

    order_id: str
    client_order_id: str | None
    fill_count: int
    remaining_count: int
    average_fill_price_micros: int | None = None
    average_fee_paid_micros: int | None = None
    ts_ms: int | None = None
    duplicate: bool = False
    order: Order | None = None

    @classmethod
    def from_wire(cls, data: object) -> CreateOrderResult:
        r = WireReader(data, "order result")
        return cls(
            order_id=r.text("order_id"),
            client_order_id=r.opt_text("client_order_id"),
            fill_count=r.count("fill_count"),
            remaining_count=r.count("remaining_count"),
            # Averages are amounts, not grid prices: they may carry up to 6 decimals.
            average_fill_price_micros=r.opt_money("average_fill_price"),
            average_fee_paid_micros=r.opt_money("average_fee_paid"),
            ts_ms=r.opt_integer("ts_ms"),
        )

    @classmethod
    def from_order(cls, order: Order) -> CreateOrderResult:
        """The result for an order that already existed (idempotent create)."""
        return cls(
            order_id=order.order_id,
            client_order_id=order.client_order_id or None,
            fill_count=order.fill_count,
            remaining_count=order.remaining_count,
            duplicate=True,
            order=order,
        )


@dataclass(frozen=True, slots=True)
class AmendResult:
    """The answer to an amend; `order_id` is the order that is current after it."""

    order_id: str
    client_order_id: str | None
    remaining_count: int | None
    fill_count: int | None
    average_fill_price_micros: int | None
    average_fee_paid_micros: int | None
    ts_ms: int | None

    @classmethod
    def from_wire(cls, data: object) -> AmendResult:
        r = WireReader(data, "amend result")
        return cls(
            order_id=r.text("order_id"),
            client_order_id=r.opt_text("client_order_id"),
            remaining_count=r.opt_count("remaining_count"),
            fill_count=r.opt_count("fill_count"),
            average_fill_price_micros=r.opt_money("average_fill_price"),
            average_fee_paid_micros=r.opt_money("average_fee_paid"),
            ts_ms=r.opt_integer("ts_ms"),
        )


@dataclass(frozen=True, slots=True)
class CancelResult:
    """The answer to a cancel: `reduced_by` = contracts cancelled (hundredths).
    `from_lookup` is True when a retried cancel found the order already done and this result
    was built from the order (then `reduced_by` is what remained unfilled)."""

    order_id: str
    client_order_id: str | None
    reduced_by: int
    ts_ms: int | None
    from_lookup: bool = False

    @classmethod
    def from_wire(cls, data: object) -> CancelResult:
        r = WireReader(data, "cancel result")
        return cls(
            r.text("order_id"), r.opt_text("client_order_id"), r.count("reduced_by"), r.opt_integer("ts_ms")
        )


@dataclass(frozen=True, slots=True)
class DecreaseResult:
    """The answer to a decrease. `from_lookup` is True when a retried `reduce_to` was refused
    because an earlier attempt had already done it, and this result was read from the order."""

    order_id: str
    client_order_id: str | None
    remaining_count: int
    ts_ms: int | None
    from_lookup: bool = False

    @classmethod
    def from_wire(cls, data: object) -> DecreaseResult:
        r = WireReader(data, "decrease result")
        return cls(
            r.text("order_id"),
            r.opt_text("client_order_id"),
            r.count("remaining_count"),
            r.opt_integer("ts_ms"),
        )


@dataclass(frozen=True, slots=True)
class BatchCreateItem:
    """One order of a batch create: a result, or the typed error for that order alone."""

    client_order_id: str | None
    result: CreateOrderResult | None = None
    error: KalshiError | None = field(default=None, compare=False)

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True, slots=True)
class BatchCancelItem:
    """One order of a batch cancel."""

    order_id: str
    result: CancelResult | None = None
    error: KalshiError | None = field(default=None, compare=False)

    @property
    def ok(self) -> bool:
        return self.error is None


def contracts(count: int) -> str:
    """Hundredths -> '10' or '2.5' for messages."""
    whole, frac = divmod(abs(count), COUNT_ONE)
    text = f"{whole}" if not frac else f"{whole}.{frac:02d}".rstrip("0")
    return ("-" if count < 0 else "") + text
