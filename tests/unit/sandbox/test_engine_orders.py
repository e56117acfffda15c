"""Order behaviour of the pure engine: matching, time in force, STP, amend/decrease/cancel, collateral."""

from __future__ import annotations

import pytest

from sandbox.engine import book as bk
from sandbox.engine import errors
from sandbox.engine.commands import Deposit
from sandbox.engine.units import MICRO_PER_CENT, MICRO_PER_DOLLAR
from tests.unit.sandbox.engine_helpers import Harness, check_invariants


@pytest.fixture
def h() -> Harness:
    harness = Harness()
    harness.account("alice")
    harness.account("bob")
    harness.account("charlie")
    harness.market()
    return harness


def _fills(h: Harness, account: str) -> list[tuple[int, int, bool]]:
    return [(f.yes_price, f.quantity, f.is_taker) for f in h.exchange.accounts[account].fills]


def test_it_trades_at_the_resting_price_with_price_time_priority(h):
    first = h.order("alice", "bid", 0.55, 5).order_id
    second = h.order("bob", "bid", 0.55, 5).order_id
    better = h.order("charlie", "bid", 0.56, 2).order_id
    result = h.order("charlie", "ask", 0.50, 8, tif=bk.IOC, stp=bk.STP_MAKER)
    # charlie's own bid is cancelled by STP maker, then alice (earlier) before bob at 0.55.
    assert h.exchange.orders[better].status == bk.CANCELED
    assert result.filled == 800
    assert h.exchange.orders[first].filled == 500
    assert h.exchange.orders[second].filled == 300
    assert _fills(h, "charlie") == [(5500, 500, True), (5500, 300, True)]
    assert result.notional == 800 * 5500  # executed at the resting 0.55, not the taker's 0.50
    check_invariants(h.exchange)


def test_a_yes_bid_is_a_no_ask(h):
    h.order("alice", "ask", 0.40, 10)  # sell YES at 0.40 == buy NO at 0.60
    book = h.exchange.markets["KXTEST-1"].book
    assert book.best(bk.ASK) == (6000, 1000)  # published as a NO bid at 0.60
    assert h.exchange.markets["KXTEST-1"].yes_ask() == (4000, 1000)
    result = h.order("bob", "bid", 0.45, 4)
    assert result.filled == 400
    assert result.notional == 400 * 4000
    assert h.position("bob") == 400
    assert h.position("alice") == -400


def test_positions_net_so_selling_yes_without_yes_opens_no(h):
    h.order("alice", "bid", 0.50, 10)
    h.order("bob", "ask", 0.50, 10)  # bob had nothing: he now holds 10 NO
    assert h.position("bob") == -1000
    h.order("charlie", "ask", 0.60, 4)
    h.order("bob", "bid", 0.60, 4)  # buying YES closes 4 of his NO
    assert h.position("bob") == -600
    assert h.exchange.markets["KXTEST-1"].open_interest == 1000
    check_invariants(h.exchange)


def test_taker_fee_is_rounded_up_and_the_balance_change_floored_to_a_cent(h):
    h.order("alice", "ask", 0.50, 10)
    before = h.cash("bob")
    result = h.order("bob", "bid", 0.50, 10)
    # 0.07 x 10 x 0.5 x 0.5 = $0.175; pays $5.00 + $0.175 -> floored to $5.18 (API.md §9 example)
    assert before - h.cash("bob") == 518 * MICRO_PER_CENT
    assert result.fees == 180_000  # net fee: trade fee $0.175 + rounding $0.005
    assert h.exchange.accounts["bob"].fills[0].fee == 180_000
    assert h.cash("alice") == 995 * MICRO_PER_DOLLAR  # maker pays no fee on a quadratic series
    check_invariants(h.exchange)


def test_maker_fees_apply_on_quadratic_with_maker_fees_series():
    h = Harness()
    h.account("alice")
    h.account("bob")
    h.market(fee_type="quadratic_with_maker_fees")
    h.order("alice", "ask", 0.50, 100)
    h.order("bob", "bid", 0.50, 100)
    # maker: 0.0175 x 100 x 0.25 = $0.4375 -> balance change -$50.4375 floored to -$50.44
    assert h.cash("alice") == (1000 * 100 - 5044) * MICRO_PER_CENT
    check_invariants(h.exchange)


def test_the_fee_multiplier_scales_the_fee():
    h = Harness()
    h.account("alice")
    h.account("bob")
    h.market(multiplier=5_000)
    h.order("alice", "ask", 0.50, 10)
    result = h.order("bob", "bid", 0.50, 10)
    assert result.fees == 90_000  # $0.0875 + $0.0025 rounding


def test_immediate_or_cancel_cancels_what_it_cannot_fill(h):
    h.order("alice", "ask", 0.50, 3)
    result = h.order("bob", "bid", 0.50, 5, tif=bk.IOC)
    assert (result.filled, result.remaining) == (300, 0)
    order = h.exchange.orders[result.order_id]
    assert order.status == bk.CANCELED
    assert order.filled == 300
    assert h.exchange.markets["KXTEST-1"].book.best(bk.BID) == (0, 0)
    assert h.exchange.accounts["bob"].reserved == 0


def test_fill_or_kill_fills_entirely_or_not_at_all(h):
    h.order("alice", "ask", 0.50, 3)
    killed = h.order("bob", "bid", 0.50, 5, tif=bk.FOK)
    assert (killed.filled, killed.remaining) == (0, 0)
    assert h.exchange.orders[killed.order_id].status == bk.CANCELED
    assert h.exchange.markets["KXTEST-1"].book.best(bk.ASK) == (5000, 300)
    filled = h.order("bob", "bid", 0.50, 3, tif=bk.FOK)
    assert filled.filled == 300
    assert h.exchange.orders[filled.order_id].status == bk.EXECUTED


def test_post_only_that_would_take_is_rejected(h):
    h.order("alice", "ask", 0.50, 3)
    result = h.order("bob", "bid", 0.50, 1, post_only=True)
    assert result.error is not None
    assert (result.error_code, result.error.details) == (
        errors.INVALID_ORDER,
        "post only cross",
    )
    assert h.order("bob", "bid", 0.49, 1, post_only=True).error is None


def test_reduce_only_is_capped_at_the_position_and_never_opens_one(h):
    assert h.order("bob", "ask", 0.50, 1, reduce_only=True).error_code == errors.INVALID_ORDER
    h.order("alice", "ask", 0.50, 4)
    h.order("bob", "bid", 0.50, 4)  # bob long 4 YES
    result = h.order("bob", "ask", 0.40, 10, reduce_only=True)
    assert result.remaining == 400  # capped at the position
    h.order("charlie", "bid", 0.45, 10)
    assert h.position("bob") == 0
    assert h.exchange.orders[result.order_id].status == bk.EXECUTED
    check_invariants(h.exchange)


def test_a_resting_reduce_only_order_is_cancelled_when_the_position_is_gone(h):
    h.order("alice", "ask", 0.50, 4)
    h.order("bob", "bid", 0.50, 4)
    reduce = h.order("bob", "ask", 0.60, 4, reduce_only=True).order_id
    h.order("bob", "ask", 0.55, 4)  # closes the position first
    h.order("charlie", "bid", 0.55, 4)
    assert h.position("bob") == 0
    h.order("charlie", "bid", 0.60, 4, tif=bk.IOC)
    assert h.exchange.orders[reduce].status == bk.CANCELED
    assert h.position("bob") == 0
    check_invariants(h.exchange)


def test_self_trade_taker_at_cross_cancels_the_incoming_order_and_keeps_earlier_fills(h):
    h.order("bob", "ask", 0.50, 2)
    mine = h.order("alice", "ask", 0.51, 5).order_id
    result = h.order("alice", "bid", 0.55, 10, stp=bk.STP_TAKER_AT_CROSS)
    assert result.filled == 200
    assert result.remaining == 0
    assert h.exchange.orders[result.order_id].status == bk.CANCELED
    assert h.exchange.orders[mine].status == bk.RESTING


def test_self_trade_maker_cancels_the_resting_order_and_keeps_matching(h):
    mine = h.order("alice", "ask", 0.50, 5).order_id
    h.order("bob", "ask", 0.51, 5)
    result = h.order("alice", "bid", 0.55, 5, stp=bk.STP_MAKER)
    assert h.exchange.orders[mine].status == bk.CANCELED
    assert result.filled == 500
    assert result.notional == 500 * 5100


def test_client_order_ids_are_unique_per_account_forever(h):
    assert h.order("alice", "bid", 0.40, 1, client_order_id="abc").error is None
    duplicate = h.order("alice", "bid", 0.41, 1, client_order_id="abc")
    assert duplicate.error_code == errors.ORDER_ALREADY_EXISTS
    assert h.order("bob", "bid", 0.40, 1, client_order_id="abc").error is None


def test_off_grid_prices_and_bad_sizes_are_rejected(h):
    assert h.order("alice", "bid", 0.555, 1).error_code == errors.INVALID_PRICE
    assert h.order("alice", "bid", 1.00, 1).error_code == errors.INVALID_PRICE
    assert h.order("alice", "bid", 0.50, 0).error_code == errors.INVALID_ORDER_SIZE
    assert h.order("alice", "bid", 0.50, 1, ticker="NOPE").error_code == errors.MARKET_NOT_FOUND


def test_sub_penny_grids_accept_their_ticks_only():
    h = Harness()
    h.account("alice")
    h.market(structure="tapered_deci_cent")
    assert h.order("alice", "bid", 0.055, 1).error is None  # 0.1¢ steps below 10¢
    assert h.order("alice", "bid", 0.555, 1).error_code == errors.INVALID_PRICE  # 1¢ steps in the middle
    assert h.order("alice", "bid", 0.951, 1).error is None


def test_fractional_counts_trade_in_hundredths(h):
    h.order("alice", "ask", 0.50, 0.3)
    result = h.order("bob", "bid", 0.50, 0.9)
    assert result.filled == 30
    assert result.remaining == 60
    check_invariants(h.exchange)


def test_a_buy_is_refused_when_the_balance_cannot_cover_cost_and_fee():
    h = Harness()
    h.account("alice", dollars=5)
    h.market()
    assert h.order("alice", "bid", 0.50, 10).error_code == errors.BALANCE_TOO_LOW  # $5 + fee + pad
    assert h.order("alice", "bid", 0.49, 10).error is None  # $4.90 + $0.01 pad (no maker fee)
    assert h.available("alice") == 5 * MICRO_PER_DOLLAR - 4_910_000


def test_closing_a_position_needs_no_collateral_for_the_contracts_it_closes(h):
    h.order("alice", "ask", 0.50, 10)
    h.order("bob", "bid", 0.50, 10)
    bob = h.exchange.accounts["bob"]
    # Leave bob with almost nothing: selling his 10 YES must still be possible.
    h.apply(Deposit(h.tick(), "bob", "out", -(bob.available // MICRO_PER_CENT) * MICRO_PER_CENT))
    assert h.available("bob") < MICRO_PER_CENT
    assert h.order("bob", "ask", 0.60, 10).error_code == errors.BALANCE_TOO_LOW  # the 1¢ rounding pad
    h.apply(Deposit(h.tick(), "bob", "in", MICRO_PER_CENT * 2))
    result = h.order("bob", "ask", 0.60, 10)
    assert result.error is None
    assert h.order("bob", "ask", 0.60, 1).error_code == errors.BALANCE_TOO_LOW  # beyond the position: opens
    check_invariants(h.exchange)


def test_cancel_releases_the_reservation_and_reports_the_cancelled_count(h):
    order_id = h.order("alice", "bid", 0.40, 10).order_id
    assert h.exchange.accounts["alice"].reserved > 0
    result = h.cancel("alice", order_id)
    assert result.reduced == 1000
    assert h.exchange.accounts["alice"].reserved == 0
    assert h.cancel("alice", order_id).error_code == errors.NOT_FOUND
    assert h.cancel("bob", order_id).error_code == errors.NOT_FOUND  # not bob's


def test_decrease_keeps_queue_priority(h):
    first = h.order("alice", "bid", 0.40, 10).order_id
    h.order("bob", "bid", 0.40, 10)
    assert h.decrease("alice", first, reduce_by=300).remaining == 700
    assert h.decrease("alice", first, reduce_to=500).remaining == 500
    assert h.decrease("alice", first).error_code == errors.INVALID_PARAMETERS
    assert h.decrease("alice", first, reduce_by=1, reduce_to=1).error_code == errors.INVALID_PARAMETERS
    h.order("charlie", "ask", 0.40, 5, tif=bk.IOC)
    assert h.exchange.orders[first].filled == 500
    assert h.decrease("alice", first, reduce_by=1).error_code == errors.NOT_FOUND  # executed


def test_amend_count_is_filled_plus_desired_remaining(h):
    order_id = h.order("alice", "bid", 0.40, 10).order_id
    h.order("bob", "ask", 0.40, 4, tif=bk.IOC)
    result = h.amend("alice", order_id, 0.40, 8)  # 4 filled + 4 remaining
    assert (result.remaining, h.exchange.orders[order_id].initial) == (400, 800)
    assert h.amend("alice", order_id, 0.40, 4).error_code == errors.INVALID_ORDER_SIZE
    check_invariants(h.exchange)


def test_amend_keeps_priority_on_a_size_decrease_and_loses_it_on_a_price_change(h):
    alice = h.order("alice", "bid", 0.40, 10).order_id
    bob = h.order("bob", "bid", 0.40, 10).order_id
    h.amend("alice", alice, 0.40, 5)
    h.order("charlie", "ask", 0.40, 1, tif=bk.IOC)
    assert h.exchange.orders[alice].filled == 100
    h.amend("alice", alice, 0.41, 5)
    h.amend("alice", alice, 0.40, 5)
    h.order("charlie", "ask", 0.40, 1, tif=bk.IOC)
    assert h.exchange.orders[bob].filled == 100  # alice went to the back
    check_invariants(h.exchange)


def test_amend_that_crosses_trades_and_checks_identity(h):
    h.order("bob", "ask", 0.45, 3)
    order_id = h.order("alice", "bid", 0.40, 5, client_order_id="a1").order_id
    assert h.amend("alice", order_id, 0.45, 5, side=bk.ASK).error_code == errors.SIDE_MISMATCH
    assert h.amend("alice", order_id, 0.45, 5, ticker="X").error_code == errors.TICKER_MISMATCH
    assert (
        h.amend("alice", order_id, 0.45, 5, client_order_id="zz").error_code
        == errors.CLIENT_ORDER_ID_MISMATCH
    )
    result = h.amend("alice", order_id, 0.45, 5, client_order_id="a1", updated_client_order_id="a2")
    assert (result.filled, result.remaining, result.client_order_id) == (300, 200, "a2")
    assert h.exchange.accounts["alice"].client_order_ids == {"a1": order_id, "a2": order_id}
    check_invariants(h.exchange)


def test_orders_expire_at_their_expiration_time(h):
    order_id = h.order("alice", "bid", 0.40, 1, expiration_ms=h.now + 1_000).order_id
    assert h.order("alice", "bid", 0.40, 1, expiration_ms=h.now - 1).error_code == errors.INVALID_PARAMETERS
    assert h.order("alice", "bid", 0.40, 1, tif=bk.IOC, expiration_ms=h.now + 5).error_code == (
        errors.INVALID_PARAMETERS
    )
    h.tick(2_000)
    h.order("bob", "ask", 0.40, 1, tif=bk.IOC)
    assert h.exchange.orders[order_id].status == bk.CANCELED
    assert h.exchange.accounts["alice"].reserved == 0
