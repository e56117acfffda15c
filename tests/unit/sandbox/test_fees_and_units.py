"""Kalshi's fee formula and rounding (docs: fee_rounding), and the wire units."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sandbox.engine.fees import balance_change, fee_per_count_bound, maker_rate, trade_fee
from sandbox.engine.markets import PRICE_LEVEL_STRUCTURES, GridError, PriceGrid, PriceRange
from sandbox.engine.units import (
    UnitsError,
    format_count,
    format_money,
    format_price,
    parse_count,
    parse_money,
    parse_price,
)

TAKER = (7, 100)


def test_taker_fee_is_seven_percent_of_c_p_one_minus_p_rounded_up_to_a_centicent():
    assert trade_fee(*TAKER, 10_000, 1_000, 5_000) == 175_000  # $0.1750
    assert trade_fee(*TAKER, 10_000, 100, 5_500) == 17_400  # $0.017325 -> $0.0174
    assert trade_fee(*TAKER, 10_000, 3, 3_301) == 500  # 0.03 x $0.3301 -> $0.0005 (docs)
    assert trade_fee(*maker_rate("quadratic_with_maker_fees"), 10_000, 10_000, 5_000) == 437_500
    assert trade_fee(*maker_rate("quadratic"), 10_000, 10_000, 5_000) == 0


def test_the_docs_combined_example_rounds_and_rebates_per_order():
    # Buy 0.09 at $0.3301 as three 0.03 fills; trade fee $0.0005 each (fee_rounding docs).
    accumulator = 0
    rows = []
    for _ in range(3):
        delta, net_fee, accumulator = balance_change(-3 * 3_301, 500, accumulator)
        rows.append((delta, net_fee, accumulator))
    assert rows == [(-20_000, 10_097, 9_597), (-10_000, 97, 9_194), (-10_000, 97, 8_791)]


def test_the_docs_subpenny_example_rebates_on_the_second_fill():
    accumulator = 0
    deltas = []
    for _ in range(3):
        delta, _, accumulator = balance_change(-55_000, 8_500, accumulator)
        deltas.append(delta)
    assert deltas == [-70_000, -60_000, -70_000]  # the 2nd fill's $0.01 rebate


@given(
    st.integers(1, 100_000),
    st.integers(1, 9_999),
    st.integers(0, 10_000),
    st.integers(-(10**9), 10**9),
)
def test_balance_changes_are_whole_cents_and_never_undercharge(count, price, accumulator_seed, revenue):
    accumulator = accumulator_seed  # any value in [0, 1 cent]
    fee = trade_fee(*TAKER, 10_000, count, price)
    delta, net_fee, new_accumulator = balance_change(revenue, fee, accumulator)
    assert delta % 10_000 == 0
    assert 0 <= new_accumulator <= 10_000
    assert delta == revenue - net_fee  # what is not credited is the net fee
    assert net_fee - fee == new_accumulator - accumulator  # rounding paid = accumulator growth


@given(st.integers(1, 100_000), st.integers(1, 9_999), st.integers(0, 20_000))
def test_the_per_count_fee_bound_covers_any_fill_at_or_below_the_leg_price(count, leg, multiplier):
    bound = fee_per_count_bound(*TAKER, multiplier, leg)
    for price in (1, leg // 2 or 1, leg, min(leg, 5_000)):
        assert trade_fee(*TAKER, multiplier, count, price) <= count * bound


def test_prices_parse_strictly_from_dollar_strings():
    assert parse_price("0.56") == 5_600
    assert parse_price("0.5600") == 5_600
    assert parse_price("0.0550") == 550
    for bad in ("0.5", "0.56001", ".56", "56", "-0.56", "0,56", 0.56, None, "0.56 "):
        with pytest.raises(UnitsError):
            parse_price(bad)


def test_counts_parse_with_zero_to_two_decimals():
    assert parse_count("10") == 1_000
    assert parse_count("10.5") == 1_050
    assert parse_count("0.01") == 1
    for bad in ("10.001", "-1", "1e3", 10, "", "ten"):
        with pytest.raises(UnitsError):
            parse_count(bad)


def test_formats_use_four_decimals_for_prices_two_for_counts_and_up_to_six_for_money():
    assert format_price(5_600) == "0.5600"
    assert format_price(10_000) == "1.0000"
    assert format_count(1_050) == "10.50"
    assert format_count(-400) == "-4.00"
    assert format_money(175_000) == "0.1750"
    assert format_money(9_903) == "0.009903"
    assert format_money(9_910) == "0.00991"
    assert format_money(-20_000) == "-0.0200"
    assert parse_money("1000") == 1_000_000_000


@given(st.integers(0, 10**11 - 1), st.integers(0, 10**15))
def test_money_and_counts_round_trip(count, money):
    assert parse_count(format_count(count)) == count
    assert parse_money(format_money(money)) == money


def test_price_grids_come_from_price_ranges():
    tapered = PriceGrid(PRICE_LEVEL_STRUCTURES["tapered_deci_cent"])
    assert tapered.is_valid(10)
    assert tapered.is_valid(990)
    assert tapered.is_valid(1_000)
    assert not tapered.is_valid(1_010)
    assert tapered.is_valid(1_100)
    assert not tapered.is_valid(0)
    assert not tapered.is_valid(10_000)
    fine = PriceGrid(PRICE_LEVEL_STRUCTURES["center_deci_edge_centi_cent"])
    assert fine.is_valid(1)
    assert fine.is_valid(9_999)
    assert not fine.is_valid(105)
    with pytest.raises(GridError):
        PriceGrid((PriceRange(0, 10_000, 0),))
    with pytest.raises(GridError):
        PriceGrid(())
