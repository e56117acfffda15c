"""The sandbox's admin API (not part of Kalshi): `/sandbox-admin/v1/...`, `Authorization: Bearer
<SANDBOX_ADMIN_TOKEN>`. Every endpoint is documented in sandbox/README.md."""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import re
from collections.abc import Awaitable, Callable
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox import services
from sandbox.engine import commands as cmd
from sandbox.engine.fees import FEE_TYPES
from sandbox.engine.journal import state_hash
from sandbox.engine.markets import PRICE_LEVEL_STRUCTURES, GridError, PriceGrid, PriceRange
from sandbox.engine.units import MICRO_PER_CENT, UnitsError, format_money, parse_money, parse_price
from sandbox.models import SandboxMarket
from sandbox.server import wire
from sandbox.server.catalog import EventInfo, MarketInfo, SeriesInfo
from sandbox.server.http import ApiError, error_body, json_body, json_response, reject_unknown
from sandbox.server.runtime import JournalUnavailable, Runtime, list_market_command

logger = logging.getLogger("sandbox")
TICKER_RE: Final = re.compile(r"^[A-Z0-9.\-]{1,64}$")  # API.md §15.8
AdminHandler = Callable[[Request, Runtime], Awaitable[Response]]


def _bad(message: str) -> ApiError:
    return ApiError(400, "invalid_parameters", message)


def admin(handler: AdminHandler) -> Callable[[Request], Awaitable[Response]]:
    """Check the bearer token, turn errors into JSON bodies."""

    async def run(request: Request) -> Response:
        runtime: Runtime = request.app.state.runtime
        token: str = request.app.state.admin_token
        given = request.headers.get("authorization", "")
        if not token:
            return json_response(
                error_body("forbidden", "the admin API is disabled: SANDBOX_ADMIN_TOKEN is empty"), 403
            )
        if not given.startswith("Bearer ") or not hmac.compare_digest(given[7:].encode(), token.encode()):
            return json_response(error_body("unauthorized", "missing or wrong admin bearer token"), 401)
        try:
            return await handler(request, runtime)
        except ApiError as exc:
            return json_response(error_body(exc.code, exc.message, exc.details), exc.status)
        except services.SandboxError as exc:
            return json_response(error_body("invalid_parameters", str(exc)), 400)
        except JournalUnavailable:
            return json_response(error_body("service_unavailable", "the sandbox journal is unavailable"), 503)
        except Exception:
            logger.exception("sandbox admin: unhandled error on %s %s", request.method, request.url.path)
            return json_response(error_body("internal_server_error", "internal server error"), 500)

    return run


async def _body(request: Request, allowed: frozenset[str]) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    body = await json_body(request)
    reject_unknown(body, allowed)
    return body


def _str(body: dict[str, Any], name: str, default: str | None = None, max_length: int = 2_000) -> str:
    value = body.get(name, default)
    if value is None:
        raise _bad(f"{name} is required")
    if type(value) is not str or len(value) > max_length:
        raise _bad(f"{name} must be a string of at most {max_length} characters")
    return value


def _bool(body: dict[str, Any], name: str, default: bool) -> bool:
    value = body.get(name, default)
    if type(value) is not bool:
        raise _bad(f"{name} must be a boolean")
    return value


def _int(body: dict[str, Any], name: str, default: int | None, low: int, high: int) -> int:
    value = body.get(name, default)
    if type(value) is not int or not low <= value <= high:
        raise _bad(f"{name} must be an integer in [{low}, {high}]")
    return value


def _time(body: dict[str, Any], name: str) -> dt.datetime | None:
    value = body.get(name)
    if value is None:
        return None
    if type(value) is not str:
        raise _bad(f"{name} must be an RFC 3339 time")
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise _bad(f"{name} must be an RFC 3339 time") from None
    if parsed.tzinfo is None:
        raise _bad(f"{name} must carry a time zone (e.g. Z)")
    return parsed.astimezone(dt.UTC)


def _dollars(body: dict[str, Any], name: str, default: str | None = None) -> int:
    """A signed dollar amount (string, up to 6 decimals) in micro-dollars."""
    value = body.get(name, default)
    if type(value) is not str:
        raise _bad(f'{name} must be a dollar string such as "1000.00"')
    negative = value.startswith("-")
    try:
        micro = parse_money(value[1:] if negative else value)
    except UnitsError as exc:
        raise _bad(str(exc)) from None
    return -micro if negative else micro


def _now(runtime: Runtime) -> dt.datetime:
    return dt.datetime.fromtimestamp(runtime.clock(), tz=dt.UTC)


# ----------------------------------------------------------------------------- operations (also used by the simulator)


async def account_open(
    runtime: Runtime, *, name: str, balance_cents: int, is_simulator: bool = False
) -> services.NewKey:
    """Create a funded member with a fresh key; returns once the key can trade."""
    key = await runtime.in_db(
        services.account_create, name=name, balance_cents=balance_cents, is_simulator=is_simulator
    )
    await runtime.submit(cmd.OpenAccount(runtime.stamp(), key.account_id))
    await runtime.journal_pending_deposits()
    return key


async def series_create(
    runtime: Runtime,
    *,
    ticker: str,
    title: str,
    category: str = "Sandbox",
    frequency: str = "custom",
    tags: list[str] | None = None,
    fee_type: str = "quadratic",
    fee_multiplier_bp: int = 10_000,
) -> SeriesInfo:
    """Create or update a series."""
    if not TICKER_RE.match(ticker):
        raise _bad("ticker must match ^[A-Z0-9.-]{1,64}$")
    if fee_type not in FEE_TYPES:
        raise _bad(f"fee_type must be one of {', '.join(FEE_TYPES)} (flat series are not supported)")
    row = await runtime.in_db(
        services.series_save,
        ticker=ticker,
        title=title,
        category=category,
        frequency=frequency,
        tags=tags,
        fee_type=fee_type,
        fee_multiplier_bp=fee_multiplier_bp,
    )
    info = SeriesInfo.from_model(row)
    runtime.catalog.series[ticker] = info
    await runtime.sync_series_fees()  # the series' existing markets follow its new fees
    return info


async def event_create(
    runtime: Runtime,
    *,
    event_ticker: str,
    series_ticker: str,
    title: str,
    sub_title: str = "",
    mutually_exclusive: bool = False,
) -> EventInfo:
    """Create or update an event; announces it on `market_lifecycle_v2` (event_lifecycle)."""
    if not TICKER_RE.match(event_ticker):
        raise _bad("event_ticker must match ^[A-Z0-9.-]{1,64}$")
    row = await runtime.in_db(
        services.event_save,
        event_ticker=event_ticker,
        series_ticker=series_ticker,
        title=title,
        sub_title=sub_title,
        mutually_exclusive=mutually_exclusive,
    )
    existing = runtime.catalog.events.get(event_ticker)
    info = EventInfo.from_model(row)
    if existing is not None:
        info.market_tickers = existing.market_tickers
    runtime.catalog.events[event_ticker] = info
    if existing is None:
        runtime.hub.publish_event_created(
            {
                "event_ticker": event_ticker,
                "exchange_index": 0,
                "title": title,
                "subtitle": sub_title,
                "collateral_return_type": "",
                "series_ticker": series_ticker,
            }
        )
    return info


async def market_create(runtime: Runtime, row: SandboxMarket) -> None:
    """Validate a market definition, store it, and list it on the exchange."""
    if not TICKER_RE.match(row.ticker):
        raise _bad("ticker must match ^[A-Z0-9.-]{1,64}$")
    if row.ticker in runtime.exchange.markets:
        raise _bad(f"market {row.ticker} already exists")
    event = runtime.catalog.events.get(row.event_id)
    series = runtime.catalog.series.get(event.series_ticker) if event else None
    if event is None or series is None:
        raise _bad(f"event {row.event_id} does not exist")
    if row.market_type not in ("binary", "scalar"):
        raise _bad("market_type must be binary or scalar")
    try:
        PriceGrid(tuple(PriceRange(*band) for band in row.price_ranges))
    except (GridError, TypeError) as exc:
        raise _bad(f"invalid price_ranges: {exc}") from None
    if row.close_time <= row.open_time:
        raise _bad("close_time must be after open_time")
    stored = await runtime.in_db(services.market_insert, row)
    result = await runtime.submit(
        list_market_command(runtime.stamp(), stored, series.fee_type, series.fee_multiplier_bp, series.ticker)
    )
    if result.error is not None:
        raise _bad(result.error.message)
    runtime.catalog.add_market(MarketInfo.from_model(stored))


async def lifecycle(runtime: Runtime, command: cmd.Command) -> None:
    """Apply a lifecycle command; 400 with the engine's reason when refused."""
    result = await runtime.submit(command)
    if result.error is not None:
        status = 404 if result.error.code == "market_not_found" else 400
        raise ApiError(status, result.error.code, result.error.message)


# ----------------------------------------------------------------------------- endpoints


def _market_body(runtime: Runtime, ticker: str) -> dict[str, Any]:
    market = runtime.exchange.markets.get(ticker)
    if market is None:
        raise ApiError(404, "market_not_found", f"market {ticker} not found")
    return {"market": wire.market_json(market, runtime.catalog.markets.get(ticker), runtime.now_ms())}


@admin
async def health(request: Request, runtime: Runtime) -> Response:
    """GET /health."""
    return json_response(
        {
            "status": "ok" if runtime.failure is None else "journal_unavailable",
            "markets": len(runtime.exchange.markets),
            "accounts": len(runtime.exchange.accounts),
            "commands": runtime.exchange.commands_applied,
        }
    )


@admin
async def state_hash_get(request: Request, runtime: Runtime) -> Response:
    """GET /state_hash: the engine's state hash (equal across a restart: the journal replays it)."""
    return json_response(
        {"state_hash": state_hash(runtime.exchange), "commands": runtime.exchange.commands_applied}
    )


@admin
async def accounts_create(request: Request, runtime: Runtime) -> Response:
    """POST /accounts {name, balance_dollars?} -> 201 {account_id, key_id, private_key_pem, balance_dollars}."""
    body = await _body(request, frozenset({"name", "balance_dollars"}))
    name = _str(body, "name", max_length=120)
    balance = _dollars(body, "balance_dollars", "0")
    if balance < 0 or balance % MICRO_PER_CENT:
        raise _bad("balance_dollars must be a non-negative amount of whole cents")
    key = await account_open(runtime, name=name, balance_cents=balance // MICRO_PER_CENT)
    account = runtime.exchange.accounts[key.account_id]
    return json_response(
        {
            "account_id": key.account_id,
            "key_id": key.key_id,
            "private_key_pem": key.private_key_pem,
            "balance_dollars": format_money(account.available),
        },
        201,
    )


def _account_json(runtime: Runtime, account_id: str) -> dict[str, Any]:
    account = runtime.exchange.accounts.get(account_id)
    if account is None:
        raise ApiError(404, "not_found", "account not found")
    return {
        "account_id": account_id,
        "balance_dollars": format_money(account.available),
        "cash_dollars": format_money(account.cash),
        "reserved_dollars": format_money(account.reserved),
        "deposited_dollars": format_money(account.deposited),
    }


@admin
async def account_get(request: Request, runtime: Runtime) -> Response:
    """GET /accounts/{account_id}."""
    return json_response(_account_json(runtime, request.path_params["account_id"]))


@admin
async def account_keys_create(request: Request, runtime: Runtime) -> Response:
    """POST /accounts/{account_id}/keys -> 201 {account_id, key_id, private_key_pem}."""
    account_id = request.path_params["account_id"]
    _account_json(runtime, account_id)
    key = await runtime.in_db(services.key_create, account_id=account_id)
    return json_response(
        {"account_id": account_id, "key_id": key.key_id, "private_key_pem": key.private_key_pem}, 201
    )


@admin
async def account_deposit(request: Request, runtime: Runtime) -> Response:
    """POST /accounts/{account_id}/deposits {amount_dollars} (negative withdraws) -> 201 account."""
    account_id = request.path_params["account_id"]
    body = await _body(request, frozenset({"amount_dollars", "note"}))
    amount = _dollars(body, "amount_dollars")
    if amount == 0 or amount % MICRO_PER_CENT:
        raise _bad("amount_dollars must be a non-zero amount of whole cents")
    account = runtime.exchange.accounts.get(account_id)
    if account is None:
        raise ApiError(404, "not_found", "account not found")
    if amount < 0 and account.available < -amount:
        raise _bad("a withdrawal cannot exceed the available balance")
    await runtime.in_db(
        services.deposit_create,
        account_id=account_id,
        amount_cents=amount // MICRO_PER_CENT,
        note=_str(body, "note", ""),
    )
    await runtime.journal_pending_deposits()
    return json_response(_account_json(runtime, account_id), 201)


@admin
async def series_post(request: Request, runtime: Runtime) -> Response:
    """POST /series -> 201 {series}."""
    body = await _body(
        request, frozenset({"ticker", "title", "category", "frequency", "tags", "fee_type", "fee_multiplier"})
    )
    tags = body.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise _bad("tags must be a list of strings")
    multiplier = body.get("fee_multiplier", "1")
    try:
        multiplier_bp = int(Decimal(str(multiplier)) * 10_000)
    except (InvalidOperation, ValueError):
        raise _bad("fee_multiplier must be a decimal number") from None
    if type(multiplier) not in (str, int, float) or not 0 <= multiplier_bp <= 100_000:
        raise _bad("fee_multiplier must be a number in [0, 10]")
    info = await series_create(
        runtime,
        ticker=_str(body, "ticker", max_length=64),
        title=_str(body, "title", max_length=200),
        category=_str(body, "category", "Sandbox", 100),
        frequency=_str(body, "frequency", "custom", 50),
        tags=tags,
        fee_type=_str(body, "fee_type", "quadratic", 40),
        fee_multiplier_bp=multiplier_bp,
    )
    return json_response({"series": wire.series_json(info)}, 201)


@admin
async def events_post(request: Request, runtime: Runtime) -> Response:
    """POST /events -> 201 {event}."""
    body = await _body(
        request, frozenset({"event_ticker", "series_ticker", "title", "sub_title", "mutually_exclusive"})
    )
    info = await event_create(
        runtime,
        event_ticker=_str(body, "event_ticker", max_length=64),
        series_ticker=_str(body, "series_ticker", max_length=64),
        title=_str(body, "title", max_length=200),
        sub_title=_str(body, "sub_title", "", 200),
        mutually_exclusive=_bool(body, "mutually_exclusive", False),
    )
    return json_response({"event": wire.event_json(info, None)}, 201)


_MARKET_FIELDS: Final = frozenset(
    {
        "ticker",
        "event_ticker",
        "market_type",
        "title",
        "subtitle",
        "yes_sub_title",
        "no_sub_title",
        "rules_primary",
        "rules_secondary",
        "price_level_structure",
        "price_ranges",
        "open_time",
        "close_time",
        "close_in_seconds",
        "expected_expiration_time",
        "latest_expiration_time",
        "settlement_timer_seconds",
        "can_close_early",
        "strike_type",
        "floor_strike",
        "cap_strike",
    }
)


def _price_ranges(body: dict[str, Any]) -> tuple[str, list[list[int]]]:
    structure = _str(body, "price_level_structure", "linear_cent", 50)
    raw = body.get("price_ranges")
    if raw is None:
        if structure not in PRICE_LEVEL_STRUCTURES:
            raise _bad(
                f"price_level_structure must be one of {', '.join(PRICE_LEVEL_STRUCTURES)}, or give price_ranges"
            )
        return structure, [list(band) for band in PRICE_LEVEL_STRUCTURES[structure]]
    if not isinstance(raw, list) or not raw:
        raise _bad("price_ranges must be a non-empty list of {start, end, step}")
    bands = []
    for band in raw:
        if not isinstance(band, dict) or set(band) != {"start", "end", "step"}:
            raise _bad("each price range is {start, end, step} in dollar strings")
        try:
            bands.append([parse_price(band["start"]), parse_price(band["end"]), parse_price(band["step"])])
        except UnitsError as exc:
            raise _bad(str(exc)) from None
    return structure, bands


def _strike(body: dict[str, Any], name: str) -> Decimal | None:
    value = body.get(name)
    if value is None:
        return None
    if type(value) not in (int, float, str):
        raise _bad(f"{name} must be a number")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise _bad(f"{name} must be a number") from None


@admin
async def markets_post(request: Request, runtime: Runtime) -> Response:
    """POST /markets -> 201 {market}."""
    body = await _body(request, _MARKET_FIELDS)
    now = _now(runtime)
    open_time = _time(body, "open_time") or now
    close_time = _time(body, "close_time")
    if close_time is None:
        seconds = (
            _int(body, "close_in_seconds", None, 1, 10 * 365 * 86_400) if "close_in_seconds" in body else None
        )
        if seconds is None:
            raise _bad("close_time or close_in_seconds is required")
        close_time = now + dt.timedelta(seconds=seconds)
    structure, ranges = _price_ranges(body)
    row = SandboxMarket(
        ticker=_str(body, "ticker", max_length=64),
        event_id=_str(body, "event_ticker", max_length=64),
        market_type=_str(body, "market_type", "binary", 10),
        title=_str(body, "title", "", 200),
        subtitle=_str(body, "subtitle", "", 200),
        yes_sub_title=_str(body, "yes_sub_title", "", 200),
        no_sub_title=_str(body, "no_sub_title", "", 200),
        rules_primary=_str(body, "rules_primary", ""),
        rules_secondary=_str(body, "rules_secondary", ""),
        price_level_structure=structure,
        price_ranges=ranges,
        open_time=open_time,
        close_time=close_time,
        expected_expiration_time=_time(body, "expected_expiration_time"),
        latest_expiration_time=_time(body, "latest_expiration_time") or close_time,
        settlement_timer_seconds=_int(body, "settlement_timer_seconds", 0, 0, 30 * 86_400),
        can_close_early=_bool(body, "can_close_early", True),
        strike_type=_str(body, "strike_type", "", 20),
        floor_strike=_strike(body, "floor_strike"),
        cap_strike=_strike(body, "cap_strike"),
    )
    await market_create(runtime, row)
    return json_response(_market_body(runtime, row.ticker), 201)


def _lifecycle_endpoint(action: str) -> Callable[[Request], Awaitable[Response]]:
    @admin
    async def run(request: Request, runtime: Runtime) -> Response:
        ticker = request.path_params["ticker"]
        await lifecycle(runtime, cmd.SetMarketStatus(runtime.stamp(), ticker, action))
        return json_response(_market_body(runtime, ticker))

    return run


@admin
async def market_close_time(request: Request, runtime: Runtime) -> Response:
    """POST /markets/{ticker}/close_time {close_time}."""
    body = await _body(request, frozenset({"close_time"}))
    close_time = _time(body, "close_time")
    if close_time is None:
        raise _bad("close_time is required")
    ticker = request.path_params["ticker"]
    await lifecycle(runtime, cmd.SetCloseTime(runtime.stamp(), ticker, wire.ms_of(close_time)))
    return json_response(_market_body(runtime, ticker))


@admin
async def market_determine(request: Request, runtime: Runtime) -> Response:
    """POST /markets/{ticker}/determine {result, settlement_value_dollars?}."""
    body = await _body(request, frozenset({"result", "settlement_value_dollars"}))
    result = _str(body, "result", max_length=10)
    value = -1
    if result == "scalar":
        try:
            value = parse_price(_str(body, "settlement_value_dollars", max_length=10))
        except UnitsError as exc:
            raise _bad(str(exc)) from None
    elif "settlement_value_dollars" in body:
        raise _bad("settlement_value_dollars is only for a scalar result")
    ticker = request.path_params["ticker"]
    await lifecycle(runtime, cmd.Determine(runtime.stamp(), ticker, result, value))
    return json_response(_market_body(runtime, ticker))


@admin
async def market_settle(request: Request, runtime: Runtime) -> Response:
    """POST /markets/{ticker}/settle: finalize a determined market now."""
    ticker = request.path_params["ticker"]
    await lifecycle(runtime, cmd.Settle(runtime.stamp(), ticker))
    return json_response(_market_body(runtime, ticker))


@admin
async def exchange_post(request: Request, runtime: Runtime) -> Response:
    """POST /exchange {exchange_active?, trading_active?}."""
    body = await _body(request, frozenset({"exchange_active", "trading_active"}))
    exchange = runtime.exchange
    active = _bool(body, "exchange_active", exchange.exchange_active)
    trading = _bool(body, "trading_active", exchange.trading_active)
    await lifecycle(runtime, cmd.SetExchangeStatus(runtime.stamp(), active, trading))
    return json_response(
        {"exchange_active": exchange.exchange_active, "trading_active": exchange.trading_active}
    )


@admin
async def faults_get(request: Request, runtime: Runtime) -> Response:
    """GET /faults."""
    return json_response(runtime.faults.settings.as_json())


@admin
async def faults_put(request: Request, runtime: Runtime) -> Response:
    """PUT /faults {latency_ms?, error_5xx_rate?, rate_429_rate?, ws_drop_rate?, seq_gap_rate?,
    error_after_rate?, ws_silence_rate?} (partial). Setting ws_silence_rate draws it once for
    each WebSocket connection open now (faults.py)."""
    body = await json_body(request)
    try:
        settings = runtime.faults.update(body)
    except ValueError as exc:
        raise _bad(str(exc)) from None
    if "ws_silence_rate" in body and settings.ws_silence_rate > 0:
        rate = settings.ws_silence_rate
        silenced = runtime.hub.silence(lambda: runtime.faults.hit(rate))
        logger.info("sandbox: ws_silence_rate=%s silenced %d WebSocket connection(s)", rate, silenced)
    return json_response(settings.as_json())


@admin
async def faults_delete(request: Request, runtime: Runtime) -> Response:
    """DELETE /faults: everything off."""
    return json_response(runtime.faults.reset().as_json())


@admin
async def ws_drop(request: Request, runtime: Runtime) -> Response:
    """POST /ws/drop: close every WebSocket connection now (code 1012)."""
    count = len(runtime.hub.connections)
    await runtime.hub.close_all()
    return json_response({"dropped": count})


ADMIN_ROUTES: Final = [
    Route("/health", health, methods=["GET"]),
    Route("/state_hash", state_hash_get, methods=["GET"]),
    Route("/accounts", accounts_create, methods=["POST"]),
    Route("/accounts/{account_id}", account_get, methods=["GET"]),
    Route("/accounts/{account_id}/keys", account_keys_create, methods=["POST"]),
    Route("/accounts/{account_id}/deposits", account_deposit, methods=["POST"]),
    Route("/series", series_post, methods=["POST"]),
    Route("/events", events_post, methods=["POST"]),
    Route("/markets", markets_post, methods=["POST"]),
    Route("/markets/{ticker}/pause", _lifecycle_endpoint("pause"), methods=["POST"]),
    Route("/markets/{ticker}/activate", _lifecycle_endpoint("activate"), methods=["POST"]),
    Route("/markets/{ticker}/close", _lifecycle_endpoint("close"), methods=["POST"]),
    Route("/markets/{ticker}/close_time", market_close_time, methods=["POST"]),
    Route("/markets/{ticker}/determine", market_determine, methods=["POST"]),
    Route("/markets/{ticker}/settle", market_settle, methods=["POST"]),
    Route("/exchange", exchange_post, methods=["POST"]),
    Route("/faults", faults_get, methods=["GET"]),
    Route("/faults", faults_put, methods=["PUT"]),
    Route("/faults", faults_delete, methods=["DELETE"]),
    Route("/ws/drop", ws_drop, methods=["POST"]),
]
