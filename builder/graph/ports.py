"""Port types and the integer units their values are in (DESIGN §4)."""

from __future__ import annotations

from typing import Final

PRICE_ONE: Final = 10_000  # $1.00 in price units ($0.0001); a NO price is PRICE_ONE - YES price
COUNT_ONE: Final = 100  # one contract in count units (hundredths)

# Every value on a wire is one of these. Connections need an exact type match.
BOOL: Final = "bool"  # True / False, never null
NUMBER: Final = "number"  # a plain integer (a ratio, a number of orders, a multiplier)
PRICE: Final = "price"  # integer $0.0001 (4500 = 45¢); a difference of prices is a price too
COUNT: Final = "count"  # integer hundredths of a contract (1000 = 10 contracts)
DURATION: Final = "duration"  # integer seconds
MONEY: Final = "money"  # integer micro-dollars ($0.000001): a price times a count, exactly
MARKET: Final = "market"  # the ticker of the market being evaluated (null when it does not match)

PORT_TYPES: Final = (BOOL, NUMBER, PRICE, COUNT, DURATION, MONEY, MARKET)
NUMERIC: Final = (NUMBER, PRICE, COUNT, DURATION, MONEY)

# How the editor shows each type (and the unit of the integer it carries).
PORT_TYPE_INFO: Final[dict[str, dict[str, str]]] = {
    BOOL: {"title": "Yes/no", "unit": "", "description": "true or false; never null."},
    NUMBER: {"title": "Number", "unit": "", "description": "An integer."},
    PRICE: {
        "title": "Price",
        "unit": "$0.0001",
        "description": "Integer in $0.0001: 4500 = 45¢. A NO price is 10000 minus the YES price.",
    },
    COUNT: {
        "title": "Contracts",
        "unit": "0.01 contract",
        "description": "Integer in hundredths of a contract: 1000 = 10 contracts.",
    },
    DURATION: {"title": "Duration", "unit": "second", "description": "Integer seconds."},
    MONEY: {
        "title": "Money",
        "unit": "$0.000001",
        "description": "Integer micro-dollars: a price times a count, exactly (1,000,000 = $1).",
    },
    MARKET: {
        "title": "Market",
        "unit": "",
        "description": "The market being evaluated (its ticker). Wire it into every node that reads "
        "market data or trades.",
    },
}
