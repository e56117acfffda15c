"""Order actions: place a limit order, target a position, cancel orders, close the position."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from builder.graph.catalog.actions import (
    FIRE_ON,
    FIRED,
    OFFSET_TICKS,
    SIDE_CODE,
    TIF_CODE,
    check_post_only,
    emit_action,
    time_in_force,
)
from builder.graph.catalog.book import MARKET_IN
from builder.graph.intents import CancelOrders, ClosePosition, PlaceOrder, TargetPosition
from builder.graph.ports import BOOL, COUNT, PRICE
from builder.graph.prices import buy_on_grid, sell_on_grid
from builder.graph.spec import SIDE, EmitContext, NodeSpec, Port, p_bool, p_enum, p_int, params_schema

# Validated enum values -> code; the params' own strings never reach the generated source.
CLOSE_REASON_CODE = {"close": "'close'", "stop_loss": "'stop_loss'", "take_profit": "'take_profit'"}
WHEN = Port("when", BOOL, "When", "The action fires when this becomes true.")


def _price_from(default: str, *, with_input: bool = True) -> dict[str, Any]:
    options = [("input", "The Price input")] if with_input else []
    options += [
        ("join", "Join the best price on my side (bid to buy, ask to sell)"),
        ("cross", "Cross to the best price on the other side (take)"),
    ]
    return p_enum("Price from", "Where the limit price comes from, before the offset.", default, options)


def _check_place(params: Mapping[str, Any]) -> list[tuple[str, str]]:
    problems = check_post_only(params)
    if params.get("expiration_seconds") and params.get("time_in_force") != "good_till_canceled":
        problems.append(("expiration_seconds", "Only 'good till canceled' orders can expire."))
    return problems


# The book field an order prices from, by (side, takes the bid): `join` is the best price on the
# order's own side (the bid to buy, the ask to sell), `cross` the other side's (prices.book_field).
_BOOK_CODE = {
    ("yes", True): "m.yes_bid",
    ("yes", False): "m.yes_ask",
    ("no", True): "m.no_bid",
    ("no", False): "m.no_ask",
}
_GRID_CODE = {"yes": "m.yes_grid", "no": "m.no_grid"}


def limit_price(ctx: EmitContext, side: str, buy: bool, price_from: str, offset: int) -> str:
    """The expression of an order's limit price on the grid, None when there is none: what
    `prices.order_price` computes, with the book field and the rounding direction chosen here."""
    if price_from == "input":
        price = ctx.inp("price")
    else:
        price = _BOOK_CODE[(side, buy == {"join": True, "cross": False}[price_from])]
    rounding = ctx.const(buy_on_grid if buy else sell_on_grid)
    return f"{rounding}({_GRID_CODE[side]}, {price}, {ctx.lit(offset)})"


def _count_ok(ctx: EmitContext, op: str) -> str:
    """` and <count> <op> 0`, or nothing when the count is a constant that passes."""
    count, fixed = ctx.inp("count"), ctx.fixed("count")
    if fixed is not None and fixed[0] is not None and (fixed[0] > 0 if op == ">" else fixed[0] >= 0):
        return ""
    return (
        f" and {count} is not None and {count} {op} 0" if ctx.maybe_null("count") else f" and {count} {op} 0"
    )


def _emit_place(ctx: EmitContext) -> None:
    p = ctx.params
    market, count, price = ctx.inp("market"), ctx.inp("count"), ctx.tmp()
    count_ok = _count_ok(ctx, ">")
    buy = p["action"] == "buy"
    action_code = "'buy'" if buy else "'sell'"
    expires = (
        f"now // 1000 + {ctx.lit(p['expiration_seconds'])}" if p["expiration_seconds"] else ctx.lit(None)
    )

    def build(ind: str, seq: str) -> None:
        ctx.line(f"{ind}if {market} is not None{count_ok}:")
        ctx.line(f"{ind}    {price} = {limit_price(ctx, p['side'], buy, p['price_from'], p['offset_ticks'])}")
        ctx.line(f"{ind}    if {price} is not None:")
        ctx.intent(
            f"{ind}        ",
            PlaceOrder,
            market,
            seq,
            SIDE_CODE[p["side"]],
            action_code,
            price,
            count,
            TIF_CODE[p["time_in_force"]],
            ctx.lit(p["post_only"]),
            ctx.lit(p["reduce_only"]),
            expires,
        )
        ctx.line(f"{ind}        {ctx.out('fired')} = True")

    emit_action(ctx, ctx.inp("when"), build)


def _emit_target(ctx: EmitContext) -> None:
    p = ctx.params
    market, count, price = ctx.inp("market"), ctx.inp("count"), ctx.tmp()
    count_ok = _count_ok(ctx, ">=")
    # Buying or selling depends on where the position is now (for join/cross pricing only; the
    # engine recomputes the difference from its own records).
    buy = f"{count} > a.position" if p["side"] == "yes" else f"{count} > -a.position"

    def build(ind: str, seq: str) -> None:
        ctx.line(f"{ind}if {market} is not None{count_ok}:")
        side, price_from, offset = p["side"], p["price_from"], p["offset_ticks"]
        ctx.line(
            f"{ind}    {price} = {limit_price(ctx, side, True, price_from, offset)} if {buy} "
            f"else {limit_price(ctx, side, False, price_from, offset)}"
        )
        ctx.line(f"{ind}    if {price} is not None:")
        ctx.intent(
            f"{ind}        ",
            TargetPosition,
            market,
            seq,
            SIDE_CODE[p["side"]],
            count,
            price,
            TIF_CODE[p["time_in_force"]],
            ctx.lit(p["post_only"]),
        )
        ctx.line(f"{ind}        {ctx.out('fired')} = True")

    emit_action(ctx, ctx.inp("when"), build)


_ANY_CODE = {"any": "None", "yes": "'yes'", "no": "'no'", "buy": "'buy'", "sell": "'sell'"}


def _emit_cancel(ctx: EmitContext) -> None:
    market = ctx.inp("market")
    side, action = _ANY_CODE[ctx.params["side"]], _ANY_CODE[ctx.params["action"]]

    def build(ind: str, seq: str) -> None:
        ctx.line(f"{ind}if {market} is not None:")
        ctx.intent(f"{ind}    ", CancelOrders, market, seq, side, action)
        ctx.line(f"{ind}    {ctx.out('fired')} = True")

    emit_action(ctx, ctx.inp("when"), build)


def emit_close(ctx: EmitContext, when: str, price_from: str, offset: int, reason: str) -> None:
    """Close the whole position with a sell of the side held (shared with stop-loss/take-profit)."""
    market, pos, side, price = ctx.inp("market"), ctx.tmp(), ctx.tmp(), ctx.tmp()
    tif = TIF_CODE[ctx.params["time_in_force"]]

    def build(ind: str, seq: str) -> None:
        ctx.line(f"{ind}{pos} = a.position")
        ctx.line(f"{ind}if {market} is not None and {pos} != 0:")
        ctx.line(f"{ind}    {side} = 'yes' if {pos} > 0 else 'no'")
        ctx.line(
            f"{ind}    {price} = {limit_price(ctx, 'yes', False, price_from, offset)} if {pos} > 0 "
            f"else {limit_price(ctx, 'no', False, price_from, offset)}"
        )
        ctx.line(f"{ind}    if {price} is not None:")
        ctx.intent(
            f"{ind}        ",
            ClosePosition,
            market,
            seq,
            side,
            f"{pos} if {pos} > 0 else -{pos}",
            price,
            tif,
            CLOSE_REASON_CODE[reason],
        )
        ctx.line(f"{ind}        {ctx.out('fired')} = True")

    emit_action(ctx, when, build)


def _emit_close(ctx: EmitContext) -> None:
    p = ctx.params
    emit_close(ctx, ctx.inp("when"), p["price_from"], p["offset_ticks"], "close")


SPECS = (
    NodeSpec(
        type="action.place_order",
        version=1,
        title="Place limit order",
        category="action",
        help="Buy or sell contracts of YES or NO at a limit price: the Price input, or the best bid/ask "
        "plus an offset. The price is rounded to the market's grid in the passive direction.",
        inputs=(
            MARKET_IN,
            WHEN,
            Port(
                "price",
                PRICE,
                "Price",
                "Limit price in the side's terms; needed when Price from is 'input'.",
                required=False,
                required_when=("price_from", "input"),
            ),
            Port("count", COUNT, "Contracts", "How many; the order is skipped unless positive."),
        ),
        outputs=(FIRED,),
        params=params_schema(
            side=SIDE,
            action=p_enum("Action", "Buy or sell the side.", "buy", [("buy", "Buy"), ("sell", "Sell")]),
            price_from=_price_from("input"),
            offset_ticks=OFFSET_TICKS,
            time_in_force=time_in_force("good_till_canceled"),
            post_only=p_bool(
                "Post only", "Never take liquidity: the exchange cancels the order if it would trade.", False
            ),
            reduce_only=p_bool(
                "Reduce only", "Only ever reduce the position (never open the other side).", False
            ),
            expiration_seconds=p_int(
                "Expires after",
                "Seconds until a resting order expires (0 = never). Good till canceled only.",
                0,
                minimum=0,
                maximum=604_800,
                unit="seconds",
            ),
            fire_on=FIRE_ON,
        ),
        check=_check_place,
        emit=_emit_place,
    ),
    NodeSpec(
        type="action.target_position",
        version=1,
        title="Target position",
        category="action",
        help="Hold exactly N contracts of a side, buying or selling at a limit price to get there. Idempotent: "
        "firing again never adds to the position. The recommended way to trade.",
        inputs=(
            MARKET_IN,
            WHEN,
            Port(
                "price",
                PRICE,
                "Limit price",
                "In the side's terms; needed when Price from is 'input'.",
                required=False,
                required_when=("price_from", "input"),
            ),
            Port("count", COUNT, "Target", "Contracts of the side to hold (0 = flat)."),
        ),
        outputs=(FIRED,),
        params=params_schema(
            side=SIDE,
            price_from=_price_from("input"),
            offset_ticks=OFFSET_TICKS,
            time_in_force=time_in_force("good_till_canceled"),
            post_only=p_bool("Post only", "Never take liquidity.", False),
            fire_on=FIRE_ON,
        ),
        check=check_post_only,
        emit=_emit_target,
    ),
    NodeSpec(
        type="action.cancel_orders",
        version=1,
        title="Cancel orders",
        category="action",
        help="Cancel this bot's resting orders in the market (optionally one side or action only).",
        inputs=(MARKET_IN, WHEN),
        outputs=(FIRED,),
        params=params_schema(
            side=p_enum(
                "Side", "Only orders on this side.", "any", [("any", "Any"), ("yes", "YES"), ("no", "NO")]
            ),
            action=p_enum(
                "Action",
                "Only buys or only sells.",
                "any",
                [("any", "Any"), ("buy", "Buy"), ("sell", "Sell")],
            ),
            fire_on=FIRE_ON,
        ),
        emit=_emit_cancel,
    ),
    NodeSpec(
        type="action.close_position",
        version=1,
        title="Close position",
        category="action",
        help="Sell everything held in the market (reduce-only), at the best bid by default.",
        inputs=(MARKET_IN, WHEN),
        outputs=(FIRED,),
        params=params_schema(
            price_from=_price_from("cross", with_input=False),
            offset_ticks=OFFSET_TICKS,
            time_in_force=time_in_force("immediate_or_cancel"),
            fire_on=FIRE_ON,
        ),
        emit=_emit_close,
    ),
)
