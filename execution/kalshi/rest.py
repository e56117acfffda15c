"""`KalshiClient`: the Trade API v2 over a pooled `requests.Session`, for the sandbox, demo and
production with the same code (only the base URL differs).

Every request is signed (API.md §2), passes the token-bucket limiter (§8), is retried with
full-jitter backoff when that is safe, and is reported to the call hook (`audit`). Writes use
the V2 endpoints (§4.3, §15.1). Creates are idempotent: each carries a `client_order_id`
(generated when the caller gives none), so a create can be retried after a timeout, and a
`409 order_already_exists` is answered by looking the order up instead of sending it again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import random
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal, TypeVar
from urllib.parse import quote, urlsplit

import requests
from requests.adapters import HTTPAdapter

from execution.kalshi import errors as err
from execution.kalshi.audit import CallHook, CallRecord, emit
from execution.kalshi.cache import MetadataCache
from execution.kalshi.models import (
    AmendResult,
    Balance,
    BatchCancelItem,
    BatchCreateItem,
    BookSide,
    CancelResult,
    CreateOrderResult,
    DecreaseResult,
    Event,
    EventPosition,
    ExchangeStatus,
    Fill,
    Market,
    MarketPosition,
    Order,
    OrderBook,
    OrderRequest,
    Positions,
    Series,
    Settlement,
    Trade,
    WireReader,
)
from execution.kalshi.ratelimit import BASIC, DEFAULT_COST, Limits, RateLimiter, acquire, endpoint_cost
from execution.kalshi.retry import RetryPolicy
from execution.kalshi.signing import Signer
from execution.kalshi.units import dollars_text, format_count, format_price

T = TypeVar("T")
RetryMode = Literal["all", "safe"]
Environment = Literal["sandbox", "demo", "production"]

PRODUCTION_REST: Final = "https://external-api.kalshi.com/trade-api/v2"
DEMO_REST: Final = "https://external-api.demo.kalshi.co/trade-api/v2"
PRODUCTION_WS: Final = "wss://external-api-ws.kalshi.com/trade-api/ws/v2"
DEMO_WS: Final = "wss://external-api-ws.demo.kalshi.co/trade-api/ws/v2"
MAX_BATCH: Final = 20  # Kalshi's historical batch limit; also bounded by the write bucket
PAGE_LIMIT: Final = 1000
_REQUEST_ID_HEADERS: Final = ("x-request-id", "x-amzn-requestid", "x-amz-cf-id", "cf-ray")


@dataclass(frozen=True, slots=True)
class Endpoints:
    """Where one environment lives."""

    environment: str
    rest_url: str
    ws_url: str


def endpoints_for(environment: str, *, sandbox_url: str | None = None) -> Endpoints:
    """REST and WebSocket URLs of `sandbox` (at `sandbox_url`, its root), `demo` or `production`."""
    if environment == "production":
        return Endpoints(environment, PRODUCTION_REST, PRODUCTION_WS)
    if environment == "demo":
        return Endpoints(environment, DEMO_REST, DEMO_WS)
    if environment == "sandbox":
        if not sandbox_url:
            raise ValueError("the sandbox environment needs sandbox_url (settings.SANDBOX_URL)")
        root = sandbox_url.rstrip("/")
        scheme, rest = root.split("://", 1)
        ws_scheme = "wss" if scheme == "https" else "ws"
        return Endpoints(environment, f"{root}/trade-api/v2", f"{ws_scheme}://{rest}/trade-api/ws/v2")
    raise ValueError(f"unknown environment {environment!r} (sandbox, demo or production)")


def _seg(value: str) -> str:
    """A path segment, escaped so an id can never change the path that is signed and sent."""
    if not value:
        raise err.OrderRequestError("An empty id or ticker cannot be part of a request path.")
    return quote(value, safe="")


def _epoch_seconds(value: Any) -> int | None:
    """Query timestamps are Unix seconds (API.md §3); accept ints or aware datetimes."""
    if value is None:
        return None
    if isinstance(value, int):
        return value
    stamp = getattr(value, "timestamp", None)
    if stamp is None:
        raise TypeError(f"expected Unix seconds or an aware datetime, got {value!r}")
    return int(stamp())


def _query(**params: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            out[name] = "true" if value else "false"
        elif name.endswith("_ts"):
            out[name] = _epoch_seconds(value)
        else:
            out[name] = value
    return out


def _query_key(path: str, query: Mapping[str, Any]) -> str:
    """A cache key for one GET with its whole query (filters, limit, cursor), short and safe for
    any cache backend whatever the filters hold."""
    canonical = json.dumps([path, sorted(query.items())], separators=(",", ":"), default=str)
    return f"page:{path}:{hashlib.sha256(canonical.encode()).hexdigest()[:40]}"


def _never_sent(exc: BaseException) -> bool:
    """True when the connection failed before any byte of the request left (safe to resend)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    seen: set[int] = set()
    node: BaseException | None = exc
    while node is not None and id(node) not in seen:
        seen.add(id(node))
        if type(node).__name__ in ("NewConnectionError", "NameResolutionError"):
            return True
        reason = getattr(node, "reason", None)
        if isinstance(reason, BaseException) and type(reason).__name__ in (
            "NewConnectionError",
            "NameResolutionError",
        ):
            return True
        nested = node.args[0] if node.args and isinstance(node.args[0], BaseException) else None
        node = nested or node.__cause__ or node.__context__
    return False


def _check_identity(request: OrderRequest, order: Order, conflict: err.KalshiError) -> None:
    """Raise ClientOrderIdConflict unless `order` is what `request` asked for (ticker, side, YES
    price, count). An order amended since its creation no longer matches: also a conflict, since
    the request would not be what is resting."""
    differences: dict[str, tuple[str, str]] = {}
    if order.ticker != request.ticker:
        differences["ticker"] = (order.ticker, request.ticker)
    if order.book_side != request.side:
        differences["side"] = (order.book_side, request.side)
    if order.yes_price != request.price:
        differences["price"] = (f"${format_price(order.yes_price)}", f"${format_price(request.price)}")
    if order.initial_count != request.count:
        differences["count"] = (format_count(order.initial_count), format_count(request.count))
    if not differences:
        return
    what = "; ".join(f"{name} {there} there, {here} requested" for name, (there, here) in differences.items())
    raise err.ClientOrderIdConflict(
        f"client_order_id {request.client_order_id} already names a different order "
        f"({order.order_id}): {what}. Nothing was placed; use a new client_order_id for a new order.",
        client_order_id=request.client_order_id or "",
        existing_order_id=order.order_id,
        differences=differences,
        code=conflict.code or "order_already_exists",
        status=conflict.status,
        exchange_message=conflict.exchange_message,
        request_id=conflict.request_id,
        method=conflict.method,
        path=conflict.path,
    )


class _CallState:
    """What happened across the attempts of one call."""

    __slots__ = ("ambiguous", "attempts")

    def __init__(self) -> None:
        self.attempts = 0
        # An attempt failed in a way that leaves open whether the exchange acted on it.
        self.ambiguous = False


class KalshiClient:
    """A Kalshi Trade API client for one credential (or none, for public data). Thread-safe."""

    def __init__(
        self,
        base_url: str,
        *,
        signer: Signer | None = None,
        environment: str = "sandbox",
        credential_id: str | int | None = None,
        timeout: tuple[float, float] = (3.05, 10.0),
        retry: RetryPolicy | None = None,
        limiter: RateLimiter | None = None,
        limits: Limits = BASIC,
        max_wait: float = 10.0,
        call_hook: CallHook | None = None,
        cache: MetadataCache | None = None,
        session: requests.Session | None = None,
        pool_size: int = 16,
        rng: random.Random | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.environment = environment
        self.credential_id = None if credential_id is None else str(credential_id)
        self._prefix = urlsplit(self.base_url).path  # "/trade-api/v2": part of what is signed
        self._signer = signer
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.limiter = limiter
        self.limits = limits
        self._paced = limits.with_headroom()
        self.max_wait = max_wait
        self.call_hook = call_hook
        self.cache = cache
        self._rng = rng or random.Random()  # noqa: S311 (jitter, not security)
        self._sleep = sleep
        # Buckets are per credential (Kalshi counts per user); unsigned calls share one key.
        self._bucket_key = f"{environment}:{self.credential_id or (signer.key_id if signer else 'public')}"
        self._cache_scope = f"kalshi:{environment}:{urlsplit(self.base_url).netloc}"
        if session is None:
            session = requests.Session()
            adapter = HTTPAdapter(pool_connections=pool_size, pool_maxsize=pool_size, max_retries=0)
            session.mount("https://", adapter)
            session.mount("http://", adapter)
        self.session = session

    @classmethod
    def for_environment(
        cls, environment: str, *, sandbox_url: str | None = None, **options: Any
    ) -> KalshiClient:
        """A client for `sandbox` / `demo` / `production` (see `endpoints_for`)."""
        urls = endpoints_for(environment, sandbox_url=sandbox_url)
        return cls(urls.rest_url, environment=environment, **options)

    def __repr__(self) -> str:
        return f"KalshiClient({self.base_url!r}, environment={self.environment!r}, credential={self.credential_id!r})"

    def close(self) -> None:
        """Close the pooled connections."""
        self.session.close()

    def __enter__(self) -> KalshiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------------- transport

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        retry: RetryMode = "all",
        state: _CallState | None = None,
    ) -> Any:
        """Send one API call (path relative to /trade-api/v2) and return its JSON body.

        `retry="all"` retries 429, 5xx, timeouts and connection errors; `"safe"` only what the
        exchange provably did not act on (429, connection never made)."""
        method = method.upper()
        state = state or _CallState()
        url = self.base_url + path
        signed_path = self._prefix + path
        bucket, cost = endpoint_cost(method, path, body)
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body, separators=(",", ":")).encode()
            headers["Content-Type"] = "application/json"
        while True:
            state.attempts += 1
            if self.limiter is not None:
                acquire(
                    self.limiter,
                    f"{self._bucket_key}:{bucket}",
                    cost,
                    self._paced.bucket(bucket),
                    max_wait=self.max_wait,
                    sleep=self._sleep,
                )
            send_headers = headers | self._signer.headers(method, signed_path) if self._signer else headers
            started = time.perf_counter()
            status: int | None = None
            request_id: str | None = None
            error: err.KalshiError
            try:
                response = self.session.request(
                    method,
                    url,
                    params=params,
                    data=data,
                    headers=send_headers,
                    timeout=self.timeout,
                    allow_redirects=False,
                )
            except requests.exceptions.Timeout as exc:
                never = _never_sent(exc)
                error = err.RequestTimeout(
                    code="connect_timeout" if never else "timeout", method=method, path=path
                )
                state.ambiguous = state.ambiguous or not never
            except requests.exceptions.RequestException as exc:
                never = _never_sent(exc)
                error = err.TransportError(
                    f"Could not reach the exchange ({type(exc).__name__}).",
                    code="connection_refused" if never else "connection_error",
                    method=method,
                    path=path,
                )
                state.ambiguous = state.ambiguous or not never
            else:
                status = response.status_code
                request_id = next(
                    (response.headers[h] for h in _REQUEST_ID_HEADERS if h in response.headers), None
                )
                if 200 <= status < 300:
                    self._record(method, path, status, started, "", request_id, state.attempts)
                    try:
                        return response.json() if response.content else {}
                    except ValueError:
                        raise err.ResponseFormatError(
                            "The exchange answered with a body that is not JSON.",
                            status=status,
                            method=method,
                            path=path,
                            request_id=request_id,
                        ) from None
                error = err.error_from_response(
                    status, response.content, method=method, path=path, request_id=request_id
                )
                if isinstance(error, err.ServerError):
                    state.ambiguous = True
            self._record(method, path, status, started, error.code, request_id, state.attempts)
            if not self._should_retry(error, retry, state.attempts):
                raise error
            self._sleep(self.retry.delay(state.attempts - 1, self._rng))

    def _should_retry(self, error: err.KalshiError, mode: RetryMode, attempts: int) -> bool:
        if not error.retryable or attempts >= self.retry.attempts:
            return False
        if mode == "all":
            return True
        # "safe": only failures where the exchange certainly did nothing.
        return isinstance(error, err.RateLimited) or error.code in ("connect_timeout", "connection_refused")

    def _record(
        self,
        method: str,
        path: str,
        status: int | None,
        started: float,
        code: str,
        request_id: str | None,
        attempt: int,
    ) -> None:
        if self.call_hook is None:
            return
        emit(
            self.call_hook,
            CallRecord(
                method=method,
                path=self._prefix + path,
                status=status,
                latency_ms=(time.perf_counter() - started) * 1000,
                error_code=code,
                request_id=request_id,
                credential_id=self.credential_id,
                attempt=attempt,
                environment=self.environment,
            ),
        )

    def _pages(
        self,
        path: str,
        key: str,
        params: Mapping[str, Any],
        parse: Callable[[Any], T],
        cursor: str | None = None,
        *,
        cached: bool = False,
    ) -> Iterator[T]:
        """Every item of every page; the last page's cursor is "" or absent (API.md §3).

        With `cached`, each page goes through the metadata cache, keyed by its full query."""
        seen: set[str] = set()
        while True:
            query = dict(params)
            if cursor:
                query["cursor"] = cursor

            def fetch(query: dict[str, Any] = query) -> tuple[tuple[T, ...], str | None]:
                reader = WireReader(self.request("GET", path, params=query), f"{key} page")
                return tuple(parse(item) for item in reader.items(key)), reader.opt_text("cursor")

            items, cursor = self._cached(_query_key(path, query), fetch) if cached else fetch()
            yield from items
            if not cursor:
                return
            if cursor in seen:
                raise err.ResponseFormatError(
                    f"The exchange repeated a pagination cursor on {path}.", path=path
                )
            seen.add(cursor)

    def _cached(self, key: str, fetch: Callable[[], T]) -> T:
        if self.cache is None:
            return fetch()
        return self.cache.get_or_fetch(f"{self._cache_scope}:{key}", fetch)

    # ------------------------------------------------------------------------- exchange and market data

    def exchange_status(self) -> ExchangeStatus:
        """GET /exchange/status."""
        return ExchangeStatus.from_wire(self.request("GET", "/exchange/status"))

    def markets(
        self,
        *,
        event_ticker: str | None = None,
        series_ticker: str | None = None,
        tickers: Sequence[str] | None = None,
        status: str | None = None,
        min_close_ts: Any = None,
        max_close_ts: Any = None,
        min_updated_ts: Any = None,
        page_size: int = PAGE_LIMIT,
        cached: bool = True,
    ) -> Iterator[Market]:
        """GET /markets, every page. `status` is a filter value (unopened, open, paused, closed, settled).
        Each page goes through the metadata cache (keyed by its query) unless `cached=False`."""
        params = _query(
            limit=page_size,
            event_ticker=event_ticker,
            series_ticker=series_ticker,
            tickers=",".join(tickers) if tickers else None,
            status=status,
            min_close_ts=min_close_ts,
            max_close_ts=max_close_ts,
            min_updated_ts=min_updated_ts,
        )
        return self._pages("/markets", "markets", params, Market.from_wire, cached=cached)

    def market(self, ticker: str, *, cached: bool = True) -> Market:
        """GET /markets/{ticker} (through the metadata cache unless `cached=False`)."""

        def fetch() -> Market:
            return Market.from_wire(
                WireReader(self.request("GET", f"/markets/{_seg(ticker)}"), "market answer").raw("market")
            )

        return self._cached(f"market:{ticker}", fetch) if cached else fetch()

    def orderbook(self, ticker: str, *, depth: int = 0) -> OrderBook:
        """GET /markets/{ticker}/orderbook (bids only, best last; depth 0 = every level)."""
        body = self.request("GET", f"/markets/{_seg(ticker)}/orderbook", params=_query(depth=depth or None))
        return OrderBook.from_wire(ticker, WireReader(body, "order book answer").raw("orderbook_fp"))

    def orderbooks(self, tickers: Sequence[str]) -> dict[str, OrderBook]:
        """GET /markets/orderbooks for 1-100 tickers (repeated `tickers` parameter)."""
        if not 1 <= len(tickers) <= 100:
            raise err.OrderRequestError("orderbooks takes between 1 and 100 tickers.")
        body = self.request("GET", "/markets/orderbooks", params={"tickers": list(tickers)})
        out: dict[str, OrderBook] = {}
        for item in WireReader(body, "order books answer").items("orderbooks"):
            entry = WireReader(item, "order book entry")
            ticker = entry.text("ticker")
            out[ticker] = OrderBook.from_wire(ticker, entry.raw("orderbook_fp"))
        return out

    def trades(
        self,
        *,
        ticker: str | None = None,
        min_ts: Any = None,
        max_ts: Any = None,
        page_size: int = PAGE_LIMIT,
    ) -> Iterator[Trade]:
        """GET /markets/trades, every page (newest first)."""
        params = _query(limit=page_size, ticker=ticker, min_ts=min_ts, max_ts=max_ts)
        return self._pages("/markets/trades", "trades", params, Trade.from_wire)

    def events(
        self,
        *,
        series_ticker: str | None = None,
        status: str | None = None,
        with_nested_markets: bool = False,
        page_size: int = 200,
        cached: bool = True,
    ) -> Iterator[Event]:
        """GET /events, every page (each through the metadata cache unless `cached=False`)."""
        params = _query(
            limit=page_size,
            series_ticker=series_ticker,
            status=status,
            with_nested_markets=with_nested_markets,
        )
        return self._pages("/events", "events", params, Event.from_wire, cached=cached)

    def event(self, event_ticker: str, *, with_nested_markets: bool = True, cached: bool = True) -> Event:
        """GET /events/{event_ticker} (markets nested, or from the deprecated top-level list)."""

        def fetch() -> Event:
            body = self.request(
                "GET", f"/events/{_seg(event_ticker)}", params=_query(with_nested_markets=with_nested_markets)
            )
            reader = WireReader(body, "event answer")
            return Event.from_wire(reader.raw("event"), reader.items("markets", required=False))

        key = f"event:{event_ticker}:{int(with_nested_markets)}"
        return self._cached(key, fetch) if cached else fetch()

    def series_list(
        self, *, category: str | None = None, tags: str | None = None, cached: bool = True
    ) -> list[Series]:
        """GET /series (not paginated; through the metadata cache unless `cached=False`)."""
        params = _query(category=category, tags=tags)

        def fetch() -> tuple[Series, ...]:
            body = self.request("GET", "/series", params=params)
            return tuple(Series.from_wire(s) for s in WireReader(body, "series answer").items("series"))

        return list(self._cached(_query_key("/series", params), fetch) if cached else fetch())

    def series(self, series_ticker: str, *, cached: bool = True) -> Series:
        """GET /series/{series_ticker}."""

        def fetch() -> Series:
            body = self.request("GET", f"/series/{_seg(series_ticker)}")
            return Series.from_wire(WireReader(body, "series answer").raw("series"))

        return self._cached(f"series:{series_ticker}", fetch) if cached else fetch()

    # ------------------------------------------------------------------------- portfolio reads

    def balance(self) -> Balance:
        """GET /portfolio/balance."""
        return Balance.from_wire(self.request("GET", "/portfolio/balance"))

    def positions(
        self,
        *,
        ticker: str | None = None,
        event_ticker: str | None = None,
        count_filter: str | None = None,
        page_size: int = PAGE_LIMIT,
    ) -> Iterator[MarketPosition]:
        """Market positions of GET /portfolio/positions, every page (unsettled only)."""
        params = _query(limit=page_size, ticker=ticker, event_ticker=event_ticker, count_filter=count_filter)
        return self._pages("/portfolio/positions", "market_positions", params, MarketPosition.from_wire)

    def all_positions(
        self, *, ticker: str | None = None, event_ticker: str | None = None, page_size: int = PAGE_LIMIT
    ) -> Positions:
        """Market and event positions from every page of GET /portfolio/positions (event positions
        as each page reports them)."""
        params = _query(limit=page_size, ticker=ticker, event_ticker=event_ticker)
        markets: list[MarketPosition] = []
        events: list[EventPosition] = []
        cursor: str | None = None
        while True:
            page = WireReader(
                self.request(
                    "GET", "/portfolio/positions", params=params | ({"cursor": cursor} if cursor else {})
                ),
                "positions page",
            )
            markets.extend(MarketPosition.from_wire(p) for p in page.items("market_positions"))
            events.extend(EventPosition.from_wire(p) for p in page.items("event_positions", required=False))
            next_cursor = page.opt_text("cursor")
            if not next_cursor or next_cursor == cursor:
                return Positions(tuple(markets), tuple(events))
            cursor = next_cursor

    def fills(
        self,
        *,
        ticker: str | None = None,
        order_id: str | None = None,
        min_ts: Any = None,
        max_ts: Any = None,
        cursor: str | None = None,
        page_size: int = PAGE_LIMIT,
    ) -> Iterator[Fill]:
        """GET /portfolio/fills, every page from `cursor` (newest first); `min_ts` for "since"."""
        params = _query(limit=page_size, ticker=ticker, order_id=order_id, min_ts=min_ts, max_ts=max_ts)
        return self._pages("/portfolio/fills", "fills", params, Fill.from_wire, cursor)

    def fills_page(
        self,
        *,
        cursor: str | None = None,
        min_ts: Any = None,
        ticker: str | None = None,
        page_size: int = PAGE_LIMIT,
    ) -> tuple[list[Fill], str]:
        """One page of fills and the cursor of the next ("" when done), to resume a sync later."""
        params = _query(limit=page_size, ticker=ticker, min_ts=min_ts) | (
            {"cursor": cursor} if cursor else {}
        )
        page = WireReader(self.request("GET", "/portfolio/fills", params=params), "fills page")
        return [Fill.from_wire(f) for f in page.items("fills")], page.opt_text("cursor") or ""

    def settlements(
        self,
        *,
        ticker: str | None = None,
        event_ticker: str | None = None,
        min_ts: Any = None,
        max_ts: Any = None,
        page_size: int = PAGE_LIMIT,
    ) -> Iterator[Settlement]:
        """GET /portfolio/settlements, every page."""
        params = _query(
            limit=page_size, ticker=ticker, event_ticker=event_ticker, min_ts=min_ts, max_ts=max_ts
        )
        return self._pages("/portfolio/settlements", "settlements", params, Settlement.from_wire)

    def orders(
        self,
        *,
        ticker: str | None = None,
        event_ticker: str | None = None,
        status: str | None = None,
        min_ts: Any = None,
        max_ts: Any = None,
        client_order_id: str | None = None,
        page_size: int = PAGE_LIMIT,
    ) -> Iterator[Order]:
        """GET /portfolio/orders, every page (newest first). Kalshi has no client_order_id
        filter, so that one is applied here."""
        params = _query(
            limit=page_size,
            ticker=ticker,
            event_ticker=event_ticker,
            status=status,
            min_ts=min_ts,
            max_ts=max_ts,
        )
        pages = self._pages("/portfolio/orders", "orders", params, Order.from_wire)
        if client_order_id is None:
            return pages
        return (o for o in pages if o.client_order_id == client_order_id)

    def order(self, order_id: str) -> Order:
        """GET /portfolio/orders/{order_id}."""
        body = self.request("GET", f"/portfolio/orders/{_seg(order_id)}")
        return Order.from_wire(WireReader(body, "order answer").raw("order"))

    def find_order(self, client_order_id: str, *, ticker: str | None = None) -> Order | None:
        """The order with this client_order_id (newest first), or None."""
        return next(self.orders(ticker=ticker, client_order_id=client_order_id), None)

    # ------------------------------------------------------------------------- order writes (V2)

    def create_order(self, request: OrderRequest) -> CreateOrderResult:
        """POST /portfolio/events/orders, idempotent on client_order_id (generated if absent)."""
        if request.client_order_id is None:
            request = dataclasses.replace(request, client_order_id=str(uuid.uuid4()))
        try:
            body = self.request("POST", "/portfolio/events/orders", body=request.to_wire(), retry="all")
        except err.OrderAlreadyExists as exc:
            return self._existing(request, exc)
        except err.InsufficientBalance as exc:
            raise self._explain_balance(exc, request.cost_micros) from None
        return CreateOrderResult.from_wire(body)

    def _existing(self, request: OrderRequest, conflict: err.OrderAlreadyExists) -> CreateOrderResult:
        """Answer a duplicate client_order_id with the order it names (never send again), after
        checking that order is this request; ClientOrderIdConflict when it is another one."""
        client_order_id = request.client_order_id or ""
        for attempt in range(self.retry.attempts):
            # Portfolio reads lag the matching engine slightly (API.md §3): look again shortly.
            order = self.find_order(client_order_id, ticker=request.ticker)
            if order is not None:
                _check_identity(request, order, conflict)
                return CreateOrderResult.from_order(order)
            self._sleep(self.retry.delay(attempt, self._rng))
        conflict.message = (
            f"An order with client_order_id {client_order_id} already exists but is not among the orders of "
            f"{request.ticker}; the id was probably used for another market."
        )
        raise conflict

    def _explain_balance(self, error: err.InsufficientBalance, needed: int) -> err.InsufficientBalance:
        """Say how much the order needs and how much is available (one extra balance read)."""
        try:
            available = self.balance().balance_micros
        except err.KalshiError:
            error.message = f"Insufficient balance: the order needs {dollars_text(needed)} plus fees."
            return error
        error.message = (
            f"Insufficient balance: the order needs {dollars_text(needed)} plus fees, "
            f"you have {dollars_text(available)} available."
        )
        return error

    def batch_create(self, requests_: Sequence[OrderRequest]) -> list[BatchCreateItem]:
        """POST /portfolio/events/orders/batched in chunks that fit the write bucket; one item per
        request, in order. Duplicates are looked up like single creates."""
        prepared = [
            r if r.client_order_id is not None else dataclasses.replace(r, client_order_id=str(uuid.uuid4()))
            for r in requests_
        ]
        chunk = max(1, min(MAX_BATCH, self._paced.write.capacity // DEFAULT_COST))
        out: list[BatchCreateItem] = []
        path = "/portfolio/events/orders/batched"
        for start in range(0, len(prepared), chunk):
            part = prepared[start : start + chunk]
            body = self.request("POST", path, body={"orders": [r.to_wire() for r in part]}, retry="all")
            items = WireReader(body, "batch create answer").items("orders")
            if len(items) != len(part):
                raise err.ResponseFormatError(
                    "The batch create answer does not have one entry per order.", path=path
                )
            for request, item in zip(part, items, strict=True):
                entry = WireReader(item, "batch create entry")
                if entry.has("error"):
                    error = err.item_error(entry.raw("error"), method="POST", path=path)
                    if isinstance(error, err.OrderAlreadyExists):
                        try:
                            result = self._existing(request, error)
                        except (err.OrderAlreadyExists, err.ClientOrderIdConflict) as still:
                            out.append(BatchCreateItem(request.client_order_id, error=still))
                        else:
                            out.append(BatchCreateItem(request.client_order_id, result=result))
                        continue
                    if isinstance(error, err.InsufficientBalance):
                        error = self._explain_balance(error, request.cost_micros)
                    out.append(BatchCreateItem(request.client_order_id, error=error))
                else:
                    out.append(
                        BatchCreateItem(request.client_order_id, result=CreateOrderResult.from_wire(item))
                    )
        return out

    def cancel_order(self, order_id: str, *, market_ticker: str | None = None) -> CancelResult:
        """DELETE /portfolio/events/orders/{order_id}. A retried cancel that finds the order
        already gone answers from the order itself (`from_lookup=True`)."""
        state = _CallState()
        try:
            body = self.request(
                "DELETE",
                f"/portfolio/events/orders/{_seg(order_id)}",
                params=_query(market_ticker=market_ticker),
                retry="all",
                state=state,
            )
        except err.NotFound:
            if not state.ambiguous:
                raise
            return self._cancel_from_lookup(order_id)
        return CancelResult.from_wire(body)

    def _cancel_from_lookup(self, order_id: str) -> CancelResult:
        order = self.order(order_id)
        if order.is_resting:
            raise err.NotFound("The cancel was refused but the order is still resting.", code="not_found")
        unfilled = order.initial_count - order.fill_count if order.status == "canceled" else 0
        return CancelResult(
            order.order_id, order.client_order_id or None, max(0, unfilled), None, from_lookup=True
        )

    def batch_cancel(self, order_ids: Sequence[str]) -> list[BatchCancelItem]:
        """DELETE /portfolio/events/orders/batched (JSON body); one item per id, in order."""
        path = "/portfolio/events/orders/batched"
        capacity = self._paced.write.capacity // 2
        out: list[BatchCancelItem] = []
        for start in range(0, len(order_ids), max(1, capacity)):
            part = list(order_ids[start : start + capacity])
            state = _CallState()
            body = self.request(
                "DELETE", path, body={"orders": [{"order_id": i} for i in part]}, retry="all", state=state
            )
            items = WireReader(body, "batch cancel answer").items("orders")
            by_id = {}
            for item in items:
                entry = WireReader(item, "batch cancel entry")
                by_id[entry.text("order_id", "")] = entry
            for order_id in part:
                found = by_id.get(order_id)
                if found is None:
                    out.append(
                        BatchCancelItem(order_id, error=err.ResponseFormatError("No answer for this order."))
                    )
                    continue
                if not found.has("error"):
                    out.append(BatchCancelItem(order_id, result=CancelResult.from_wire(found.data)))
                    continue
                error = err.item_error(found.raw("error"), method="DELETE", path=path)
                if isinstance(error, err.NotFound) and state.ambiguous:
                    try:
                        out.append(BatchCancelItem(order_id, result=self._cancel_from_lookup(order_id)))
                        continue
                    except err.KalshiError:
                        pass
                out.append(BatchCancelItem(order_id, error=error))
        return out

    def amend_order(
        self,
        order_id: str,
        *,
        ticker: str,
        side: BookSide,
        price: int,
        count: int,
        client_order_id: str | None = None,
        updated_client_order_id: str | None = None,
    ) -> AmendResult:
        """POST .../{order_id}/amend. `count` is the new TOTAL: already filled + desired remaining."""
        body: dict[str, Any] = {
            "ticker": ticker,
            "side": side,
            "price": format_price(price),
            "count": format_count(count),
        }
        if client_order_id is not None:
            body["client_order_id"] = client_order_id
        if updated_client_order_id is not None:
            body["updated_client_order_id"] = updated_client_order_id
        # Only provably-unsent failures are retried: after an ambiguous failure the amend may have
        # happened (and may have traded); the caller reconciles from GET /portfolio/orders.
        answer = self.request(
            "POST", f"/portfolio/events/orders/{_seg(order_id)}/amend", body=body, retry="safe"
        )
        return AmendResult.from_wire(answer)

    def decrease_order(
        self,
        order_id: str,
        *,
        reduce_by: int | None = None,
        reduce_to: int | None = None,
        market_ticker: str | None = None,
    ) -> DecreaseResult:
        """POST .../{order_id}/decrease with exactly one of reduce_by / reduce_to (hundredths)."""
        if (reduce_by is None) == (reduce_to is None):
            raise err.OrderRequestError("Give exactly one of reduce_by and reduce_to.")
        body: dict[str, Any] = {}
        if reduce_by is not None:
            body["reduce_by"] = format_count(reduce_by)
        if reduce_to is not None:
            body["reduce_to"] = format_count(reduce_to)
        if market_ticker is not None:
            body["market_ticker"] = market_ticker
        # reduce_to is idempotent; reduce_by twice would reduce twice, so it is retried only when
        # the exchange surely did nothing (429, connection never made).
        mode: RetryMode = "all" if reduce_to is not None else "safe"
        state = _CallState()
        try:
            answer = self.request(
                "POST",
                f"/portfolio/events/orders/{_seg(order_id)}/decrease",
                body=body,
                retry=mode,
                state=state,
            )
        except (err.BadRequest, err.NotFound):
            # A retry after an attempt that may have run is refused when that attempt did it
            # ("reduce_to must be below the remaining count", or the order is gone): check.
            if reduce_to is None or not state.ambiguous:
                raise
            order = self.order(order_id)
            if order.remaining_count > reduce_to:
                raise
            return DecreaseResult(
                order.order_id, order.client_order_id or None, order.remaining_count, None, from_lookup=True
            )
        return DecreaseResult.from_wire(answer)
