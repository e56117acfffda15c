"""How an order price is chosen and rounded on the market's grid, and depth in ticks.

Kalshi rejects prices off the grid (API.md §3), and the grid is not always whole cents, so every
price an action sends comes through `order_price`: it is rounded in the passive direction (a bid
down, an ask up), never made more aggressive than the graph asked for, and None when no valid
price exists on that side.
"""

from __future__ import annotations

from bisect import bisect_left
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
    """
    if price_from != "input":
        bid = market.yes_bid if side == "yes" else market.no_bid
        ask = market.yes_ask if side == "yes" else market.no_ask
        price = (bid if buy else ask) if price_from == "join" else (ask if buy else bid)
    grid = market.yes_grid if side == "yes" else market.no_grid
    if price is None or not grid:
        return None
    # Round passively first: a buy never pays more, a sell never accepts less, than asked.
    base = snap(grid, min(price, grid[-1]), up=False) if buy else snap(grid, max(price, grid[0]), up=True)
    if base is None:
        return None
    if offset_ticks == 0:
        return base
    i = bisect_left(grid, base) + (offset_ticks if buy else -offset_ticks)
    # More aggressive than the grid allows stops at the grid's end; more passive than it is none.
    if buy:
        return grid[min(i, len(grid) - 1)] if i >= 0 else None
    return grid[max(i, 0)] if i < len(grid) else None
