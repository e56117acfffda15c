"""Market nodes: which markets the bot trades. A graph has exactly one.

The execution engine resolves the node into concrete markets (`Plan.market`) and evaluates the
graph once per market, each with its own state. The node itself re-checks that the market being
evaluated belongs to it and outputs null otherwise, so a wrongly routed event cannot trade.
"""

from __future__ import annotations

from builder.graph.ports import MARKET
from builder.graph.spec import EmitContext, NodeSpec, Port, p_enum, p_str, params_schema

# Kalshi tickers are upper-case letters, digits, dashes and dots (e.g. KXHIGHNY-25JAN01-T45).
TICKER_PATTERN = r"^[A-Z0-9][A-Z0-9._-]*$"

OUT = Port(
    "market", MARKET, "Market", "The market being evaluated; null if it is not one of these.", nullable=True
)


def _emit_ticker(ctx: EmitContext) -> None:
    ticker = ctx.const(ctx.params["ticker"])
    ctx.line(f"{ctx.out('market')} = {ticker} if m.ticker == {ticker} else None")


def _emit_event(ctx: EmitContext) -> None:
    ctx.line(
        f"{ctx.out('market')} = m.ticker if m.event_ticker == {ctx.const(ctx.params['event_ticker'])} else None"
    )


def _emit_series(ctx: EmitContext) -> None:
    ctx.line(
        f"{ctx.out('market')} = m.ticker if m.series_ticker == {ctx.const(ctx.params['series_ticker'])} else None"
    )


def _ticker(title: str, description: str) -> dict[str, object]:
    return p_str(title, description, "", pattern=TICKER_PATTERN, max_length=100)


SPECS = (
    NodeSpec(
        type="market.ticker",
        version=1,
        title="One market",
        category="market",
        help="Trade one market, by its ticker.",
        inputs=(),
        outputs=(OUT,),
        params=params_schema(ticker=_ticker("Ticker", "The market's ticker, e.g. KXHIGHNY-25JAN01-T45.")),
        emit=_emit_ticker,
    ),
    NodeSpec(
        type="market.event",
        version=1,
        title="Every market of an event",
        category="market",
        help="Trade every open market of one event; each market is evaluated on its own, with its own state.",
        inputs=(),
        outputs=(OUT,),
        params=params_schema(
            event_ticker=_ticker("Event ticker", "The event's ticker, e.g. KXHIGHNY-25JAN01.")
        ),
        emit=_emit_event,
    ),
    NodeSpec(
        type="market.series_current",
        version=1,
        title="Current market of a series",
        category="market",
        help="Trade the open market of a series that closes next; when it closes, the bot rolls to the next one "
        "(with fresh state).",
        inputs=(),
        outputs=(OUT,),
        params=params_schema(
            series_ticker=_ticker("Series ticker", "The series' ticker, e.g. KXHIGHNY."),
            pick=p_enum(
                "Which market",
                "How the current market is chosen among the series' open markets.",
                "next_to_close",
                [("next_to_close", "The open market that closes next")],
            ),
        ),
        emit=_emit_series,
    ),
)
