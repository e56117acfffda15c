"""What applying a command produced: stored records (trades, fills, settlements) and events for the
WebSocket channels. All immutable snapshots taken when the command ran, because the server
publishes them only after the journal is durable, when the live objects may have moved on."""

from __future__ import annotations

from typing import NamedTuple

# A runtime import, not a TYPE_CHECKING one: compiled with mypyc, the records' field types are
# read when this module initializes, and Order's type must exist by then (sandbox.engine).
from sandbox.engine.book import Order


class Reject(NamedTuple):
    """A command the exchange refused, with Kalshi's error code (API.md §5)."""

    code: str
    message: str
    details: str = ""


class Result(NamedTuple):
    """The outcome of one command, as the API answers it."""

    error: Reject | None = None
    order_id: str = ""
    client_order_id: str = ""
    filled: int = 0  # filled by this command (count units)
    remaining: int = 0  # the order's remaining count after this command
    notional: int = 0  # sum of filled count x YES price, micro-dollars (average_fill_price)
    fees: int = 0  # net fees of this command's fills, micro-dollars (average_fee_paid)
    reduced: int = 0  # count removed by a cancel or decrease
    ts_ms: int = 0

    @property
    def error_code(self) -> str:
        """The rejection's error code, "" when the command succeeded."""
        return self.error.code if self.error is not None else ""


class TradeRecord(NamedTuple):
    """A public trade (GET /markets/trades, WS `trade`)."""

    seq: int
    id_prefix: str  # the exchange's trade id prefix; the id is formatted when it is read
    ticker: str
    quantity: int
    yes_price: int
    taker_side: int  # 0 = bid (taker bought YES), 1 = ask (taker bought NO)
    ts_ms: int

    @property
    def trade_id(self) -> str:
        return "%s-%012x" % (self.id_prefix, self.seq)


_FILL_FIELDS = (
    "seq",
    "fill_id",
    "trade_id",
    "order_id",
    "account_id",
    "ticker",
    "side",
    "yes_price",
    "quantity",
    "is_taker",
    "fee",
    "ts_ms",
    "post_position",
    "client_order_id",
)


class FillRecord(NamedTuple):
    """One side of a trade, as its member sees it (GET /portfolio/fills, WS `fill`).

    It holds its trade and order (whose fields read here never change) and what is its own; the
    rest are properties (the ids are formatted when read). `repr` lists every field as it did when
    they were all stored, as journal.state_hash hashes it."""

    seq: int
    id_prefix: str  # the exchange's fill id prefix; the id is formatted when it is read
    trade: TradeRecord
    order: Order
    is_taker: bool
    fee: int  # net fee, micro-dollars
    post_position: int
    client_order_id: str  # as of the fill (an amend can change the order's)

    @property
    def fill_id(self) -> str:
        return "%s-%012x" % (self.id_prefix, self.seq)

    @property
    def trade_id(self) -> str:
        return self.trade.trade_id

    @property
    def order_id(self) -> str:
        return self.order.order_id

    @property
    def account_id(self) -> str:
        return self.order.account_id

    @property
    def ticker(self) -> str:
        return self.trade.ticker

    @property
    def side(self) -> int:
        return self.order.side

    @property
    def yes_price(self) -> int:
        return self.trade.yes_price

    @property
    def quantity(self) -> int:
        return self.trade.quantity

    @property
    def ts_ms(self) -> int:
        return self.trade.ts_ms

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in _FILL_FIELDS)
        return f"FillRecord({fields})"


class SettlementRecord(NamedTuple):
    """A member's payout when a market is finalized (GET /portfolio/settlements)."""

    seq: int
    account_id: str
    ticker: str
    result: str
    yes_count: int
    yes_cost: int
    no_count: int
    no_cost: int
    revenue: int  # micro-dollars credited (whole cents)
    fee: int  # settlement rounding, micro-dollars
    value: int  # YES payout in price units
    ts_ms: int


class BookDelta(NamedTuple):
    """Resting size at (side, leg price) changed by `delta` (WS `orderbook_delta`)."""

    ticker: str
    side: int  # 0 = YES bids, 1 = NO bids
    price: int  # leg price
    delta: int
    ts_ms: int
    account_id: str  # whose order caused it
    client_order_id: str


class OrderUpdate(NamedTuple):
    """An order changed (WS `user_orders`): the live order (for the fields that never change once
    it has an id) and a snapshot of the fields that can change, taken when the command ran."""

    order: Order
    price: int
    status: int
    filled: int
    remaining: int
    initial: int
    taker_cost: int
    maker_cost: int
    taker_fees: int
    maker_fees: int
    client_order_id: str  # an amend can change it
    updated_ms: int

    @property
    def order_id(self) -> str:
        return self.order.order_id

    @property
    def account_id(self) -> str:
        return self.order.account_id

    @property
    def ticker(self) -> str:
        return self.order.ticker

    @property
    def side(self) -> int:
        return self.order.side

    @property
    def created_ms(self) -> int:
        return self.order.created_ms

    @property
    def expiration_ms(self) -> int:
        return self.order.expiration_ms

    @property
    def stp(self) -> int:
        return self.order.stp


class PositionUpdate(NamedTuple):
    """A member's position in a market changed (WS `market_positions`)."""

    account_id: str
    ticker: str
    position: int
    cost: int
    realized: int
    fees_paid: int
    volume: int
    traded: int
    ts_ms: int


class TickerUpdate(NamedTuple):
    """Top of book, last trade, volume or open interest changed (WS `ticker`)."""

    ticker: str
    ts_ms: int
    yes_bid: int
    bid_size: int
    yes_ask: int
    ask_size: int
    last_price: int
    last_size: int
    volume: int
    open_interest: int
    dollar_volume: int


class MarketLifecycle(NamedTuple):
    """A lifecycle event (WS `market_lifecycle_v2`)."""

    ticker: str
    event_type: str  # created | activated | deactivated | close_date_updated | determined | settled
    ts_ms: int
    open_ms: int
    close_ms: int
    result: str
    settlement_value: int  # -1 when not determined


Event = BookDelta | TradeRecord | FillRecord | OrderUpdate | PositionUpdate | TickerUpdate | MarketLifecycle
