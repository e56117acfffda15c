"""Market data nodes: best prices, mid, spread, depth, last trade, volume, time to close."""

from __future__ import annotations

from builder.graph.events import MarketSnapshot
from builder.graph.ports import COUNT, DURATION, MARKET, PRICE, PRICE_ONE
from builder.graph.prices import depth_within
from builder.graph.spec import SIDE, EmitContext, NodeSpec, Port, p_enum, p_int, params_schema

MARKET_IN = Port("market", MARKET, "Market", "Wire the graph's market node here.")


def volume_since(market: MarketSnapshot, since_ms: int, now: int) -> int:
    """Contracts traded in (since_ms, now]; recent trades are oldest first."""
    total = 0
    for trade in reversed(market.recent_trades):
        if trade.ts_ms <= since_ms:
            break
        if trade.ts_ms <= now:
            total += trade.count
    return total


def _yes(ctx: EmitContext) -> bool:
    return bool(ctx.params["side"] == "yes")


def _emit_best_bid(ctx: EmitContext) -> None:
    leg = "yes" if _yes(ctx) else "no"
    ctx.line(f"{ctx.out('price')} = m.{leg}_bid; {ctx.out('size')} = m.{leg}_bid_size")


def _emit_best_ask(ctx: EmitContext) -> None:
    # A leg's ask is the other leg's best bid, seen from this side (API.md §9).
    leg, other = ("yes", "no") if _yes(ctx) else ("no", "yes")
    ctx.line(f"{ctx.out('price')} = m.{leg}_ask; {ctx.out('size')} = m.{other}_bid_size")


def _emit_mid(ctx: EmitContext) -> None:
    leg = "yes" if _yes(ctx) else "no"
    bid, ask = ctx.tmp(), ctx.tmp()
    ctx.line(f"{bid} = m.{leg}_bid; {ask} = m.{leg}_ask")
    ctx.line(
        f"{ctx.out('price')} = ({bid} + {ask}) // 2 if {bid} is not None and {ask} is not None else None"
    )


def _emit_spread(ctx: EmitContext) -> None:
    bid, ask = ctx.tmp(), ctx.tmp()
    ctx.line(f"{bid} = m.yes_bid; {ask} = m.yes_ask")
    ctx.line(f"{ctx.out('price')} = {ask} - {bid} if {bid} is not None and {ask} is not None else None")


def _emit_depth(ctx: EmitContext) -> None:
    side = "'yes'" if _yes(ctx) else "'no'"
    book = "'bid'" if ctx.params["book"] == "bid" else "'ask'"
    fn = ctx.const(depth_within)
    ctx.line(f"{ctx.out('count')} = {fn}(m, {side}, {book}, {ctx.lit(ctx.params['ticks'])})")


def _emit_last_trade(ctx: EmitContext) -> None:
    if _yes(ctx):
        ctx.line(f"{ctx.out('price')} = m.last_trade_price")
        return
    last = ctx.tmp()
    ctx.line(f"{last} = m.last_trade_price")
    ctx.line(f"{ctx.out('price')} = None if {last} is None else {PRICE_ONE} - {last}")


def _emit_volume(ctx: EmitContext) -> None:
    fn = ctx.const(volume_since)
    ctx.line(f"{ctx.out('count')} = {fn}(m, now - {ctx.lit(ctx.params['seconds'] * 1000)}, now)")


def _emit_time_to_close(ctx: EmitContext) -> None:
    left, out = ctx.tmp(), ctx.out("seconds")
    ctx.line(f"{left} = m.close_ts_ms - now")
    ctx.line(f"{out} = {left} // 1000 if {left} > 0 else 0")


def _price_out(description: str) -> Port:
    return Port("price", PRICE, "Price", description, nullable=True)


SPECS = (
    NodeSpec(
        type="data.best_bid",
        version=1,
        title="Best bid",
        category="data",
        help="The highest price someone is bidding for the side, and how many contracts are bid there.",
        inputs=(MARKET_IN,),
        outputs=(
            _price_out("Best bid in the side's terms; null when nobody bids."),
            Port("size", COUNT, "Size", "Contracts at the best bid (0 when none)."),
        ),
        params=params_schema(side=SIDE),
        emit=_emit_best_bid,
    ),
    NodeSpec(
        type="data.best_ask",
        version=1,
        title="Best ask",
        category="data",
        help="The lowest price the side can be bought at now (10000 minus the other side's best bid), and its size.",
        inputs=(MARKET_IN,),
        outputs=(
            _price_out("Best ask in the side's terms; null when nobody offers."),
            Port("size", COUNT, "Size", "Contracts at the best ask (0 when none)."),
        ),
        params=params_schema(side=SIDE),
        emit=_emit_best_ask,
    ),
    NodeSpec(
        type="data.mid",
        version=1,
        title="Mid price",
        category="data",
        help="Halfway between the side's best bid and best ask, rounded down to $0.0001.",
        inputs=(MARKET_IN,),
        outputs=(_price_out("Null unless both a bid and an ask exist."),),
        params=params_schema(side=SIDE),
        emit=_emit_mid,
    ),
    NodeSpec(
        type="data.spread",
        version=1,
        title="Spread",
        category="data",
        help="Best ask minus best bid (the same for YES and NO).",
        inputs=(MARKET_IN,),
        outputs=(_price_out("Null unless both a bid and an ask exist."),),
        params=params_schema(),
        emit=_emit_spread,
    ),
    NodeSpec(
        type="data.depth",
        version=1,
        title="Depth near the top",
        category="data",
        help="Contracts resting on one side of the book within N price steps (of the market's grid) of its best price.",
        inputs=(MARKET_IN,),
        outputs=(Port("count", COUNT, "Contracts", "0 when that side is empty."),),
        params=params_schema(
            side=SIDE,
            book=p_enum("Book side", "Bids or asks of that side.", "bid", [("bid", "Bids"), ("ask", "Asks")]),
            ticks=p_int(
                "Within",
                "Price steps from the best price (0 = the best level only).",
                2,
                minimum=0,
                maximum=100,
                unit="ticks",
            ),
        ),
        emit=_emit_depth,
    ),
    NodeSpec(
        type="data.last_trade",
        version=1,
        title="Last trade price",
        category="data",
        help="The price of the market's most recent trade.",
        inputs=(MARKET_IN,),
        outputs=(_price_out("Null before the first trade."),),
        params=params_schema(side=SIDE),
        emit=_emit_last_trade,
    ),
    NodeSpec(
        type="data.volume",
        version=1,
        title="Volume",
        category="data",
        help="Contracts traded in the market during the last N seconds (up to one hour).",
        inputs=(MARKET_IN,),
        outputs=(Port("count", COUNT, "Contracts", "Total size of the trades in the window."),),
        params=params_schema(
            seconds=p_int("Window", "How far back, in seconds.", 300, minimum=1, maximum=3600, unit="seconds")
        ),
        emit=_emit_volume,
    ),
    NodeSpec(
        type="data.time_to_close",
        version=1,
        title="Time to close",
        category="data",
        help="Seconds until the market closes (0 once closed).",
        inputs=(MARKET_IN,),
        outputs=(Port("seconds", DURATION, "Seconds", "Whole seconds, rounded down."),),
        params=params_schema(),
        emit=_emit_time_to_close,
    ),
)
