"""A series' fee change applies to its existing markets (Kalshi: GET /series/fee_changes, API.md §9)."""

from __future__ import annotations

from sandbox.engine import book as bk
from sandbox.engine import errors
from sandbox.engine.commands import SetSeriesFees
from sandbox.engine.events import FillRecord
from sandbox.engine.journal import decode, encode, replay, state_hash
from sandbox.engine.units import MICRO_PER_DOLLAR
from tests.unit.sandbox.engine_helpers import Harness, check_invariants


def _setup() -> Harness:
    h = Harness()
    h.account("alice")
    h.account("bob")
    h.market("KXTEST-1")  # series KXTEST, fee_type quadratic: makers pay nothing
    h.market("KXOTHER-1", series="KXOTHER")
    return h


def _maker_fee(h: Harness, ticker: str) -> int:
    h.exchange.drain_events()
    h.order("alice", "bid", 0.50, 10, ticker=ticker)
    h.order("bob", "ask", 0.50, 10, ticker=ticker)
    fills = [e for e in h.exchange.drain_events() if isinstance(e, FillRecord) and not e.is_taker]
    assert len(fills) == 1
    return fills[0].fee


def test_a_fee_change_applies_to_the_series_existing_markets_only():
    h = _setup()
    assert _maker_fee(h, "KXTEST-1") == 0
    result = h.apply(SetSeriesFees(h.tick(), "KXTEST", "quadratic_with_maker_fees", 20_000))
    assert result.error is None
    # 0.0175 x 2 x 10 x 0.25 = $0.0875 -> the balance change floors it to $0.09.
    assert _maker_fee(h, "KXTEST-1") == 90_000
    assert _maker_fee(h, "KXOTHER-1") == 0
    check_invariants(h.exchange)


def test_resting_orders_reserve_the_new_fees():
    h = _setup()
    order_id = h.order("alice", "bid", 0.50, 10).order_id
    before = h.exchange.accounts["alice"].reserved
    h.apply(SetSeriesFees(h.tick(), "KXTEST", "quadratic_with_maker_fees", 10_000))
    order = h.exchange.orders[order_id]
    assert order.status == bk.RESTING
    assert order.fee_bound > 0
    assert h.exchange.accounts["alice"].reserved == before + order.remaining * order.fee_bound
    check_invariants(h.exchange)


def test_orders_the_new_fees_no_longer_fit_are_cancelled_lowest_priority_first():
    h = Harness()
    h.account("carol", dollars=10)
    h.market()
    # $4.51 + $4.91 reserved (cost + the one-cent rounding pad; makers pay no fee yet): $0.58 left.
    best = h.order("carol", "bid", 0.50, 9).order_id
    worst = h.order("carol", "bid", 0.49, 10).order_id
    assert h.available("carol") == 58 * MICRO_PER_DOLLAR // 100
    # Maker fees x10 add $0.45 and $0.50 of fee allowance: the worse order no longer fits.
    h.apply(SetSeriesFees(h.tick(), "KXTEST", "quadratic_with_maker_fees", 100_000))
    assert h.exchange.orders[worst].status == bk.CANCELED
    assert h.exchange.orders[best].status == bk.RESTING
    assert h.available("carol") >= 0
    check_invariants(h.exchange)


def test_a_fee_change_replays_from_the_journal_and_bad_values_are_refused():
    h = _setup()
    h.order("alice", "bid", 0.40, 5)
    h.apply(SetSeriesFees(h.tick(), "KXTEST", "quadratic_with_combo_maker_fees", 15_000))
    lines = [encode(command) for command in h.accepted]
    assert [decode(line) for line in lines] == h.accepted
    assert state_hash(replay(lines)) == state_hash(h.exchange)
    assert h.apply(SetSeriesFees(h.tick(), "KXTEST", "flat", 10_000)).error_code == errors.INVALID_PARAMETERS
    assert (
        h.apply(SetSeriesFees(h.tick(), "KXTEST", "quadratic", 100_001)).error_code
        == errors.INVALID_PARAMETERS
    )
