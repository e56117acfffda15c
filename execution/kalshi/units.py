"""Wire strings <-> integer units (DESIGN §4). Floats never touch money.

* price: int in $0.0001 (`4500` = 45¢), the YES price unless a name says otherwise;
* count: int in hundredths of a contract (`1000` = 10 contracts); positions and deltas are signed;
* money: int in micro-dollars ($0.000001): costs, fees, P&L and balances, which Kalshi sends with
  up to 6 decimals (API.md §3). A price times a count is exactly micro-dollars.

Parsing is strict: a malformed or unrepresentable value raises `UnitsError`, never a silent zero.
"""

from __future__ import annotations

import re
from typing import Final

PRICE_ONE: Final = 10_000  # $1.00 in price units
COUNT_ONE: Final = 100  # one contract in count units
MICROS_PER_DOLLAR: Final = 1_000_000
MICROS_PER_CENT: Final = 10_000
MICROS_PER_PRICE_UNIT: Final = 100

# Dollars: 2 to 6 decimals (requests use 2-4, responses 4 and up to 6; §15.7 says accept 2-6).
_DOLLARS_RE: Final = re.compile(r"^(-?)(0|[1-9][0-9]{0,11})\.([0-9]{2,6})$")
# Counts: 0 to 2 decimals.
_COUNT_RE: Final = re.compile(r"^(-?)(0|[1-9][0-9]{0,11})(?:\.([0-9]{1,2}))?$")


class UnitsError(ValueError):
    """A wire value that is not a valid fixed-point string for its unit."""


def _dollar_parts(text: object, what: str) -> tuple[bool, int, str]:
    if type(text) is not str:
        raise UnitsError(f"{what} must be a fixed-point dollar string such as '0.5600', got {text!r}")
    match = _DOLLARS_RE.match(text)
    if match is None:
        raise UnitsError(f"{what} {text!r} is not a dollar string with 2 to 6 decimals")
    sign, whole, frac = match.groups()
    return sign == "-", int(whole), frac


def parse_price(text: object, what: str = "price") -> int:
    """`"0.5600"` -> 5600. Digits below $0.0001 must be zero; the value lies in [0, 1]."""
    negative, whole, frac = _dollar_parts(text, what)
    if frac[4:].strip("0"):
        raise UnitsError(f"{what} {text!r} is finer than $0.0001 and cannot be represented")
    value = whole * PRICE_ONE + int(frac[:4].ljust(4, "0"))
    if negative and value:
        raise UnitsError(f"{what} {text!r} is negative")
    if value > PRICE_ONE:
        raise UnitsError(f"{what} {text!r} is above $1.00")
    return value


def parse_money(text: object, what: str = "amount") -> int:
    """`"-12.345678"` -> -12345678 micro-dollars (signed; 2 to 6 decimals)."""
    negative, whole, frac = _dollar_parts(text, what)
    value = whole * MICROS_PER_DOLLAR + int(frac.ljust(6, "0"))
    return -value if negative else value


def parse_count(text: object, what: str = "count", *, signed: bool = False) -> int:
    """`"10"`, `"10.5"`, `"10.50"` -> 1050. Negative only when `signed` (positions, deltas)."""
    if type(text) is not str:
        raise UnitsError(f"{what} must be a fixed-point count string such as '10.00', got {text!r}")
    match = _COUNT_RE.match(text)
    if match is None:
        raise UnitsError(f"{what} {text!r} is not a contract count with at most 2 decimals")
    sign, whole, frac = match.groups()
    value = int(whole) * COUNT_ONE + int((frac or "").ljust(2, "0"))
    if sign and value and not signed:
        raise UnitsError(f"{what} {text!r} is negative")
    return -value if sign else value


def format_price(price: int) -> str:
    """5600 -> `"0.5600"` (4 decimals, as Kalshi emits and accepts)."""
    if not 0 <= price <= PRICE_ONE:
        raise UnitsError(f"price {price} is outside [0, {PRICE_ONE}]")
    return f"{price // PRICE_ONE}.{price % PRICE_ONE:04d}"


def format_count(count: int) -> str:
    """1050 -> `"10.50"`; negative counts keep their sign."""
    if count < 0:
        return "-" + format_count(-count)
    return f"{count // COUNT_ONE}.{count % COUNT_ONE:02d}"


def format_money(micros: int) -> str:
    """Micro-dollars -> dollars with 4 decimals, or 6 when the value needs them."""
    if micros < 0:
        return "-" + format_money(-micros)
    whole, frac = divmod(micros, MICROS_PER_DOLLAR)
    if frac % MICROS_PER_PRICE_UNIT:
        return f"{whole}.{frac:06d}"
    return f"{whole}.{frac // MICROS_PER_PRICE_UNIT:04d}"


def dollars_text(micros: int) -> str:
    """Micro-dollars for people: `$4.50`, `-$0.0075` (cents unless finer digits matter)."""
    sign = "-" if micros < 0 else ""
    micros = abs(micros)
    if micros % MICROS_PER_CENT == 0:
        return f"{sign}${micros // MICROS_PER_DOLLAR}.{(micros % MICROS_PER_DOLLAR) // MICROS_PER_CENT:02d}"
    return f"{sign}${format_money(micros)}"


def no_price(yes_price: int) -> int:
    """The NO leg of a YES price (a YES bid at p is a NO ask at 1 - p)."""
    return PRICE_ONE - yes_price


def order_cost(price: int, count: int) -> int:
    """Micro-dollars a count costs at a leg price (price units x hundredths = micro-dollars)."""
    return price * count
