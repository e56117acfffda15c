"""Canned Kalshi JSON for unit tests: the OpenAPI fragments' own examples where they have one,
otherwise objects shaped as the fragments require (the integration tests use the real sandbox)."""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

import yaml

from tests.shared_spec import FRAGMENTS


@cache
def _fragment(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((FRAGMENTS / name).read_text())
    return loaded


def example(fragment: str, schema: str) -> Any:
    """The `example` of a schema in a fragment (a fresh copy)."""
    return copy.deepcopy(_fragment(fragment)["components"]["schemas"][schema]["example"])


MARKET: dict[str, Any] = {
    "ticker": "KXHIGHNY-26AUG21-T80",
    "event_ticker": "KXHIGHNY-26AUG21",
    "market_type": "binary",
    "title": "Will the high be above 80?",
    "subtitle": "",
    "yes_sub_title": "Above 80",
    "no_sub_title": "80 or below",
    "created_time": "2026-08-20T10:00:00Z",
    "updated_time": "2026-08-20T10:00:00Z",
    "open_time": "2026-08-20T10:00:00Z",
    "close_time": "2026-08-21T23:59:00Z",
    "expected_expiration_time": None,
    "expiration_time": "2026-08-22T10:00:00Z",
    "latest_expiration_time": "2026-08-22T10:00:00Z",
    "settlement_timer_seconds": 300,
    "status": "active",
    "notional_value_dollars": "1.0000",
    "yes_bid_dollars": "0.4200",
    "yes_bid_size_fp": "13.00",
    "yes_ask_dollars": "0.4400",
    "yes_ask_size_fp": "20.00",
    "no_bid_dollars": "0.5600",
    "no_ask_dollars": "0.5800",
    "last_price_dollars": "0.4300",
    "previous_yes_bid_dollars": "0.4000",
    "previous_yes_ask_dollars": "0.4500",
    "previous_price_dollars": "0.4100",
    "volume_fp": "1520.50",
    "volume_24h_fp": "300.00",
    "open_interest_fp": "800.00",
    "liquidity_dollars": "0.0000",
    "result": "",
    "can_close_early": False,
    "expiration_value": "",
    "rules_primary": "Resolves YES if ...",
    "rules_secondary": "",
    "price_level_structure": "tapered_deci_cent",
    "price_ranges": [
        {"start": "0.0000", "end": "0.1000", "step": "0.0010"},
        {"start": "0.1000", "end": "0.9000", "step": "0.0100"},
        {"start": "0.9000", "end": "1.0000", "step": "0.0010"},
    ],
    "exchange_index": 0,
}

ORDERBOOK: dict[str, Any] = {
    "orderbook_fp": {
        "yes_dollars": [["0.4000", "5.00"], ["0.4200", "13.00"]],
        "no_dollars": [["0.5400", "20.00"], ["0.5600", "146.00"]],
    }
}

TRADE: dict[str, Any] = {
    "trade_id": "t-1",
    "ticker": MARKET["ticker"],
    "count_fp": "3.00",
    "yes_price_dollars": "0.4300",
    "no_price_dollars": "0.5700",
    "taker_side": "yes",
    "taker_outcome_side": "yes",
    "taker_book_side": "bid",
    "created_time": "2026-08-21T12:00:00.123Z",
    "is_block_trade": False,
}

ORDER: dict[str, Any] = {
    "order_id": "3b23c1c7-f4ef-4f0d-8b9a-9e53c61f1a0d",
    "user_id": "u-1",
    "client_order_id": "8c35ecb3-328f-4f52-8c7c-0f4b9862f8d1",
    "ticker": MARKET["ticker"],
    "side": "yes",
    "action": "buy",
    "outcome_side": "yes",
    "book_side": "bid",
    "type": "limit",
    "status": "resting",
    "yes_price_dollars": "0.5600",
    "no_price_dollars": "0.4400",
    "fill_count_fp": "2.00",
    "remaining_count_fp": "8.00",
    "initial_count_fp": "10.00",
    "taker_fill_cost_dollars": "1.1200",
    "maker_fill_cost_dollars": "0.0000",
    "taker_fees_dollars": "0.0400",
    "maker_fees_dollars": "0.0000",
    "expiration_time": None,
    "created_time": "2026-08-21T12:00:00.000Z",
    "last_update_time": "2026-08-21T12:00:01.000Z",
    "self_trade_prevention_type": "taker_at_cross",
    "order_group_id": None,
    "cancel_order_on_pause": False,
    "subaccount_number": 0,
    "exchange_index": 0,
}

FILL: dict[str, Any] = {
    "fill_id": "f-1",
    "trade_id": "f-1",
    "order_id": ORDER["order_id"],
    "ticker": MARKET["ticker"],
    "market_ticker": MARKET["ticker"],
    "exchange_index": 0,
    "side": "no",
    "action": "buy",
    "outcome_side": "no",
    "book_side": "ask",
    "count_fp": "0.50",
    "yes_price_dollars": "0.4300",
    "no_price_dollars": "0.5700",
    "is_taker": True,
    "fee_cost": "0.009903",
    "created_time": "2026-08-21T12:00:00.500Z",
    "subaccount_number": 0,
    "ts": 1_787_400_000,
}

BALANCE: dict[str, Any] = {
    "balance": 310,
    "balance_dollars": "3.1000",
    "portfolio_value": 1250,
    "updated_ts": 1_787_400_000,
    "balance_breakdown": [{"exchange_index": 0, "balance": "3.1000"}],
}

POSITIONS: dict[str, Any] = {
    "market_positions": [
        {
            "ticker": MARKET["ticker"],
            "exchange_index": 0,
            "total_traded_dollars": "5.6000",
            "position_fp": "-10.00",
            "market_exposure_dollars": "4.4000",
            "realized_pnl_dollars": "-0.120000",
            "fees_paid_dollars": "0.0800",
            "last_updated_ts": "2026-08-21T12:00:00.000Z",
        }
    ],
    "event_positions": [
        {
            "event_ticker": MARKET["event_ticker"],
            "total_cost_dollars": "4.4000",
            "total_cost_shares_fp": "10.00",
            "event_exposure_dollars": "4.4000",
            "realized_pnl_dollars": "-0.1200",
            "fees_paid_dollars": "0.0800",
        }
    ],
    "cursor": "",
}

SERIES: dict[str, Any] = {
    "ticker": "KXHIGHNY",
    "frequency": "daily",
    "title": "Highest temperature in NYC",
    "category": "Climate",
    "tags": ["weather"],
    "settlement_sources": [{"name": "NWS", "url": "https://weather.gov"}],
    "contract_url": "",
    "contract_terms_url": "",
    "fee_type": "quadratic",
    "fee_multiplier": 1.0,
    "additional_prohibitions": [],
    "last_updated_ts": "2026-08-20T10:00:00Z",
    "exchange_index": 0,
}

EVENT: dict[str, Any] = {
    "event_ticker": MARKET["event_ticker"],
    "series_ticker": "KXHIGHNY",
    "title": "NYC high on Aug 21",
    "sub_title": "",
    "collateral_return_type": "",
    "mutually_exclusive": False,
    "available_on_brokers": False,
    "settlement_sources": [],
    "strike_date": None,
    "strike_period": None,
    "product_metadata": None,
    "last_updated_ts": "2026-08-20T10:00:00Z",
    "fee_type_override": None,
    "fee_multiplier_override": None,
    "exchange_index": 0,
    "markets": [MARKET],
}

SETTLEMENT: dict[str, Any] = {
    "ticker": MARKET["ticker"],
    "exchange_index": 0,
    "event_ticker": MARKET["event_ticker"],
    "market_result": "yes",
    "yes_count_fp": "10.00",
    "yes_total_cost_dollars": "5.6000",
    "no_count_fp": "0.00",
    "no_total_cost_dollars": "0.0000",
    "revenue": 1000,
    "settled_time": "2026-08-22T10:00:00Z",
    "fee_cost": "0.0000",
    "value": 100,
}

STATUS: dict[str, Any] = {
    "exchange_active": True,
    "trading_active": False,
    "exchange_estimated_resume_time": "2026-08-21T09:00:00Z",
}
