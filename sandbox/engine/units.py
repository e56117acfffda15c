"""Integer units of the sandbox and the wire strings Kalshi uses for them.

Inside the engine (DESIGN §4):
* a price is an int in units of $0.0001 (``4500`` = 45¢), always the YES price unless named ``leg``;
* a count is an int in hundredths of a contract (``1000`` = 10 contracts);
* money is an int in micro-dollars ($0.000001). A price times a count is exactly micro-dollars
  (1e-4 $ x 1e-2 contract), so fills, fees and payouts never need a float or a Decimal.

Requests are parsed strictly (API.md §3: dollars with 2-4 decimals, counts with 0-2 decimals);
responses always use 4 decimals for prices, 2 for counts, and 4 to 6 for money.
"""

from __future__ import annotations

import re
from typing import Final

PRICE_ONE: Final = 10_000  # $1.00 in price units
COUNT_ONE: Final = 100  # one contract in count units
MICRO_PER_DOLLAR: Final = 1_000_000
MICRO_PER_CENT: Final = 10_000
# $0.0001 = 100 micro-dollars (used for fees, which Kalshi rounds to $0.0001)
MICRO_PER_PRICE_UNIT: Final = 100

_DOLLARS_RE: Final = re.compile(r"^(\d{1,9})\.(\d{2,4})$")
_COUNT_RE: Final = re.compile(r"^(\d{1,9})(?:\.(\d{1,2}))?$")
_ADMIN_DOLLARS_RE: Final = re.compile(r"^(\d{1,12})(?:\.(\d{1,6}))?$")


class UnitsError(ValueError):
    """A wire string that is not a valid fixed-point value."""


def parse_price(text: object) -> int:
    """`"0.5600"` -> 5600. Strict: a string with 2 to 4 decimals (API.md §3)."""
    if type(text) is not str:
        raise UnitsError('price must be a fixed-point dollar string such as "0.5600"')
    match = _DOLLARS_RE.match(text)
    if match is None:
        raise UnitsError(f"price {text!r} is not a dollar string with 2 to 4 decimals")
    whole, frac = match.groups()
    return int(whole) * PRICE_ONE + int(frac.ljust(4, "0"))


def parse_count(text: object) -> int:
    """`"10"`, `"10.5"`, `"10.50"` -> 1050. Strict: a string with 0 to 2 decimals."""
    if type(text) is not str:
        raise UnitsError('count must be a fixed-point string such as "10.00"')
    match = _COUNT_RE.match(text)
    if match is None:
        raise UnitsError(f"count {text!r} is not a contract count with at most 2 decimals")
    whole, frac = match.groups()
    return int(whole) * COUNT_ONE + int((frac or "").ljust(2, "0"))


def parse_money(text: object) -> int:
    """`"1000"` or `"12.345678"` (dollars, up to 6 decimals) -> micro-dollars; for admin inputs."""
    if type(text) is not str:
        raise UnitsError('amount must be a dollar string such as "1000.00"')
    match = _ADMIN_DOLLARS_RE.match(text)
    if match is None:
        raise UnitsError(f"amount {text!r} is not a dollar string with at most 6 decimals")
    whole, frac = match.groups()
    return int(whole) * MICRO_PER_DOLLAR + int((frac or "").ljust(6, "0"))


def format_price(price: int) -> str:
    """5600 -> `"0.5600"`."""
    return "%d.%04d" % divmod(price, PRICE_ONE)


def format_count(count: int) -> str:
    """1050 -> `"10.50"`; negative counts keep their sign (signed positions)."""
    if count < 0:
        return "-" + format_count(-count)
    return "%d.%02d" % divmod(count, COUNT_ONE)


def format_money(micro: int) -> str:
    """Micro-dollars -> dollars with 4 decimals, or up to 6 when the value needs them (API.md §3)."""
    if micro < 0:
        return "-" + format_money(-micro)
    whole, frac = divmod(micro, MICRO_PER_DOLLAR)
    if frac % 100 == 0:
        return "%d.%04d" % (whole, frac // 100)
    text = "%06d" % frac
    return f"{whole}.{text[:5] if text[5] == '0' else text}"


def round_half_up_div(numerator: int, denominator: int) -> int:
    """Integer division rounded half up (for non-negative averages reported to clients)."""
    return (2 * numerator + denominator) // (2 * denominator)
