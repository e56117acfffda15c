"""Accounts, netted positions and the collateral rule that keeps every balance non-negative.

Collateral rule (API.md §15.12, documented in sandbox/README.md): ``cash`` is what the member
owns; ``available = cash - reserved`` is the balance the API reports. For each market the
reservation is

    sum over live orders of (remaining x fee bound + one cent for the rounding accumulator)
    + for each side, the cost at their limit prices of the contracts that would OPEN a position
      if every order of that side filled: the highest-priority contracts up to the opposite
      position only close it (they pay out, never cost), the rest open.

This is the worst-case cash a member can lose from the current state through any sequence of
fills, and each fill lowers it by at least that fill's cash outflow, so an order is accepted only
if ``available`` stays >= 0 with it included, and then no fill can drive it below zero.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from typing import Final

from sandbox.engine.book import Order
from sandbox.engine.events import FillRecord, SettlementRecord
from sandbox.engine.units import MICRO_PER_CENT, PRICE_ONE

ROUNDING_PAD: Final = MICRO_PER_CENT  # the accumulator never exceeds one cent (fees.balance_change)


class Exposure:
    """One account in one market: netted position, its P&L, and what its live orders reserve."""

    __slots__ = (
        "account",
        "cost",
        "costs",
        "counts",
        "fee_reserve",
        "fees_paid",
        "levels",
        "live_orders",
        "position",
        "prices",
        "realized",
        "reserved",
        "settled",
        "ticker",
        "traded",
        "updated_ms",
        "volume",
    )

    def __init__(self, account: Account, ticker: str) -> None:
        self.account = account
        self.ticker = ticker
        self.position = 0  # signed count: > 0 YES, < 0 NO (netted, API.md §9)
        self.cost = 0  # micro-dollars paid for the contracts currently held (average cost)
        self.realized = 0  # realized P&L, micro-dollars, before fees
        self.fees_paid = 0
        self.traded = 0  # micro-dollars of legs bought
        self.volume = 0  # contracts traded (count units)
        self.updated_ms = 0
        self.settled = False
        # Own live orders per side (0 = YES bids, 1 = NO bids): leg price -> remaining count,
        # and those prices kept sorted (ascending) so the closing cost needs no sort.
        self.levels: tuple[dict[int, int], dict[int, int]] = ({}, {})
        self.prices: tuple[list[int], list[int]] = ([], [])
        self.counts = [0, 0]  # remaining count per side
        self.costs = [0, 0]  # sum of remaining x leg price per side, micro-dollars
        self.fee_reserve = 0  # sum of remaining x fee bound + rounding pads, micro-dollars
        self.live_orders = 0
        self.reserved = 0  # cached reservation(), micro-dollars


class Account:
    """A member: cash, reservations, positions and the indexes the REST reads need."""

    __slots__ = (
        "account_id",
        "cash",
        "client_order_ids",
        "deposited",
        "exposures",
        "fills",
        "orders",
        "reserved",
        "settlements",
    )

    def __init__(self, account_id: str) -> None:
        self.account_id = account_id
        self.cash = 0  # micro-dollars, always whole cents
        self.reserved = 0
        self.deposited = 0
        self.exposures: dict[str, Exposure] = {}
        self.client_order_ids: dict[str, str] = {}  # client_order_id -> order_id, never reused
        self.orders: list[Order] = []
        self.fills: list[FillRecord] = []
        self.settlements: list[SettlementRecord] = []

    @property
    def available(self) -> int:
        """Cash not reserved by live orders (the API's `balance`), micro-dollars."""
        return self.cash - self.reserved

    def exposure(self, ticker: str) -> Exposure:
        """The account's exposure in a market, created on first use."""
        exposure = self.exposures.get(ticker)
        if exposure is None:
            exposure = self.exposures[ticker] = Exposure(self, ticker)
        return exposure


def _opening_cost(exposure: Exposure, side: int, closable: int) -> int:
    """Cost, at their limit prices, of the contracts of one side beyond its `closable`
    highest-priority ones (highest leg price first): the part of that side that would open.

    Equal to the side's total cost minus the cost of its `closable` best contracts, and also to
    the cost of its worst (count - closable) contracts; the sum is taken from whichever end has
    fewer contracts to walk over (this runs on every refresh of a two-sided account).
    """
    count = exposure.counts[side]
    if closable >= count:
        return 0
    levels = exposure.levels[side]
    opening = count - closable
    cost = 0
    if opening <= closable:  # walk the worst prices up to `opening` contracts
        for price in exposure.prices[side]:
            size = levels[price]
            if size >= opening:
                return cost + opening * price
            cost += size * price
            opening -= size
        return cost
    for price in reversed(exposure.prices[side]):  # walk the best prices down to `closable`
        size = levels[price]
        if size >= closable:
            return exposure.costs[side] - cost - closable * price
        cost += size * price
        closable -= size
    return exposure.costs[side] - cost


def reservation(exposure: Exposure) -> int:
    """What the live orders of one account in one market reserve (module docstring)."""
    position = exposure.position
    costs = exposure.costs
    if position < 0:  # YES bids first close the NO position
        return exposure.fee_reserve + _opening_cost(exposure, 0, -position) + costs[1]
    if position > 0:  # NO bids first close the YES position
        return exposure.fee_reserve + costs[0] + _opening_cost(exposure, 1, position)
    return exposure.fee_reserve + costs[0] + costs[1]


def refresh(exposure: Exposure) -> None:
    """Recompute the exposure's reservation and carry the change to its account."""
    new = reservation(exposure)
    exposure.account.reserved += new - exposure.reserved
    exposure.reserved = new


def track_and_reserve(exposure: Exposure, order: Order) -> None:
    """`track` then `refresh`, without recomputing when the order cannot close the position.

    An order on the side that does not close the current position adds exactly its own cost,
    fee bound and rounding pad to the reservation (the module rule), so the sum is updated
    directly; the hot path of every new resting order (`track` is inlined for the same reason).
    """
    count = order.remaining
    side = order.side
    leg = order.leg
    levels = exposure.levels[side]
    size = levels.get(leg)
    if size is None:
        levels[leg] = count
        insort(exposure.prices[side], leg)
    else:
        levels[leg] = size + count
    exposure.counts[side] += count
    exposure.costs[side] += count * leg
    own = count * order.fee_bound + ROUNDING_PAD - order.accumulator
    exposure.fee_reserve += own
    exposure.live_orders += 1
    position = exposure.position
    if (position >= 0) if side == 0 else (position <= 0):
        added = count * leg + own
        exposure.reserved += added
        exposure.account.reserved += added
    else:
        refresh(exposure)


def track(exposure: Exposure, order: Order) -> None:
    """Start reserving for a live order (its remaining count, fee bound and rounding pad)."""
    count = order.remaining
    side = order.side
    levels = exposure.levels[side]
    leg = order.leg
    size = levels.get(leg)
    if size is None:
        levels[leg] = count
        insort(exposure.prices[side], leg)
    else:
        levels[leg] = size + count
    exposure.counts[side] += count
    exposure.costs[side] += count * order.leg
    exposure.fee_reserve += count * order.fee_bound + ROUNDING_PAD - order.accumulator
    exposure.live_orders += 1


def shrink(exposure: Exposure, order: Order, count: int) -> None:
    """A live order lost `count` of its remaining (fill, decrease, cancel)."""
    side = order.side
    levels = exposure.levels[side]
    leg = order.leg
    left = levels[leg] - count
    if left:
        levels[leg] = left
    else:
        del levels[leg]
        prices = exposure.prices[side]
        del prices[bisect_left(prices, leg)]
    exposure.counts[side] -= count
    exposure.costs[side] -= count * order.leg
    exposure.fee_reserve -= count * order.fee_bound


def cancel_and_release(exposure: Exposure, order: Order) -> None:
    """`shrink` the whole remaining, `untrack`, then `refresh`, directly when the order's side does
    not close the position (it then reserved exactly its own cost, fee bound and pad). The hot
    path of every cancel, so `shrink` and `untrack` are inlined."""
    count = order.remaining
    side = order.side
    leg = order.leg
    levels = exposure.levels[side]
    left = levels[leg] - count
    if left:
        levels[leg] = left
    else:
        del levels[leg]
        prices = exposure.prices[side]
        del prices[bisect_left(prices, leg)]
    exposure.counts[side] -= count
    exposure.costs[side] -= count * leg
    own = count * order.fee_bound + ROUNDING_PAD - order.accumulator
    exposure.fee_reserve -= own
    exposure.live_orders -= 1
    position = exposure.position
    if (position >= 0) if side == 0 else (position <= 0):
        released = count * leg + own
        exposure.reserved -= released
        exposure.account.reserved -= released
    else:
        refresh(exposure)


def untrack(exposure: Exposure, order: Order) -> None:
    """Stop reserving for an order that is done (its remaining must already be shrunk to zero)."""
    exposure.fee_reserve -= ROUNDING_PAD - order.accumulator
    exposure.live_orders -= 1


def set_fee_bound(exposure: Exposure, order: Order, fee_bound: int) -> None:
    """Change the fee reserved per count unit of a live order (a taker that starts resting)."""
    exposure.fee_reserve += order.remaining * (fee_bound - order.fee_bound)
    order.fee_bound = fee_bound


def fill(exposure: Exposure, order: Order, count: int, leg_price: int, fee: int, ts_ms: int) -> int:
    """Book one fill of `order` for its owner; returns the net fee charged (micro-dollars).

    The order's live count shrinks by `count` here (as `shrink` does; inlined, as this runs twice
    per trade). Buying `count` of the order's leg at `leg_price` first closes any opposite position
    (each closed pair pays out $1), then opens. Cash moves by Kalshi's cent-floored balance change.
    The caller updates the order's own counters (remaining, filled).
    """
    side = order.side
    leg = order.leg
    levels = exposure.levels[side]
    left = levels[leg] - count
    if left:
        levels[leg] = left
    else:
        del levels[leg]
        prices = exposure.prices[side]
        del prices[bisect_left(prices, leg)]
    exposure.counts[side] -= count
    exposure.costs[side] -= count * leg
    position = exposure.position
    opposite = -position if side == 0 else position
    closing = count if opposite >= count else max(opposite, 0)
    # fees.balance_change, inlined (hot path): floor to a cent, accumulate the rounding, rebate
    # one cent once the accumulator exceeds a cent.
    change = closing * PRICE_ONE - count * leg_price - fee
    floored = change // MICRO_PER_CENT * MICRO_PER_CENT
    rounding = change - floored
    accumulator = order.accumulator + rounding
    if accumulator > MICRO_PER_CENT:
        accumulator -= MICRO_PER_CENT
        floored += MICRO_PER_CENT
        rounding -= MICRO_PER_CENT
    net_fee = fee + rounding
    exposure.fee_reserve -= count * order.fee_bound + accumulator - order.accumulator
    order.accumulator = accumulator
    exposure.account.cash += floored
    if closing:
        removed = exposure.cost if closing == opposite else exposure.cost * closing // opposite
        exposure.cost -= removed
        exposure.realized += closing * (PRICE_ONE - leg_price) - removed
    exposure.cost += (count - closing) * leg_price
    exposure.position = position + count if side == 0 else position - count
    exposure.fees_paid += net_fee
    exposure.traded += count * leg_price
    exposure.volume += count
    exposure.updated_ms = ts_ms
    return net_fee


def settle(exposure: Exposure, yes_value: int) -> tuple[int, int]:
    """Pay out a settled position: returns (cash credited, settlement rounding fee), micro-dollars.

    YES contracts pay `yes_value` each, NO contracts $1 - `yes_value`; the payout is floored to a
    cent and the remainder is the settlement fee (docs: fee_rounding, "Settlement Rounding").
    """
    position = exposure.position
    payout = position * yes_value if position > 0 else -position * (PRICE_ONE - yes_value)
    credited = payout // MICRO_PER_CENT * MICRO_PER_CENT
    exposure.account.cash += credited
    exposure.settled = True
    return credited, payout - credited
