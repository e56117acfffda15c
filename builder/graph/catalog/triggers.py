"""Triggers: output `fired`, true only in the evaluation their own event caused."""

from __future__ import annotations

from builder.graph.ports import BOOL, COUNT, PRICE, PRICE_ONE
from builder.graph.spec import EmitContext, NodeSpec, Port, p_enum, p_int, params_schema

FIRED = Port("fired", BOOL, "Fired", "True only in the evaluation this trigger's event caused.")


def _emit_book(ctx: EmitContext) -> None:
    ctx.line(f"{ctx.out('fired')} = True if k == 'book' else False")


def _emit_run_start(ctx: EmitContext) -> None:
    ctx.line(f"{ctx.out('fired')} = k == 'run_start'")


def _emit_trade(ctx: EmitContext) -> None:
    fired, price, count = ctx.out("fired"), ctx.out("price"), ctx.out("count")
    taker = ctx.params["taker_side"]
    cond = f"k == 'trade' and ev.trade.count >= {ctx.lit(ctx.params['min_count'])}"
    if taker != "any":
        cond += " and ev.trade.taker_side == " + ("'yes'" if taker == "yes" else "'no'")
    price_expr = "ev.trade.yes_price" if ctx.params["side"] == "yes" else f"{PRICE_ONE} - ev.trade.yes_price"
    ctx.line(f"if {cond}:")
    ctx.line(f"    {fired} = True; {price} = {price_expr}; {count} = ev.trade.count")
    ctx.line("else:")
    ctx.line(f"    {fired} = False; {price} = None; {count} = 0")


def _emit_timer(ctx: EmitContext) -> None:
    # Aligned to the clock: the first timer event in each N-second period fires, so a late or
    # early tick neither skips a period nor fires twice.
    period_ms = ctx.lit(ctx.params["seconds"] * 1000)
    last = ctx.state_get(None)
    bucket, fired = ctx.tmp(), ctx.out("fired")
    ctx.line(f"{bucket} = now // {period_ms}")
    ctx.line(f"{fired} = k == 'timer' and {bucket} != {last}")
    ctx.state_set(f"{bucket} if {fired} else {last}", changed=fired)


def _emit_fill(ctx: EmitContext) -> None:
    fired, price, count = ctx.out("fired"), ctx.out("price"), ctx.out("count")
    cond = "k == 'fill'"
    if ctx.params["side"] != "any":
        cond += " and ev.fill.side == " + ("'yes'" if ctx.params["side"] == "yes" else "'no'")
    if ctx.params["action"] != "any":
        cond += " and ev.fill.action == " + ("'buy'" if ctx.params["action"] == "buy" else "'sell'")
    ctx.line(f"if {cond}:")
    ctx.line(f"    {fired} = True; {price} = ev.fill.price; {count} = ev.fill.count")
    ctx.line("else:")
    ctx.line(f"    {fired} = False; {price} = None; {count} = 0")


def _emit_before_close(ctx: EmitContext) -> None:
    lead_ms = ctx.lit(ctx.params["minutes"] * 60_000)
    done = ctx.state_get(False)
    fired = ctx.out("fired")
    ctx.line(f"{fired} = not {done} and 0 < m.close_ts_ms - now <= {lead_ms}")
    ctx.state_set(f"{done} or {fired}", changed=fired)


ANY_SIDE = [("any", "Any"), ("yes", "YES"), ("no", "NO")]

SPECS = (
    NodeSpec(
        type="trigger.book_changed",
        version=1,
        title="Book changed",
        category="trigger",
        help="Fires when the market's order book changes.",
        inputs=(),
        outputs=(FIRED,),
        params=params_schema(),
        emit=_emit_book,
    ),
    NodeSpec(
        type="trigger.trade_printed",
        version=1,
        title="Trade printed",
        category="trigger",
        help="Fires when a trade prints in the market; outputs its price and size.",
        inputs=(),
        outputs=(
            FIRED,
            Port(
                "price",
                PRICE,
                "Price",
                "The trade's price in the chosen side's terms (null when not fired).",
                nullable=True,
            ),
            Port("count", COUNT, "Size", "Contracts traded (0 when not fired)."),
        ),
        params=params_schema(
            side=p_enum(
                "Price as",
                "Report the trade price in YES or NO terms.",
                "yes",
                [("yes", "YES"), ("no", "NO")],
            ),
            taker_side=p_enum(
                "Taker bought", "Only trades whose taker bought this outcome.", "any", ANY_SIDE
            ),
            min_count=p_int(
                "Minimum size",
                "Ignore trades smaller than this.",
                0,
                minimum=0,
                maximum=100_000_000,
                unit="count",
            ),
        ),
        emit=_emit_trade,
    ),
    NodeSpec(
        type="trigger.every",
        version=1,
        title="Every N seconds",
        category="trigger",
        help="Fires on the first timer tick of every N-second period of the clock (aligned to Unix time).",
        inputs=(),
        outputs=(FIRED,),
        params=params_schema(
            seconds=p_int("Every", "The period, in seconds.", 60, minimum=1, maximum=86_400, unit="seconds")
        ),
        emit=_emit_timer,
    ),
    NodeSpec(
        type="trigger.own_fill",
        version=1,
        title="Own order filled",
        category="trigger",
        help="Fires when one of this bot's orders fills; outputs the fill's price and size.",
        inputs=(),
        outputs=(
            FIRED,
            Port(
                "price",
                PRICE,
                "Price",
                "The fill price in its side's terms (null when not fired).",
                nullable=True,
            ),
            Port("count", COUNT, "Size", "Contracts filled (0 when not fired)."),
        ),
        params=params_schema(
            side=p_enum("Side", "Only fills on this side.", "any", ANY_SIDE),
            action=p_enum(
                "Action",
                "Only buys or only sells.",
                "any",
                [("any", "Any"), ("buy", "Buy"), ("sell", "Sell")],
            ),
        ),
        emit=_emit_fill,
    ),
    NodeSpec(
        type="trigger.before_close",
        version=1,
        title="Minutes before close",
        category="trigger",
        help="Fires once per market, on the first event at most N minutes before the market closes.",
        inputs=(),
        outputs=(FIRED,),
        params=params_schema(
            minutes=p_int(
                "Minutes", "How long before the close.", 5, minimum=1, maximum=10_080, unit="minutes"
            )
        ),
        emit=_emit_before_close,
    ),
    NodeSpec(
        type="trigger.run_started",
        version=1,
        title="Run started",
        category="trigger",
        help="Fires once when the run starts (or a market joins it).",
        inputs=(),
        outputs=(FIRED,),
        params=params_schema(),
        emit=_emit_run_start,
    ),
)
