"""Engine state -> Kalshi's JSON shapes (the OpenAPI fragments are authoritative; API.md §15.5:
fields marked required are sent even when deprecated)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sandbox.engine import book as bk
from sandbox.engine.events import (
    FillRecord,
    OrderUpdate,
    PositionUpdate,
    SettlementRecord,
    TickerUpdate,
    TradeRecord,
)
from sandbox.engine.ledger import Exposure
from sandbox.engine.markets import DETERMINED, FINALIZED, Market
from sandbox.engine.units import (
    MICRO_PER_CENT,
    PRICE_ONE,
    format_count,
    format_money,
    format_price,
    round_half_up_div,
)
from sandbox.server.catalog import EventInfo, MarketInfo, SeriesInfo

JsonDict = dict[str, Any]
_STATUS_NAMES = {bk.RESTING: "resting", bk.CANCELED: "canceled", bk.EXECUTED: "executed"}
_STP_NAMES = {bk.STP_TAKER_AT_CROSS: "taker_at_cross", bk.STP_MAKER: "maker"}
_OUTCOME = ("yes", "no")
_BOOK_SIDE = ("bid", "ask")
_STRIKE_TYPES = frozenset(
    {"greater", "greater_or_equal", "less", "less_or_equal", "between", "functional", "custom", "structured"}
)


def iso(ms: int) -> str:
    """Epoch milliseconds -> RFC 3339 UTC with millisecond precision."""
    stamp = dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def iso_datetime(value: dt.datetime) -> str:
    """An aware datetime -> RFC 3339 UTC."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def ms_of(value: dt.datetime) -> int:
    """An aware datetime -> epoch milliseconds."""
    return int(value.timestamp() * 1000)


def average_price(notional: int, count: int) -> str:
    """Volume-weighted average of count x price (micro-dollars) as a 4-decimal dollar string."""
    return format_price(round_half_up_div(notional, count))


def market_json(market: Market, info: MarketInfo | None, now_ms: int) -> JsonDict:
    """A Market object (market__get-market.yaml)."""
    yes_bid, yes_bid_size = market.yes_bid()
    yes_ask, yes_ask_size = market.yes_ask()
    no_bid = market.book.best(bk.ASK)[0]
    no_ask = PRICE_ONE - yes_bid if yes_bid_size else PRICE_ONE
    determined = market.status in (DETERMINED, FINALIZED)
    out: JsonDict = {
        "ticker": market.ticker,
        "event_ticker": market.event_ticker,
        "market_type": market.market_type,
        "title": info.title if info else market.ticker,
        "subtitle": info.subtitle if info else "",
        "yes_sub_title": info.yes_sub_title if info else "",
        "no_sub_title": info.no_sub_title if info else "",
        "created_time": iso(market.created_ms),
        "updated_time": iso(market.updated_ms),
        "open_time": iso(market.open_ms),
        "close_time": iso(market.close_ms),
        "expected_expiration_time": (
            iso_datetime(info.expected_expiration_time) if info and info.expected_expiration_time else None
        ),
        "expiration_time": iso_datetime(info.latest_expiration_time) if info else iso(market.close_ms),
        "latest_expiration_time": iso_datetime(info.latest_expiration_time) if info else iso(market.close_ms),
        "settlement_timer_seconds": market.settlement_timer_s,
        "status": market.status,
        "notional_value_dollars": "1.0000",
        "yes_bid_dollars": format_price(yes_bid),
        "yes_bid_size_fp": format_count(yes_bid_size),
        "yes_ask_dollars": format_price(yes_ask),
        "yes_ask_size_fp": format_count(yes_ask_size),
        "no_bid_dollars": format_price(no_bid),
        "no_ask_dollars": format_price(no_ask),
        "last_price_dollars": format_price(market.last_price),
        "previous_yes_bid_dollars": format_price(market.previous_yes_bid),
        "previous_yes_ask_dollars": format_price(market.previous_yes_ask),
        "previous_price_dollars": format_price(market.previous_price),
        "volume_fp": format_count(market.volume),
        "volume_24h_fp": format_count(market.volume_24h(now_ms)),
        "open_interest_fp": format_count(market.open_interest),
        "liquidity_dollars": "0.0000",
        "result": market.result,
        "can_close_early": market.can_close_early,
        "expiration_value": (format_price(market.settlement_value) if determined else ""),
        "rules_primary": info.rules_primary if info else "",
        "rules_secondary": info.rules_secondary if info else "",
        "price_level_structure": market.price_level_structure,
        "price_ranges": [
            {
                "start": format_price(band.start),
                "end": format_price(band.end),
                "step": format_price(band.step),
            }
            for band in market.grid.ranges
        ],
        "is_provisional": False,
        "exchange_index": 0,
    }
    if determined:
        out["settlement_value_dollars"] = format_price(market.settlement_value)
    if market.status == FINALIZED:
        out["settlement_ts"] = iso(market.settled_ms)
    if info is not None:
        if info.strike_type in _STRIKE_TYPES:
            out["strike_type"] = info.strike_type
        if info.floor_strike is not None:
            out["floor_strike"] = float(info.floor_strike)
        if info.cap_strike is not None:
            out["cap_strike"] = float(info.cap_strike)
    return out


def orderbook_json(market: Market, depth: int) -> JsonDict:
    """`orderbook_fp`: bids only, each leg in its own prices, ascending, best last (API.md §4.2)."""
    yes_side, no_side = market.book.sides
    return {
        "yes_dollars": [[format_price(price), format_count(size)] for price, size in yes_side.depth(depth)],
        "no_dollars": [[format_price(price), format_count(size)] for price, size in no_side.depth(depth)],
    }


def trade_json(trade: TradeRecord) -> JsonDict:
    """A public Trade."""
    return {
        "trade_id": trade.trade_id,
        "ticker": trade.ticker,
        "count_fp": format_count(trade.quantity),
        "yes_price_dollars": format_price(trade.yes_price),
        "no_price_dollars": format_price(PRICE_ONE - trade.yes_price),
        "taker_side": _OUTCOME[trade.taker_side],
        "taker_outcome_side": _OUTCOME[trade.taker_side],
        "taker_book_side": _BOOK_SIDE[trade.taker_side],
        "created_time": iso(trade.ts_ms),
        "is_block_trade": False,
    }


def order_json(order: bk.Order | OrderUpdate) -> JsonDict:
    """An Order (orders__get-order.yaml); from the live order or an event snapshot."""
    price = order.price
    return {
        "order_id": order.order_id,
        "user_id": order.account_id,
        "client_order_id": order.client_order_id,
        "ticker": order.ticker,
        "side": _OUTCOME[order.side],
        "action": "buy",
        "outcome_side": _OUTCOME[order.side],
        "book_side": _BOOK_SIDE[order.side],
        "type": "limit",
        "status": _STATUS_NAMES[order.status],
        "yes_price_dollars": format_price(price),
        "no_price_dollars": format_price(PRICE_ONE - price),
        "fill_count_fp": format_count(order.filled),
        "remaining_count_fp": format_count(order.remaining),
        "initial_count_fp": format_count(order.initial),
        "taker_fill_cost_dollars": format_money(order.taker_cost),
        "maker_fill_cost_dollars": format_money(order.maker_cost),
        "taker_fees_dollars": format_money(order.taker_fees),
        "maker_fees_dollars": format_money(order.maker_fees),
        "expiration_time": iso(order.expiration_ms) if order.expiration_ms else None,
        "created_time": iso(order.created_ms),
        "last_update_time": iso(order.updated_ms),
        "self_trade_prevention_type": _STP_NAMES[order.stp],
        "order_group_id": None,
        "cancel_order_on_pause": getattr(order, "cancel_on_pause", False),
        "subaccount_number": 0,
        "exchange_index": 0,
    }


def fill_json(fill: FillRecord) -> JsonDict:
    """A Fill as its member sees it (portfolio__get-fills.yaml)."""
    return {
        "fill_id": fill.fill_id,
        "trade_id": fill.trade_id,
        "order_id": fill.order_id,
        "ticker": fill.ticker,
        "market_ticker": fill.ticker,
        "exchange_index": 0,
        "side": _OUTCOME[fill.side],
        "action": "buy",
        "outcome_side": _OUTCOME[fill.side],
        "book_side": _BOOK_SIDE[fill.side],
        "count_fp": format_count(fill.quantity),
        "yes_price_dollars": format_price(fill.yes_price),
        "no_price_dollars": format_price(PRICE_ONE - fill.yes_price),
        "is_taker": fill.is_taker,
        "fee_cost": format_money(fill.fee),
        "created_time": iso(fill.ts_ms),
        "subaccount_number": 0,
        "ts": fill.ts_ms // 1000,
    }


def market_position_json(exposure: Exposure) -> JsonDict:
    """A MarketPosition."""
    return {
        "ticker": exposure.ticker,
        "exchange_index": 0,
        "total_traded_dollars": format_money(exposure.traded),
        "position_fp": format_count(exposure.position),
        "market_exposure_dollars": format_money(exposure.cost),
        "realized_pnl_dollars": format_money(exposure.realized),
        "fees_paid_dollars": format_money(exposure.fees_paid),
        "last_updated_ts": iso(exposure.updated_ms),
    }


def event_position_json(event_ticker: str, exposures: list[Exposure]) -> JsonDict:
    """An EventPosition: the sums over the event's markets."""
    cost = sum(e.cost for e in exposures)
    return {
        "event_ticker": event_ticker,
        "total_cost_dollars": format_money(cost),
        "total_cost_shares_fp": format_count(sum(abs(e.position) for e in exposures)),
        "event_exposure_dollars": format_money(cost),
        "realized_pnl_dollars": format_money(sum(e.realized for e in exposures)),
        "fees_paid_dollars": format_money(sum(e.fees_paid for e in exposures)),
    }


def settlement_json(record: SettlementRecord, event_ticker: str) -> JsonDict:
    """A Settlement; `revenue` and `value` are integer cents (API.md §3)."""
    return {
        "ticker": record.ticker,
        "exchange_index": 0,
        "event_ticker": event_ticker,
        "market_result": record.result,
        "yes_count_fp": format_count(record.yes_count),
        "yes_total_cost_dollars": format_money(record.yes_cost),
        "no_count_fp": format_count(record.no_count),
        "no_total_cost_dollars": format_money(record.no_cost),
        "revenue": record.revenue // MICRO_PER_CENT,
        "settled_time": iso(record.ts_ms),
        "fee_cost": format_money(record.fee),
        "value": record.value // 100,
    }


def series_json(series: SeriesInfo, volume: int | None = None) -> JsonDict:
    """A Series."""
    out: JsonDict = {
        "ticker": series.ticker,
        "frequency": series.frequency,
        "title": series.title,
        "category": series.category,
        "tags": series.tags,
        "settlement_sources": series.settlement_sources,
        "contract_url": series.contract_url,
        "contract_terms_url": series.contract_terms_url,
        "fee_type": series.fee_type,
        "fee_multiplier": series.fee_multiplier_bp / 10_000,
        "additional_prohibitions": [],
        "last_updated_ts": iso_datetime(series.updated_at),
        "exchange_index": 0,
    }
    if volume is not None:
        out["volume_fp"] = format_count(volume)
    return out


def event_json(event: EventInfo, markets: list[JsonDict] | None) -> JsonDict:
    """An EventData, with nested markets when given."""
    out: JsonDict = {
        "event_ticker": event.event_ticker,
        "series_ticker": event.series_ticker,
        "title": event.title,
        "sub_title": event.sub_title,
        "collateral_return_type": event.collateral_return_type,
        "mutually_exclusive": event.mutually_exclusive,
        "available_on_brokers": False,
        "settlement_sources": [],
        "strike_date": iso_datetime(event.strike_date) if event.strike_date else None,
        "strike_period": event.strike_period,
        "product_metadata": None,
        "last_updated_ts": iso_datetime(event.updated_at),
        "fee_type_override": None,
        "fee_multiplier_override": None,
        "exchange_index": 0,
    }
    if markets is not None:
        out["markets"] = markets
    return out


def balance_json(available: int, portfolio_value: int, now_ms: int) -> JsonDict:
    """GET /portfolio/balance: `balance` and `portfolio_value` are integer cents, truncated."""
    cents = available // MICRO_PER_CENT
    return {
        "balance": cents,
        "balance_dollars": format_money(available),
        "portfolio_value": portfolio_value // MICRO_PER_CENT,
        "updated_ts": now_ms // 1000,
        "balance_breakdown": [{"exchange_index": 0, "balance": format_money(available)}],
    }


# ----------------------------------------------------------------------------- WebSocket payloads


def ws_trade(trade: TradeRecord) -> JsonDict:
    """`trade` channel msg."""
    return {
        "trade_id": trade.trade_id,
        "market_ticker": trade.ticker,
        "yes_price_dollars": format_price(trade.yes_price),
        "no_price_dollars": format_price(PRICE_ONE - trade.yes_price),
        "count_fp": format_count(trade.quantity),
        "taker_side": _OUTCOME[trade.taker_side],
        "taker_outcome_side": _OUTCOME[trade.taker_side],
        "taker_book_side": _BOOK_SIDE[trade.taker_side],
        "is_block_trade": False,
        "ts": trade.ts_ms // 1000,
        "ts_ms": trade.ts_ms,
    }


def ws_fill(fill: FillRecord) -> JsonDict:
    """`fill` channel msg."""
    out: JsonDict = {
        "trade_id": fill.trade_id,
        "order_id": fill.order_id,
        "market_ticker": fill.ticker,
        "exchange_index": 0,
        "is_taker": fill.is_taker,
        "side": _OUTCOME[fill.side],
        "yes_price_dollars": format_price(fill.yes_price),
        "count_fp": format_count(fill.quantity),
        "fee_cost": format_money(fill.fee),
        "action": "buy",
        "outcome_side": _OUTCOME[fill.side],
        "book_side": _BOOK_SIDE[fill.side],
        "purchased_side": _OUTCOME[fill.side],
        "post_position_fp": format_count(fill.post_position),
        "ts": fill.ts_ms // 1000,
        "ts_ms": fill.ts_ms,
    }
    if fill.client_order_id:
        out["client_order_id"] = fill.client_order_id
    return out


def ws_user_order(update: OrderUpdate) -> JsonDict:
    """`user_orders` channel msg."""
    out: JsonDict = {
        "order_id": update.order_id,
        "user_id": update.account_id,
        "ticker": update.ticker,
        "status": _STATUS_NAMES[update.status],
        "side": _OUTCOME[update.side],
        "is_yes": update.side == bk.BID,
        "outcome_side": _OUTCOME[update.side],
        "book_side": _BOOK_SIDE[update.side],
        "yes_price_dollars": format_price(update.price),
        "fill_count_fp": format_count(update.filled),
        "remaining_count_fp": format_count(update.remaining),
        "initial_count_fp": format_count(update.initial),
        "taker_fill_cost_dollars": format_money(update.taker_cost),
        "maker_fill_cost_dollars": format_money(update.maker_cost),
        "taker_fees_dollars": format_money(update.taker_fees),
        "maker_fees_dollars": format_money(update.maker_fees),
        "client_order_id": update.client_order_id,
        "self_trade_prevention_type": _STP_NAMES[update.stp],
        "created_time": iso(update.created_ms),
        "created_ts_ms": update.created_ms,
        "last_update_time": iso(update.updated_ms),
        "last_updated_ts_ms": update.updated_ms,
        "subaccount_number": 0,
    }
    if update.expiration_ms:
        out["expiration_time"] = iso(update.expiration_ms)
        out["expiration_ts_ms"] = update.expiration_ms
    return out


def ws_market_position(update: PositionUpdate) -> JsonDict:
    """`market_positions` channel msg."""
    return {
        "user_id": update.account_id,
        "market_ticker": update.ticker,
        "position_fp": format_count(update.position),
        "position_cost_dollars": format_money(update.cost),
        "realized_pnl_dollars": format_money(update.realized),
        "fees_paid_dollars": format_money(update.fees_paid),
        "position_fee_cost_dollars": format_money(update.fees_paid),
        "volume_fp": format_count(update.volume),
    }


def ws_ticker(update: TickerUpdate, market_id: str) -> JsonDict:
    """`ticker` channel msg; `dollar_volume` / `dollar_open_interest` are whole dollars (API.md §3)."""
    return {
        "market_ticker": update.ticker,
        "market_id": market_id,
        "price_dollars": format_price(update.last_price),
        "yes_bid_dollars": format_price(update.yes_bid),
        "yes_ask_dollars": format_price(update.yes_ask),
        "yes_bid_size_fp": format_count(update.bid_size),
        "yes_ask_size_fp": format_count(update.ask_size),
        "last_trade_size_fp": format_count(update.last_size),
        "volume_fp": format_count(update.volume),
        "open_interest_fp": format_count(update.open_interest),
        "dollar_volume": update.dollar_volume // 1_000_000,
        "dollar_open_interest": update.open_interest // 100,
        "ts": update.ts_ms // 1000,
        "ts_ms": update.ts_ms,
        "time": iso(update.ts_ms),
    }
