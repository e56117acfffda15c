"""What an evaluation asks the execution engine to do. Plain, frozen, integer-valued records.

Prices are in the terms of `side` (a NO price is 10000 - the YES price) and already on the
market's grid, rounded in the passive direction; `yes_price` and `book_side` give the Kalshi V2
order fields (API.md §4.3: `bid` = buy YES / sell NO, `ask` = sell YES / buy NO, price always
YES). Every intent names the node that produced it, so the engine can derive a deterministic
client_order_id from (run, node, market, seq), where `seq` counts the node's own intents in the
market (kept in the plan's state): re-evaluating after a crash from the same saved state yields
the same ids, so the exchange's `order_already_exists` catches a resend. The engine still applies
its risk checks.

Intents are NamedTuples rather than frozen dataclasses for speed: an evaluation that fires builds
one, and on CPython 3.11 a frozen slotted dataclass costs ~2.5 µs to construct (one
`object.__setattr__` per field) where a NamedTuple costs ~0.3 µs through `tuple.__new__`, which
is how generated plans build them (compile.py). Compare intents of one kind with each other (as
tuples, two kinds with equal fields would compare equal); a `count` field shadows `tuple.count`.
"""

from __future__ import annotations

from typing import Any, Literal, NamedTuple

from builder.graph.events import Action, Side
from builder.graph.ports import PRICE_ONE

TimeInForce = Literal["good_till_canceled", "immediate_or_cancel", "fill_or_kill"]
TIME_IN_FORCE: tuple[TimeInForce, ...] = ("good_till_canceled", "immediate_or_cancel", "fill_or_kill")


def v2_side(side: Side, action: Action) -> Literal["bid", "ask"]:
    """Kalshi V2 `side`: buying YES or selling NO is a bid on the YES leg, the rest are asks."""
    return "bid" if (side == "yes") == (action == "buy") else "ask"


def yes_price(side: Side, price: int) -> int:
    """The YES price of a price in the terms of `side`."""
    return price if side == "yes" else PRICE_ONE - price


class PlaceOrder(NamedTuple):
    """Place one limit order: `action` `count` contracts of `side` at `price` (in `side` terms)."""

    node_id: str
    market: str
    seq: int  # this node's n-th intent in this market (1, 2, ...): part of the client_order_id
    side: Side
    action: Action
    price: int
    count: int  # type: ignore[assignment]  # shadows tuple.count, which no intent needs
    time_in_force: TimeInForce
    post_only: bool
    reduce_only: bool
    expiration_ts: int | None  # Unix seconds, good_till_canceled only

    @property
    def book_side(self) -> Literal["bid", "ask"]:
        """The V2 `side` field."""
        return v2_side(self.side, self.action)

    @property
    def yes_price(self) -> int:
        """The V2 `price` field (always the YES price)."""
        return yes_price(self.side, self.price)


class TargetPosition(NamedTuple):
    """Hold exactly `count` contracts of `side`: buy below it, sell above it, at limit `price`.

    Idempotent: the engine compares the target with the run's position and resting orders from this
    node, then places, amends or cancels one order so the two meet. Positions net (API.md §9):
    a YES target sells any NO held first, by buying YES.
    """

    node_id: str
    market: str
    seq: int  # this node's n-th intent in this market (1, 2, ...): part of the client_order_id
    side: Side
    count: int  # type: ignore[assignment]  # shadows tuple.count, which no intent needs
    price: int
    time_in_force: TimeInForce
    post_only: bool

    @property
    def signed_target(self) -> int:
        """The target as one signed position: +YES / -NO."""
        return self.count if self.side == "yes" else -self.count


class CancelOrders(NamedTuple):
    """Cancel this run's resting orders in `market`, optionally only one side and/or action."""

    node_id: str
    market: str
    seq: int  # this node's n-th intent in this market (1, 2, ...): part of the client_order_id
    side: Side | None
    action: Action | None


class ClosePosition(NamedTuple):
    """Sell the `count` contracts of `side` held, at no less than `price`; always reduce-only."""

    node_id: str
    market: str
    seq: int  # this node's n-th intent in this market (1, 2, ...): part of the client_order_id
    side: Side
    count: int  # type: ignore[assignment]  # shadows tuple.count, which no intent needs
    price: int
    time_in_force: TimeInForce
    reason: Literal["close", "stop_loss", "take_profit"]

    @property
    def book_side(self) -> Literal["bid", "ask"]:
        """The V2 `side` field."""
        return v2_side(self.side, "sell")

    @property
    def yes_price(self) -> int:
        """The V2 `price` field (always the YES price)."""
        return yes_price(self.side, self.price)


class Notify(NamedTuple):
    """Tell the bot's owner something (shown on the run, optionally sent on)."""

    node_id: str
    market: str
    seq: int  # this node's n-th intent in this market (1, 2, ...): part of the client_order_id
    message: str
    level: Literal["info", "warning"]


class PauseBot(NamedTuple):
    """Pause the whole run (every market); resuming is the owner's decision."""

    node_id: str
    market: str
    seq: int  # this node's n-th intent in this market (1, 2, ...): part of the client_order_id
    reason: str


Intent = PlaceOrder | TargetPosition | CancelOrders | ClosePosition | Notify | PauseBot
IntentKind = type[Intent]


def intent_json(intent: Intent) -> dict[str, Any]:
    """A JSON object with a `kind` discriminator (golden files, run traces)."""
    return {"kind": type(intent).__name__, **intent._asdict()}
