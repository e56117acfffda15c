"""A market's price grid from its `price_ranges` (API.md §3): the tradable prices and ticks.

Kept apart from `prices.py` so the snapshot (`events.py`) can hold its grids, computed once per
snapshot rather than looked up on every order price.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from functools import lru_cache

from builder.graph.ports import PRICE_ONE

PriceRange = tuple[int, int, int]  # (start, end, step) in YES price units, from Market.price_ranges


@lru_cache(maxsize=64)
def yes_grid(ranges: tuple[PriceRange, ...]) -> tuple[int, ...]:
    """Every tradable YES price of a grid, ascending ($0 and $1 never trade)."""
    prices: set[int] = set()
    for start, end, step in ranges:
        prices.update(p for p in range(start, end + 1, step) if 0 < p < PRICE_ONE)
    return tuple(sorted(prices))


@lru_cache(maxsize=64)
def leg_grid(ranges: tuple[PriceRange, ...], side: str) -> tuple[int, ...]:
    """Every tradable price of one leg ("yes" or "no"), ascending, in that leg's terms."""
    grid = yes_grid(ranges)
    return grid if side == "yes" else tuple(PRICE_ONE - p for p in reversed(grid))


def snap(grid: tuple[int, ...], price: int, *, up: bool) -> int | None:
    """The nearest grid price at or above (`up`) / at or below `price`, None past the grid's end."""
    if up:
        i = bisect_left(grid, price)
        return grid[i] if i < len(grid) else None
    i = bisect_right(grid, price)
    return grid[i - 1] if i else None


def move_ticks(grid: tuple[int, ...], price: int, ticks: int) -> int | None:
    """`price` (on the grid) moved `ticks` grid steps up (positive) or down, None off the grid."""
    i = bisect_left(grid, price) + ticks
    return grid[i] if 0 <= i < len(grid) else None
