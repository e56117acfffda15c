"""Kalshi's trade fees and the rounding that keeps balances whole cents (API.md §9, §15.13).

* Taker fee = 0.07 x C x P x (1 - P); maker fee = 0.0175 x C x P x (1 - P) on series with
  ``fee_type = quadratic_with_maker_fees`` (half the taker rate on combo fee types), none on
  ``quadratic``. The series ``fee_multiplier`` scales both. P is the YES trade price in dollars
  (the formula is symmetric in P and 1 - P), C the contracts.
* The trade fee is rounded **up** to $0.0001. The balance change ``revenue - fee`` is then floored
  to $0.01; the difference is a "rounding fee". A per-order accumulator of rounding fees refunds
  one cent whenever it exceeds $0.01 (docs: getting_started/fee_rounding).
"""

from __future__ import annotations

from typing import Final

from sandbox.engine.units import MICRO_PER_CENT, MICRO_PER_PRICE_UNIT, PRICE_ONE

FEE_TYPES: Final = ("quadratic", "quadratic_with_maker_fees", "quadratic_with_combo_maker_fees")
MULTIPLIER_ONE: Final = 10_000  # fee_multiplier in units of 0.0001 (10_000 = 1.0)

TAKER_RATE: Final = (7, 100)  # 0.07
_MAKER_RATES: Final = {
    "quadratic": (0, 1),
    "quadratic_with_maker_fees": (7, 400),  # 0.0175 = 0.25 x taker
    "quadratic_with_combo_maker_fees": (7, 200),  # 0.035 = 0.5 x taker
}
# count (1e-2) x price (1e-4) x (1 - price) (1e-4) x multiplier (1e-4), expressed in $0.0001 units.
_SCALE: Final = 10_000_000_000


def maker_rate(fee_type: str) -> tuple[int, int]:
    """The maker fee rate of a series fee type as a fraction (numerator, denominator)."""
    return _MAKER_RATES[fee_type]


def trade_fee(rate_num: int, rate_den: int, multiplier: int, count: int, yes_price: int) -> int:
    """Fee of one trade in micro-dollars, rounded up to $0.0001."""
    if rate_num == 0 or multiplier == 0:
        return 0
    numerator = rate_num * count * yes_price * (PRICE_ONE - yes_price) * multiplier
    units = -(-numerator // (rate_den * _SCALE))  # ceiling: Kalshi rounds the fee up
    return units * MICRO_PER_PRICE_UNIT


def fee_fraction(rate: tuple[int, int], multiplier: int) -> tuple[int, int]:
    """(num, den) such that trade_fee == ceil(num x count x p x (1 - p) / den) x $0.0001."""
    return rate[0] * multiplier, rate[1] * _SCALE


def fee_per_count_bound(rate_num: int, rate_den: int, multiplier: int, leg_price: int) -> int:
    """An upper bound, per hundredth of a contract, on the fee of any fill at a leg price <= `leg_price`.

    P(1 - P) grows towards $0.50, so the worst price in [0, leg] is min(leg, 0.50). Because every
    fill's fee is rounded up separately, the bound is the rounded-up fee of a single hundredth:
    ceil(c x f) <= c x ceil(f) for any fill of c hundredths.
    """
    worst = min(leg_price, PRICE_ONE // 2)
    return trade_fee(rate_num, rate_den, multiplier, 1, worst)


def balance_change(revenue: int, fee: int, accumulator: int) -> tuple[int, int, int]:
    """Kalshi's cent rounding of one fill: returns (balance delta, net fee, new accumulator).

    All in micro-dollars. `revenue` is signed (negative for what the member pays). The delta is
    floored to a cent; the rounding fee joins the order's accumulator, which refunds one cent
    when it exceeds $0.01, so it always stays within [0, $0.01].
    """
    change = revenue - fee
    floored = (change // MICRO_PER_CENT) * MICRO_PER_CENT  # floors towards -inf, as Kalshi does
    rounding = change - floored
    accumulator += rounding
    rebate = 0
    if accumulator > MICRO_PER_CENT:
        rebate = MICRO_PER_CENT
        accumulator -= MICRO_PER_CENT
    return floored + rebate, fee + rounding - rebate, accumulator
