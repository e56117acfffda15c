"""Wire strings <-> integer units: strict parsing, exact round trips (hypothesis)."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from execution.kalshi.units import (
    PRICE_ONE,
    UnitsError,
    dollars_text,
    format_count,
    format_money,
    format_price,
    parse_count,
    parse_money,
    parse_price,
)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0.45", 4500),
        ("0.4500", 4500),
        ("0.450000", 4500),
        ("0.0001", 1),
        ("1.0000", PRICE_ONE),
        ("0.00", 0),
        ("0.123", 1230),
    ],
)
def test_it_parses_dollar_prices_with_2_to_6_decimals(text, value):
    assert parse_price(text) == value


@pytest.mark.parametrize(
    "text",
    [
        "0.5",  # one decimal
        "0.1234567",  # seven decimals
        "0.00005",  # finer than $0.0001
        "0.450001",
        "1.0001",  # above $1
        "-0.10",
        "45",
        ".45",
        "0.45 ",
        " 0.45",
        "+0.45",
        "0,45",
        "00.45",
        "0.4e1",
        "",
        "NaN",
    ],
)
def test_it_rejects_malformed_or_unrepresentable_prices(text):
    with pytest.raises(UnitsError):
        parse_price(text)


@pytest.mark.parametrize("value", [0.45, 45, None, b"0.45", ["0.45"]])
def test_it_rejects_prices_that_are_not_strings(value):
    with pytest.raises(UnitsError):
        parse_price(value)


@pytest.mark.parametrize(
    ("text", "value"), [("10", 1000), ("10.5", 1050), ("10.50", 1050), ("0.01", 1), ("0", 0)]
)
def test_it_parses_counts_with_0_to_2_decimals(text, value):
    assert parse_count(text) == value


@pytest.mark.parametrize("text", ["10.505", "1e3", "-1.00", "10.", ".5", "ten", "", "1_000"])
def test_it_rejects_malformed_counts(text):
    with pytest.raises(UnitsError):
        parse_count(text)


def test_signed_counts_accept_a_sign_only_when_asked():
    assert parse_count("-12.50", signed=True) == -1250
    with pytest.raises(UnitsError):
        parse_count("-12.50")


def test_money_keeps_six_decimals_and_its_sign():
    assert parse_money("0.009903") == 9903
    assert parse_money("-3.10") == -3_100_000
    assert format_money(9903) == "0.009903"
    assert format_money(4_500_000) == "4.5000"
    assert format_money(-100) == "-0.0001"


def test_dollars_text_is_for_people():
    assert dollars_text(4_500_000) == "$4.50"
    assert dollars_text(-310_000) == "-$0.31"
    assert dollars_text(75) == "$0.000075"


def test_format_price_refuses_values_off_the_dollar_range():
    with pytest.raises(UnitsError):
        format_price(PRICE_ONE + 1)
    with pytest.raises(UnitsError):
        format_price(-1)


@given(st.integers(min_value=0, max_value=PRICE_ONE))
def test_prices_round_trip(price):
    assert parse_price(format_price(price)) == price


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_counts_round_trip(count):
    assert parse_count(format_count(count), signed=True) == count


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_money_round_trips(micros):
    assert parse_money(format_money(micros)) == micros


@given(
    st.integers(min_value=0, max_value=1),
    st.text(alphabet="0123456789", min_size=2, max_size=6),
)
def test_any_valid_dollar_text_parses_to_the_exact_decimal_value(whole, frac):
    text = f"{whole}.{frac}"
    exact = (whole * 10**6 + int(frac.ljust(6, "0"))) // 100
    representable = int(frac.ljust(6, "0")) % 100 == 0 and exact <= PRICE_ONE
    if representable:
        assert parse_price(text) == exact
        assert parse_price(format_price(parse_price(text))) == exact
    else:
        with pytest.raises(UnitsError):
            parse_price(text)


@given(st.text(max_size=12))
def test_arbitrary_text_either_parses_or_raises_units_error(text):
    for parse in (parse_price, parse_money, parse_count):
        with contextlib.suppress(UnitsError):
            parse(text)
