"""What a graph is evaluated against: one event for one market, with that market's snapshot.

Every number is an integer in the units of DESIGN §4 (price $0.0001, count 0.01 contract, money
$0.000001, times in Unix milliseconds). Books are stored best price FIRST, each leg in its own
terms; Kalshi's REST order book is the other way round (ascending, best last), so whoever builds a
snapshot from the wire must reverse it. Constructors check their invariants and raise
`ValueError`, so a malformed snapshot fails where it is built, never inside a bot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Literal

from builder.graph.grid import PriceRange, leg_grid
from builder.graph.ports import PRICE_ONE

EventKind = Literal["book", "trade", "timer", "fill", "close_warning", "run_start"]
EVENT_KINDS: Final[tuple[EventKind, ...]] = ("book", "trade", "timer", "fill", "close_warning", "run_start")
Side = Literal["yes", "no"]
Action = Literal["buy", "sell"]

# Kalshi's default grid (`linear_cent`): every whole cent from 1¢ to 99¢.
LINEAR_CENT: Final = ((0, PRICE_ONE, 100),)

Level = tuple[int, int]  # (price in the leg's terms, count)


def _check_levels(name: str, levels: tuple[Level, ...]) -> None:
    previous = PRICE_ONE
    for price, count in levels:
        if not 0 < price < PRICE_ONE or count <= 0:
            raise ValueError(
                f"{name}: level ({price}, {count}) is not a price in (0, 10000) with a positive count"
            )
        if price >= previous:
            raise ValueError(f"{name}: levels must be strictly descending (best first)")
        previous = price


@dataclass(frozen=True, slots=True)
class Trade:
    """A trade printed in the market: its YES price, its size, and which outcome the taker bought."""

    ts_ms: int
    yes_price: int
    count: int
    taker_side: Side

    def __post_init__(self) -> None:
        if not 0 < self.yes_price < PRICE_ONE or self.count <= 0 or self.taker_side not in ("yes", "no"):
            raise ValueError(f"invalid trade {self!r}")


@dataclass(frozen=True, slots=True)
class Fill:
    """One fill of one of this run's own orders; `price` is in the terms of `side`."""

    ts_ms: int
    order_id: str
    side: Side
    action: Action
    price: int
    count: int
    node_id: str | None = None  # the action node whose order filled, when the engine knows it

    def __post_init__(self) -> None:
        if self.side not in ("yes", "no") or self.action not in ("buy", "sell"):
            raise ValueError(f"invalid fill side/action {self!r}")
        if not 0 < self.price < PRICE_ONE or self.count <= 0:
            raise ValueError(f"invalid fill price/count {self!r}")


@dataclass(frozen=True, slots=True)
class OpenOrder:
    """One of this run's resting orders; `price` is in the terms of `side`."""

    order_id: str
    side: Side
    action: Action
    price: int
    remaining: int
    node_id: str | None = None

    def __post_init__(self) -> None:
        if self.side not in ("yes", "no") or self.action not in ("buy", "sell"):
            raise ValueError(f"invalid order side/action {self!r}")
        if not 0 < self.price < PRICE_ONE or self.remaining <= 0:
            raise ValueError(f"invalid order price/remaining {self!r}")


@dataclass(frozen=True, slots=True)
class MarketSnapshot:
    """The market-wide view: identity, close time, price grid, book, last and recent trades.

    `yes_bids` / `no_bids` are (price, count) with the best (highest) price first, each in its
    own leg's terms; the YES ask is 10000 minus the best NO bid. `recent_trades` holds at least the
    last hour of trades (at most 1,000), oldest first. The best prices and sizes, and each leg's
    price grid, are derived once here because almost every graph reads them.
    """

    ticker: str
    event_ticker: str
    series_ticker: str
    close_ts_ms: int
    yes_bids: tuple[Level, ...] = ()
    no_bids: tuple[Level, ...] = ()
    last_trade_price: int | None = None  # YES price of the last trade
    recent_trades: tuple[Trade, ...] = ()
    price_ranges: tuple[PriceRange, ...] = LINEAR_CENT
    status: str = "active"
    yes_bid: int | None = field(init=False)
    yes_bid_size: int = field(init=False)
    no_bid: int | None = field(init=False)
    no_bid_size: int = field(init=False)
    yes_ask: int | None = field(init=False)
    no_ask: int | None = field(init=False)
    yes_grid: tuple[int, ...] = field(init=False)  # tradable prices of each leg, ascending
    no_grid: tuple[int, ...] = field(init=False)

    def __post_init__(self) -> None:
        if not self.ticker:
            raise ValueError("a snapshot needs a ticker")
        _check_levels("yes_bids", self.yes_bids)
        _check_levels("no_bids", self.no_bids)
        if self.last_trade_price is not None and not 0 < self.last_trade_price < PRICE_ONE:
            raise ValueError(f"invalid last trade price {self.last_trade_price}")
        if not self.price_ranges:
            raise ValueError("a snapshot needs at least one price range")
        for start, end, step in self.price_ranges:
            if step <= 0 or not 0 <= start < end <= PRICE_ONE:
                raise ValueError(f"invalid price range {(start, end, step)}")
        yes = self.yes_bids[0] if self.yes_bids else None
        no = self.no_bids[0] if self.no_bids else None
        # The book is one book: the YES ask is the best NO bid seen from the YES side (API.md §9).
        setter = object.__setattr__
        setter(self, "yes_bid", None if yes is None else yes[0])
        setter(self, "yes_bid_size", 0 if yes is None else yes[1])
        setter(self, "no_bid", None if no is None else no[0])
        setter(self, "no_bid_size", 0 if no is None else no[1])
        setter(self, "yes_ask", None if no is None else PRICE_ONE - no[0])
        setter(self, "no_ask", None if yes is None else PRICE_ONE - yes[0])
        setter(self, "yes_grid", leg_grid(self.price_ranges, "yes"))
        setter(self, "no_grid", leg_grid(self.price_ranges, "no"))


@dataclass(frozen=True, slots=True)
class AccountSnapshot:
    """This run's own view of the market: net position, entry price, resting orders, cash.

    `position` is one signed count: +YES / -NO (positions net, API.md §9). `average_entry` is the
    average price paid for the contracts held, in the terms of the side held (None when flat).
    `balance` is the available balance in micro-dollars.
    """

    position: int = 0
    average_entry: int | None = None
    open_orders: tuple[OpenOrder, ...] = ()
    balance: int = 0

    def __post_init__(self) -> None:
        if self.position == 0 and self.average_entry is not None:
            raise ValueError("a flat position has no average entry price")
        if self.average_entry is not None and not 0 < self.average_entry < PRICE_ONE:
            raise ValueError(f"invalid average entry {self.average_entry}")


@dataclass(frozen=True, slots=True)
class Event:
    """Why the graph is evaluated now, for which market, with what that market looks like.

    `seq` numbers the events of a run and market (for logs and traces; intents carry their own
    per-node sequence for client_order_ids, see intents.py).
    """

    kind: EventKind
    seq: int
    market: MarketSnapshot
    account: AccountSnapshot = AccountSnapshot()
    trade: Trade | None = None  # set when kind == "trade"
    fill: Fill | None = None  # set when kind == "fill"

    def __post_init__(self) -> None:
        if self.kind not in EVENT_KINDS:
            raise ValueError(f"unknown event kind {self.kind!r}")
        if (self.kind == "trade") != (self.trade is not None):
            raise ValueError("a trade event carries exactly one trade, and only a trade event does")
        if (self.kind == "fill") != (self.fill is not None):
            raise ValueError("a fill event carries exactly one fill, and only a fill event does")
