"""The exchange: applies commands to markets, books and accounts; returns results and events.

Pure and deterministic: no clock (each command carries `ts_ms`), no I/O, ids derived from the seed
and counters. Replaying the same commands yields the same state (journal.state_hash).

Matching follows API.md §9: one reciprocal book per market, price-time priority, execution at the
resting order's price. Order rules per V2 (§4.3) and our decisions (§15).
"""

from __future__ import annotations

import hashlib
import heapq
from bisect import bisect_left, insort
from collections.abc import Callable
from typing import Any, Final

from sandbox.engine import errors
from sandbox.engine.book import (
    ASK,
    BID,
    CANCELED,
    EXECUTED,
    FOK,
    GTC,
    RESTING,
    STP_TAKER_AT_CROSS,
    Order,
)
from sandbox.engine.commands import (
    AmendOrder,
    CancelOrder,
    Command,
    CreateOrder,
    DecreaseOrder,
    Deposit,
    Determine,
    Init,
    ListMarket,
    OpenAccount,
    SetCloseTime,
    SetExchangeStatus,
    SetMarketStatus,
    SetSeriesFees,
    Settle,
    Tick,
)
from sandbox.engine.events import (
    BookDelta,
    FillRecord,
    MarketLifecycle,
    OrderUpdate,
    PositionUpdate,
    Reject,
    Result,
    SettlementRecord,
    TickerUpdate,
    TradeRecord,
)
from sandbox.engine.fees import FEE_TYPES
from sandbox.engine.ledger import (
    Account,
    Exposure,
    cancel_and_release,
    fill,
    refresh,
    set_fee_bound,
    settle,
    shrink,
    track_and_reserve,
    untrack,
)
from sandbox.engine.markets import (
    ACTIVE,
    CLOSED,
    DETERMINED,
    FINALIZED,
    INACTIVE,
    INITIALIZED,
    GridError,
    Market,
    PriceGrid,
    PriceRange,
)
from sandbox.engine.units import COUNT_ONE, MICRO_PER_CENT, MICRO_PER_PRICE_UNIT, PRICE_ONE

MAX_ORDER_COUNT: Final = 1_000_000 * COUNT_ONE  # a sanity cap on one order's size
MAX_OPEN_ORDERS: Final = 200_000  # per account (API.md §4.5)
_DAY_MS: Final = 86_400_000
_NEVER: Final = 1 << 62
_CLOSED_STATES: Final = frozenset({CLOSED, DETERMINED, FINALIZED})


_new: Final = tuple.__new__  # builds a NamedTuple from a tuple, skipping its Python-level __new__ (hot path)


def _reject(code: str, message: str, details: str = "") -> Result:
    return Result(error=Reject(code, message, details))


# Refusals frequent enough on the hot path to be built once (a Result is immutable).
_ORDER_NOT_FOUND: Final = _reject(errors.NOT_FOUND, "order not found")
_ORDER_NOT_RESTING: Final = _reject(errors.NOT_FOUND, "order not found", "the order is no longer resting")


def _id_prefix(seed: int, kind: str) -> str:
    """An 8-4-4-4 UUID-looking prefix (version 4, RFC 4122 variant) derived from the seed."""
    digest = hashlib.sha256(f"{seed}:{kind}".encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-4{digest[13:16]}-8{digest[17:20]}"


class Exchange:
    """All markets and accounts of the sandbox; see the module docstring."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self._order_prefix = _id_prefix(seed, "order")
        self._trade_prefix = _id_prefix(seed, "trade")
        self._fill_prefix = _id_prefix(seed, "fill")
        self.now_ms = 0
        self.markets: dict[str, Market] = {}
        self.accounts: dict[str, Account] = {}
        self.orders: dict[str, Order] = {}
        self.trades: list[TradeRecord] = []
        self.market_exposures: dict[str, list[Exposure]] = {}
        self.deposit_ids: set[str] = set()
        self.deposits = 0  # net cash moved in, micro-dollars
        self.fees_collected = 0  # trade fees + rounding - rebates + settlement rounding
        self.exchange_active = True
        self.trading_active = True
        self.order_seq = 0
        self.trade_seq = 0
        self.fill_seq = 0
        self.settlement_seq = 0
        self.commands_applied = 0
        self.events: list[Any] = []
        self._expirations: list[tuple[int, int, str]] = []
        self._next_due = _NEVER
        self._day = 0
        self._handlers: dict[type, Callable[[Any], Result]] = {
            Init: self._init,
            OpenAccount: self._open_account,
            Deposit: self._deposit,
            ListMarket: self._list_market,
            CreateOrder: self._create_order,
            CancelOrder: self._cancel_order,
            DecreaseOrder: self._decrease_order,
            AmendOrder: self._amend_order,
            SetMarketStatus: self._set_market_status,
            SetCloseTime: self._set_close_time,
            Determine: self._determine,
            Settle: self._settle,
            SetSeriesFees: self._set_series_fees,
            SetExchangeStatus: self._set_exchange_status,
            Tick: self._tick,
        }

    # ----------------------------------------------------------------------------- public API

    def apply(self, command: Command) -> Result:
        """Apply one command; its events are appended to `self.events` (see `drain_events`)."""
        ts_ms = command.ts_ms
        if ts_ms > self.now_ms:
            self.now_ms = ts_ms
        if self.now_ms >= self._next_due:
            self._advance()
        self.commands_applied += 1
        return self._handlers[type(command)](command)

    def drain_events(self) -> list[Any]:
        """The events produced since the last drain, oldest first."""
        events = self.events
        self.events = []
        return events

    def next_due_ms(self) -> int:
        """When time alone next changes something (a Tick is then worth sending), or a far future."""
        return self._next_due

    # ----------------------------------------------------------------------------- accounts

    def _init(self, command: Init) -> Result:
        if self.commands_applied > 1:
            return _reject(errors.INVALID_PARAMETERS, "Init must be the first command")
        seed = command.seed
        self.seed = seed
        self._order_prefix = _id_prefix(seed, "order")
        self._trade_prefix = _id_prefix(seed, "trade")
        self._fill_prefix = _id_prefix(seed, "fill")
        return Result(ts_ms=self.now_ms)

    def _open_account(self, command: OpenAccount) -> Result:
        if command.account_id in self.accounts:
            return _reject(errors.INVALID_PARAMETERS, "account already exists")
        self.accounts[command.account_id] = Account(command.account_id)
        return Result(ts_ms=self.now_ms)

    def _deposit(self, command: Deposit) -> Result:
        account = self.accounts.get(command.account_id)
        if account is None:
            return _reject(errors.NOT_FOUND, "unknown account")
        if command.deposit_id in self.deposit_ids:
            return Result(ts_ms=self.now_ms)  # idempotent
        amount = command.amount
        if amount % MICRO_PER_CENT:
            return _reject(errors.INVALID_PARAMETERS, "deposits are whole cents")
        if amount < 0 and account.available < -amount:
            return _reject(errors.BALANCE_TOO_LOW, "withdrawal exceeds the available balance")
        self.deposit_ids.add(command.deposit_id)
        account.cash += amount
        account.deposited += amount
        self.deposits += amount
        return Result(ts_ms=self.now_ms)

    def _exposure(self, account: Account, ticker: str) -> Exposure:
        exposure = account.exposures.get(ticker)
        if exposure is None:
            exposure = account.exposures[ticker] = Exposure(account, ticker)
            self.market_exposures[ticker].append(exposure)
        return exposure

    # ----------------------------------------------------------------------------- markets

    def _list_market(self, command: ListMarket) -> Result:
        if command.ticker in self.markets:
            return _reject(errors.INVALID_PARAMETERS, f"market {command.ticker} already exists")
        if command.fee_type not in FEE_TYPES:
            return _reject(errors.INVALID_PARAMETERS, f"unsupported fee_type {command.fee_type}")
        if command.market_type not in ("binary", "scalar"):
            return _reject(errors.INVALID_PARAMETERS, "market_type must be binary or scalar")
        if command.close_ms <= command.open_ms:
            return _reject(errors.INVALID_PARAMETERS, "close time must be after open time")
        if not 0 <= command.fee_multiplier <= 100_000:
            return _reject(errors.INVALID_PARAMETERS, "fee_multiplier must be within [0, 10]")
        try:
            grid = PriceGrid(tuple(PriceRange(*band) for band in command.price_ranges))
        except (GridError, TypeError) as exc:
            return _reject(errors.INVALID_PARAMETERS, str(exc))
        market = Market(
            ticker=command.ticker,
            event_ticker=command.event_ticker,
            series_ticker=command.series_ticker,
            market_type=command.market_type,
            grid=grid,
            price_level_structure=command.price_level_structure,
            fee_type=command.fee_type,
            fee_multiplier=command.fee_multiplier,
            open_ms=command.open_ms,
            close_ms=command.close_ms,
            settlement_timer_s=command.settlement_timer_s,
            can_close_early=command.can_close_early,
            created_ms=self.now_ms,
        )
        self.markets[command.ticker] = market
        self.market_exposures[command.ticker] = []
        market.last_ticker = market.ticker_state()
        self._lifecycle(market, "created")
        self._advance()  # it may already be open
        return Result(ts_ms=self.now_ms)

    def _lifecycle(self, market: Market, event_type: str) -> None:
        market.updated_ms = self.now_ms
        self.events.append(
            MarketLifecycle(
                market.ticker,
                event_type,
                self.now_ms,
                market.open_ms,
                market.close_ms,
                market.result,
                market.settlement_value,
            )
        )

    def _set_market_status(self, command: SetMarketStatus) -> Result:
        market = self.markets.get(command.ticker)
        if market is None:
            return _reject(errors.MARKET_NOT_FOUND, f"market {command.ticker} not found")
        action = command.action
        if action == "pause":
            if market.status != ACTIVE:
                return _reject(errors.INVALID_PARAMETERS, f"cannot pause a market that is {market.status}")
            market.status = INACTIVE
            self._lifecycle(market, "deactivated")
            self._cancel_market_orders(market, only_cancel_on_pause=True)
        elif action == "activate":
            if market.status != INACTIVE:
                return _reject(errors.INVALID_PARAMETERS, f"cannot activate a market that is {market.status}")
            market.status = ACTIVE
            self._lifecycle(market, "activated")
            # Kalshi cancels every resting order when a paused market is reactivated (API.md §9).
            self._cancel_market_orders(market)
        elif action == "close":
            if market.status not in (ACTIVE, INACTIVE, INITIALIZED):
                return _reject(errors.INVALID_PARAMETERS, f"cannot close a market that is {market.status}")
            self._close_now(market)
        else:
            return _reject(errors.INVALID_PARAMETERS, "action must be pause, activate or close")
        self._publish_ticker(market)
        self._schedule()
        return Result(ts_ms=self.now_ms)

    def _set_close_time(self, command: SetCloseTime) -> Result:
        market = self.markets.get(command.ticker)
        if market is None:
            return _reject(errors.MARKET_NOT_FOUND, f"market {command.ticker} not found")
        if market.status in (DETERMINED, FINALIZED):
            return _reject(errors.INVALID_PARAMETERS, f"market is {market.status}")
        if command.close_ms <= market.open_ms:
            return _reject(errors.INVALID_PARAMETERS, "close time must be after open time")
        market.close_ms = command.close_ms
        self._lifecycle(market, "close_date_updated")
        if market.status == CLOSED and command.close_ms > self.now_ms:
            market.status = ACTIVE  # reopened (API.md §10)
            self._lifecycle(market, "activated")
        self._advance()
        return Result(ts_ms=self.now_ms)

    def _determine(self, command: Determine) -> Result:
        market = self.markets.get(command.ticker)
        if market is None:
            return _reject(errors.MARKET_NOT_FOUND, f"market {command.ticker} not found")
        if market.status in (DETERMINED, FINALIZED):
            return _reject(errors.INVALID_PARAMETERS, f"market is already {market.status}")
        result = command.result
        if result == "yes":
            value = PRICE_ONE
        elif result == "no":
            value = 0
        elif result == "scalar" and 0 <= command.settlement_value <= PRICE_ONE:
            value = command.settlement_value
        else:
            return _reject(
                errors.INVALID_PARAMETERS, "result must be yes, no, or scalar with a value in [0, 1]"
            )
        if market.status != CLOSED:  # determining an open (or unopened) market closes it first
            self._close_now(market)
        market.status = DETERMINED
        market.result = result
        market.settlement_value = value
        market.determined_ms = self.now_ms
        self._lifecycle(market, "determined")
        self._advance()
        return Result(ts_ms=self.now_ms)

    def _settle(self, command: Settle) -> Result:
        market = self.markets.get(command.ticker)
        if market is None:
            return _reject(errors.MARKET_NOT_FOUND, f"market {command.ticker} not found")
        if market.status != DETERMINED:
            return _reject(
                errors.INVALID_PARAMETERS, f"only a determined market can settle (it is {market.status})"
            )
        self._finalize(market)
        self._schedule()
        return Result(ts_ms=self.now_ms)

    def _set_series_fees(self, command: SetSeriesFees) -> Result:
        """New fees for every market of a series. Resting orders reserve their fee bound at the new
        rates; a member whose available balance the change would make negative has its orders in
        that market cancelled, lowest priority first, until it is not (collateral rule)."""
        if command.fee_type not in FEE_TYPES:
            return _reject(errors.INVALID_PARAMETERS, f"unsupported fee_type {command.fee_type}")
        if not 0 <= command.fee_multiplier <= 100_000:
            return _reject(errors.INVALID_PARAMETERS, "fee_multiplier must be within [0, 10]")
        for market in self.markets.values():
            if market.series_ticker != command.series_ticker:
                continue
            market.set_fees(command.fee_type, command.fee_multiplier)
            live = [order for side in market.book.sides for order in side.live_orders()]
            for order in live:  # a resting order only ever trades as a maker, at its own price
                set_fee_bound(order.exposure, order, market.maker_bounds[order.price])
            for exposure in {id(order.exposure): order.exposure for order in live}.values():
                refresh(exposure)
            for order in reversed(live):
                if order.exposure.account.available < 0:
                    self._cancel_live(order, market)
            self._publish_ticker(market)
        return Result(ts_ms=self.now_ms)

    def _set_exchange_status(self, command: SetExchangeStatus) -> Result:
        was_trading = self.exchange_active and self.trading_active
        self.exchange_active = command.exchange_active
        self.trading_active = command.trading_active
        if was_trading and not (self.exchange_active and self.trading_active):
            for market in self.markets.values():
                self._cancel_market_orders(market, only_cancel_on_pause=True)
                self._publish_ticker(market)
        return Result(ts_ms=self.now_ms)

    def _tick(self, command: Tick) -> Result:
        return Result(ts_ms=self.now_ms)

    # ----------------------------------------------------------------------------- time

    def _schedule(self) -> None:
        """Recompute when time next matters: an order expiry, a market opening/closing/settling, midnight."""
        due = (self._day + 1) * _DAY_MS if self.markets else _NEVER
        if self._expirations:
            due = min(due, self._expirations[0][0])
        for market in self.markets.values():
            status = market.status
            if status == INITIALIZED:
                due = min(due, market.open_ms)
            elif status in (ACTIVE, INACTIVE):
                due = min(due, market.close_ms)
            elif status == DETERMINED:
                due = min(due, market.determined_ms + market.settlement_timer_s * 1000)
        self._next_due = due

    def _advance(self) -> None:
        """Apply everything time has made due at `now_ms`, in a deterministic order."""
        now = self.now_ms
        expirations = self._expirations
        while expirations and expirations[0][0] <= now:
            expires_ms, _, order_id = heapq.heappop(expirations)
            order = self.orders[order_id]
            if order.status == RESTING and order.expiration_ms == expires_ms:
                self._cancel_live(order, self.markets[order.ticker])
                self._publish_ticker(self.markets[order.ticker])
        day = now // _DAY_MS
        new_day = day != self._day
        self._day = day
        for market in self.markets.values():
            if new_day:  # Kalshi's previous_* fields: values as of the previous day
                market.previous_yes_bid = market.yes_bid()[0]
                market.previous_yes_ask = market.yes_ask()[0]
                market.previous_price = market.last_price
            status = market.status
            if status == INITIALIZED and now >= market.open_ms:
                market.status = status = ACTIVE  # no WebSocket event for this move (API.md §10)
                market.updated_ms = now
            if status in (ACTIVE, INACTIVE) and now >= market.close_ms:
                self._close(market)
            elif status == DETERMINED and now >= market.determined_ms + market.settlement_timer_s * 1000:
                self._finalize(market)
        self._schedule()

    def _close_now(self, market: Market) -> None:
        """Close a market that is not closed yet, at `now_ms` (admin close, determine).

        A market that has not opened yet is closed too, and its open time is brought forward to
        the close time: it never traded, and `open_time <= close_time` keeps holding (set_close_time
        can then reopen it like any closed market).
        """
        now = self.now_ms
        market.close_ms = min(market.close_ms, now)
        market.open_ms = min(market.open_ms, market.close_ms)
        self._lifecycle(market, "close_date_updated")
        self._close(market)
        self._schedule()

    def _close(self, market: Market) -> None:
        market.status = CLOSED
        market.updated_ms = self.now_ms
        self._cancel_market_orders(market)
        self._publish_ticker(market)

    def _finalize(self, market: Market) -> None:
        """Pay out every position of a determined market (API.md §9 Settlement)."""
        now = self.now_ms
        value = market.settlement_value
        # By account id, so the order does not depend on when each record was first created.
        for exposure in sorted(self.market_exposures[market.ticker], key=lambda e: e.account.account_id):
            if exposure.settled or (exposure.position == 0 and exposure.volume == 0):
                continue
            position = exposure.position
            cost = exposure.cost
            credited, fee = settle(exposure, value)
            self.fees_collected += fee
            self.settlement_seq += 1
            record = SettlementRecord(
                self.settlement_seq,
                exposure.account.account_id,
                market.ticker,
                market.result,
                max(position, 0),
                cost if position > 0 else 0,
                max(-position, 0),
                cost if position < 0 else 0,
                credited,
                fee,
                value,
                now,
            )
            exposure.account.settlements.append(record)
            if position:
                exposure.updated_ms = now
                self._position_event(exposure)
        market.open_interest = 0
        market.status = FINALIZED
        market.settled_ms = now
        self._lifecycle(market, "settled")

    # ----------------------------------------------------------------------------- orders

    def _trading_error(self, market: Market, creating: bool) -> Result | None:
        """Why an order operation is refused in this market right now, if it is (API.md §9, §10)."""
        if not self.exchange_active:
            return _reject(errors.EXCHANGE_PAUSED, "the exchange is paused")
        status = market.status
        if status in _CLOSED_STATES:
            return _reject(errors.MARKET_INACTIVE, f"market {market.ticker} is {status}")
        if creating:
            if status == INITIALIZED:
                return _reject(errors.MARKET_INACTIVE, f"market {market.ticker} is not open yet")
            if status == INACTIVE or not self.trading_active:
                return _reject(errors.TRADING_PAUSED, "trading is paused")
        return None

    def _create_order(self, command: CreateOrder) -> Result:
        # One unpacking instead of a field access per use (hot path).
        (
            _,
            account_id,
            ticker,
            side,
            price,
            count,
            tif,
            stp,
            client_order_id,
            expiration_ms,
            post_only,
            reduce_only,
            cancel_on_pause,
        ) = command
        account = self.accounts.get(account_id)
        if account is None:
            return _reject(errors.NOT_FOUND, "unknown account")
        market = self.markets.get(ticker)
        if market is None:
            return _reject(errors.MARKET_NOT_FOUND, f"market {ticker} not found")
        if market.status != ACTIVE or not self.trading_active or not self.exchange_active:
            refused = self._trading_error(market, creating=True)
            if refused is not None:
                return refused
        if not (0 < price < PRICE_ONE and market.grid.valid[price]):
            return _reject(
                errors.INVALID_PRICE,
                "invalid price",
                f"{price / PRICE_ONE:.4f} is not on the market's price grid",
            )
        if count <= 0 or count > MAX_ORDER_COUNT:
            return _reject(
                errors.INVALID_ORDER_SIZE, "invalid order size", "count must be between 0.01 and 1000000"
            )
        if expiration_ms:
            if tif != GTC:
                return _reject(
                    errors.INVALID_PARAMETERS, "expiration_time is only allowed with good_till_canceled"
                )
            if expiration_ms <= self.now_ms:
                return _reject(errors.INVALID_PARAMETERS, "expiration_time must be in the future")
        if client_order_id and client_order_id in account.client_order_ids:
            return _reject(errors.ORDER_ALREADY_EXISTS, "an order with this client_order_id already exists")
        existing = account.exposures.get(ticker)
        position = existing.position if existing is not None else 0
        if existing is not None and existing.live_orders >= MAX_OPEN_ORDERS:
            return _reject(errors.INVALID_ORDER, "too many open orders")
        if reduce_only:
            closable = -position if side == BID else position
            if closable <= 0:
                return _reject(
                    errors.INVALID_ORDER, "invalid order", "reduce only order would increase the position"
                )
            count = min(count, closable)
        leg = price if side == BID else PRICE_ONE - price
        book = market.book
        opposite = book.sides[1 - side].prices
        crosses = bool(opposite) and opposite[-1] + leg >= PRICE_ONE
        if crosses and post_only:
            return _reject(errors.INVALID_ORDER, "invalid order", "post only cross")

        # Validation is over: from here on the command changes state (a rejected command must
        # not, so that the server can leave rejections out of the journal).
        exposure = existing if existing is not None else self._exposure(account, ticker)
        now = self.now_ms
        order = Order(
            "",
            0,
            account.account_id,
            ticker,
            side,
            price,
            leg,
            count,
            tif,
            post_only,
            reduce_only,
            stp,
            client_order_id,
            expiration_ms,
            cancel_on_pause,
            now,
            exposure,
        )
        kill = tif == FOK and (not crosses or book.crossing_size(side, leg, count) < count)
        if not kill:
            # A crossing order may take at worse-for-fees prices; one that does not can only ever
            # fill as a maker at its own price.
            order.fee_bound = market.taker_bounds[leg] if crosses else market.maker_bounds[price]
            track_and_reserve(exposure, order)
            if account.cash < account.reserved:
                shrink(exposure, order, count)
                untrack(exposure, order)
                refresh(exposure)
                return _reject(errors.BALANCE_TOO_LOW, "available balance too low")

        self.order_seq += 1
        order.seq = self.order_seq
        order.order_id = order_id = "%s-%012x" % (self._order_prefix, self.order_seq)
        self.orders[order_id] = order
        account.orders.append(order)
        if client_order_id:
            account.client_order_ids[client_order_id] = order_id
        if kill:  # fill-or-kill that cannot fill completely: cancelled at once, nothing reserved
            order.remaining = 0
            order.status = CANCELED
            self._order_event(order)
            return Result(None, order_id, client_order_id, 0, 0, 0, 0, 0, now)

        self._order_event(order)
        if not crosses:  # the common case: it rests, and the reservation is already right
            if tif == GTC:
                self._rest(market, order)
            else:
                self._drop_remaining(order)
                refresh(exposure)
            return _new(Result, (None, order_id, client_order_id, 0, order.remaining, 0, 0, 0, now))
        filled, notional, fees = self._match(market, order)
        if filled:  # one position message for the taker, after all its fills
            self._position_event(exposure)
        if order.remaining:
            if tif == GTC and order.status == RESTING:
                self._rest(market, order)
            else:
                self._drop_remaining(order)
        elif order.status == RESTING:
            order.status = EXECUTED
            untrack(exposure, order)
        refresh(exposure)
        self._order_event(order)
        self._publish_ticker(market)
        return _new(
            Result, (None, order_id, client_order_id, filled, order.remaining, notional, fees, 0, now)
        )

    def _rest(self, market: Market, order: Order) -> None:
        """Put a live order (already tracked by the ledger) on the book as a maker."""
        bound = market.maker_bounds[order.price]
        if bound != order.fee_bound:
            set_fee_bound(order.exposure, order, bound)
            refresh(order.exposure)
        book_side = market.book.sides[order.side]
        book_side.add(order)
        self.events.append(
            _new(
                BookDelta,
                (
                    order.ticker,
                    order.side,
                    order.leg,
                    order.remaining,
                    self.now_ms,
                    order.account_id,
                    order.client_order_id,
                ),
            )
        )
        if order.expiration_ms:
            heapq.heappush(self._expirations, (order.expiration_ms, order.seq, order.order_id))
            if order.expiration_ms < self._next_due:
                self._next_due = order.expiration_ms
        if book_side.prices[-1] == order.leg:  # only a new best level moves the ticker
            self._publish_ticker(market)

    def _drop_remaining(self, order: Order) -> None:
        """Cancel the unfilled rest of an order that is not on the book (IOC, FOK, stopped by STP)."""
        exposure = order.exposure
        shrink(exposure, order, order.remaining)
        untrack(exposure, order)
        order.remaining = 0
        order.status = CANCELED
        order.updated_ms = self.now_ms

    def _match(self, market: Market, taker: Order) -> tuple[int, int, int]:
        """Cross `taker` with the opposite side; returns (filled, YES notional, net fees)."""
        opposite = market.book.sides[1 - taker.side]
        prices = opposite.prices
        levels = opposite.levels
        threshold = PRICE_ONE - taker.leg
        taker_account = taker.account_id
        taker_exposure = taker.exposure
        filled = notional = fees = 0
        while taker.remaining and prices and prices[-1] >= threshold:
            level = levels[prices[-1]]
            queue = level.orders
            while taker.remaining and level.size:
                maker = queue[0]
                if not maker.in_book:
                    queue.popleft()
                    continue
                if maker.account_id == taker_account:  # self-trade prevention (API.md §9)
                    if taker.stp == STP_TAKER_AT_CROSS:
                        return self._stop_taker(taker, filled, notional, fees)
                    queue.popleft()
                    self._cancel_live(maker, market)
                    continue
                count = taker.remaining if taker.remaining < maker.remaining else maker.remaining
                maker_capped = False
                if maker.reduce_only:
                    maker_exposure = maker.exposure
                    closable = maker_exposure.position if maker.side == ASK else -maker_exposure.position
                    if closable <= 0:
                        queue.popleft()
                        self._cancel_live(maker, market)
                        continue
                    if closable < count:
                        count = closable
                        maker_capped = True
                if taker.reduce_only:
                    closable = taker_exposure.position if taker.side == ASK else -taker_exposure.position
                    if closable <= 0:
                        return self._stop_taker(taker, filled, notional, fees)
                    count = min(count, closable)
                yes_price, fee = self._execute(market, taker, maker, count)
                level.size -= count  # BookSide.reduce, inlined: this is the best level
                if not level.size:
                    del levels[prices.pop()]
                filled += count
                notional += count * yes_price
                fees += fee
                if not maker.remaining:
                    queue.popleft()
                elif maker_capped:  # it closed the whole position; a reduce-only order may not open one
                    queue.popleft()
                    self._cancel_live(maker, market)
        return filled, notional, fees

    def _stop_taker(self, taker: Order, filled: int, notional: int, fees: int) -> tuple[int, int, int]:
        """Stop matching: the remaining count of the incoming order is cancelled (fills stand)."""
        self._drop_remaining(taker)
        return filled, notional, fees

    def _execute(self, market: Market, taker: Order, maker: Order, count: int) -> tuple[int, int]:
        """One trade between an incoming and a resting order at the resting price; returns (YES price, taker fee)."""
        now = self.now_ms
        maker_leg = maker.leg
        taker_leg = PRICE_ONE - maker_leg
        yes_price = maker_leg if maker.side == BID else taker_leg
        # fees.trade_fee, inlined with the market's precomputed fractions (hot path).
        quadratic = count * yes_price * (PRICE_ONE - yes_price)
        taker_fee = -(-(market.taker_fee_num * quadratic) // market.taker_fee_den) * MICRO_PER_PRICE_UNIT
        maker_num = market.maker_fee_num
        maker_fee = (
            -(-(maker_num * quadratic) // market.maker_fee_den) * MICRO_PER_PRICE_UNIT if maker_num else 0
        )
        # Events are built with tuple.__new__: the same NamedTuples without the Python-level
        # __new__ call (this is the hot path: a trade makes seven of them).

        maker_exposure = maker.exposure
        taker_exposure = taker.exposure
        open_before = abs(maker_exposure.position) + abs(taker_exposure.position)

        maker.remaining -= count
        maker.filled += count
        maker.updated_ms = now
        maker_net = fill(maker_exposure, maker, count, maker_leg, maker_fee, now)
        maker.maker_cost += count * maker_leg
        maker.maker_fees += maker_net
        if not maker.remaining:
            maker.status = EXECUTED
            maker.in_book = False
            untrack(maker_exposure, maker)
        refresh(maker_exposure)

        taker.remaining -= count
        taker.filled += count
        taker.updated_ms = now
        taker_net = fill(taker_exposure, taker, count, taker_leg, taker_fee, now)
        taker.taker_cost += count * taker_leg
        taker.taker_fees += taker_net

        self.fees_collected += maker_net + taker_net
        market.open_interest += (
            abs(maker_exposure.position) + abs(taker_exposure.position) - open_before
        ) // 2
        market.volume += count
        market.last_price = yes_price
        market.last_size = count
        market.dollar_volume += count * yes_price
        window = market.volume_window
        window.append((now, count))
        if window[0][0] <= now - _DAY_MS:
            while window and window[0][0] <= now - _DAY_MS:
                window.popleft()

        self.trade_seq += 1
        trade = _new(
            TradeRecord,
            (self.trade_seq, self._trade_prefix, market.ticker, count, yes_price, taker.side, now),
        )
        self.trades.append(trade)
        market.trades.append(trade)
        self.fill_seq += 2
        maker_fill = _new(
            FillRecord,
            (
                self.fill_seq - 1,
                self._fill_prefix,
                trade,
                maker,
                False,
                maker_net,
                maker_exposure.position,
                maker.client_order_id,
            ),
        )
        taker_fill = _new(
            FillRecord,
            (
                self.fill_seq,
                self._fill_prefix,
                trade,
                taker,
                True,
                taker_net,
                taker_exposure.position,
                taker.client_order_id,
            ),
        )
        maker_exposure.account.fills.append(maker_fill)
        taker_exposure.account.fills.append(taker_fill)
        events = self.events
        events.append(
            _new(
                BookDelta,
                (market.ticker, maker.side, maker_leg, -count, now, maker.account_id, maker.client_order_id),
            )
        )
        events.append(trade)
        events.append(maker_fill)
        events.append(taker_fill)
        self._order_event(maker)
        self._position_event(maker_exposure)
        return yes_price, taker_net

    def _cancel_live(self, order: Order, market: Market) -> int:
        """Cancel a resting order's remaining count; returns the count cancelled."""
        count = order.remaining
        exposure = order.exposure
        if order.in_book:
            book_side = market.book.sides[order.side]
            level = book_side.levels[order.leg]  # BookSide.reduce, inlined (every cancel)
            level.size -= count
            if not level.size:
                del book_side.levels[order.leg]
                prices = book_side.prices
                del prices[bisect_left(prices, order.leg)]
            order.in_book = False
            self.events.append(
                _new(
                    BookDelta,
                    (
                        order.ticker,
                        order.side,
                        order.leg,
                        -count,
                        self.now_ms,
                        order.account_id,
                        order.client_order_id,
                    ),
                )
            )
        cancel_and_release(exposure, order)
        order.remaining = 0
        order.status = CANCELED
        order.updated_ms = self.now_ms
        self._order_event(order)
        return count

    def _cancel_market_orders(self, market: Market, only_cancel_on_pause: bool = False) -> None:
        for side in market.book.sides:
            for order in side.live_orders():
                if not only_cancel_on_pause or order.cancel_on_pause:
                    self._cancel_live(order, market)

    def _owned_order(self, account_id: str, order_id: str) -> Order | None:
        order = self.orders.get(order_id)
        if order is None or order.account_id != account_id:
            return None  # another member's order is as unknown as a missing one
        return order

    def _cancel_order(self, command: CancelOrder) -> Result:
        order = self.orders.get(command.order_id)  # _owned_order, inlined (hot path)
        if order is None or order.account_id != command.account_id:
            return _ORDER_NOT_FOUND
        market = self.markets[order.ticker]
        if market.status != ACTIVE or not self.exchange_active:
            refused = self._trading_error(market, creating=False)
            if refused is not None:
                return refused
        if order.status != RESTING:
            return _ORDER_NOT_RESTING
        prices = market.book.sides[order.side].prices
        was_best = order.in_book and prices[-1] == order.leg
        reduced = self._cancel_live(order, market)
        if was_best:  # only the best level moves the ticker
            self._publish_ticker(market)
        return _new(Result, (None, order.order_id, order.client_order_id, 0, 0, 0, 0, reduced, self.now_ms))

    def _decrease_order(self, command: DecreaseOrder) -> Result:
        order = self._owned_order(command.account_id, command.order_id)
        if order is None:
            return _ORDER_NOT_FOUND
        market = self.markets[order.ticker]
        refused = self._trading_error(market, creating=False)
        if refused is not None:
            return refused
        if order.status != RESTING:
            return _ORDER_NOT_RESTING
        if (command.reduce_by < 0) == (command.reduce_to < 0):
            return _reject(errors.INVALID_PARAMETERS, "exactly one of reduce_by and reduce_to is required")
        if command.reduce_by >= 0:
            if command.reduce_by == 0:
                return _reject(errors.INVALID_ORDER_SIZE, "invalid order size", "reduce_by must be positive")
            reduce = min(command.reduce_by, order.remaining)
        else:
            if command.reduce_to >= order.remaining:
                return _reject(
                    errors.INVALID_ORDER_SIZE,
                    "invalid order size",
                    "reduce_to must be below the remaining count",
                )
            reduce = order.remaining - command.reduce_to
        if reduce == order.remaining:
            self._cancel_live(order, market)
        else:
            exposure = order.exposure
            market.book.sides[order.side].reduce(order.leg, reduce)
            shrink(exposure, order, reduce)
            refresh(exposure)
            order.remaining -= reduce
            order.initial -= reduce
            order.updated_ms = self.now_ms
            self.events.append(
                BookDelta(
                    order.ticker,
                    order.side,
                    order.leg,
                    -reduce,
                    self.now_ms,
                    order.account_id,
                    order.client_order_id,
                )
            )
            self._order_event(order)
        self._publish_ticker(market)
        return Result(
            None, order.order_id, order.client_order_id, 0, order.remaining, 0, 0, reduce, self.now_ms
        )

    def _amend_order(self, command: AmendOrder) -> Result:
        order = self._owned_order(command.account_id, command.order_id)
        if order is None:
            return _ORDER_NOT_FOUND
        market = self.markets[order.ticker]
        refused = self._trading_error(market, creating=True)
        if refused is not None:
            return refused
        if order.status != RESTING:
            return _ORDER_NOT_RESTING
        if command.ticker != order.ticker:
            return _reject(errors.TICKER_MISMATCH, "ticker does not match the order")
        if command.side != order.side:
            return _reject(errors.SIDE_MISMATCH, "side does not match the order")
        if command.client_order_id and command.client_order_id != order.client_order_id:
            return _reject(errors.CLIENT_ORDER_ID_MISMATCH, "client_order_id does not match the order")
        account = self.accounts[order.account_id]
        new_client_id = command.updated_client_order_id
        if (
            new_client_id
            and new_client_id != order.client_order_id
            and new_client_id in account.client_order_ids
        ):
            return _reject(errors.ORDER_ALREADY_EXISTS, "an order with this client_order_id already exists")
        price = command.price
        if not (0 < price < PRICE_ONE and market.grid.valid[price]):
            return _reject(
                errors.INVALID_PRICE,
                "invalid price",
                f"{price / PRICE_ONE:.4f} is not on the market's price grid",
            )
        remaining = command.quantity - order.filled  # count = filled + desired remaining (§15.2)
        if remaining <= 0 or command.quantity > MAX_ORDER_COUNT:
            return _reject(
                errors.INVALID_ORDER_SIZE,
                "invalid order size",
                "count must exceed the filled count (filled + remaining)",
            )
        exposure = order.exposure
        if order.reduce_only:
            closable = -exposure.position if order.side == BID else exposure.position
            if closable <= 0:
                return _reject(
                    errors.INVALID_ORDER, "invalid order", "reduce only order would increase the position"
                )
            remaining = min(remaining, closable)
        side = order.side
        leg = price if side == BID else PRICE_ONE - price
        opposite = market.book.sides[1 - side].prices
        crosses = bool(opposite) and opposite[-1] + leg >= PRICE_ONE
        if crosses and order.post_only:
            return _reject(errors.INVALID_ORDER, "invalid order", "post only cross")

        # Swap the ledger's view of the order, then check the balance; undo on failure.
        old_price, old_leg, old_remaining, old_bound = (
            order.price,
            order.leg,
            order.remaining,
            order.fee_bound,
        )
        shrink(exposure, order, old_remaining)
        order.price, order.leg, order.remaining = price, leg, remaining
        order.fee_bound = market.taker_fee_bound(leg) if crosses else market.maker_fee_bound(price)
        self._ledger_add_count(exposure, order)
        refresh(exposure)
        if account.cash < account.reserved:
            shrink(exposure, order, remaining)
            order.price, order.leg, order.remaining, order.fee_bound = (
                old_price,
                old_leg,
                old_remaining,
                old_bound,
            )
            self._ledger_add_count(exposure, order)
            refresh(exposure)
            return _reject(errors.BALANCE_TOO_LOW, "available balance too low")

        now = self.now_ms
        if new_client_id and new_client_id != order.client_order_id:
            account.client_order_ids[new_client_id] = order.order_id
            order.client_order_id = new_client_id
        order.initial = order.filled + remaining
        order.updated_ms = now
        book_side = market.book.sides[side]
        keeps_priority = price == old_price and remaining <= old_remaining and not crosses
        if keeps_priority:
            if remaining < old_remaining:
                book_side.reduce(leg, old_remaining - remaining)
                # the level was credited with the old remaining when the order rested
                self.events.append(
                    BookDelta(
                        order.ticker,
                        side,
                        leg,
                        remaining - old_remaining,
                        now,
                        order.account_id,
                        order.client_order_id,
                    )
                )
            self._order_event(order)
            self._publish_ticker(market)
            return Result(None, order.order_id, order.client_order_id, 0, order.remaining, 0, 0, 0, now)

        # Price change or size increase: the order leaves its place and goes to the back (§4.3).
        level = book_side.levels[old_leg]
        level.orders.remove(order)
        book_side.reduce(old_leg, old_remaining)
        order.in_book = False
        self.events.append(
            BookDelta(
                order.ticker, side, old_leg, -old_remaining, now, order.account_id, order.client_order_id
            )
        )
        self._order_event(order)
        filled = notional = fees = 0
        if crosses:
            filled, notional, fees = self._match(market, order)
            if filled:
                self._position_event(exposure)
        if order.remaining and order.status == RESTING:
            self._rest(market, order)
        elif order.status == RESTING:
            order.status = EXECUTED
            untrack(exposure, order)
        refresh(exposure)
        if crosses:
            self._order_event(order)
        self._publish_ticker(market)
        return Result(
            None, order.order_id, order.client_order_id, filled, order.remaining, notional, fees, 0, now
        )

    @staticmethod
    def _ledger_add_count(exposure: Exposure, order: Order) -> None:
        """Re-add a live order's remaining count to the ledger (track without the pad/order count)."""
        side = order.side
        levels = exposure.levels[side]
        if order.leg not in levels:
            insort(exposure.prices[side], order.leg)
        levels[order.leg] = levels.get(order.leg, 0) + order.remaining
        exposure.counts[side] += order.remaining
        exposure.costs[side] += order.remaining * order.leg
        exposure.fee_reserve += order.remaining * order.fee_bound

    # ----------------------------------------------------------------------------- events

    def _order_event(self, order: Order) -> None:
        # The order itself carries what never changes once it has an id; the rest is copied.
        self.events.append(
            _new(
                OrderUpdate,
                (
                    order,
                    order.price,
                    order.status,
                    order.filled,
                    order.remaining,
                    order.initial,
                    order.taker_cost,
                    order.maker_cost,
                    order.taker_fees,
                    order.maker_fees,
                    order.client_order_id,
                    order.updated_ms,
                ),
            )
        )

    def _position_event(self, exposure: Exposure) -> None:
        self.events.append(
            _new(
                PositionUpdate,
                (
                    exposure.account.account_id,
                    exposure.ticker,
                    exposure.position,
                    exposure.cost,
                    exposure.realized,
                    exposure.fees_paid,
                    exposure.volume,
                    exposure.traded,
                    self.now_ms,
                ),
            )
        )

    def _publish_ticker(self, market: Market) -> None:
        state = market.ticker_state()
        if state != market.last_ticker:
            market.last_ticker = state
            # TickerUpdate(ticker, ts_ms, *state, dollar_volume), built like the other hot-path events
            self.events.append(_new(TickerUpdate, (market.ticker, self.now_ms, *state, market.dollar_volume)))
