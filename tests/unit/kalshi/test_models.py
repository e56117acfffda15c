"""Typed models from Kalshi JSON: integer units, strict values, tolerant of absent optionals."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from execution.kalshi import models as m
from execution.kalshi.errors import OrderRequestError, ResponseFormatError
from tests.unit.kalshi import samples as s


def test_a_market_reads_prices_counts_and_the_price_grid():
    market = m.Market.from_wire(s.MARKET)
    assert (market.yes_bid, market.yes_ask, market.no_bid, market.no_ask) == (4200, 4400, 5600, 5800)
    assert market.yes_bid_size == 1300
    assert market.volume == 152050
    assert market.close_time == dt.datetime(2026, 8, 21, 23, 59, tzinfo=dt.UTC)
    assert len(market.price_ranges) == 3
    assert market.is_valid_price(50)  # $0.005 on the sub-penny band
    assert market.is_valid_price(4200)
    assert not market.is_valid_price(4250)  # off the cent grid in the middle band
    assert not market.is_valid_price(0)
    assert not market.is_valid_price(10_000)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("yes_bid_dollars", "0.42x"),
        ("yes_bid_dollars", 0.42),
        ("yes_bid_dollars", None),
        ("yes_bid_size_fp", 13),
        ("volume_fp", "1.234"),
        ("close_time", "tomorrow"),
        ("price_ranges", [{"start": "0.00", "end": "1.00", "step": "0.00"}]),
        ("ticker", 5),
    ],
)
def test_a_malformed_market_value_is_an_error_not_a_silent_zero(field, value):
    data = copy.deepcopy(s.MARKET)
    data[field] = value
    with pytest.raises(ResponseFormatError) as info:
        m.Market.from_wire(data)
    assert "market" in str(info.value)


def test_absent_optional_market_fields_take_defaults():
    data = {
        k: v
        for k, v in s.MARKET.items()
        if k not in ("title", "volume_24h_fp", "rules_primary", "exchange_index")
    }
    market = m.Market.from_wire(data)
    assert market.title == ""
    assert market.volume_24h == 0


def test_an_order_book_holds_bids_ascending_with_derived_asks():
    book = m.OrderBook.from_wire("T", s.ORDERBOOK["orderbook_fp"])
    assert book.yes_bids == ((4000, 500), (4200, 1300))
    assert book.no_bids == ((5400, 2000), (5600, 14600))
    assert book.best_yes_bid == (4200, 1300)
    assert book.best_yes_ask == (4400, 14600)  # 1 - best NO bid
    assert book.best_no_ask == (5800, 1300)


def test_an_empty_or_unsorted_book_is_normalised():
    book = m.OrderBook.from_wire("T", {"yes_dollars": [["0.50", "1.00"], ["0.30", "2"]], "no_dollars": []})
    assert book.yes_bids == ((3000, 200), (5000, 100))
    assert book.best_no_bid is None
    assert book.best_yes_ask is None


def test_a_bad_book_level_is_an_error():
    with pytest.raises(ResponseFormatError):
        m.OrderBook.from_wire("T", {"yes_dollars": [["0.50"]], "no_dollars": []})
    with pytest.raises(ResponseFormatError):
        m.OrderBook.from_wire("T", {"yes_dollars": [[0.5, "1.00"]], "no_dollars": []})


def test_trades_fills_orders_positions_balance_settlements_and_status_parse():
    trade = m.Trade.from_wire(s.TRADE)
    assert (trade.count, trade.yes_price, trade.taker_book_side) == (300, 4300, "bid")
    fill = m.Fill.from_wire(s.FILL)
    assert (fill.count, fill.fee_cost_micros, fill.outcome_side, fill.book_side) == (50, 9903, "no", "ask")
    order = m.Order.from_wire(s.ORDER)
    assert (order.yes_price, order.fill_count, order.remaining_count, order.taker_fees_micros) == (
        5600,
        200,
        800,
        40_000,
    )
    assert order.is_resting
    positions = m.MarketPosition.from_wire(s.POSITIONS["market_positions"][0])
    assert positions.position == -1000
    assert positions.realized_pnl_micros == -120_000
    assert m.EventPosition.from_wire(s.POSITIONS["event_positions"][0]).total_cost_shares == 1000
    balance = m.Balance.from_wire(s.BALANCE)
    assert (balance.balance_micros, balance.portfolio_value_micros) == (3_100_000, 12_500_000)
    settlement = m.Settlement.from_wire(s.SETTLEMENT)
    assert settlement.revenue_micros == 10_000_000
    status = m.ExchangeStatus.from_wire(s.STATUS)
    assert status.exchange_active
    assert not status.trading_active
    series = m.Series.from_wire(s.SERIES)
    assert series.fee_multiplier == Decimal("1.0")
    event = m.Event.from_wire(s.EVENT)
    assert [mk.ticker for mk in event.markets] == [s.MARKET["ticker"]]


def test_legacy_only_direction_fields_are_still_understood():
    data = {k: v for k, v in s.TRADE.items() if k not in ("taker_outcome_side", "taker_book_side")}
    data["taker_side"] = "no"
    trade = m.Trade.from_wire(data)
    assert (trade.taker_outcome_side, trade.taker_book_side) == ("no", "ask")


def test_the_v2_write_results_parse_from_the_fragment_examples():
    created = m.CreateOrderResult.from_wire(
        s.example("orders__create-order-v2.yaml", "CreateOrderV2Response")
    )
    assert (created.fill_count, created.remaining_count, created.ts_ms) == (0, 1000, 1715793600123)
    batch = s.example("orders__batch-create-orders-v2.yaml", "BatchCreateOrdersV2Response")["orders"]
    second = m.CreateOrderResult.from_wire(batch[1])
    assert (second.average_fill_price_micros, second.average_fee_paid_micros) == (580_000, 1_200)
    amended = m.AmendResult.from_wire(s.example("orders__amend-order-v2.yaml", "AmendOrderV2Response"))
    assert amended.order_id
    cancel = m.CancelResult.from_wire(s.example("orders__cancel-order-v2.yaml", "CancelOrderV2Response"))
    assert cancel.reduced_by == 1000
    decrease = m.DecreaseResult.from_wire(
        s.example("orders__decrease-order-v2.yaml", "DecreaseOrderV2Response")
    )
    assert decrease.remaining_count == 800


def test_an_order_request_writes_the_v2_body():
    request = m.OrderRequest.buy_no("T", no_price=3000, count=250, client_order_id="abc-1", post_only=True)
    assert request.side == "ask"
    assert request.price == 7000
    assert request.cost_micros == 3000 * 250
    assert request.to_wire() == {
        "ticker": "T",
        "side": "ask",
        "price": "0.7000",
        "count": "2.50",
        "time_in_force": "good_till_canceled",
        "self_trade_prevention_type": "taker_at_cross",
        "client_order_id": "abc-1",
        "post_only": True,
    }
    assert m.OrderRequest.sell_no("T", 3000, 100).to_wire()["side"] == "bid"
    assert m.OrderRequest.sell_no("T", 3000, 100).price == 7000


@pytest.mark.parametrize(
    "kwargs",
    [
        {"side": "yes"},
        {"price": 0},
        {"price": 10_000},
        {"price": 45.0},
        {"count": 0},
        {"time_in_force": "GTT"},
        {"self_trade_prevention_type": "none"},
        {"time_in_force": "immediate_or_cancel", "expiration_time": 2_000_000_000},
        {"client_order_id": "has.dot"},
        {"client_order_id": ""},
    ],
)
def test_an_invalid_order_request_is_refused_before_sending(kwargs):
    base = {"ticker": "T", "side": "bid", "price": 4500, "count": 100}
    with pytest.raises(OrderRequestError):
        m.OrderRequest(**(base | kwargs))


@given(
    st.sampled_from(["bid", "ask"]),
    st.integers(min_value=1, max_value=9999),
    st.integers(min_value=1, max_value=10**9),
)
def test_an_order_request_round_trips_through_its_wire_body(side, price, count):
    from execution.kalshi.units import parse_count, parse_price

    body = m.OrderRequest("T", side, price, count).to_wire()
    assert parse_price(body["price"]) == price
    assert parse_count(body["count"]) == count


@pytest.mark.parametrize(
    ("build", "field", "value"),
    [
        (lambda d: m.Balance.from_wire(d), "updated_ts", "yesterday"),
        (lambda d: m.Balance.from_wire(d), "updated_ts", 10**20),
        (lambda d: m.Balance.from_wire(d), "updated_ts", True),
        (lambda d: m.MarketPosition.from_wire(d), "last_updated_ts", "2026-08-21 noon"),
        (lambda d: m.MarketPosition.from_wire(d), "last_updated_ts", "2026-08-21T12:00:00"),  # no zone
        (lambda d: m.Fill.from_wire(d), "ts", "1787400000"),
        (lambda d: m.Fill.from_wire(d), "ts", 1.5),
    ],
)
def test_a_malformed_time_that_is_present_is_an_error(build, field, value):
    data = {
        "updated_ts": s.BALANCE,
        "last_updated_ts": s.POSITIONS["market_positions"][0],
        "ts": s.FILL,
    }[field] | {field: value}
    with pytest.raises(ResponseFormatError, match=field):
        build(data)


def test_an_absent_or_null_time_is_none_and_both_time_forms_are_read():
    assert m.Balance.from_wire(s.BALANCE | {"updated_ts": None}).updated_ts is None
    without = {k: v for k, v in s.BALANCE.items() if k != "updated_ts"}
    assert m.Balance.from_wire(without).updated_ts is None
    assert m.Balance.from_wire(s.BALANCE).updated_ts == dt.datetime.fromtimestamp(1_787_400_000, tz=dt.UTC)
    position = s.POSITIONS["market_positions"][0]
    assert m.MarketPosition.from_wire(position | {"last_updated_ts": 1_787_400_000}).last_updated
    assert m.MarketPosition.from_wire(position | {"last_updated_ts": None}).last_updated is None
    legacy_fill = {k: v for k, v in s.FILL.items() if k != "created_time"} | {"ts": 1_787_400_000}
    assert m.Fill.from_wire(legacy_fill).created_time == dt.datetime.fromtimestamp(1_787_400_000, tz=dt.UTC)


def test_an_order_without_its_required_initial_count_is_an_error():
    data = {k: v for k, v in s.ORDER.items() if k != "initial_count_fp"}
    with pytest.raises(ResponseFormatError, match="initial_count_fp"):
        m.Order.from_wire(data)
    assert m.Order.from_wire(s.ORDER).initial_count == 1000


@pytest.mark.parametrize("tags", [["weather", 3], "weather", {"a": 1}, [None]])
def test_series_tags_must_be_a_list_of_strings(tags):
    with pytest.raises(ResponseFormatError, match="tags"):
        m.Series.from_wire(s.SERIES | {"tags": tags})


def test_series_tags_may_be_null_or_absent():
    assert m.Series.from_wire(s.SERIES | {"tags": None}).tags == ()
    assert m.Series.from_wire({k: v for k, v in s.SERIES.items() if k != "tags"}).tags == ()
    assert m.Series.from_wire(s.SERIES).tags == ("weather",)
