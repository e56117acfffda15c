"""The Kalshi REST API under `/trade-api/v2` (API.md §4; shapes from the OpenAPI fragments)."""

from __future__ import annotations

import asyncio
import logging
import re
from bisect import bisect_left
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Final, TypeVar

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.engine import book as bk
from sandbox.engine import errors
from sandbox.engine.commands import AmendOrder, CancelOrder, CreateOrder, DecreaseOrder, OpenAccount
from sandbox.engine.events import Result
from sandbox.engine.ledger import Account, Exposure
from sandbox.engine.markets import FINALIZED, STATUS_FILTERS, Market
from sandbox.engine.units import (
    PRICE_ONE,
    UnitsError,
    format_count,
    format_money,
    parse_count,
    parse_price,
    round_half_up_div,
)
from sandbox.server import wire
from sandbox.server.auth import Principal
from sandbox.server.http import (
    ApiError,
    bad_request,
    decode_cursor,
    decode_int_cursor,
    encode_cursor,
    error_body,
    error_response,
    field_bool,
    field_int,
    field_str,
    json_body,
    json_response,
    query_bool,
    query_int,
    query_optional_int,
    reject_unknown,
    too_many_requests,
)
from sandbox.server.ratelimit import CANCEL_COST, DEFAULT_COST
from sandbox.server.runtime import JournalUnavailable, Runtime

logger = logging.getLogger("sandbox")
T = TypeVar("T")
Handler = Callable[[Request, Runtime, Principal], Awaitable[Response]]

_CLIENT_ORDER_ID_RE: Final = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_TIF: Final = {"good_till_canceled": bk.GTC, "immediate_or_cancel": bk.IOC, "fill_or_kill": bk.FOK}
_STP: Final = {"taker_at_cross": bk.STP_TAKER_AT_CROSS, "maker": bk.STP_MAKER}
_SIDES: Final = {"bid": bk.BID, "ask": bk.ASK}
_CREATE_FIELDS: Final = frozenset(
    {
        "ticker",
        "client_order_id",
        "side",
        "count",
        "price",
        "expiration_time",
        "time_in_force",
        "post_only",
        "self_trade_prevention_type",
        "cancel_order_on_pause",
        "reduce_only",
        "subaccount",
        "order_group_id",
        "exchange_index",
    }
)
_AMEND_FIELDS: Final = frozenset(
    {"ticker", "side", "price", "count", "client_order_id", "updated_client_order_id", "exchange_index"}
)
_DECREASE_FIELDS: Final = frozenset({"reduce_by", "reduce_to", "exchange_index", "market_ticker"})
_CANCEL_ITEM_FIELDS: Final = frozenset({"order_id", "subaccount", "exchange_index", "market_ticker"})
MAX_BATCH: Final = 20
_WRITE_METHODS: Final = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ANONYMOUS: Final = Principal(key_id="", account_id="")  # what public handlers receive
_ORDER_STATUSES: Final = {"resting": bk.RESTING, "canceled": bk.CANCELED, "executed": bk.EXECUTED}


# ----------------------------------------------------------------------------- plumbing


def _client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def endpoint(
    *, private: bool, write: bool = False, cost: int | None = DEFAULT_COST
) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """Wrap a handler with fault injection, authentication, rate limiting and error bodies.

    `cost=None` lets the handler charge the write bucket itself (batches cost per item).
    """

    def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def run(request: Request) -> Response:
            runtime: Runtime = request.app.state.runtime
            faults = runtime.faults
            try:
                if faults.active:
                    settings = faults.settings
                    if settings.latency_ms:
                        await asyncio.sleep(settings.latency_ms / 1000)
                    if faults.hit(settings.error_5xx_rate):
                        return json_response(
                            error_body(errors.SERVICE_UNAVAILABLE, "service unavailable (injected fault)"),
                            503,
                        )
                    if faults.hit(settings.rate_429_rate):
                        return too_many_requests()
                principal = ANONYMOUS
                if private:
                    headers = request.headers
                    raw_path = request.scope.get("raw_path") or request.url.path.encode()
                    principal = await runtime.verifier.verify(
                        request.method,
                        raw_path.decode("latin-1").split("?", 1)[0],
                        headers.get("kalshi-access-key"),
                        headers.get("kalshi-access-timestamp"),
                        headers.get("kalshi-access-signature"),
                    )
                    who = principal.account_id
                    if who not in runtime.exchange.accounts:
                        # A key made by `sandbox_key` a moment ago: its member is in the database
                        # (the key lookup proved it) but not yet journaled.
                        await runtime.submit(OpenAccount(runtime.stamp(), who))
                else:
                    who = "ip:" + _client_address(request)
                if cost is not None and not runtime.limiter.allow(who, write, cost):
                    return too_many_requests()
                response = await handler(request, runtime, principal)
                if (
                    faults.active
                    and 200 <= response.status_code < 300
                    and request.method in _WRITE_METHODS
                    and faults.hit(faults.settings.error_after_rate)
                ):
                    # The write has taken effect (journaled); its answer is lost (faults.py).
                    return json_response(
                        error_body("internal_error", "internal server error (injected fault)"), 500
                    )
                return response
            except ApiError as exc:
                return error_response(exc)
            except JournalUnavailable:
                return json_response(
                    error_body(errors.SERVICE_UNAVAILABLE, "the sandbox journal is unavailable"), 503
                )
            except Exception:
                logger.exception("sandbox: unhandled error on %s %s", request.method, request.url.path)
                return json_response(error_body(errors.INTERNAL_ERROR, "internal server error"), 500)

        return run

    return wrap


def _page(items: Sequence[T], limit: int, cursor: str | None, key: Callable[[T], int]) -> tuple[list[T], str]:
    """Newest first over a list sorted by an increasing key; the cursor is the last key returned."""
    end = len(items)
    if cursor:
        end = bisect_left(items, decode_int_cursor(cursor), key=key)
    page = list(reversed(items[max(0, end - limit) : end]))
    next_cursor = encode_cursor(key(page[-1])) if page and end - limit > 0 else ""
    return page, next_cursor


def _filtered_page(
    items: Sequence[T], limit: int, cursor: str | None, key: Callable[[T], int], keep: Callable[[T], bool]
) -> tuple[list[T], str]:
    """Like `_page`, with a filter (walks backwards until the page is full)."""
    end = len(items)
    if cursor:
        position = decode_int_cursor(cursor)
        end = bisect_left(items, position, key=key)
    page: list[T] = []
    index = end - 1
    while index >= 0 and len(page) < limit:
        item = items[index]
        if keep(item):
            page.append(item)
        index -= 1
    more = any(keep(items[i]) for i in range(index, -1, -1)) if page and index >= 0 else False
    return page, encode_cursor(key(page[-1])) if more else ""


def _ts_window(request: Request) -> tuple[int | None, int | None]:
    """`min_ts` / `max_ts` query filters (Unix seconds) as milliseconds."""
    low = query_optional_int(request, "min_ts")
    high = query_optional_int(request, "max_ts")
    return (low * 1000 if low is not None else None, high * 1000 + 999 if high is not None else None)


def _market_or_404(runtime: Runtime, ticker: str) -> Market:
    market = runtime.exchange.markets.get(ticker)
    if market is None:
        raise ApiError(404, errors.MARKET_NOT_FOUND, f"market {ticker} not found")
    return market


def _check_routing(subaccount: int | None, exchange_index: int | None) -> None:
    """The sandbox has one shard (0) and only the primary subaccount (0)."""
    if subaccount not in (None, 0):
        bad_request("subaccounts are not supported by the sandbox", details="subaccount must be 0")
    if exchange_index not in (None, -1, 0):
        bad_request("invalid exchange_index", details="the sandbox has one exchange shard: 0")


def _query_routing(request: Request) -> None:
    _check_routing(query_optional_int(request, "subaccount"), query_optional_int(request, "exchange_index"))


def _engine_error(result: Result) -> ApiError:
    if result.error is None:
        raise RuntimeError("not a rejection")
    return ApiError.from_reject(result.error)


def _fill_fields(out: dict[str, Any], result: Result) -> dict[str, Any]:
    """`average_fill_price` / `average_fee_paid` (per contract), only when something filled."""
    if result.filled:
        out["average_fill_price"] = wire.average_price(result.notional, result.filled)
        out["average_fee_paid"] = format_money(round_half_up_div(result.fees * 100, result.filled))
    return out


# ----------------------------------------------------------------------------- exchange


@endpoint(private=False)
async def exchange_status(request: Request, runtime: Runtime, _: Principal) -> Response:
    """GET /exchange/status."""
    exchange = runtime.exchange
    active, trading = exchange.exchange_active, exchange.exchange_active and exchange.trading_active
    return json_response(
        {
            "exchange_active": active,
            "trading_active": trading,
            "intra_exchange_transfers_active": False,
            "exchange_estimated_resume_time": None,
            "exchange_index_statuses": [
                {
                    "exchange_index": 0,
                    "description": "sandbox",
                    "exchange_active": active,
                    "trading_active": trading,
                    "intra_exchange_transfers_active": False,
                }
            ],
        }
    )


@endpoint(private=False)
async def exchange_schedule(request: Request, runtime: Runtime, _: Principal) -> Response:
    """GET /exchange/schedule: the sandbox trades around the clock, with no maintenance windows."""
    all_day = [{"open_time": "00:00", "close_time": "23:59"}]
    days = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    hours = {"start_time": "2020-01-01T00:00:00Z", "end_time": "2100-01-01T00:00:00Z"} | dict.fromkeys(
        days, all_day
    )
    return json_response({"schedule": {"standard_hours": [hours], "maintenance_windows": []}})


@endpoint(private=False)
async def user_data_timestamp(request: Request, runtime: Runtime, _: Principal) -> Response:
    """GET /exchange/user_data_timestamp: portfolio reads are never behind in the sandbox."""
    return json_response({"as_of_time": wire.iso(runtime.now_ms())})


@endpoint(private=False)
async def endpoint_costs(request: Request, runtime: Runtime, _: Principal) -> Response:
    """GET /account/endpoint_costs."""
    return json_response(
        {
            "default_cost": DEFAULT_COST,
            "endpoint_costs": [
                {
                    "method": "DELETE",
                    "path": "/trade-api/v2/portfolio/events/orders/{order_id}",
                    "cost": CANCEL_COST,
                },
                {
                    "method": "DELETE",
                    "path": "/trade-api/v2/portfolio/events/orders/batched",
                    "cost": CANCEL_COST,
                },
            ],
        }
    )


@endpoint(private=True)
async def account_limits(request: Request, runtime: Runtime, _: Principal) -> Response:
    """GET /account/limits."""
    tier = runtime.limiter.tier
    if tier is None:
        body = {
            "usage_tier": "unlimited",
            "read": {"refill_rate": 1_000_000, "bucket_capacity": 1_000_000},
            "write": {"refill_rate": 1_000_000, "bucket_capacity": 1_000_000},
            "grants": [],
        }
    else:
        body = {
            "usage_tier": tier.name,
            "read": {"refill_rate": tier.read_rate, "bucket_capacity": tier.read_capacity},
            "write": {"refill_rate": tier.write_rate, "bucket_capacity": tier.write_capacity},
            "grants": [],
        }
    return json_response(body)


# ----------------------------------------------------------------------------- markets


def _market_view(runtime: Runtime, market: Market) -> dict[str, Any]:
    return wire.market_json(market, runtime.catalog.markets.get(market.ticker), runtime.now_ms())


@endpoint(private=False)
async def markets_list(request: Request, runtime: Runtime, _: Principal) -> Response:
    """GET /markets with its filters and cursor pagination."""
    query = request.query_params
    limit = query_int(request, "limit", 100, 0, 1000) or 100
    status = query.get("status")
    if status is not None and status not in STATUS_FILTERS:
        bad_request("invalid status filter", details=f"status must be one of {', '.join(STATUS_FILTERS)}")
    created = [query_optional_int(request, n) for n in ("min_created_ts", "max_created_ts")]
    closes = [query_optional_int(request, n) for n in ("min_close_ts", "max_close_ts")]
    settled = [query_optional_int(request, n) for n in ("min_settled_ts", "max_settled_ts")]
    min_updated = query_optional_int(request, "min_updated_ts")
    # Filter compatibility (API.md §4.2).
    if any(v is not None for v in created) and status not in (None, "unopened", "open"):
        bad_request("created-time filters need status unopened, open or none")
    if any(v is not None for v in closes) and status not in (None, "closed"):
        bad_request("close-time filters need status closed or none")
    if any(v is not None for v in settled) and status not in (None, "settled"):
        bad_request("settled-time filters need status settled or none")
    if min_updated is not None and (status or any(v is not None for v in created + closes + settled)):
        bad_request("min_updated_ts cannot be combined with other filters")
    mve = query.get("mve_filter")
    if mve is not None and mve not in ("only", "exclude"):
        bad_request("mve_filter must be only or exclude")
    event_ticker = query.get("event_ticker")
    series_ticker = query.get("series_ticker")
    tickers = {t for t in query.get("tickers", "").split(",") if t} or None
    statuses = STATUS_FILTERS[status] if status else None

    def keep(market: Market) -> bool:
        if mve == "only":
            return False
        if statuses is not None and market.status not in statuses:
            return False
        if tickers is not None and market.ticker not in tickers:
            return False
        if event_ticker and market.event_ticker != event_ticker:
            return False
        if series_ticker and market.series_ticker != series_ticker:
            return False
        if created[0] is not None and market.created_ms < created[0] * 1000:
            return False
        if created[1] is not None and market.created_ms > created[1] * 1000 + 999:
            return False
        if closes[0] is not None and market.close_ms < closes[0] * 1000:
            return False
        if closes[1] is not None and market.close_ms > closes[1] * 1000 + 999:
            return False
        if settled[0] is not None and (market.status != FINALIZED or market.settled_ms < settled[0] * 1000):
            return False
        if settled[1] is not None and (
            market.status != FINALIZED or market.settled_ms > settled[1] * 1000 + 999
        ):
            return False
        return not (min_updated is not None and market.updated_ms < min_updated * 1000)

    markets = list(runtime.exchange.markets.values())
    start = max(0, decode_int_cursor(query["cursor"])) if query.get("cursor") else 0
    out: list[dict[str, Any]] = []
    index = start
    while index < len(markets) and len(out) < limit:
        market = markets[index]
        index += 1
        if keep(market):
            out.append(_market_view(runtime, market))
    more = any(keep(markets[i]) for i in range(index, len(markets)))
    return json_response({"markets": out, "cursor": encode_cursor(index) if more else ""})


@endpoint(private=False)
async def market_get(request: Request, runtime: Runtime, _: Principal) -> Response:
    """GET /markets/{ticker}."""
    market = _market_or_404(runtime, request.path_params["ticker"])
    return json_response({"market": _market_view(runtime, market)})


@endpoint(private=False)
async def orderbook_get(request: Request, runtime: Runtime, _: Principal) -> Response:
    """GET /markets/{ticker}/orderbook (auth headers accepted, not required: §15.9)."""
    market = _market_or_404(runtime, request.path_params["ticker"])
    depth = query_int(request, "depth", 0, 0, 100)
    return json_response({"orderbook_fp": wire.orderbook_json(market, depth)})


@endpoint(private=False)
async def orderbooks_get(request: Request, runtime: Runtime, _: Principal) -> Response:
    """GET /markets/orderbooks?tickers=A&tickers=B (1 to 100 tickers)."""
    tickers = request.query_params.getlist("tickers")
    if not 1 <= len(tickers) <= 100:
        bad_request("tickers must be given 1 to 100 times", details="use ?tickers=A&tickers=B")
    books = []
    for ticker in tickers:
        market = _market_or_404(runtime, ticker)
        books.append({"ticker": ticker, "orderbook_fp": wire.orderbook_json(market, 0)})
    return json_response({"orderbooks": books})


@endpoint(private=False)
async def trades_list(request: Request, runtime: Runtime, _: Principal) -> Response:
    """GET /markets/trades, newest first."""
    limit = query_int(request, "limit", 100, 0, 1000) or 100
    ticker = request.query_params.get("ticker")
    low, high = _ts_window(request)
    if request.query_params.get("is_block_trade") is not None and query_bool(request, "is_block_trade"):
        return json_response({"trades": [], "cursor": ""})  # the sandbox has no block trades
    if ticker:
        source = runtime.exchange.markets[ticker].trades if ticker in runtime.exchange.markets else []
    else:
        source = runtime.exchange.trades

    def keep(trade: Any) -> bool:
        return (low is None or trade.ts_ms >= low) and (high is None or trade.ts_ms <= high)

    if low is None and high is None:
        page, cursor = _page(source, limit, request.query_params.get("cursor"), lambda t: t.seq)
    else:
        page, cursor = _filtered_page(
            source, limit, request.query_params.get("cursor"), lambda t: t.seq, keep
        )
    return json_response({"trades": [wire.trade_json(t) for t in page], "cursor": cursor})


# ----------------------------------------------------------------------------- events and series


def _event_markets(runtime: Runtime, event_ticker: str) -> list[Market]:
    event = runtime.catalog.events.get(event_ticker)
    markets = runtime.exchange.markets
    if event is not None:
        return [markets[t] for t in event.market_tickers if t in markets]
    return [m for m in markets.values() if m.event_ticker == event_ticker]


@endpoint(private=False)
async def events_list(request: Request, runtime: Runtime, _: Principal) -> Response:
    """GET /events."""
    query = request.query_params
    limit = query_int(request, "limit", 200, 1, 200)
    nested = query_bool(request, "with_nested_markets")
    query_bool(request, "with_milestones")
    status = query.get("status")
    if status is not None and status not in ("unopened", "open", "closed", "settled"):
        bad_request("invalid status filter")
    series_ticker = query.get("series_ticker")
    tickers = {t for t in query.get("tickers", "").split(",") if t} or None
    min_close = query_optional_int(request, "min_close_ts")
    min_updated = query_optional_int(request, "min_updated_ts")
    events = list(runtime.catalog.events.values())

    def keep(index: int) -> bool:
        event = events[index]
        if series_ticker and event.series_ticker != series_ticker:
            return False
        if tickers is not None and event.event_ticker not in tickers:
            return False
        if min_updated is not None and wire.ms_of(event.updated_at) < min_updated * 1000:
            return False
        markets = _event_markets(runtime, event.event_ticker)
        if status is not None and not any(m.status in STATUS_FILTERS[status] for m in markets):
            return False
        return min_close is None or any(m.close_ms >= min_close * 1000 for m in markets)

    start = max(0, decode_int_cursor(query["cursor"])) if query.get("cursor") else 0
    out: list[dict[str, Any]] = []
    index = start
    while index < len(events) and len(out) < limit:
        if keep(index):
            event = events[index]
            markets = (
                [_market_view(runtime, m) for m in _event_markets(runtime, event.event_ticker)]
                if nested
                else None
            )
            out.append(wire.event_json(event, markets))
        index += 1
    more = any(keep(i) for i in range(index, len(events)))
    return json_response({"events": out, "cursor": encode_cursor(index) if more else ""})


@endpoint(private=False)
async def event_get(request: Request, runtime: Runtime, _: Principal) -> Response:
    """GET /events/{event_ticker}: markets at the top level (deprecated) and, if asked, nested."""
    event = runtime.catalog.events.get(request.path_params["event_ticker"])
    if event is None:
        raise ApiError(404, errors.NOT_FOUND, "event not found")
    markets = [_market_view(runtime, m) for m in _event_markets(runtime, event.event_ticker)]
    nested = query_bool(request, "with_nested_markets")
    return json_response({"event": wire.event_json(event, markets if nested else None), "markets": markets})


def _series_volume(runtime: Runtime, series_ticker: str) -> int:
    return sum(m.volume for m in runtime.exchange.markets.values() if m.series_ticker == series_ticker)


@endpoint(private=False)
async def series_list(request: Request, runtime: Runtime, _: Principal) -> Response:
    """GET /series (not paginated)."""
    query = request.query_params
    category = query.get("category")
    tags = {t for t in query.get("tags", "").split(",") if t}
    include_volume = query_bool(request, "include_volume")
    query_bool(request, "include_product_metadata")
    min_updated = query_optional_int(request, "min_updated_ts")
    out = []
    for series in runtime.catalog.series.values():
        if category is not None and series.category != category:
            continue
        if tags and not tags & set(series.tags):
            continue
        if min_updated is not None and wire.ms_of(series.updated_at) < min_updated * 1000:
            continue
        out.append(
            wire.series_json(series, _series_volume(runtime, series.ticker) if include_volume else None)
        )
    return json_response({"series": out})


@endpoint(private=False)
async def series_get(request: Request, runtime: Runtime, _: Principal) -> Response:
    """GET /series/{series_ticker}."""
    series = runtime.catalog.series.get(request.path_params["series_ticker"])
    if series is None:
        raise ApiError(404, errors.NOT_FOUND, "series not found")
    volume = _series_volume(runtime, series.ticker) if query_bool(request, "include_volume") else None
    return json_response({"series": wire.series_json(series, volume)})


# ----------------------------------------------------------------------------- portfolio


def _account(runtime: Runtime, principal: Principal) -> Account:
    return runtime.exchange.accounts[principal.account_id]  # ensured by `endpoint`


@endpoint(private=True)
async def balance_get(request: Request, runtime: Runtime, principal: Principal) -> Response:
    """GET /portfolio/balance: `balance` is the available cash (collateral rule, README)."""
    _query_routing(request)
    account = _account(runtime, principal)
    markets = runtime.exchange.markets
    value = 0
    for exposure in account.exposures.values():
        if exposure.position and not exposure.settled:
            mark = markets[exposure.ticker].last_price
            value += (
                exposure.position * mark if exposure.position > 0 else -exposure.position * (PRICE_ONE - mark)
            )
    return json_response(wire.balance_json(account.available, value, runtime.now_ms()))


@endpoint(private=True)
async def positions_list(request: Request, runtime: Runtime, principal: Principal) -> Response:
    """GET /portfolio/positions: unsettled positions, by ticker."""
    _query_routing(request)
    account = _account(runtime, principal)
    query = request.query_params
    limit = query_int(request, "limit", 100, 1, 1000)
    filters = {f for f in query.get("count_filter", "").split(",") if f}
    if filters - {"position", "total_traded"}:
        bad_request("count_filter takes position and/or total_traded")
    ticker = query.get("ticker")
    event_ticker = query.get("event_ticker")
    markets = runtime.exchange.markets

    def keep(exposure: Exposure) -> bool:
        if exposure.settled or not (exposure.position or exposure.volume):
            return False
        if ticker and exposure.ticker != ticker:
            return False
        if event_ticker and markets[exposure.ticker].event_ticker != event_ticker:
            return False
        return not filters or bool(
            ("position" in filters and exposure.position) or ("total_traded" in filters and exposure.traded)
        )

    rows = sorted((e for e in account.exposures.values() if keep(e)), key=lambda e: e.ticker)
    after = decode_cursor(query["cursor"]) if query.get("cursor") else ""
    if after:
        rows = [e for e in rows if e.ticker > after]
    page = rows[:limit]
    by_event: dict[str, list[Exposure]] = {}
    for exposure in page:
        by_event.setdefault(markets[exposure.ticker].event_ticker, []).append(exposure)
    return json_response(
        {
            "market_positions": [wire.market_position_json(e) for e in page],
            "event_positions": [wire.event_position_json(ev, rows) for ev, rows in sorted(by_event.items())],
            "cursor": encode_cursor(page[-1].ticker) if len(rows) > limit else "",
        }
    )


@endpoint(private=True)
async def fills_list(request: Request, runtime: Runtime, principal: Principal) -> Response:
    """GET /portfolio/fills, newest first."""
    _query_routing(request)
    account = _account(runtime, principal)
    limit = query_int(request, "limit", 100, 1, 1000)
    ticker = request.query_params.get("ticker")
    order_id = request.query_params.get("order_id")
    low, high = _ts_window(request)

    def keep(fill: Any) -> bool:
        return (
            (not ticker or fill.ticker == ticker)
            and (not order_id or fill.order_id == order_id)
            and (low is None or fill.ts_ms >= low)
            and (high is None or fill.ts_ms <= high)
        )

    page, cursor = _filtered_page(
        account.fills, limit, request.query_params.get("cursor"), lambda f: f.seq, keep
    )
    return json_response({"fills": [wire.fill_json(f) for f in page], "cursor": cursor})


@endpoint(private=True)
async def settlements_list(request: Request, runtime: Runtime, principal: Principal) -> Response:
    """GET /portfolio/settlements, newest first."""
    _query_routing(request)
    account = _account(runtime, principal)
    limit = query_int(request, "limit", 100, 1, 1000)
    ticker = request.query_params.get("ticker")
    event_ticker = request.query_params.get("event_ticker")
    low, high = _ts_window(request)
    markets = runtime.exchange.markets

    def keep(record: Any) -> bool:
        return (
            (not ticker or record.ticker == ticker)
            and (not event_ticker or markets[record.ticker].event_ticker == event_ticker)
            and (low is None or record.ts_ms >= low)
            and (high is None or record.ts_ms <= high)
        )

    page, cursor = _filtered_page(
        account.settlements, limit, request.query_params.get("cursor"), lambda s: s.seq, keep
    )
    return json_response(
        {
            "settlements": [wire.settlement_json(s, markets[s.ticker].event_ticker) for s in page],
            "cursor": cursor,
        }
    )


@endpoint(private=True)
async def orders_list(request: Request, runtime: Runtime, principal: Principal) -> Response:
    """GET /portfolio/orders (V2 has no read endpoint of its own: §15.1), newest first."""
    _query_routing(request)
    account = _account(runtime, principal)
    query = request.query_params
    limit = query_int(request, "limit", 100, 1, 1000)
    ticker = query.get("ticker")
    event_tickers = {t for t in query.get("event_ticker", "").split(",") if t}
    if len(event_tickers) > 10:
        bad_request("at most 10 event tickers")
    status_name = query.get("status")
    if status_name is not None and status_name not in _ORDER_STATUSES:
        bad_request("status must be resting, canceled or executed")
    status = _ORDER_STATUSES.get(status_name) if status_name else None
    low, high = _ts_window(request)
    markets = runtime.exchange.markets

    def keep(order: bk.Order) -> bool:
        return (
            (not ticker or order.ticker == ticker)
            and (not event_tickers or markets[order.ticker].event_ticker in event_tickers)
            and (status is None or order.status == status)
            and (low is None or order.created_ms >= low)
            and (high is None or order.created_ms <= high)
        )

    page, cursor = _filtered_page(account.orders, limit, query.get("cursor"), lambda o: o.seq, keep)
    return json_response({"orders": [wire.order_json(o) for o in page], "cursor": cursor})


def _own_order(runtime: Runtime, principal: Principal, order_id: str) -> bk.Order:
    order = runtime.exchange.orders.get(order_id)
    if order is None or order.account_id != principal.account_id:
        raise ApiError(404, errors.NOT_FOUND, "order not found")
    return order


@endpoint(private=True)
async def order_get(request: Request, runtime: Runtime, principal: Principal) -> Response:
    """GET /portfolio/orders/{order_id}."""
    order = _own_order(runtime, principal, request.path_params["order_id"])
    return json_response({"order": wire.order_json(order)})


def _queue_position(runtime: Runtime, order: bk.Order) -> int:
    """Contracts ahead of a resting order at its price (0 = first in line)."""
    level = runtime.exchange.markets[order.ticker].book.sides[order.side].levels.get(order.leg)
    ahead = 0
    if level is not None:
        for other in level.orders:
            if other is order:
                break
            if other.in_book:
                ahead += other.remaining
    return ahead


@endpoint(private=True)
async def queue_position_get(request: Request, runtime: Runtime, principal: Principal) -> Response:
    """GET /portfolio/orders/{order_id}/queue_position."""
    order = _own_order(runtime, principal, request.path_params["order_id"])
    if order.status != bk.RESTING:
        raise ApiError(404, errors.NOT_FOUND, "order not found", "the order is not resting")
    return json_response({"queue_position_fp": format_count(_queue_position(runtime, order))})


@endpoint(private=True)
async def queue_positions_list(request: Request, runtime: Runtime, principal: Principal) -> Response:
    """GET /portfolio/orders/queue_positions (market_tickers and/or event_ticker)."""
    _query_routing(request)
    account = _account(runtime, principal)
    tickers = {t for t in request.query_params.get("market_tickers", "").split(",") if t}
    event_ticker = request.query_params.get("event_ticker")
    if not tickers and not event_ticker:
        bad_request("market_tickers or event_ticker is required")
    markets = runtime.exchange.markets
    out = [
        {
            "order_id": o.order_id,
            "market_ticker": o.ticker,
            "queue_position_fp": format_count(_queue_position(runtime, o)),
        }
        for o in account.orders
        if o.status == bk.RESTING
        and (o.ticker in tickers or (event_ticker and markets[o.ticker].event_ticker == event_ticker))
    ]
    return json_response({"queue_positions": out})


# ----------------------------------------------------------------------------- orders (V2)


def _parse_create(runtime: Runtime, account_id: str, body: Any, ts_ms: int) -> CreateOrder:
    """A V2 create body -> CreateOrder; ApiError with Kalshi's codes for bad input."""
    if not isinstance(body, dict):
        bad_request("each order must be a JSON object")
    reject_unknown(body, _CREATE_FIELDS)
    ticker = field_str(body, "ticker", required=True, max_length=64)
    side_name = field_str(body, "side", required=True)
    if side_name not in _SIDES:
        bad_request("side must be bid or ask", details=f"side={side_name!r}")
    if "count" not in body:
        bad_request("count is required", details="missing field: count")
    if type(body["count"]) is not str:
        bad_request("count must be a fixed-point string", details='e.g. "10" or "2.50"')
    try:
        count = parse_count(body["count"])
    except UnitsError as exc:
        raise ApiError(400, errors.INVALID_ORDER_SIZE, "invalid order size", str(exc)) from None
    if count <= 0:
        raise ApiError(400, errors.INVALID_ORDER_SIZE, "invalid order size", "count must be at least 0.01")
    if "price" not in body:
        bad_request("price is required", details="missing field: price")
    if type(body["price"]) is not str:
        bad_request("price must be a fixed-point dollar string", details='e.g. "0.5600"')
    try:
        price = parse_price(body["price"])
    except UnitsError as exc:
        raise ApiError(400, errors.INVALID_PRICE, "invalid price", str(exc)) from None
    tif_name = field_str(body, "time_in_force", required=True)
    if tif_name not in _TIF:
        bad_request("invalid time_in_force", details=f"time_in_force={tif_name!r}")
    stp_name = field_str(body, "self_trade_prevention_type", required=True)
    if stp_name not in _STP:
        bad_request("invalid self_trade_prevention_type", details=f"self_trade_prevention_type={stp_name!r}")
    client_order_id = field_str(body, "client_order_id", max_length=64)
    if client_order_id and not _CLIENT_ORDER_ID_RE.match(client_order_id):
        bad_request("invalid client_order_id", details="use letters, digits, '-' and '_' (at most 64)")
    expiration = field_int(body, "expiration_time", minimum=1)
    if expiration is not None and expiration > 4_102_444_800:
        bad_request("expiration_time must be Unix seconds", details="expiration_time is after 2100")
    _check_routing(field_int(body, "subaccount", minimum=0), field_int(body, "exchange_index"))
    if field_str(body, "order_group_id"):
        bad_request("order groups are not supported by the sandbox")
    return CreateOrder(
        ts_ms,
        account_id,
        ticker,
        _SIDES[side_name],
        price,
        count,
        _TIF[tif_name],
        _STP[stp_name],
        client_order_id,
        expiration * 1000 if expiration is not None else 0,
        field_bool(body, "post_only"),
        field_bool(body, "reduce_only"),
        field_bool(body, "cancel_order_on_pause"),
    )


def _create_response(result: Result) -> dict[str, Any]:
    out: dict[str, Any] = {"order_id": result.order_id}
    if result.client_order_id:
        out["client_order_id"] = result.client_order_id
    out["fill_count"] = format_count(result.filled)
    out["remaining_count"] = format_count(result.remaining)
    _fill_fields(out, result)
    out["ts_ms"] = result.ts_ms
    return out


@endpoint(private=True, write=True)
async def order_create(request: Request, runtime: Runtime, principal: Principal) -> Response:
    """POST /portfolio/events/orders -> 201."""
    body = await json_body(request)
    _account(runtime, principal)
    command = _parse_create(runtime, principal.account_id, body, 0)
    result = await runtime.submit(command._replace(ts_ms=runtime.stamp()))
    if result.error is not None:
        raise _engine_error(result)
    return json_response(_create_response(result), 201)


@endpoint(private=True, write=True, cost=None)
async def orders_batch_create(request: Request, runtime: Runtime, principal: Principal) -> Response:
    """POST /portfolio/events/orders/batched -> 201 with a result or an error per item."""
    body = await json_body(request)
    reject_unknown(body, frozenset({"orders"}))
    items = body.get("orders")
    if not isinstance(items, list) or not items:
        bad_request("orders must be a non-empty list")
    if len(items) > MAX_BATCH:
        bad_request(f"at most {MAX_BATCH} orders per batch")
    cost = DEFAULT_COST * len(items)
    if cost > runtime.limiter.capacity(write=True):
        bad_request("batch too large for the write bucket", details=f"costs {cost} tokens")
    if not runtime.limiter.allow(principal.account_id, True, cost):
        return too_many_requests()
    _account(runtime, principal)
    outputs: list[dict[str, Any]] = []
    waits = []
    for item in items:
        client_order_id = item.get("client_order_id") if isinstance(item, dict) else None
        try:
            command = _parse_create(runtime, principal.account_id, item, 0)
        except ApiError as exc:
            outputs.append(_batch_error(client_order_id, exc))
            continue
        result, durable = runtime.apply(command._replace(ts_ms=runtime.stamp()))
        if durable is not None:
            waits.append(durable)
        if result.error is not None:
            outputs.append(_batch_error(client_order_id, _engine_error(result)))
        else:
            outputs.append(_create_response(result) | {"error": None})
    for durable in waits:
        await durable
    return json_response({"orders": outputs}, 201)


def _batch_error(client_order_id: Any, exc: ApiError) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if isinstance(client_order_id, str) and client_order_id:
        out["client_order_id"] = client_order_id
    out["error"] = error_body(exc.code, exc.message, exc.details)["error"]
    return out


def _cancel_response(result: Result) -> dict[str, Any]:
    out: dict[str, Any] = {"order_id": result.order_id}
    if result.client_order_id:
        out["client_order_id"] = result.client_order_id
    out["reduced_by"] = format_count(result.reduced)
    out["ts_ms"] = result.ts_ms
    return out


@endpoint(private=True, write=True, cost=CANCEL_COST)
async def order_cancel(request: Request, runtime: Runtime, principal: Principal) -> Response:
    """DELETE /portfolio/events/orders/{order_id} -> 200 {order_id, client_order_id, reduced_by, ts_ms}."""
    _query_routing(request)
    order_id = request.path_params["order_id"]
    result = await runtime.submit(CancelOrder(runtime.stamp(), principal.account_id, order_id))
    if result.error is not None:
        raise _engine_error(result)
    return json_response(_cancel_response(result))


@endpoint(private=True, write=True, cost=None)
async def orders_batch_cancel(request: Request, runtime: Runtime, principal: Principal) -> Response:
    """DELETE /portfolio/events/orders/batched (JSON body) -> 200 with a result per item."""
    body = await json_body(request)
    reject_unknown(body, frozenset({"orders"}))
    items = body.get("orders")
    if not isinstance(items, list) or not items:
        bad_request("orders must be a non-empty list")
    cost = CANCEL_COST * len(items)
    if cost > runtime.limiter.capacity(write=True):
        bad_request("batch too large for the write bucket", details=f"costs {cost} tokens")
    if not runtime.limiter.allow(principal.account_id, True, cost):
        return too_many_requests()
    outputs: list[dict[str, Any]] = []
    waits = []
    for item in items:
        order_id = item.get("order_id") if isinstance(item, dict) else None
        try:
            if not isinstance(item, dict):
                bad_request("each item must be a JSON object")
            reject_unknown(item, _CANCEL_ITEM_FIELDS)
            order_id = field_str(item, "order_id", required=True, max_length=64)
            _check_routing(field_int(item, "subaccount", minimum=0), field_int(item, "exchange_index"))
            field_str(item, "market_ticker", max_length=64)
            result, durable = runtime.apply(CancelOrder(runtime.stamp(), principal.account_id, order_id))
            if durable is not None:
                waits.append(durable)
            if result.error is not None:
                raise _engine_error(result)
            outputs.append(_cancel_response(result) | {"error": None})
        except ApiError as exc:
            outputs.append(
                {
                    "order_id": order_id if isinstance(order_id, str) else "",
                    "reduced_by": "0.00",
                    "error": error_body(exc.code, exc.message, exc.details)["error"],
                }
            )
    for durable in waits:
        await durable
    return json_response({"orders": outputs})


@endpoint(private=True, write=True)
async def order_amend(request: Request, runtime: Runtime, principal: Principal) -> Response:
    """POST /portfolio/events/orders/{order_id}/amend: `count` = filled + desired remaining (§15.2)."""
    _query_routing(request)
    body = await json_body(request)
    reject_unknown(body, _AMEND_FIELDS)
    ticker = field_str(body, "ticker", required=True, max_length=64)
    side_name = field_str(body, "side", required=True)
    if side_name not in _SIDES:
        bad_request("side must be bid or ask")
    for name in ("price", "count"):
        if name not in body:
            bad_request(f"{name} is required", details=f"missing field: {name}")
        if type(body[name]) is not str:
            bad_request(f"{name} must be a fixed-point string")
    try:
        price = parse_price(body["price"])
    except UnitsError as exc:
        raise ApiError(400, errors.INVALID_PRICE, "invalid price", str(exc)) from None
    try:
        count = parse_count(body["count"])
    except UnitsError as exc:
        raise ApiError(400, errors.INVALID_ORDER_SIZE, "invalid order size", str(exc)) from None
    client_order_id = field_str(body, "client_order_id", max_length=64)
    updated = field_str(body, "updated_client_order_id", max_length=64)
    if updated and not _CLIENT_ORDER_ID_RE.match(updated):
        bad_request(
            "invalid updated_client_order_id", details="use letters, digits, '-' and '_' (at most 64)"
        )
    _check_routing(None, field_int(body, "exchange_index"))
    order_id = request.path_params["order_id"]
    result = await runtime.submit(
        AmendOrder(
            runtime.stamp(),
            principal.account_id,
            order_id,
            ticker,
            _SIDES[side_name],
            price,
            count,
            client_order_id,
            updated,
        )
    )
    if result.error is not None:
        raise _engine_error(result)
    out: dict[str, Any] = {"order_id": result.order_id}
    if result.client_order_id:
        out["client_order_id"] = result.client_order_id
    out["remaining_count"] = format_count(result.remaining)
    out["fill_count"] = format_count(result.filled)
    _fill_fields(out, result)
    out["ts_ms"] = result.ts_ms
    return json_response(out)


@endpoint(private=True, write=True)
async def order_decrease(request: Request, runtime: Runtime, principal: Principal) -> Response:
    """POST /portfolio/events/orders/{order_id}/decrease: exactly one of reduce_by / reduce_to (§15.3)."""
    _query_routing(request)
    body = await json_body(request)
    reject_unknown(body, _DECREASE_FIELDS)
    values: dict[str, int] = {}
    for name in ("reduce_by", "reduce_to"):
        raw = body.get(name)
        if raw is None:
            continue
        if type(raw) is not str:
            bad_request(f"{name} must be a fixed-point string")
        try:
            values[name] = parse_count(raw)
        except UnitsError as exc:
            raise ApiError(400, errors.INVALID_ORDER_SIZE, "invalid order size", str(exc)) from None
    if len(values) != 1:
        bad_request("exactly one of reduce_by and reduce_to is required")
    _check_routing(None, field_int(body, "exchange_index"))
    field_str(body, "market_ticker", max_length=64)
    result = await runtime.submit(
        DecreaseOrder(
            runtime.stamp(),
            principal.account_id,
            request.path_params["order_id"],
            values.get("reduce_by", -1),
            values.get("reduce_to", -1),
        )
    )
    if result.error is not None:
        raise _engine_error(result)
    out: dict[str, Any] = {"order_id": result.order_id}
    if result.client_order_id:
        out["client_order_id"] = result.client_order_id
    out["remaining_count"] = format_count(result.remaining)
    out["ts_ms"] = result.ts_ms
    return json_response(out)


ROUTES: Final = [
    Route("/exchange/status", exchange_status, methods=["GET"]),
    Route("/exchange/schedule", exchange_schedule, methods=["GET"]),
    Route("/exchange/user_data_timestamp", user_data_timestamp, methods=["GET"]),
    Route("/account/endpoint_costs", endpoint_costs, methods=["GET"]),
    Route("/account/limits", account_limits, methods=["GET"]),
    Route("/markets", markets_list, methods=["GET"]),
    Route("/markets/trades", trades_list, methods=["GET"]),
    Route("/markets/orderbooks", orderbooks_get, methods=["GET"]),
    Route("/markets/{ticker}", market_get, methods=["GET"]),
    Route("/markets/{ticker}/orderbook", orderbook_get, methods=["GET"]),
    Route("/events", events_list, methods=["GET"]),
    Route("/events/{event_ticker}", event_get, methods=["GET"]),
    Route("/series", series_list, methods=["GET"]),
    Route("/series/{series_ticker}", series_get, methods=["GET"]),
    Route("/portfolio/balance", balance_get, methods=["GET"]),
    Route("/portfolio/positions", positions_list, methods=["GET"]),
    Route("/portfolio/fills", fills_list, methods=["GET"]),
    Route("/portfolio/settlements", settlements_list, methods=["GET"]),
    Route("/portfolio/orders", orders_list, methods=["GET"]),
    Route("/portfolio/orders/queue_positions", queue_positions_list, methods=["GET"]),
    Route("/portfolio/orders/{order_id}", order_get, methods=["GET"]),
    Route("/portfolio/orders/{order_id}/queue_position", queue_position_get, methods=["GET"]),
    Route("/portfolio/events/orders", order_create, methods=["POST"]),
    Route("/portfolio/events/orders/batched", orders_batch_create, methods=["POST"]),
    Route("/portfolio/events/orders/batched", orders_batch_cancel, methods=["DELETE"]),
    Route("/portfolio/events/orders/{order_id}", order_cancel, methods=["DELETE"]),
    Route("/portfolio/events/orders/{order_id}/amend", order_amend, methods=["POST"]),
    Route("/portfolio/events/orders/{order_id}/decrease", order_decrease, methods=["POST"]),
]
