"""The golden scenarios: for every node type and version, a graph around it and an event tape.

`python -m tests.unit.builder.golden_scenarios` (re)writes tests/unit/builder/golden/*.json from
these. Only do that for a NEW node version (or a deliberate, reviewed change of a tape): the
files pin what each version computes, and test_golden.py fails when the code drifts from them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from builder.graph import catalog, compile_graph, trace_ports
from builder.graph.build import GraphBuilder
from builder.graph.intents import intent_json
from builder.graph.tape import read_tape, replay

GOLDEN_DIR = Path(__file__).parent / "golden"
T0 = 1_767_225_600_000  # 2026-01-01T00:00:00Z
TICKER = "KXGOLD-26JAN01-T50"


def _s(seconds: float) -> int:
    return T0 + int(seconds * 1000)


def _book(yes: list[list[int]], no: list[list[int]]) -> dict[str, Any]:
    return {"yes_bids": yes, "no_bids": no}


# One market over ten minutes: the book drifts, dips, empties one side, recovers; trades both
# ways; timers; the bot buys 10 YES at 44¢ (with a resting order before) and sells them at 60¢.
STANDARD_TAPE: list[dict[str, Any]] = [
    {
        "tape": 1,
        "description": "golden: one market, ten minutes, a round trip of 10 YES",
        "market": {
            "ticker": TICKER,
            "event_ticker": "KXGOLD-26JAN01",
            "series_ticker": "KXGOLD",
            "close_ts_ms": _s(600),
            "yes_bids": [[4500, 1000], [4400, 2000]],
            "no_bids": [[5300, 500], [5200, 700]],
        },
        "account": {"position": 0, "average_entry": None, "open_orders": [], "balance": 100_000_000},
    },
    {"t": _s(0), "kind": "run_start"},
    {"t": _s(1), "kind": "book", **_book([[4600, 800], [4500, 1000]], [[5300, 500], [5200, 700]])},
    {"t": _s(2), "kind": "trade", "trade": {"yes_price": 4700, "count": 300, "taker_side": "yes"}},
    {"t": _s(5), "kind": "timer"},
    {"t": _s(8), "kind": "book", **_book([[4400, 1200], [4300, 900]], [[5400, 600], [5300, 500]])},
    {"t": _s(10), "kind": "timer"},
    {"t": _s(12), "kind": "trade", "trade": {"yes_price": 4400, "count": 500, "taker_side": "no"}},
    {
        "t": _s(15),
        "kind": "timer",
        "account": {
            "open_orders": [
                {"order_id": "o-1", "side": "yes", "action": "buy", "price": 4300, "remaining": 1000}
            ]
        },
    },
    {
        "t": _s(20),
        "kind": "fill",
        "fill": {
            "order_id": "o-1",
            "side": "yes",
            "action": "buy",
            "price": 4400,
            "count": 1000,
            "node_id": "x",
        },
        "account": {"position": 1000, "average_entry": 4400, "open_orders": [], "balance": 95_600_000},
    },
    {"t": _s(21), "kind": "book", **_book([[4000, 700], [3900, 300]], [[5800, 400], [5700, 900]])},
    {"t": _s(25), "kind": "timer"},
    {"t": _s(30), "kind": "book", **_book([[3900, 500]], [])},
    {"t": _s(31), "kind": "book", **_book([[5000, 300], [4900, 800]], [[4800, 200], [4700, 600]])},
    {"t": _s(35), "kind": "trade", "trade": {"yes_price": 5200, "count": 1000, "taker_side": "yes"}},
    {"t": _s(40), "kind": "timer"},
    {"t": _s(45), "kind": "book", **_book([[5500, 400], [5400, 900]], [[4300, 300], [4200, 100]])},
    {"t": _s(300), "kind": "close_warning"},
    {"t": _s(301), "kind": "book", **_book([[6000, 1000], [5900, 500]], [[3800, 800]])},
    {
        "t": _s(330),
        "kind": "fill",
        "fill": {
            "order_id": "o-2",
            "side": "yes",
            "action": "sell",
            "price": 6000,
            "count": 1000,
            "node_id": "close",
        },
        "account": {"position": 0, "average_entry": None, "balance": 101_600_000},
    },
    {"t": _s(340), "kind": "book", **_book([[5800, 300]], [[3900, 300]])},
    {"t": _s(590), "kind": "timer"},
    {"t": _s(605), "kind": "book", "market": {"status": "closed"}, **_book([], [])},
    # An event of a market the bot does not trade (mis-routed): every market node outputs null.
    {
        "t": _s(606),
        "kind": "book",
        "market": {
            "ticker": "KXOTHER-26JAN01-B1",
            "event_ticker": "KXOTHER-26JAN01",
            "series_ticker": "KXOTHER",
        },
        **_book([[3000, 100]], [[6000, 100]]),
    },
    # The series rolled to its next market: a fresh state there.
    {
        "t": _s(620),
        "kind": "run_start",
        "market": {
            "ticker": "KXGOLD-26JAN02-T50",
            "event_ticker": "KXGOLD-26JAN02",
            "series_ticker": "KXGOLD",
            "close_ts_ms": _s(86_420),
            "status": "active",
        },
        **_book([[4800, 500]], [[5000, 500]]),
    },
    {"t": _s(621), "kind": "book", **_book([[4900, 500]], [[5000, 500]])},
]

# Input sources: ("const", type, value) or (type, params, output) for a node wired to the market.
YES_BID: tuple[Any, ...] = ("data.best_bid", {"side": "yes"}, "price")
YES_ASK: tuple[Any, ...] = ("data.best_ask", {"side": "yes"}, "price")
LAST: tuple[Any, ...] = ("data.last_trade", {"side": "yes"}, "price")
BOOK: tuple[Any, ...] = ("trigger.book_changed", {}, "fired")
TRADE: tuple[Any, ...] = ("trigger.trade_printed", {}, "fired")
TIMER: tuple[Any, ...] = ("trigger.every", {"seconds": 5}, "fired")
FILL: tuple[Any, ...] = ("trigger.own_fill", {}, "fired")
CLOSE_SOON: tuple[Any, ...] = ("trigger.before_close", {"minutes": 5}, "fired")


def _c(type_: str, value: int | bool) -> tuple[str, str, int | bool]:
    return ("const", type_, value)


def _cheap(limit: int) -> tuple[str, dict[str, Any], str, dict[str, Any]]:
    """A compare node: YES ask <= limit (a 4-tuple: wired to the ask and a constant)."""
    return ("logic.compare", {"op": "le"}, "result", {"a": YES_ASK, "b": _c("price", limit)})


# node key -> (params, inputs). Nodes not listed get their defaults and no inputs.
SCENARIOS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "trigger.trade_printed@1": ({"side": "no", "min_count": 400}, {}),
    "trigger.every@1": ({"seconds": 10}, {}),
    "trigger.own_fill@1": ({"action": "buy"}, {}),
    "trigger.before_close@1": ({"minutes": 5}, {}),
    "market.ticker@1": ({"ticker": TICKER}, {}),
    "market.event@1": ({"event_ticker": "KXGOLD-26JAN01"}, {}),
    "market.series_current@1": ({"series_ticker": "KXGOLD"}, {}),
    "data.best_bid@1": ({"side": "no"}, {}),
    "data.best_ask@1": ({"side": "yes"}, {}),
    "data.mid@1": ({"side": "yes"}, {}),
    "data.depth@1": ({"side": "yes", "book": "ask", "ticks": 1}, {}),
    "data.last_trade@1": ({"side": "no"}, {}),
    "data.volume@1": ({"seconds": 30}, {}),
    "data.open_orders@1": ({"side": "yes", "action": "buy"}, {}),
    "data.average_entry@1": ({"side": "no"}, {}),
    "data.constant@1": ({"type": "price", "value": 4500}, {}),
    "logic.compare@1": ({"op": "lt"}, {"a": YES_BID, "b": _c("price", 4500)}),
    "logic.between@1": (
        {"inclusive": True},
        {"x": YES_BID, "low": _c("price", 4400), "high": _c("price", 5000)},
    ),
    "logic.and@1": ({}, {"a": BOOK, "b": _cheap(4700), "c": _c("bool", True)}),
    "logic.or@1": ({}, {"a": TRADE, "b": FILL}),
    "logic.not@1": ({}, {"a": BOOK}),
    "math.add@1": ({}, {"a": YES_BID, "b": _c("price", 100)}),
    "math.subtract@1": ({}, {"a": YES_ASK, "b": YES_BID}),
    "math.multiply@1": ({}, {"a": ("data.position", {}, "net"), "b": _c("number", 2)}),
    "math.divide@1": ({}, {"a": YES_BID, "b": _c("number", 3)}),
    "math.min@1": ({}, {"a": YES_BID, "b": _c("price", 4500)}),
    "math.max@1": ({}, {"a": YES_BID, "b": _c("price", 4500)}),
    "math.abs@1": ({}, {"a": ("data.unrealized_pnl", {}, "pnl")}),
    "math.clamp@1": ({}, {"x": YES_BID, "low": _c("price", 4200), "high": _c("price", 5500)}),
    "logic.crosses_above@1": ({}, {"a": YES_BID, "b": _c("price", 4500)}),
    "logic.crosses_below@1": ({}, {"a": YES_BID, "b": _c("price", 4500)}),
    "logic.moving_average@1": ({"window": 3}, {"x": YES_BID, "sample": TIMER}),
    "logic.change@1": ({"window": 2}, {"x": LAST}),
    "logic.cooldown@1": ({"seconds": 10}, {"when": BOOK}),
    "logic.once_per_market@1": ({}, {"when": _cheap(4600)}),
    "logic.count_in_window@1": ({"seconds": 30}, {"when": TRADE}),
    "action.place_order@1": (
        {"side": "yes", "action": "buy", "price_from": "cross", "offset_ticks": 1},
        {"when": _cheap(4600), "count": _c("count", 500)},
    ),
    "action.target_position@1": (
        {"side": "yes", "price_from": "join", "fire_on": "every_evaluation"},
        {"when": BOOK, "count": _c("count", 500)},
    ),
    "action.cancel_orders@1": ({"side": "yes"}, {"when": FILL}),
    "action.close_position@1": ({"price_from": "cross", "offset_ticks": 1}, {"when": CLOSE_SOON}),
    "action.stop_loss@1": ({"distance": 300, "slippage_ticks": 2}, {}),
    "action.take_profit@1": ({"distance": 1000}, {"when": BOOK}),
    "action.notify@1": ({"message": "A trade printed", "level": "info"}, {"when": TRADE}),
    "action.pause_bot@1": (
        {"reason": "Spread too wide"},
        {
            "when": (
                "logic.compare",
                {"op": "ge"},
                "result",
                {"a": ("data.spread", {}, "price"), "b": _c("price", 300)},
            )
        },
    ),
}


def _wire(g: GraphBuilder, target: str, port: str, source: Any, market_node: str) -> None:
    node_id = f"{target}_{port}"
    if source[0] == "const":
        g.add(node_id, "data.constant", type=source[1], value=source[2])
        g.connect(node_id, "value", target, port)
        return
    type_, params, output = source[0], source[1], source[2]
    g.add(node_id, type_, **params)
    spec = catalog.get(type_, catalog.LATEST[type_])
    assert spec is not None
    if spec.market_dependent:
        g.connect(market_node, "market", node_id, "market")
    for sub_port, sub_source in (source[3] if len(source) > 3 else {}).items():
        _wire(g, node_id, sub_port, sub_source, market_node)
    g.connect(node_id, output, target, port)


def scenario_graph(key: str) -> dict[str, Any]:
    """The golden graph of one node type version: node "x" is the node under test."""
    type_, version = key.split("@")
    spec = catalog.get(type_, int(version))
    assert spec is not None
    params, inputs = SCENARIOS.get(key, ({}, {}))
    g = GraphBuilder()
    if spec.category == "market":
        g.add("x", type_, version=int(version), **params)
        market = "x"
    else:
        market = g.add("mkt", "market.ticker", ticker=TICKER)
        g.add("x", type_, version=int(version), **params)
        if spec.market_dependent:
            g.connect(market, "market", "x", "market")
    for port, source in inputs.items():
        _wire(g, "x", port, source, market)
    if spec.category == "trigger":
        g.add("note", "action.notify", message="trigger fired")
        g.connect("x", "fired", "note", "when")
    else:
        g.add("book", "trigger.book_changed")
        if spec.category != "action":
            # An action so the graph is valid, fed by the node's first bool output if it has one.
            g.add("note", "action.notify", message="evaluated")
            bool_out = next((o.name for o in spec.outputs if o.type == "bool"), None)
            g.connect("x" if bool_out else "book", bool_out or "fired", "note", "when")
    return g.to_json()


def golden_path(key: str) -> Path:
    type_, version = key.split("@")
    return GOLDEN_DIR / f"{type_}@v{version}.json"


def expected_steps(graph: dict[str, Any], tape: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What the current code computes: per event, its intents, every port and the new state."""
    plan = compile_graph(graph)
    _, events = read_tape(json.dumps(line) for line in tape)
    steps = []
    for step in replay(plan, events):
        steps.append(
            {
                "t": step.now,
                "kind": step.event.kind,
                "intents": [intent_json(intent) for intent in step.intents],
                # Outputs only: every input is one of them (or its port's default).
                "trace": {node_id: ports["out"] for node_id, ports in trace_ports(plan, step.trace).items()},
                "state": step.state,
            }
        )
    result: list[dict[str, Any]] = json.loads(json.dumps(steps))  # as JSON reads it back
    return result


def render(key: str, graph: dict[str, Any], tape: list[dict[str, Any]], steps: list[dict[str, Any]]) -> str:
    """The golden file: one JSON document with one tape line and one step per line (small diffs)."""

    def lines(items: list[Any]) -> str:
        return ",\n".join("    " + json.dumps(item, sort_keys=True) for item in items)

    return (
        "{\n"
        f'  "node": {json.dumps(key)},\n'
        f'  "graph": {json.dumps(graph, sort_keys=True)},\n'
        f'  "tape": [\n{lines(tape)}\n  ],\n'
        f'  "steps": [\n{lines(steps)}\n  ]\n'
        "}\n"
    )


def write_all() -> None:
    """Regenerate every golden file from the current code (see the module docstring)."""
    GOLDEN_DIR.mkdir(exist_ok=True)
    for type_, version in catalog.SPECS:
        key = f"{type_}@{version}"
        graph = scenario_graph(key)
        golden_path(key).write_text(render(key, graph, STANDARD_TAPE, expected_steps(graph, STANDARD_TAPE)))


if __name__ == "__main__":
    write_all()
