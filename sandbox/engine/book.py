"""The reciprocal order book of one market (API.md §9) and the order record.

Kalshi keeps one book per market: a YES bid at p is a NO ask at 1 - p. We store the two kinds of
bids it publishes, each priced in its own leg: side 0 = bids to buy YES (V2 ``bid``), keyed by the
YES price; side 1 = bids to buy NO (V2 ``ask``), keyed by the NO price. An incoming order on one
side crosses a resting order on the other when the two leg prices sum to at least $1, and trades
at the resting order's price. Each level is a FIFO; cancelled orders are removed lazily (their
remaining count is zero) so a cancel is O(1).
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections import deque
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from sandbox.engine.ledger import Exposure

BID: Final = 0  # buy YES; the NO leg is side 1
ASK: Final = 1  # sell YES == buy NO

GTC: Final = 0
IOC: Final = 1
FOK: Final = 2

STP_TAKER_AT_CROSS: Final = 0
STP_MAKER: Final = 1

RESTING: Final = 0
CANCELED: Final = 1
EXECUTED: Final = 2


class Order:
    """One order; mutable engine state (its public views are built by the server)."""

    __slots__ = (
        "account_id",
        "accumulator",
        "cancel_on_pause",
        "client_order_id",
        "created_ms",
        "expiration_ms",
        "exposure",
        "fee_bound",
        "filled",
        "in_book",
        "initial",
        "leg",
        "maker_cost",
        "maker_fees",
        "order_id",
        "post_only",
        "price",
        "reduce_only",
        "remaining",
        "seq",
        "side",
        "status",
        "stp",
        "taker_cost",
        "taker_fees",
        "ticker",
        "tif",
        "updated_ms",
    )

    def __init__(
        self,
        order_id: str,
        seq: int,
        account_id: str,
        ticker: str,
        side: int,
        price: int,
        leg: int,
        count: int,
        tif: int,
        post_only: bool,
        reduce_only: bool,
        stp: int,
        client_order_id: str,
        expiration_ms: int,
        cancel_on_pause: bool,
        ts_ms: int,
        exposure: Exposure,
    ) -> None:
        self.order_id = order_id
        self.seq = seq
        self.account_id = account_id
        self.ticker = ticker
        self.side = side
        self.price = price  # YES price
        self.leg = leg  # price of the leg this order buys: YES price for bids, NO price for asks
        self.initial = count
        self.remaining = count
        self.filled = 0
        self.tif = tif
        self.post_only = post_only
        self.reduce_only = reduce_only
        self.stp = stp
        self.client_order_id = client_order_id
        self.expiration_ms = expiration_ms
        self.cancel_on_pause = cancel_on_pause
        self.created_ms = ts_ms
        self.updated_ms = ts_ms
        self.status = RESTING
        self.taker_cost = 0  # micro-dollars paid for the leg bought, taker fills
        self.maker_cost = 0
        self.taker_fees = 0  # net fees (trade fee + rounding - rebates), micro-dollars
        self.maker_fees = 0
        self.accumulator = 0  # Kalshi's per-order rounding accumulator, micro-dollars in [0, 1 cent]
        self.fee_bound = 0  # reserved fee per count unit while the order is live, micro-dollars
        self.in_book = False
        self.exposure = exposure  # the ledger's (account, market) record that reserves for this order


class Level:
    """All resting orders at one price of one side, in time priority."""

    __slots__ = ("orders", "price", "size")

    def __init__(self, price: int) -> None:
        self.price = price
        self.size = 0  # live remaining count at this level
        self.orders: deque[Order] = deque()


class BookSide:
    """Bids of one leg: price -> Level, plus the sorted prices (best = highest = last)."""

    __slots__ = ("levels", "prices")

    def __init__(self) -> None:
        self.levels: dict[int, Level] = {}
        self.prices: list[int] = []

    def add(self, order: Order) -> None:
        """Append a resting order at the back of its level."""
        level = self.levels.get(order.leg)
        if level is None:
            level = self.levels[order.leg] = Level(order.leg)
            insort(self.prices, order.leg)
        level.orders.append(order)
        level.size += order.remaining
        order.in_book = True

    def reduce(self, price: int, count: int) -> None:
        """A resting order at `price` lost `count` (fill, decrease or cancel); drop an emptied level."""
        level = self.levels[price]
        level.size -= count
        if level.size == 0:
            del self.levels[price]
            del self.prices[bisect_left(self.prices, price)]

    def best(self) -> tuple[int, int]:
        """(price, size) of the best level, (0, 0) when empty."""
        if not self.prices:
            return 0, 0
        price = self.prices[-1]
        return price, self.levels[price].size

    def depth(self, limit: int) -> list[tuple[int, int]]:
        """(price, size) ascending, best last; `limit` > 0 keeps only the best `limit` levels."""
        prices = self.prices[-limit:] if limit > 0 else self.prices
        levels = self.levels
        return [(price, levels[price].size) for price in prices]

    def live_orders(self) -> list[Order]:
        """Resting orders in priority order (best price first, then time)."""
        out: list[Order] = []
        for price in reversed(self.prices):
            out.extend(order for order in self.levels[price].orders if order.remaining and order.in_book)
        return out


class Book:
    """The two bid sides of one market."""

    __slots__ = ("sides",)

    def __init__(self) -> None:
        self.sides = (BookSide(), BookSide())

    def best(self, side: int) -> tuple[int, int]:
        """Best (leg price, size) of a side."""
        return self.sides[side].best()

    def crossing_size(self, side: int, leg: int, limit: int) -> int:
        """How much of the opposite side an order at `leg` could take, counting up to `limit`."""
        opposite = self.sides[1 - side]
        total = 0
        threshold = 10_000 - leg
        for price in reversed(opposite.prices):
            if price < threshold:
                break
            total += opposite.levels[price].size
            if total >= limit:
                break
        return total
