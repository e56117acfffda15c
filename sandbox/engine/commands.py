"""Commands: everything that changes the exchange, in the order the journal recorded them.

Each command carries ``ts_ms``, stamped by the server before journaling, so the engine never
reads a clock and a replay reproduces the same state. Immutable NamedTuples rather than frozen
dataclasses: they are created once per order on the hot path, and a NamedTuple is built about
four times faster while being just as immutable and typed.
"""

from __future__ import annotations

from typing import NamedTuple


class Init(NamedTuple):
    """First journal entry: the seed from which deterministic ids are derived."""

    ts_ms: int
    seed: int


class OpenAccount(NamedTuple):
    """A member known to the exchange (its keys live in the database)."""

    ts_ms: int
    account_id: str


class Deposit(NamedTuple):
    """Move cash into (amount > 0) or out of (amount < 0) an account; idempotent on deposit_id."""

    ts_ms: int
    account_id: str
    deposit_id: str
    amount: int  # micro-dollars, whole cents


class ListMarket(NamedTuple):
    """Put a market on the exchange (its descriptive fields live in the database)."""

    ts_ms: int
    ticker: str
    event_ticker: str
    series_ticker: str
    market_type: str  # binary | scalar
    price_level_structure: str
    price_ranges: tuple[tuple[int, int, int], ...]  # (start, end, step) in price units
    fee_type: str
    fee_multiplier: int  # 10_000 = 1.0
    open_ms: int
    close_ms: int
    settlement_timer_s: int
    can_close_early: bool


class CreateOrder(NamedTuple):
    """V2 create: `side` 0 = bid (buy YES), 1 = ask (sell YES = buy NO); `price` is the YES price."""

    ts_ms: int
    account_id: str
    ticker: str
    side: int
    price: int
    quantity: int
    tif: int  # book.GTC | IOC | FOK
    stp: int  # book.STP_TAKER_AT_CROSS | STP_MAKER
    client_order_id: str  # "" = none
    expiration_ms: int  # 0 = none
    post_only: bool
    reduce_only: bool
    cancel_on_pause: bool


class CancelOrder(NamedTuple):
    """Cancel the remaining count of a resting order."""

    ts_ms: int
    account_id: str
    order_id: str


class DecreaseOrder(NamedTuple):
    """Lower a resting order's remaining count, keeping its queue priority (-1 = field absent)."""

    ts_ms: int
    account_id: str
    order_id: str
    reduce_by: int
    reduce_to: int


class AmendOrder(NamedTuple):
    """Change price and/or size; `count` is filled + desired remaining (API.md §15.2)."""

    ts_ms: int
    account_id: str
    order_id: str
    ticker: str
    side: int
    price: int
    quantity: int
    client_order_id: str  # "" = not given
    updated_client_order_id: str  # "" = keep


class SetMarketStatus(NamedTuple):
    """Admin lifecycle move: `pause` (active -> inactive), `activate`, or `close` now."""

    ts_ms: int
    ticker: str
    action: str


class SetCloseTime(NamedTuple):
    """Move a market's close time (earlier closes it, later reopens a closed market)."""

    ts_ms: int
    ticker: str
    close_ms: int


class Determine(NamedTuple):
    """Set the result (`yes`, `no`, `scalar` with the YES settlement value in price units)."""

    ts_ms: int
    ticker: str
    result: str
    settlement_value: int  # -1 unless scalar


class Settle(NamedTuple):
    """Finalize a determined market now: pay out positions."""

    ts_ms: int
    ticker: str


class SetSeriesFees(NamedTuple):
    """A series' fee schedule changed (Kalshi: GET /series/fee_changes): every market of the series
    charges the new fees on its trades from now on."""

    ts_ms: int
    series_ticker: str
    fee_type: str
    fee_multiplier: int  # 10_000 = 1.0


class SetExchangeStatus(NamedTuple):
    """Exchange-wide switches (API.md §9: exchange pause vs trading pause)."""

    ts_ms: int
    exchange_active: bool
    trading_active: bool


class Tick(NamedTuple):
    """Let time pass: opens, closes and settles markets, expires orders."""

    ts_ms: int


Command = (
    Init
    | OpenAccount
    | Deposit
    | ListMarket
    | CreateOrder
    | CancelOrder
    | DecreaseOrder
    | AmendOrder
    | SetMarketStatus
    | SetCloseTime
    | Determine
    | Settle
    | SetSeriesFees
    | SetExchangeStatus
    | Tick
)
