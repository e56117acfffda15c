"""compile_graph: what the plan holds, and that the generated source never contains a user string."""

from __future__ import annotations

import json

import pytest

from builder.graph import GraphInvalid, compile_graph, evaluate, market_bindings, trace_as_dict, trace_ports
from builder.graph.build import GraphBuilder
from builder.graph.compile import MarketSelector, _Codegen, _NodeContext
from builder.graph.intents import TargetPosition, intent_json
from builder.graph.schema import content_hash
from builder.graph.tape import read_tape, replay
from builder.graph.validate import analyze
from tests.unit.builder.helpers import T0, TICKER, event
from tests.unit.builder.test_validate import minimal

HOSTILE = "x'); __import__('os').system('echo pwned'); ('"


def test_it_refuses_an_invalid_graph_with_every_problem():
    graph = minimal().to_json()
    graph["nodes"][2]["params"]["side"] = "maybe"
    graph["edges"] = graph["edges"][1:]
    with pytest.raises(GraphInvalid) as info:
        compile_graph(graph)
    assert {p["code"] for p in info.value.problems} == {"bad_params", "unbound_market"}


def test_user_strings_never_reach_the_generated_source():
    g = GraphBuilder()
    g.add("m'); import os; ('", "market.event", event_ticker="KXEVIL-26JAN01")
    g.add('t"""', "trigger.book_changed")
    g.add("n#1", "action.notify", message=HOSTILE)
    g.add("p\\n", "action.pause_bot", reason="}; raise SystemExit; {")
    g.connect('t"""', "fired", "n#1", "when")
    g.connect('t"""', "fired", "p\\n", "when")
    graph = g.to_json()
    # Ids outside the id alphabet are refused outright...
    with pytest.raises(GraphInvalid):
        compile_graph(graph)
    # ...and the ones inside it, and every string param, are bound as constants, never inlined.
    renames = {"m'); import os; ('": "m.ok", 't"""': "t:1", "n#1": "n-1", "p\\n": "p_2"}
    text = json.dumps(graph)
    for old, new in renames.items():
        text = text.replace(json.dumps(old)[1:-1], new)
    plan = compile_graph(json.loads(text))
    for user_string in ("KXEVIL-26JAN01", HOSTILE, "raise SystemExit", *renames.values()):
        assert user_string not in plan.source
    _, intents, _ = evaluate(plan, event(event_ticker="KXEVIL-26JAN01"), {}, T0)
    assert [intent_json(i)["kind"] for i in intents] == ["Notify", "PauseBot"]
    assert intent_json(intents[0])["message"] == HOSTILE


def test_only_ints_bools_and_none_are_inlined():
    ctx = _NodeContext.__new__(_NodeContext)
    assert ctx.lit(4500) == "4500"
    assert ctx.lit(True) == "True"
    assert ctx.lit(None) == "None"
    for value in ("4500", 4500.0, [1], {"a": 1}):
        with pytest.raises(TypeError):
            ctx.lit(value)  # type: ignore[arg-type]


def test_the_plan_says_what_the_engine_must_resolve_and_schedule():
    g = minimal()
    g.add("every", "trigger.every", seconds=30)
    g.add("every2", "trigger.every", seconds=5)
    g.add("soon", "trigger.before_close", minutes=10)
    plan = compile_graph(g.to_json())
    assert plan.market == MarketSelector("ticker", TICKER, "mkt")
    assert market_bindings(plan) == (plan.market,)
    assert plan.timer_periods == (5, 30)
    assert plan.close_leads == (600,)
    assert sorted(plan.state_keys) == ["buy", "every", "every2", "soon"]
    assert plan.node_ids[0] == "mkt"
    assert set(plan.node_ids) == {n["id"] for n in g.to_json()["nodes"]}
    assert plan.graph_hash == content_hash(g.to_json())


def test_the_order_is_topological_and_stable():
    plan = compile_graph(minimal().to_json())
    position = {node_id: i for i, node_id in enumerate(plan.node_ids)}
    for edge in minimal().to_json()["edges"]:
        assert position[edge["source"]] < position[edge["target"]]
    assert plan.node_ids == compile_graph(minimal().to_json()).node_ids


def test_trace_ports_gives_every_input_and_output():
    plan = compile_graph(minimal().to_json())
    _, _, trace = evaluate(plan, event(), {}, T0)
    ports = trace_ports(plan, trace)
    assert ports["cheap"] == {"in": {"a": 4700, "b": 4000}, "out": {"result": False}}
    assert ports["go"]["in"] == {"a": True, "b": False, "c": True, "d": True}  # c, d: defaults
    assert ports["buy"]["in"]["price"] is None
    assert [key for key in plan.trace_keys if key[0] == "ask"] == [("ask", "price"), ("ask", "size")]
    flat = trace_as_dict(plan, trace)
    assert flat["cheap"] == {"a": 4700, "b": 4000, "result": False}
    assert flat["buy"] == {"market": TICKER, "when": False, "price": None, "count": 1000, "fired": False}


def test_a_foreign_market_never_produces_intents_even_for_notify():
    g = minimal()
    g.add("note", "action.notify")
    g.connect("book", "fired", "note", "when")
    plan = compile_graph(g.to_json())
    _, intents, _ = evaluate(plan, event(no_bids=((6500, 100),)), {}, T0)
    assert {type(i).__name__ for i in intents} == {"Notify", "PlaceOrder"}
    _, intents, trace = evaluate(plan, event(ticker="KXOTHER-1", no_bids=((6500, 100),)), {}, T0)
    assert intents == []
    assert trace_ports(plan, trace)["note"]["out"] == {"fired": False}


def test_replay_keeps_one_state_per_market():
    header = {
        "tape": 1,
        "market": {"ticker": TICKER, "event_ticker": "E", "series_ticker": "S", "close_ts_ms": T0 + 10**6},
    }
    lines = [
        header,
        {"t": T0, "kind": "book", "yes_bids": [[4500, 100]], "no_bids": [[6500, 100]]},
        {"t": T0 + 1, "kind": "book", "market": {"ticker": "KXOTHER-1"}},
        {"t": T0 + 2, "kind": "book", "market": {"ticker": TICKER}, "no_bids": [[5000, 100]]},
        {"t": T0 + 3, "kind": "book", "no_bids": [[6500, 100]]},
    ]
    _, events = read_tape(json.dumps(line) for line in lines)
    steps = replay(compile_graph(minimal().to_json()), events)
    # Buys at 35¢ (ask below 40¢), then not while the ask stays cheap, then again after it rose.
    assert [len(s.intents) for s in steps] == [1, 0, 0, 1]
    # The other market started from nothing (state is JSON: a default may be a tuple in memory).
    assert json.loads(json.dumps(steps[1].state)) == {"buy": [False, 0]}
    assert [i.seq for s in steps for i in s.intents] == [1, 2]  # the node's own count in TICKER


def test_intent_seq_counts_a_nodes_intents_and_repeats_from_the_same_saved_state():
    plan = compile_graph(minimal().to_json())
    cheap, dear = event(no_bids=((6500, 100),)), event()
    state: dict[str, object] = {}
    seqs = []
    for ev in (cheap, dear, cheap, dear, cheap):
        state, intents, _ = evaluate(plan, ev, state, T0)
        seqs += [i.seq for i in intents]
    assert seqs == [1, 2, 3]
    # A crash after sending but before saving: the engine re-evaluates (even another event)
    # from the last saved state, and gets the same seq, hence the same client_order_id.
    saved = json.loads(json.dumps(evaluate(plan, dear, state, T0)[0]))
    first = evaluate(plan, cheap, saved, T0)[1]
    again = evaluate(plan, event(no_bids=((6600, 50),)), saved, T0 + 5)[1]
    assert [i.seq for i in first] == [i.seq for i in again] == [4]


def test_a_tape_must_start_with_its_header():
    with pytest.raises(ValueError, match="header"):
        read_tape(['{"t": 1, "kind": "book"}'])


def test_a_bad_tape_line_is_a_value_error_naming_the_line():
    header = {
        "tape": 1,
        "market": {"ticker": TICKER, "event_ticker": "E", "series_ticker": "S", "close_ts_ms": T0},
    }
    lines = [json.dumps(header), json.dumps({"t": T0, "kind": "book", "yes_bids": [[12000, 5]]})]
    with pytest.raises(ValueError, match="tape line 2"):
        read_tape(lines)


def test_an_unchanged_state_is_returned_as_it_is_and_a_changed_one_is_new():
    plan = compile_graph(minimal().to_json())  # one rising-edge action: buy YES under 40¢
    cheap, dear = event(no_bids=((6500, 100),)), event()
    state, _, _ = evaluate(plan, dear, {}, T0)  # the first evaluation completes the empty state
    assert evaluate(plan, dear, state, T0)[0] is state  # nothing fired, nothing to save
    before = json.dumps(state)
    fired, intents, _ = evaluate(plan, cheap, state, T0)
    assert intents
    assert fired is not state
    assert json.dumps(state) == before  # the caller's state is never modified
    assert evaluate(plan, cheap, fired, T0)[0] is fired  # still cheap: latched, unchanged
    assert evaluate(plan, dear, fired, T0)[0] != fired  # the latch drops


def test_codegen_refuses_an_intent_of_the_wrong_arity():
    analysis = analyze(minimal().to_json())
    ctx = _NodeContext(_Codegen(analysis), analysis.nodes["buy"])
    with pytest.raises(TypeError, match="TargetPosition has 8 fields"):
        ctx.intent("", TargetPosition, "v1", "1", "'yes'")
