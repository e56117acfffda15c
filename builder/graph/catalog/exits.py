"""Exit actions around the entry price: stop-loss and take-profit.

Both watch the best bid of the side held (what the position can be sold for now) against the
average entry price, and close the whole position when it has moved `distance` against / in
favour of the entry. The sell is reduce-only, at the best bid minus `slippage_ticks`.
"""

from __future__ import annotations

from builder.graph.catalog.actions import FIRE_ON, FIRED, time_in_force
from builder.graph.catalog.book import MARKET_IN
from builder.graph.catalog.orders import emit_close
from builder.graph.ports import BOOL, PRICE
from builder.graph.spec import EmitContext, Emitter, NodeSpec, Port, p_int, params_schema

ARMED = Port(
    "when",
    BOOL,
    "Armed",
    "The exit only acts while this is true. Not connected: always armed.",
    required=False,
    default=True,
)


def _exit(stop: bool) -> Emitter:
    def emit(ctx: EmitContext) -> None:
        pos, entry, bid, hit, level = ctx.tmp(), ctx.tmp(), ctx.tmp(), ctx.tmp(), ctx.out("level")
        distance = ctx.lit(ctx.params["distance"])
        ctx.line(f"{pos} = a.position; {entry} = a.average_entry")
        ctx.line(f"if {pos} != 0 and {entry} is not None:")
        ctx.line(f"    {level} = {entry} {'-' if stop else '+'} {distance}")
        ctx.line(f"    {bid} = m.yes_bid if {pos} > 0 else m.no_bid")
        armed = "" if not ctx.connected("when") else f"{ctx.inp('when')} and "
        ctx.line(f"    {hit} = {armed}{bid} is not None and {bid} {'<=' if stop else '>='} {level}")
        ctx.line("else:")
        ctx.line(f"    {level} = None; {hit} = False")
        emit_close(ctx, hit, "cross", ctx.params["slippage_ticks"], "stop_loss" if stop else "take_profit")

    return emit


def _params(distance_help: str, slippage: int) -> dict[str, object]:
    return params_schema(
        distance=p_int("Distance", distance_help, 1000, minimum=1, maximum=9999, unit="price"),
        slippage_ticks=p_int(
            "Slippage",
            "Sell this many price steps below the best bid, so the order still fills if the bid moves.",
            slippage,
            minimum=0,
            maximum=100,
            unit="ticks",
        ),
        time_in_force=time_in_force("immediate_or_cancel"),
        fire_on=FIRE_ON,
    )


LEVEL_HELP = "The price (side held) at which the exit acts; null when flat."

SPECS = (
    NodeSpec(
        type="action.stop_loss",
        version=1,
        title="Stop-loss",
        category="action",
        help="Close the position when the best bid of the side held falls Distance below the average entry price.",
        inputs=(MARKET_IN, ARMED),
        outputs=(FIRED, Port("level", PRICE, "Stop price", LEVEL_HELP, nullable=True)),
        params=_params("How far below the entry price (e.g. 1000 = 10¢).", 2),
        emit=_exit(stop=True),
    ),
    NodeSpec(
        type="action.take_profit",
        version=1,
        title="Take-profit",
        category="action",
        help="Close the position when the best bid of the side held rises Distance above the average entry price.",
        inputs=(MARKET_IN, ARMED),
        outputs=(FIRED, Port("level", PRICE, "Target price", LEVEL_HELP, nullable=True)),
        params=_params("How far above the entry price (e.g. 1000 = 10¢).", 0),
        emit=_exit(stop=False),
    ),
)
