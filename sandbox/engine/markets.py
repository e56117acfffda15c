"""Markets: the price grid from `price_ranges`, lifecycle statuses, and per-market statistics."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Final, NamedTuple

from sandbox.engine.book import Book
from sandbox.engine.events import TradeRecord
from sandbox.engine.fees import TAKER_RATE, fee_fraction, fee_per_count_bound, maker_rate, trade_fee
from sandbox.engine.units import PRICE_ONE

# REST statuses (API.md §10). `disputed` and `amended` are never entered by the sandbox.
INITIALIZED: Final = "initialized"
ACTIVE: Final = "active"
INACTIVE: Final = "inactive"
CLOSED: Final = "closed"
DETERMINED: Final = "determined"
FINALIZED: Final = "finalized"
STATUSES: Final = (INITIALIZED, ACTIVE, INACTIVE, CLOSED, DETERMINED, FINALIZED)

# GET /markets?status= filter values -> REST statuses.
STATUS_FILTERS: Final = {
    "unopened": frozenset({INITIALIZED}),
    "open": frozenset({ACTIVE}),
    "paused": frozenset({INACTIVE}),
    "closed": frozenset({CLOSED, DETERMINED}),
    "settled": frozenset({FINALIZED}),
}


# (yes bid, size, yes ask, size, last price, last size, volume, open interest)
TickerState = tuple[int, int, int, int, int, int, int, int]


class PriceRange(NamedTuple):
    """One band of a market's price grid, in price units: valid prices are start + k x step <= end."""

    start: int
    end: int
    step: int


# The labels Kalshi documents (API.md §3); a market may also carry explicit ranges.
PRICE_LEVEL_STRUCTURES: Final[dict[str, tuple[PriceRange, ...]]] = {
    "linear_cent": (PriceRange(0, 10_000, 100),),
    "deci_cent": (PriceRange(0, 10_000, 10),),
    "tapered_deci_cent": (
        PriceRange(0, 1_000, 10),
        PriceRange(1_000, 9_000, 100),
        PriceRange(9_000, 10_000, 10),
    ),
    "center_deci_edge_centi_cent": (
        PriceRange(0, 100, 1),
        PriceRange(100, 9_900, 10),
        PriceRange(9_900, 10_000, 1),
    ),
}


class GridError(ValueError):
    """Price ranges that do not describe a usable grid."""


class PriceGrid:
    """The valid YES prices of a market, precomputed so a check is one index (hot path)."""

    __slots__ = ("min_price", "ranges", "valid")

    def __init__(self, ranges: tuple[PriceRange, ...]) -> None:
        if not ranges:
            raise GridError("a market needs at least one price range")
        valid = bytearray(PRICE_ONE + 1)
        for band in ranges:
            if band.step <= 0 or not 0 <= band.start < band.end <= PRICE_ONE:
                raise GridError(f"invalid price range {band}")
            for price in range(band.start, band.end + 1, band.step):
                if 0 < price < PRICE_ONE:  # $0 and $1 are never tradable
                    valid[price] = 1
        if not any(valid):
            raise GridError("the price ranges contain no tradable price")
        self.valid = bytes(valid)  # valid[p] == 1 for every tradable YES price p
        self.ranges = ranges
        self.min_price = valid.index(1)

    def is_valid(self, price: int) -> bool:
        """True when `price` (YES, price units) is on the grid."""
        return 0 < price < PRICE_ONE and self.valid[price] == 1


class FeeBounds(dict[int, int]):
    """price -> fee bound per count unit, computed on first use.

    Read with ``bounds[price]``: a plain dict lookup on the hot path (no method call); a price not
    seen yet goes through ``__missing__``.
    """

    __slots__ = ("compute",)

    def __init__(self, compute: Callable[[int], int]) -> None:
        super().__init__()
        self.compute = compute

    def __missing__(self, price: int) -> int:
        bound = self[price] = self.compute(price)
        return bound


class Market:
    """Engine state of one market: definition, lifecycle, book and statistics."""

    __slots__ = (
        "book",
        "can_close_early",
        "close_ms",
        "created_ms",
        "determined_ms",
        "dollar_volume",
        "event_ticker",
        "fee_multiplier",
        "fee_type",
        "grid",
        "last_price",
        "last_size",
        "last_ticker",
        "maker_bounds",
        "maker_fee_den",
        "maker_fee_num",
        "maker_rate",
        "market_type",
        "open_interest",
        "open_ms",
        "previous_price",
        "previous_yes_ask",
        "previous_yes_bid",
        "price_level_structure",
        "result",
        "series_ticker",
        "settled_ms",
        "settlement_timer_s",
        "settlement_value",
        "status",
        "taker_bounds",
        "taker_fee_den",
        "taker_fee_num",
        "taker_rate",
        "ticker",
        "trades",
        "updated_ms",
        "volume",
        "volume_window",
    )

    def __init__(
        self,
        *,
        ticker: str,
        event_ticker: str,
        series_ticker: str,
        market_type: str,
        grid: PriceGrid,
        price_level_structure: str,
        fee_type: str,
        fee_multiplier: int,
        open_ms: int,
        close_ms: int,
        settlement_timer_s: int,
        can_close_early: bool,
        created_ms: int,
    ) -> None:
        self.ticker = ticker
        self.event_ticker = event_ticker
        self.series_ticker = series_ticker
        self.market_type = market_type
        self.grid = grid
        self.price_level_structure = price_level_structure
        self.taker_rate = TAKER_RATE
        self.set_fees(fee_type, fee_multiplier)
        self.open_ms = open_ms
        self.close_ms = close_ms
        self.settlement_timer_s = settlement_timer_s
        self.can_close_early = can_close_early
        self.created_ms = created_ms
        self.updated_ms = created_ms
        self.status = INITIALIZED
        self.result = ""
        self.settlement_value = -1  # YES payout in price units once determined
        self.determined_ms = 0
        self.settled_ms = 0
        self.book = Book()
        self.volume = 0
        self.open_interest = 0
        self.dollar_volume = 0  # micro-dollars of YES notional traded
        self.last_price = 0
        self.last_size = 0
        self.previous_yes_bid = 0
        self.previous_yes_ask = PRICE_ONE
        self.previous_price = 0
        self.trades: list[TradeRecord] = []
        self.volume_window: deque[tuple[int, int]] = deque()  # (ts_ms, count) for volume_24h
        self.last_ticker: TickerState = (0, 0, 0, 0, 0, 0, 0, 0)

    def set_fees(self, fee_type: str, fee_multiplier: int) -> None:
        """Use a (new) series fee schedule for the trades from now on (10_000 = multiplier 1.0)."""
        self.fee_type = fee_type
        self.maker_rate = maker_rate(fee_type)
        self.fee_multiplier = fee_multiplier
        # trade_fee(rate, multiplier, count, p) == ceil(num x count x p x (1-p) / den) $0.0001s
        self.taker_fee_num, self.taker_fee_den = fee_fraction(self.taker_rate, fee_multiplier)
        self.maker_fee_num, self.maker_fee_den = fee_fraction(self.maker_rate, fee_multiplier)
        maker, taker = self.maker_rate, self.taker_rate
        # YES price -> fee per count unit of a fill as a maker at that price, rounded up
        self.maker_bounds = FeeBounds(lambda price: trade_fee(*maker, fee_multiplier, 1, price))
        # leg price -> bound on the fee per count unit of a taker buying its leg at <= that price
        self.taker_bounds = FeeBounds(lambda leg: fee_per_count_bound(*taker, fee_multiplier, leg))

    def maker_fee_bound(self, price: int) -> int:
        """Fee per count unit of a fill as a maker at its own (YES) `price`, rounded up (cached)."""
        return self.maker_bounds[price]

    def taker_fee_bound(self, leg: int) -> int:
        """Bound on the fee per count unit of a taker buying its leg at <= `leg` (cached)."""
        return self.taker_bounds[leg]

    def yes_bid(self) -> tuple[int, int]:
        """Best YES bid (price, size), (0, 0) when none."""
        return self.book.best(0)

    def yes_ask(self) -> tuple[int, int]:
        """Best YES ask = $1 - best NO bid, ($1, 0) when none."""
        no_price, size = self.book.best(1)
        return (PRICE_ONE - no_price, size) if size else (PRICE_ONE, 0)

    def ticker_state(self) -> TickerState:
        """The values the WebSocket ticker channel publishes; a change means a new ticker message."""
        yes, no = self.book.sides  # inlined yes_bid() / yes_ask(): this runs after every trade
        if yes.prices:
            bid = yes.prices[-1]
            bid_size = yes.levels[bid].size
        else:
            bid = bid_size = 0
        if no.prices:
            ask = PRICE_ONE - no.prices[-1]
            ask_size = no.levels[no.prices[-1]].size
        else:
            ask, ask_size = PRICE_ONE, 0
        return (
            bid,
            bid_size,
            ask,
            ask_size,
            self.last_price,
            self.last_size,
            self.volume,
            self.open_interest,
        )

    def volume_24h(self, now_ms: int) -> int:
        """Contracts traded in the 24 hours before `now_ms`."""
        cutoff = now_ms - 86_400_000
        return sum(count for ts, count in self.volume_window if ts > cutoff)
