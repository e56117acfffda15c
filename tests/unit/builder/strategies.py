"""Hypothesis strategies: arbitrary JSON, valid random graphs (typed, acyclic, every required
input wired), and event sequences with well-formed snapshots."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from hypothesis import strategies as st

from builder.graph import catalog
from builder.graph.build import GraphBuilder
from builder.graph.catalog.markets import TICKER_PATTERN
from builder.graph.events import AccountSnapshot, Event, Fill, MarketSnapshot, OpenOrder, Trade
from builder.graph.spec import NodeSpec

T0 = 1_767_225_600_000
TICKERS = ("KXPROP-26JAN01-T50", "KXPROP-26JAN01-T60", "KXOTHER-26FEB02-B3")
GRIDS = (((0, 10000, 100),), ((0, 1000, 10), (1000, 9000, 100), (9000, 10000, 10)), ((0, 10000, 1),))

# Any ranges a snapshot accepts, including odd steps and grids with no tradable price at all.
random_grids = st.lists(
    st.tuples(st.integers(0, 9_999), st.integers(1, 10_000), st.integers(1, 10_000)).map(
        lambda r: (min(r[0], r[1] - 1), r[1], r[2])
    ),
    min_size=1,
    max_size=3,
).map(tuple)
json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=30,
)

MATCHING = {
    "market.ticker": {"ticker": TICKERS[0]},
    "market.event": {"event_ticker": "KXPROP-26JAN01"},
    "market.series_current": {"series_ticker": "KXPROP"},
}
WIDE = st.integers(-20_000, 20_000)
# Mostly plausible values (so orders get placed), sometimes out of range (so guards are exercised).
CONSTANTS = {
    "price": st.integers(1, 9_999) | st.integers(-200, 10_200),
    "count": st.integers(1, 5_000) | st.integers(-100, 100),
}
SPECS = list(catalog.SPECS.values())
NON_MARKET = [s for s in SPECS if s.category != "market"]
TRIGGERS = [s for s in SPECS if s.category == "trigger"]
MARKETS = [s for s in SPECS if s.category == "market"]
TEXT = st.text(
    st.characters(min_codepoint=32, max_codepoint=0x2FFF, exclude_characters="\x7f"), min_size=1, max_size=24
)


def _value(prop: dict[str, Any]) -> st.SearchStrategy[Any]:
    if "enum" in prop:
        return st.sampled_from(prop["enum"])
    if prop.get("type") == "integer":
        return st.integers(prop["minimum"], prop["maximum"])
    if prop.get("type") == "boolean":
        return st.booleans()
    if prop.get("pattern") == TICKER_PATTERN:
        return st.sampled_from(["KXPROP-26JAN01-T50", "KXPROP-26JAN01", "KXPROP", "KXNONE"])
    return TEXT


@st.composite
def params_for(draw: st.DrawFn, spec: NodeSpec) -> dict[str, Any]:
    """Schema-valid params for a spec (cross-field rules satisfied)."""
    props = spec.params["properties"]
    params = {name: draw(_value(prop)) for name, prop in props.items() if name != "value"}
    if spec.type == "data.constant":
        params["value"] = (
            draw(st.booleans()) if params["type"] == "bool" else draw(st.integers(-20_000, 20_000))
        )
    if spec.check is not None and spec.check(params):
        params.update(post_only=False, expiration_seconds=0)
        params = {k: v for k, v in params.items() if k in props}
    return params


@st.composite
def valid_graphs(draw: st.DrawFn, max_nodes: int = 16) -> dict[str, Any]:
    """A graph `validate` must accept: one market, one or more triggers, typed acyclic wiring."""
    g = GraphBuilder()
    sources: dict[str, list[tuple[str, str]]] = defaultdict(list)

    def register(node_id: str, spec: NodeSpec, type_var: str | None) -> None:
        for out in spec.outputs:
            out_type = type_var if out.type == "T" else out.type
            assert out_type is not None
            sources[out_type].append((node_id, out.name))

    market = draw(st.sampled_from(MARKETS))
    market_params = draw(params_for(market))
    if draw(st.integers(0, 4)):  # mostly the market the events are about, so actions can fire
        market_params = {**market_params, **MATCHING[market.type]}
    g.add("m", market.type, **market_params)
    register("m", market, None)
    trigger = draw(st.sampled_from(TRIGGERS))
    g.add("t", trigger.type, **draw(params_for(trigger)))
    register("t", trigger, None)
    has_action = False
    constants = 0
    for i in range(draw(st.integers(1, max_nodes))):
        spec = draw(st.sampled_from(NON_MARKET))
        params = draw(params_for(spec))
        var = spec.type_var
        type_var = (
            None if var is None else (params[var.param] if var.param else draw(st.sampled_from(var.allowed)))
        )
        node_id = f"n{i}"
        g.add(node_id, spec.type, **params)
        required = spec.required(params)
        for port in spec.inputs:
            port_type = type_var if port.type == "T" else port.type
            assert port_type is not None
            if port.name not in required and not draw(st.booleans()):
                continue
            candidates = sources[port_type]
            if port_type == "market" or (candidates and draw(st.booleans())):
                source = draw(st.sampled_from(candidates))
            else:
                constants += 1
                const_id = f"c{constants}"
                value = draw(st.booleans()) if port_type == "bool" else draw(CONSTANTS.get(port_type, WIDE))
                g.add(const_id, "data.constant", type=port_type, value=value)
                source = (const_id, "value")
            g.connect(source[0], source[1], node_id, port.name)
        register(node_id, spec, type_var)
        has_action = has_action or spec.category == "action"
    if not has_action:
        g.add("notify", "action.notify")
        g.connect("t", "fired", "notify", "when")
    return g.to_json()


@st.composite
def snapshots(draw: st.DrawFn) -> tuple[MarketSnapshot, AccountSnapshot]:
    """A market (books never crossed) and an account (flat iff no entry price)."""
    grid = draw(st.sampled_from(GRIDS) | random_grids)
    best_yes = draw(st.integers(1, 9_998))
    best_no = draw(st.integers(1, 9_999 - best_yes))
    yes = sorted({best_yes, *draw(st.lists(st.integers(1, best_yes), max_size=4))}, reverse=True)
    no = sorted({best_no, *draw(st.lists(st.integers(1, best_no), max_size=4))}, reverse=True)
    size = st.integers(1, 100_000)
    ticker = TICKERS[0] if draw(st.integers(0, 4)) else draw(st.sampled_from(TICKERS))
    trades = tuple(
        Trade(
            T0 - draw(st.integers(0, 3_600_000)),
            draw(st.integers(1, 9_999)),
            draw(size),
            draw(st.sampled_from(["yes", "no"])),
        )
        for _ in range(draw(st.integers(0, 3)))
    )
    market = MarketSnapshot(
        ticker=ticker,
        event_ticker=ticker.rsplit("-", 1)[0],
        series_ticker=ticker.split("-", 1)[0],
        close_ts_ms=T0 + draw(st.integers(-60_000, 7_200_000)),
        yes_bids=tuple((p, draw(size)) for p in yes) if draw(st.booleans()) else (),
        no_bids=tuple((p, draw(size)) for p in no) if draw(st.booleans()) else (),
        last_trade_price=draw(st.none() | st.integers(1, 9_999)),
        recent_trades=tuple(sorted(trades, key=lambda t: t.ts_ms)),
        price_ranges=grid,
    )
    position = draw(st.integers(-5_000, 5_000))
    orders = tuple(
        OpenOrder(
            f"o{i}",
            draw(st.sampled_from(["yes", "no"])),
            draw(st.sampled_from(["buy", "sell"])),
            draw(st.integers(1, 9_999)),
            draw(size),
        )
        for i in range(draw(st.integers(0, 3)))
    )
    account = AccountSnapshot(
        position=position,
        average_entry=None if position == 0 else draw(st.integers(1, 9_999)),
        open_orders=orders,
        balance=draw(st.integers(0, 10**12)),
    )
    return market, account


@st.composite
def event_sequences(draw: st.DrawFn, max_events: int = 12) -> list[tuple[int, Event]]:
    """Increasing times, any event kinds, each with a consistent snapshot."""
    now = T0
    events = []
    for seq in range(1, draw(st.integers(1, max_events)) + 1):
        now += draw(st.integers(0, 120_000))
        market, account = draw(snapshots())
        kind = draw(st.sampled_from(["book", "trade", "timer", "fill", "close_warning", "run_start"]))
        trade = (
            Trade(
                now,
                draw(st.integers(1, 9_999)),
                draw(st.integers(1, 5_000)),
                draw(st.sampled_from(["yes", "no"])),
            )
            if kind == "trade"
            else None
        )
        fill = (
            Fill(
                now,
                "o1",
                draw(st.sampled_from(["yes", "no"])),
                draw(st.sampled_from(["buy", "sell"])),
                draw(st.integers(1, 9_999)),
                draw(st.integers(1, 5_000)),
            )
            if kind == "fill"
            else None
        )
        events.append((now, Event(kind, seq, market, account, trade, fill)))  # type: ignore[arg-type]
    return events
