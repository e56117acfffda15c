"""The price grid: passive rounding, ticks, depth, on whole-cent and sub-penny grids."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from builder.graph.catalog.orders import _BOOK_CODE
from builder.graph.grid import leg_grid, move_ticks, snap, yes_grid
from builder.graph.prices import book_field, buy_on_grid, depth_within, order_price, sell_on_grid
from tests.unit.builder.helpers import market

TAPERED = ((0, 1000, 10), (1000, 9000, 100), (9000, 10000, 10))


def test_the_linear_cent_grid_is_1_to_99_cents():
    grid = yes_grid(((0, 10000, 100),))
    assert grid[0] == 100
    assert grid[-1] == 9900
    assert len(grid) == 99


def test_a_tapered_grid_has_fine_ticks_at_the_edges():
    grid = yes_grid(TAPERED)
    assert grid[:3] == (10, 20, 30)
    assert 1000 in grid
    assert 1010 not in grid
    assert 9990 in grid
    assert leg_grid(TAPERED, "no") == tuple(sorted(10000 - p for p in grid))


@pytest.mark.parametrize(
    ("price", "up", "expected"),
    [(4550, False, 4500), (4550, True, 4600), (4500, True, 4500), (50, False, None), (9950, True, None)],
)
def test_snap(price, up, expected):
    assert snap(yes_grid(((0, 10000, 100),)), price, up=up) == expected


def test_move_ticks_stays_on_the_grid():
    grid = yes_grid(TAPERED)
    assert move_ticks(grid, 1000, -1) == 990
    assert move_ticks(grid, 1000, 1) == 1100
    assert move_ticks(grid, 10, -1) is None


def test_join_and_cross_read_the_right_side_of_the_book():
    m = market()  # YES 45 bid, 47 ask; NO 53 bid, 55 ask
    assert order_price(m, "yes", True, "join", 0, None) == 4500
    assert order_price(m, "yes", True, "cross", 0, None) == 4700
    assert order_price(m, "yes", False, "join", 0, None) == 4700
    assert order_price(m, "yes", False, "cross", 0, None) == 4500
    assert order_price(m, "no", True, "join", 0, None) == 5300
    assert order_price(m, "no", True, "cross", 0, None) == 5500
    assert order_price(m, "no", False, "cross", 0, None) == 5300


def test_a_positive_offset_is_more_aggressive_for_buys_and_sells():
    m = market()
    assert order_price(m, "yes", True, "join", 1, None) == 4600
    assert order_price(m, "yes", False, "join", 1, None) == 4600
    assert order_price(m, "yes", True, "join", -2, None) == 4300
    assert order_price(m, "no", False, "join", -1, None) == 5600


def test_input_prices_are_rounded_passively():
    m = market()
    assert order_price(m, "yes", True, "input", 0, 4567) == 4500  # a buy never pays more
    assert order_price(m, "yes", False, "input", 0, 4501) == 4600  # a sell never takes less
    assert order_price(m, "yes", True, "input", 0, 12_000) == 9900  # the most a buy can bid
    assert order_price(m, "yes", True, "input", 0, 99) is None  # below the grid: no order
    assert order_price(m, "yes", False, "input", 0, -5) == 100
    assert order_price(m, "yes", False, "input", 0, 9901) is None


def test_an_aggressive_offset_stops_at_the_end_of_the_grid_and_a_passive_one_falls_off_it():
    m = market(yes_bids=((9800, 100),), no_bids=((100, 100),))
    assert order_price(m, "yes", True, "join", 5, None) == 9900
    assert order_price(m, "no", True, "join", -1, None) is None


def test_no_price_without_a_book():
    m = market(yes_bids=(), no_bids=())
    assert order_price(m, "yes", True, "join", 0, None) is None
    assert order_price(m, "yes", True, "cross", 0, None) is None


def test_sub_penny_grids_round_to_their_own_ticks():
    m = market(price_ranges=TAPERED, yes_bids=((955, 100),), no_bids=((9020, 100),))
    assert order_price(m, "yes", True, "join", 1, None) == 960
    assert order_price(m, "yes", True, "input", 0, 1055) == 1000
    assert order_price(m, "no", True, "join", 1, None) == 9030


def test_depth_counts_levels_within_n_ticks():
    m = market(yes_bids=((4500, 1000), (4400, 2000), (4200, 50)), no_bids=((5300, 500), (5200, 700)))
    assert depth_within(m, "yes", "bid", 0) == 1000
    assert depth_within(m, "yes", "bid", 1) == 3000
    assert depth_within(m, "yes", "bid", 3) == 3050
    assert depth_within(m, "yes", "ask", 1) == 1200  # YES asks are the NO bids
    assert depth_within(m, "no", "ask", 0) == 1000
    assert depth_within(market(yes_bids=()), "yes", "bid", 5) == 0


@given(
    price=st.integers(-20_000, 20_000),
    offset=st.integers(-100, 100),
    side=st.sampled_from(["yes", "no"]),
    buy=st.booleans(),
    ranges=st.sampled_from([((0, 10000, 100),), TAPERED, ((0, 10000, 1),)]),
)
def test_order_prices_are_on_the_grid_and_never_more_aggressive_than_asked(price, offset, side, buy, ranges):
    m = market(price_ranges=ranges)
    result = order_price(m, side, buy, "input", offset, price)
    if result is None:
        return
    assert result in leg_grid(ranges, side)
    if offset <= 0:
        assert result <= price if buy else result >= price


def test_a_grid_without_tradable_prices_gives_no_price_and_no_crash():
    m = market(price_ranges=((0, 10000, 10000),))  # only $0 and $1: nothing can trade
    assert yes_grid(m.price_ranges) == ()
    assert order_price(m, "yes", True, "input", 0, 4500) is None
    assert order_price(m, "no", False, "join", 3, None) is None
    assert depth_within(m, "yes", "bid", 2) == 1000  # the book itself is still counted


def test_generated_order_prices_read_the_same_book_field_as_order_price():
    # Plans choose the book field when compiling (orders._BOOK_CODE); order_price at run time.
    for side in ("yes", "no"):
        for buy in (True, False):
            for price_from in ("join", "cross"):
                takes_bid = buy == (price_from == "join")
                assert _BOOK_CODE[(side, takes_bid)] == f"m.{book_field(side, buy, price_from)}"


def _reference(grid: tuple[int, ...], price: int | None, offset: int, buy: bool) -> int | None:
    # Round passively (snap), then step `offset` ticks more aggressive: past the aggressive end
    # of the grid stops there, past the passive end is no price.
    base = None if price is None else snap(grid, price, up=not buy)
    if base is None:
        return None
    i = grid.index(base) + (offset if buy else -offset)
    if buy:
        return None if i < 0 else grid[min(i, len(grid) - 1)]
    return None if i >= len(grid) else grid[max(i, 0)]


@given(
    st.one_of(st.none(), st.integers(-100, 10_100)),
    st.integers(-5, 5),
    st.sampled_from([((0, 10000, 100),), TAPERED, ((4000, 6000, 500),)]),
)
def test_grid_rounding_of_wired_prices(price, offset, ranges):
    m = market(price_ranges=ranges)
    for side in ("yes", "no"):
        grid = m.yes_grid if side == "yes" else m.no_grid
        for buy, rounding in ((True, buy_on_grid), (False, sell_on_grid)):
            expected = _reference(grid, price, offset, buy)
            assert rounding(grid, price, offset) == expected
            assert order_price(m, side, buy, "input", offset, price) == expected
