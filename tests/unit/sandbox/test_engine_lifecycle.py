"""Market lifecycle and settlement in the pure engine (API.md §9, §10)."""

from __future__ import annotations

from sandbox.engine import book as bk
from sandbox.engine import errors
from sandbox.engine.commands import Determine, SetCloseTime, SetExchangeStatus, SetMarketStatus, Settle, Tick
from sandbox.engine.events import MarketLifecycle
from sandbox.engine.journal import encode, replay, state_hash
from sandbox.engine.markets import ACTIVE, CLOSED, DETERMINED, FINALIZED, INACTIVE, INITIALIZED
from sandbox.engine.units import MICRO_PER_CENT, MICRO_PER_DOLLAR
from tests.unit.sandbox.engine_helpers import HOUR_MS, Harness, check_invariants


def _setup(close_in_ms: int = HOUR_MS, timer_s: int = 0, market_type: str = "binary") -> Harness:
    h = Harness()
    h.account("alice")
    h.account("bob")
    h.market(close_in_ms=close_in_ms, timer_s=timer_s, market_type=market_type)
    return h


def _lifecycle_types(h: Harness) -> list[str]:
    return [e.event_type for e in h.exchange.drain_events() if isinstance(e, MarketLifecycle)]


def test_a_paused_market_refuses_new_orders_but_allows_cancels():
    h = _setup()
    keep = h.order("alice", "bid", 0.40, 1).order_id
    auto = h.order("alice", "bid", 0.39, 1, cancel_on_pause=True).order_id
    h.apply(SetMarketStatus(h.tick(), "KXTEST-1", "pause"))
    market = h.exchange.markets["KXTEST-1"]
    assert market.status == INACTIVE
    assert h.exchange.orders[auto].status == bk.CANCELED
    assert h.order("bob", "ask", 0.40, 1).error_code == errors.TRADING_PAUSED
    assert h.amend("alice", keep, 0.41, 1).error_code == errors.TRADING_PAUSED
    assert h.decrease("alice", keep, reduce_by=50).error is None
    h.apply(SetMarketStatus(h.tick(), "KXTEST-1", "activate"))
    # Reactivation cancels every resting order (API.md §9).
    assert h.exchange.orders[keep].status == bk.CANCELED
    assert h.order("bob", "ask", 0.40, 1).error is None


def test_the_exchange_pause_refuses_even_cancels():
    h = _setup()
    order_id = h.order("alice", "bid", 0.40, 1).order_id
    h.apply(SetExchangeStatus(h.tick(), True, False))
    assert h.order("alice", "bid", 0.40, 1).error_code == errors.TRADING_PAUSED
    assert h.cancel("alice", order_id).error is None
    h.apply(SetExchangeStatus(h.tick(), False, False))
    assert h.order("alice", "bid", 0.40, 1).error_code == errors.EXCHANGE_PAUSED
    assert h.cancel("alice", order_id).error_code == errors.EXCHANGE_PAUSED


def test_at_close_time_the_market_closes_and_its_orders_are_cancelled():
    h = _setup(close_in_ms=1_000)
    order_id = h.order("alice", "bid", 0.40, 1).order_id
    h.now += 1_000
    h.apply(Tick(h.now))
    assert h.exchange.markets["KXTEST-1"].status == CLOSED
    assert h.exchange.orders[order_id].status == bk.CANCELED
    assert h.exchange.accounts["alice"].reserved == 0
    assert h.order("alice", "bid", 0.40, 1).error_code == errors.MARKET_INACTIVE
    assert h.cancel("alice", order_id).error_code == errors.MARKET_INACTIVE
    check_invariants(h.exchange)


def test_a_market_does_not_trade_before_its_open_time():
    h = Harness()
    h.account("alice")
    from sandbox.engine.commands import ListMarket

    h.apply(
        ListMarket(
            h.now,
            "LATER-1",
            "E",
            "S",
            "binary",
            "linear_cent",
            ((0, 10000, 100),),
            "quadratic",
            10000,
            h.now + 60_000,
            h.now + HOUR_MS,
            0,
            False,
        )
    )
    assert h.order("alice", "bid", 0.40, 1, ticker="LATER-1").error_code == errors.MARKET_INACTIVE
    h.now += 60_000
    assert h.order("alice", "bid", 0.40, 1, ticker="LATER-1").error is None
    assert h.exchange.markets["LATER-1"].status == ACTIVE


def test_moving_the_close_time_later_reopens_a_closed_market():
    h = _setup()
    h.exchange.drain_events()
    h.apply(SetMarketStatus(h.tick(), "KXTEST-1", "close"))
    assert h.exchange.markets["KXTEST-1"].status == CLOSED
    h.apply(SetCloseTime(h.tick(), "KXTEST-1", h.now + HOUR_MS))
    assert h.exchange.markets["KXTEST-1"].status == ACTIVE
    assert _lifecycle_types(h) == ["close_date_updated", "close_date_updated", "activated"]


def test_closing_a_market_before_it_opens_closes_it_now():
    h = _setup()
    h.market(ticker="LATER-1", open_in_ms=HOUR_MS, close_in_ms=2 * HOUR_MS)
    market = h.exchange.markets["LATER-1"]
    assert market.status == INITIALIZED
    h.exchange.drain_events()
    assert h.apply(SetMarketStatus(h.tick(), "LATER-1", "close")).error is None
    assert market.status == CLOSED
    # It never traded: its open time moves to the close time, so open_time <= close_time holds.
    assert market.open_ms == market.close_ms == h.now
    assert _lifecycle_types(h) == ["close_date_updated"]
    h.now += 3 * HOUR_MS  # past the original open and close times: it stays closed
    h.apply(Tick(h.now))
    assert market.status == CLOSED
    assert h.order("alice", "bid", 0.40, 1, ticker="LATER-1").error_code == errors.MARKET_INACTIVE
    check_invariants(h.exchange)
    assert state_hash(replay(encode(c) for c in h.accepted)) == state_hash(h.exchange)


def test_determining_a_market_before_it_opens_closes_it_first():
    h = _setup()
    h.market(ticker="LATER-1", open_in_ms=HOUR_MS, close_in_ms=2 * HOUR_MS)
    assert h.apply(Determine(h.tick(), "LATER-1", "no", -1)).error is None
    market = h.exchange.markets["LATER-1"]
    assert market.status == FINALIZED  # settlement timer 0
    assert market.open_ms == market.close_ms <= h.now


def test_a_market_closed_before_opening_can_be_reopened_by_a_later_close_time():
    h = _setup()
    h.market(ticker="LATER-1", open_in_ms=HOUR_MS, close_in_ms=2 * HOUR_MS)
    h.apply(SetMarketStatus(h.tick(), "LATER-1", "close"))
    assert h.apply(SetCloseTime(h.tick(), "LATER-1", h.now + HOUR_MS)).error is None
    assert h.exchange.markets["LATER-1"].status == ACTIVE
    assert h.order("alice", "bid", 0.40, 1, ticker="LATER-1").error is None


def _trade_positions(h: Harness) -> None:
    # alice long 10 YES at 0.30; bob long 10 NO at 0.70.
    h.order("alice", "bid", 0.30, 10)
    h.order("bob", "ask", 0.30, 10)


def test_yes_result_pays_a_dollar_per_yes_contract():
    h = _setup()
    _trade_positions(h)
    alice_before, bob_before = h.cash("alice"), h.cash("bob")
    h.apply(Determine(h.tick(), "KXTEST-1", "yes", -1))
    h.apply(Settle(h.tick(), "KXTEST-1"))
    assert h.exchange.markets["KXTEST-1"].status == FINALIZED
    assert h.cash("alice") - alice_before == 10 * MICRO_PER_DOLLAR
    assert h.cash("bob") == bob_before
    (record,) = h.exchange.accounts["alice"].settlements
    assert (record.result, record.yes_count, record.yes_cost, record.revenue) == (
        "yes",
        1000,
        3 * MICRO_PER_DOLLAR,
        10 * MICRO_PER_DOLLAR,
    )
    check_invariants(h.exchange)


def test_no_result_pays_the_no_holders():
    h = _setup()
    _trade_positions(h)
    bob_before = h.cash("bob")
    h.apply(Determine(h.tick(), "KXTEST-1", "no", -1))
    h.apply(Settle(h.tick(), "KXTEST-1"))
    assert h.cash("bob") - bob_before == 10 * MICRO_PER_DOLLAR
    (record,) = h.exchange.accounts["bob"].settlements
    assert (record.no_count, record.no_cost) == (1000, 7 * MICRO_PER_DOLLAR)


def test_scalar_result_splits_the_dollar_and_floors_each_payout_to_a_cent():
    h = _setup(market_type="scalar")
    h.order("alice", "bid", 0.30, 10.6)
    h.order("bob", "ask", 0.30, 10.6)
    alice_before, bob_before = h.cash("alice"), h.cash("bob")
    h.apply(Determine(h.tick(), "KXTEST-1", "scalar", 5970))
    h.apply(Settle(h.tick(), "KXTEST-1"))
    # 10.60 x $0.5970 = $6.3282 -> $6.32 credited, $0.0082 settlement fee (docs' example).
    assert h.cash("alice") - alice_before == 632 * MICRO_PER_CENT
    assert h.exchange.accounts["alice"].settlements[0].fee == 8_200
    # NO: 10.60 x $0.4030 = $4.2718 -> $4.27
    assert h.cash("bob") - bob_before == 427 * MICRO_PER_CENT
    check_invariants(h.exchange)


def test_settlement_waits_for_the_settlement_timer():
    h = _setup(timer_s=60)
    _trade_positions(h)
    h.apply(Determine(h.tick(), "KXTEST-1", "yes", -1))
    assert h.exchange.markets["KXTEST-1"].status == DETERMINED
    h.now += 59_000
    h.apply(Tick(h.now))
    assert h.exchange.markets["KXTEST-1"].status == DETERMINED
    h.now += 2_000
    h.apply(Tick(h.now))
    assert h.exchange.markets["KXTEST-1"].status == FINALIZED
    check_invariants(h.exchange)


def test_lifecycle_events_are_emitted():
    h = _setup()
    _trade_positions(h)
    h.exchange.drain_events()
    h.apply(SetMarketStatus(h.tick(), "KXTEST-1", "pause"))
    h.apply(SetMarketStatus(h.tick(), "KXTEST-1", "activate"))
    h.apply(Determine(h.tick(), "KXTEST-1", "yes", -1))
    h.apply(Settle(h.tick(), "KXTEST-1"))
    assert _lifecycle_types(h) == ["deactivated", "activated", "close_date_updated", "determined", "settled"]


def test_settling_an_undetermined_market_is_refused():
    h = _setup()
    assert h.apply(Settle(h.tick(), "KXTEST-1")).error_code == errors.INVALID_PARAMETERS
    assert h.apply(Determine(h.tick(), "KXTEST-1", "maybe", -1)).error_code == errors.INVALID_PARAMETERS
