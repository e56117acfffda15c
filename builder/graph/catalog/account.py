"""Own-account nodes: position, resting orders, entry price, unrealised P&L, balance."""

from __future__ import annotations

from builder.graph.catalog.book import MARKET_IN
from builder.graph.events import OpenOrder
from builder.graph.ports import COUNT, MONEY, NUMBER, PRICE, PRICE_ONE
from builder.graph.spec import SIDE, EmitContext, NodeSpec, Port, p_enum, params_schema

_SIDE_CODE = {"any": "None", "yes": "'yes'", "no": "'no'"}
_ACTION_CODE = {"any": "None", "buy": "'buy'", "sell": "'sell'"}


def orders_summary(orders: tuple[OpenOrder, ...], side: str | None, action: str | None) -> tuple[int, int]:
    """(contracts remaining, number of orders) of the resting orders matching side and action."""
    count = number = 0
    for order in orders:
        if (side is None or order.side == side) and (action is None or order.action == action):
            count += order.remaining
            number += 1
    return count, number


def _emit_position(ctx: EmitContext) -> None:
    pos = ctx.out("net")
    ctx.line(f"{pos} = a.position")
    ctx.line(f"{ctx.out('yes')} = {pos} if {pos} > 0 else 0; {ctx.out('no')} = -{pos} if {pos} < 0 else 0")


def _emit_open_orders(ctx: EmitContext) -> None:
    fn = ctx.const(orders_summary)
    side, action = _SIDE_CODE[ctx.params["side"]], _ACTION_CODE[ctx.params["action"]]
    ctx.line(f"{ctx.out('count')}, {ctx.out('orders')} = {fn}(a.open_orders, {side}, {action})")


def _emit_average_entry(ctx: EmitContext) -> None:
    entry = ctx.tmp()
    held = "a.position > 0" if ctx.params["side"] == "yes" else "a.position < 0"
    ctx.line(f"{entry} = a.average_entry")
    ctx.line(
        f"{ctx.out('price')} = None if {entry} is None else ({entry} if {held} else {PRICE_ONE} - {entry})"
    )


def _emit_unrealised(ctx: EmitContext) -> None:
    # Marked at what the position could be sold for now: the best bid of the side held.
    pos, entry, bid, out = ctx.tmp(), ctx.tmp(), ctx.tmp(), ctx.out("pnl")
    ctx.line(f"{pos} = a.position; {entry} = a.average_entry")
    ctx.line(f"if {pos} == 0:")
    ctx.line(f"    {out} = 0")
    ctx.line("else:")
    ctx.line(f"    {bid} = m.yes_bid if {pos} > 0 else m.no_bid")
    ctx.line(
        f"    {out} = ({bid} - {entry}) * ({pos} if {pos} > 0 else -{pos}) "
        f"if {bid} is not None and {entry} is not None else None"
    )


def _emit_balance(ctx: EmitContext) -> None:
    ctx.line(f"{ctx.out('balance')} = a.balance")


SPECS = (
    NodeSpec(
        type="data.position",
        version=1,
        title="Own position",
        category="data",
        help="This bot's contracts in the market. Positions net: holding YES and NO cancels out.",
        inputs=(MARKET_IN,),
        outputs=(
            Port("net", COUNT, "Net", "Signed: positive = YES held, negative = NO held."),
            Port("yes", COUNT, "YES held", "Contracts of YES held (0 when flat or holding NO)."),
            Port("no", COUNT, "NO held", "Contracts of NO held (0 when flat or holding YES)."),
        ),
        params=params_schema(),
        emit=_emit_position,
    ),
    NodeSpec(
        type="data.open_orders",
        version=1,
        title="Own open orders",
        category="data",
        help="This bot's resting orders in the market: contracts still open, and how many orders.",
        inputs=(MARKET_IN,),
        outputs=(
            Port("count", COUNT, "Contracts", "Remaining contracts of the matching orders."),
            Port("orders", NUMBER, "Orders", "Number of matching orders."),
        ),
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
        ),
        emit=_emit_open_orders,
    ),
    NodeSpec(
        type="data.average_entry",
        version=1,
        title="Average entry price",
        category="data",
        help="The average price paid for the contracts held, shown in YES or NO terms.",
        inputs=(MARKET_IN,),
        outputs=(Port("price", PRICE, "Price", "Null when flat.", nullable=True),),
        params=params_schema(side=SIDE),
        emit=_emit_average_entry,
    ),
    NodeSpec(
        type="data.unrealized_pnl",
        version=1,
        title="Unrealised P&L",
        category="data",
        help="What the position would gain or lose if sold at the best bid of the side held now, before fees.",
        inputs=(MARKET_IN,),
        outputs=(
            Port(
                "pnl",
                MONEY,
                "P&L",
                "Micro-dollars; 0 when flat, null when nobody bids for the side held.",
                nullable=True,
            ),
        ),
        params=params_schema(),
        emit=_emit_unrealised,
    ),
    NodeSpec(
        type="data.balance",
        version=1,
        title="Available balance",
        category="data",
        help="Cash available for new orders in this bot's account.",
        inputs=(MARKET_IN,),
        outputs=(Port("balance", MONEY, "Balance", "Micro-dollars."),),
        params=params_schema(),
        emit=_emit_balance,
    ),
)
