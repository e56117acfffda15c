"""Properties over thousands of generated inputs: validate never raises, valid graphs always
compile and evaluate, evaluation is deterministic and survives a JSON round trip of the state,
and every intent is well-formed for Kalshi."""

from __future__ import annotations

import ast
import copy
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builder.graph import catalog, compile_graph, evaluate, validate
from builder.graph.events import Event
from builder.graph.grid import leg_grid
from builder.graph.intents import (
    CancelOrders,
    ClosePosition,
    Notify,
    PauseBot,
    PlaceOrder,
    TargetPosition,
    intent_json,
)
from builder.graph.params_check import compile_check
from builder.graph.validate import params_validator
from tests.unit.builder.strategies import event_sequences, json_values, params_for, valid_graphs

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(json_values)
def test_validate_never_raises_on_any_json_value(value):
    problems = validate(value)
    assert isinstance(problems, list)
    assert all(set(p) == {"node_id", "port", "code", "message", "edge_id", "param"} for p in problems)


@FAST
@given(
    st.fixed_dictionaries(
        {
            "schema": json_values,
            "nodes": st.lists(json_values, max_size=6),
            "edges": st.lists(json_values, max_size=6),
        }
    )
)
def test_validate_never_raises_on_graph_shaped_junk(value):
    assert validate(value)  # never valid: no market, trigger or action can come out of junk


@FAST
@given(valid_graphs(), st.data())
def test_validate_never_raises_on_corrupted_valid_graphs(graph, data):
    """Replace one random part of a valid graph by random JSON: still no exception."""
    paths: list[tuple[Any, Any]] = []

    def walk(obj: Any) -> None:
        if isinstance(obj, dict):
            for key, value in obj.items():
                paths.append((obj, key))
                walk(value)
        elif isinstance(obj, list):
            for index, value in enumerate(obj):
                paths.append((obj, index))
                walk(value)

    corrupted = copy.deepcopy(graph)
    walk(corrupted)
    for _ in range(data.draw(st.integers(1, 3))):
        container, key = data.draw(st.sampled_from(paths))
        container[key] = data.draw(json_values)
    validate(corrupted)


def _check_intent(intent: Any, event: Event) -> None:
    market = event.market
    assert intent.market == market.ticker
    assert isinstance(intent.node_id, str)
    if isinstance(intent, PlaceOrder):
        assert intent.count > 0
        assert intent.price in leg_grid(market.price_ranges, intent.side)
        assert 0 < intent.yes_price < 10_000
        assert intent.book_side in ("bid", "ask")
        assert not (intent.post_only and intent.time_in_force != "good_till_canceled")
    elif isinstance(intent, TargetPosition):
        assert intent.count >= 0
        assert intent.price in leg_grid(market.price_ranges, intent.side)
    elif isinstance(intent, ClosePosition):
        position = event.account.position
        assert intent.count == abs(position) > 0
        assert intent.side == ("yes" if position > 0 else "no")
        assert intent.price in leg_grid(market.price_ranges, intent.side)
    else:
        assert isinstance(intent, CancelOrders | Notify | PauseBot)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(valid_graphs(), event_sequences())
def test_valid_random_graphs_compile_and_never_raise_when_evaluated(graph, events):
    assert validate(graph) == []
    plan = compile_graph(graph)
    state: dict[str, Any] = {}
    for now, event in events:
        state, intents, trace = evaluate(plan, event, state, now)
        assert len(trace) == len(plan.trace_keys)
        for intent in intents:
            _check_intent(intent, event)
        # State is JSON: it goes to Redis and comes back between evaluations.
        state = json.loads(json.dumps(state, allow_nan=False))


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(valid_graphs(), event_sequences())
def test_the_same_tape_always_gives_the_same_output_even_through_json_state(graph, events):
    def run(through_json: bool) -> list[Any]:
        plan = compile_graph(graph)  # a fresh compile each time: nothing leaks between plans
        state: Any = {}
        out = []
        for now, event in events:
            state, intents, trace = evaluate(plan, event, state, now)
            out.append(([intent_json(i) for i in intents], trace, json.dumps(state, sort_keys=True)))
            if through_json:
                state = json.loads(json.dumps(state))
        return out

    assert run(False) == run(False) == run(True)


@FAST
@given(valid_graphs(), event_sequences(max_events=3))
def test_evaluate_never_modifies_the_state_it_is_given(graph, events):
    plan = compile_graph(graph)
    state: Any = {}
    for now, event in events:
        before = json.dumps(state, sort_keys=True)
        new_state, _, _ = evaluate(plan, event, state, now)
        assert json.dumps(state, sort_keys=True) == before
        state = new_state


# Every string literal the specs may write into generated code; anything else came from a graph.
SPEC_LITERALS = {
    *("book", "trade", "timer", "fill", "close_warning", "run_start"),
    *("yes", "no", "buy", "sell", "bid", "ask", "input", "join", "cross"),
    *("good_till_canceled", "immediate_or_cancel", "fill_or_kill"),
    *("close", "stop_loss", "take_profit", "info", "warning"),
}


@FAST
@given(valid_graphs())
def test_generated_code_holds_no_string_from_the_graph(graph):
    plan = compile_graph(graph)
    constants = [node.value for node in ast.walk(ast.parse(plan.source)) if isinstance(node, ast.Constant)]
    assert {c for c in constants if isinstance(c, str)} <= SPEC_LITERALS
    assert all(c is None or type(c) in (int, bool, str) for c in constants)


def _near_valid_params(spec_key: tuple[str, int]) -> st.SearchStrategy[dict[str, Any]]:
    """Valid params with zero to three entries replaced, removed or added at random."""
    spec = catalog.SPECS[spec_key]
    props = spec.params["properties"]
    odd_values = json_values | st.sampled_from(["", "yes", "KX-1", True, 0, -1, 10**16, 1.0, 4500.0])
    return params_for(spec).flatmap(
        lambda base: st.lists(
            st.tuples(st.sampled_from([*props, "extra"]), odd_values, st.booleans()), max_size=3
        ).map(lambda edits: _apply(base, edits))
    )


def _apply(base: dict[str, Any], edits: list[tuple[str, Any, bool]]) -> dict[str, Any]:
    params = dict(base)
    for name, value, remove in edits:
        if remove:
            params.pop(name, None)
        else:
            params[name] = value
    return params


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(sorted(catalog.SPECS)).flatmap(
        lambda key: st.tuples(st.just(key), _near_valid_params(key))
    )
)
def test_the_fast_params_check_agrees_with_json_schema(case):
    key, params = case
    spec = catalog.SPECS[key]
    fast = compile_check(spec.params)
    assert fast is not None, spec.key  # every catalog schema is inside the fast subset
    assert fast(params) == params_validator(spec).is_valid(params)
