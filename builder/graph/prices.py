"""How an order price is chosen and rounded on the market's grid, and depth in ticks.

Kalshi rejects prices off the grid (API.md §3), and the grid is not always whole cents, so every
price an action sends is rounded by `buy_on_grid` / `sell_on_grid` (generated plans call them
directly; `order_price` is the same rule in one call): in the passive direction (a bid down, an
ask up), never more aggressive than the graph asked for, and None when no valid price exists on
that side.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from typing import Literal

from builder.graph.events import MarketSnapshot, Side
from builder.graph.grid import move_ticks, snap

PriceFrom = Literal["input", "join", "cross"]


def depth_within(market: MarketSnapshot, side: Side, book: Literal["bid", "ask"], ticks: int) -> int:
    """Contracts resting within `ticks` grid steps of the best price of one side of the book.

    The asks of a leg are the other leg's bids (API.md §9), so both are read from bids.
    """
    leg: Side = side if book == "bid" else ("no" if side == "yes" else "yes")
    levels = market.yes_bids if leg == "yes" else market.no_bids
    if not levels:
        return 0
    grid = market.yes_grid if leg == "yes" else market.no_grid
    best = levels[0][0]
    # Away from the touch means lower prices for bids; off-grid books are rounded the same way.
    start = snap(grid, best, up=False)
    if start is None:
        floor = best  # no grid to count ticks on: the best level only
    else:
        lowest = move_ticks(grid, start, -ticks)
        floor = 0 if lowest is None else lowest
    total = 0
    for price, count in levels:
        if price < floor:
            break
        total += count
    return total


def order_price(
    market: MarketSnapshot,
    side: Side,
    buy: bool,
    price_from: PriceFrom,
    offset_ticks: int,
    price: int | None,
) -> int | None:
    """The limit price (in `side` terms, on the grid) of an order, or None if there is none.

    `join` takes the best price on the order's own side of the book (the bid to buy, the ask to
    sell), `cross` the best price on the other side (takes liquidity), `input` the wired price.
    A positive `offset_ticks` makes the order more aggressive (higher to buy, lower to sell).
    Generated plans do the same with the book field chosen at compile time (`book_field`) and
    one call of `buy_on_grid` / `sell_on_grid`.
    """
    if price_from != "input":
        price = getattr(market, book_field(side, buy, price_from))
    grid = market.yes_grid if side == "yes" else market.no_grid
    return buy_on_grid(grid, price, offset_ticks) if buy else sell_on_grid(grid, price, offset_ticks)


def book_field(side: Side, buy: bool, price_from: Literal["join", "cross"]) -> str:
    """The MarketSnapshot field an order prices from: `join` is the best price on the order's own
    side (the bid to buy, the ask to sell), `cross` the other side's."""
    bid = buy == (price_from == "join")
    return f"{side}_{'bid' if bid else 'ask'}"


# Round passively first: a buy never pays more, a sell never accepts less, than asked; then move
# by the offset. More aggressive than the grid allows stops at the grid's end; more passive than
# it is none. These run whenever an action fires (hot path), so they take the grid directly.


def buy_on_grid(grid: tuple[int, ...], price: int | None, offset_ticks: int) -> int | None:
    """A buy's limit: the highest grid price at or below `price`, `offset_ticks` steps higher."""
    if price is None:
        return None
    i = bisect_right(grid, price) - 1
    if i < 0:
        return None
    i += offset_ticks
    return grid[i if i < len(grid) else -1] if i >= 0 else None


def sell_on_grid(grid: tuple[int, ...], price: int | None, offset_ticks: int) -> int | None:
    """A sell's limit: the lowest grid price at or above `price`, `offset_ticks` steps lower."""
    if price is None:
        return None
    i = bisect_left(grid, price)
    if i == len(grid):
        return None
    i -= offset_ticks
    return grid[i if i >= 0 else 0] if i < len(grid) else None
