"""Builders for rule-language tests: snapshots, events, and small graphs around one node."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from builder.graph import compile_graph, evaluate, trace_ports
from builder.graph.build import GraphBuilder
from builder.graph.events import AccountSnapshot, Event, MarketSnapshot, Trade

T0 = 1_767_225_600_000  # 2026-01-01T00:00:00Z
TICKER = "KXTEST-26JAN01-T50"
CLOSE = T0 + 3_600_000


def market(**fields: Any) -> MarketSnapshot:
    """A snapshot of TICKER: YES 45¢ bid x 10, YES 47¢ ask x 5 (NO 53¢ bid) unless told otherwise."""
    base: dict[str, Any] = {
        "ticker": TICKER,
        "event_ticker": "KXTEST-26JAN01",
        "series_ticker": "KXTEST",
        "close_ts_ms": CLOSE,
        "yes_bids": ((4500, 1000), (4400, 2000)),
        "no_bids": ((5300, 500), (5200, 700)),
    }
    return MarketSnapshot(**(base | fields))


def event(kind: str = "book", *, seq: int = 1, trade: Trade | None = None, **fields: Any) -> Event:
    """An event of `kind`, with an account built from `position`/`average_entry`/... fields."""
    account_fields = {k: fields.pop(k) for k in list(fields) if k in AccountSnapshot.__dataclass_fields__}
    fill = fields.pop("fill", None)
    if kind == "trade" and trade is None:
        trade = Trade(T0, 4600, 300, "yes")
    return Event(kind, seq, market(**fields), AccountSnapshot(**account_fields), trade=trade, fill=fill)  # type: ignore[arg-type]


def probe_graph(
    node_type: str, params: dict[str, Any] | None = None, inputs: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A valid graph around one node: market + book trigger + notify, with `inputs` wired in.

    `inputs` maps an input port to ("const", type, value) or ("node", node_type, params, output).
    """
    g = GraphBuilder()
    g.add("mkt", "market.ticker", ticker=TICKER)
    g.add("trig", "trigger.book_changed")
    g.add("note", "action.notify")
    g.connect("trig", "fired", "note", "when")
    g.add("x", node_type, **(params or {}))
    from builder.graph import catalog

    spec = catalog.get(node_type, 1)
    assert spec is not None
    if spec.market_dependent:
        g.connect("mkt", "market", "x", "market")
    for port, source in (inputs or {}).items():
        if source[0] == "const":
            g.add(f"in_{port}", "data.constant", type=source[1], value=source[2])
            g.connect(f"in_{port}", "value", "x", port)
        else:
            _, src_type, src_params, output = source
            g.add(f"in_{port}", src_type, **src_params)
            src_spec = catalog.get(src_type, 1)
            assert src_spec is not None
            if src_spec.market_dependent:
                g.connect("mkt", "market", f"in_{port}", "market")
            g.connect(f"in_{port}", output, "x", port)
    return g.to_json()


def run(graph: dict[str, Any], events: list[tuple[int, Event]]) -> list[dict[str, Any]]:
    """Evaluate a graph over (now, event) pairs; each step's intents, ports of node "x", state."""
    plan = compile_graph(graph)
    state: dict[str, Any] = {}
    steps = []
    for now, ev in events:
        state, intents, trace = evaluate(plan, ev, state, now)
        ports = trace_ports(plan, trace)
        steps.append(
            {"intents": intents, "x": ports.get("x", {}).get("out", {}), "ports": ports, "state": state}
        )
    return steps


def outputs(
    node_type: str,
    params: dict[str, Any] | None = None,
    inputs: dict[str, Any] | None = None,
    *,
    ev: Event | None = None,
    now: int = T0,
) -> dict[str, Any]:
    """The outputs of one node for one event."""
    step = run(probe_graph(node_type, params, inputs), [(now, ev or event())])[0]
    result: dict[str, Any] = step["x"]
    return result


def with_account(ev: Event, **fields: Any) -> Event:
    """`ev` with its account changed."""
    return replace(ev, account=replace(ev.account, **fields))
