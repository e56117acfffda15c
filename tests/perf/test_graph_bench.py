"""Rule-language benchmarks (issue 6): plan evaluations per second, JSONLogic engines on the same
condition, and the compile time of a 200-node graph.

    .venv/bin/pytest tests/perf/test_graph_bench.py -q -o addopts=""

The graph is the shipped 20-node template `fade-extreme-prices` (three target positions, traces
on, as the engine runs it: `evaluate(plan, event, state, now)` with the state carried from one
evaluation to the next). Every figure is the best of several timed passes over the same events,
with the process pinned to one core. Two event streams:

* recorded: tests/fixtures/tapes/sandbox-sbxtemp-t70.jsonl, the sandbox simulator's real book
  changes, trades, timers and the recorder's own fills (the template is rebound to its market),
  so actions fire at the rate they would on that market (the headline figure);
* firing: synthetic book changes with the mid under 10¢, so an intent is built on every
  evaluation (the worst case: a grid-rounded price and an intent object each time).

The JSONLogic rule computes the same decision (which of the three targets fires) from the
snapshot's YES bid and ask, the event kind and the position; the test checks that it agrees
with the plan's `fired` outputs on every event before timing anything. datalogic-py (Rust) is
timed on its fastest path, data pre-parsed into DataHandles outside the timed loop (the bare
condition), and again building its input dict from each Event inside the loop (what the engine
would have to do); json-logic-qubit (pure Python) on prebuilt dicts.

The plan and the two datalogic loops are timed in alternating blocks (plan, datalogic,
datalogic-from-events, then again, `ROUNDS` times), so drift on a shared machine (frequency,
neighbours) falls on all three alike: each ratio is the median of the per-round ratios, and the
evaluation rate is the plan's best block, as before.
"""

from __future__ import annotations

import gc
import json
import os
import random
import statistics
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import datalogic_py
from json_logic import jsonLogic

from builder.graph import compile_graph, evaluate, trace_as_dict
from builder.graph.build import GraphBuilder
from builder.graph.events import AccountSnapshot, Event, MarketSnapshot
from builder.graph.tape import read_tape
from tests.perf.bench_record import record

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "builder" / "templates_data" / "fade-extreme-prices.json"
RECORDED_TAPE = ROOT / "tests" / "fixtures" / "tapes" / "sandbox-sbxtemp-t70.jsonl"
T0 = 1_767_225_600_000
TARGET_EVALS_PER_S = 1_000_000
ROUNDS = 15  # alternating timing blocks of the plan and the datalogic baselines
ACTIONS = ("hold_no", "hold_yes", "go_flat")

# The template's three conditions, as JSONLogic over {kind, yes_bid, yes_ask, position}.
_BOOK = {"==": [{"var": "kind"}, "book"]}
_QUOTED = [{"!=": [{"var": "yes_bid"}, None]}, {"!=": [{"var": "yes_ask"}, None]}]
# The template's mid is (bid + ask) // 2; with prices on the $0.0001 grid the float mid compares
# the same way against these whole-cent bounds.
_MID = {"/": [{"+": [{"var": "yes_bid"}, {"var": "yes_ask"}]}, 2]}
RULE: dict[str, Any] = {
    "if": [
        {"and": [_BOOK, *_QUOTED, {">": [_MID, 9000]}]},
        "hold_no",
        {"and": [_BOOK, *_QUOTED, {"<": [_MID, 1000]}]},
        "hold_yes",
        {"and": [_BOOK, *_QUOTED, {"<=": [3000, _MID, 7000]}, {"!=": [{"var": "position"}, 0]}]},
        "go_flat",
        None,
    ]
}


def logic_data(event: Event) -> dict[str, Any]:
    """What the JSONLogic rule reads, from an event."""
    market = event.market
    return {
        "kind": event.kind,
        "yes_bid": market.yes_bid,
        "yes_ask": market.yes_ask,
        "position": event.account.position,
    }


@contextmanager
def one_core() -> Iterator[None]:
    """Pin this process to one CPU (and keep the garbage collector out of the timed loops)."""
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(before)})
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        os.sched_setaffinity(0, before)


def best_seconds_per_item(run: Callable[[], object], items: int, repeats: int = 7) -> float:
    """The fastest of `repeats` timed runs, per item."""
    run()  # warm up
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times) / items


def alternating_seconds_per_item(
    runs: Sequence[tuple[Callable[[], object], int]], rounds: int = ROUNDS
) -> list[list[float]]:
    """Per run, its time per item in each of `rounds` rounds; every round times each run once, in
    turn, so the runs share whatever the machine does meanwhile."""
    for run, _items in runs:
        run()  # warm up
    times: list[list[float]] = [[] for _ in runs]
    for _ in range(rounds):
        for (run, items), per_round in zip(runs, times, strict=True):
            started = time.perf_counter()
            run()
            per_round.append((time.perf_counter() - started) / items)
    return times


def median_ratio(slow: Sequence[float], fast: Sequence[float]) -> float:
    """The median of the per-round ratios slow / fast (how many times faster `fast` is)."""
    return statistics.median(s / f for s, f in zip(slow, fast, strict=True))


def template_graph(ticker: str) -> dict[str, Any]:
    graph: dict[str, Any] = json.loads(TEMPLATE.read_text())["graph"]
    [market] = [node for node in graph["nodes"] if node["type"] == "market.ticker"]
    market["params"]["ticker"] = ticker
    return graph


def recorded_events() -> list[tuple[int, Event]]:
    _, events = read_tape(RECORDED_TAPE.read_text().splitlines())
    return [(item.now, item.event) for item in events]


def firing_events(n: int = 2_000) -> list[tuple[int, Event]]:
    rng = random.Random(7)
    events = []
    for i in range(n):
        mid = rng.randrange(300, 800, 100)
        market = MarketSnapshot(
            "SBXTEMP-NEXT-T90",
            "SBXTEMP-NEXT",
            "SBXTEMP",
            T0 + 3_600_000,
            ((mid - 100, 1_000), (mid - 200, 2_000)),
            ((10_000 - mid - 100, 1_000), (10_000 - mid - 200, 2_000)),
        )
        events.append((T0 + 100 * i, Event("book", i + 1, market, AccountSnapshot())))
    return events


def time_plan(plan: Any, events: Sequence[tuple[int, Event]], loops: int) -> float:
    def run() -> None:
        state: Any = {}
        for _ in range(loops):
            for now, event in events:
                state, _intents, _trace = evaluate(plan, event, state, now)

    return best_seconds_per_item(run, loops * len(events))


def fired_actions(plan: Any, events: Sequence[tuple[int, Event]]) -> tuple[list[str | None], int]:
    """Per event, which action fired (from the trace), and how many evaluations produced intents."""
    state: Any = {}
    fired: list[str | None] = []
    with_intents = 0
    for now, event in events:
        state, intents, trace = evaluate(plan, event, state, now)
        ports = trace_as_dict(plan, trace)
        names = [name for name in ACTIONS if ports[name]["fired"]]
        assert len(names) <= 1
        fired.append(names[0] if names else None)
        with_intents += bool(intents)
    return fired, with_intents


def test_plan_evaluation_against_jsonlogic_engines():
    recorded = recorded_events()
    ticker = recorded[0][1].market.ticker
    plan = compile_graph(template_graph(ticker))
    firing = firing_events()
    firing_plan = compile_graph(template_graph(firing[0][1].market.ticker))
    assert len(plan.node_ids) == 20

    # The same condition: the rule names the action the plan fires, on every recorded event.
    engine = datalogic_py.Engine()
    rule = engine.compile(RULE)
    datas = [logic_data(event) for _, event in recorded]
    fired, with_intents = fired_actions(plan, recorded)
    assert [rule.evaluate(data) for data in datas] == fired
    assert [jsonLogic(RULE, data) for data in datas] == fired
    assert 0 < with_intents < len(recorded)  # the recorded tape exercises both cases
    firing_fired, firing_intents = fired_actions(firing_plan, firing)
    assert firing_intents == len(firing)
    assert set(firing_fired) == {"hold_yes"}

    handles = [datalogic_py.DataHandle(json.dumps(data)) for data in datas]
    loops = max(1, 200_000 // len(recorded))
    with one_core():
        firing_s = time_plan(firing_plan, firing, max(1, 100_000 // len(firing)))

        def plan_recorded() -> None:
            state: Any = {}
            for _ in range(loops):
                for now, event in recorded:
                    state, _intents, _trace = evaluate(plan, event, state, now)

        # Plain loops (no list building), so the baselines pay nothing the plan loop does not.
        def datalogic_prebuilt() -> None:
            evaluate_data = rule.evaluate_data
            for _ in range(loops):
                for handle in handles:
                    evaluate_data(handle)

        def datalogic_from_events() -> None:
            evaluate_dict = rule.evaluate
            for _ in range(loops):
                for _now, event in recorded:
                    evaluate_dict(logic_data(event))

        qubit_loops = max(1, loops // 50)

        def qubit() -> None:
            for _ in range(qubit_loops):
                for data in datas:
                    jsonLogic(RULE, data)

        plan_times, datalogic_times, datalogic_dict_times = alternating_seconds_per_item(
            [
                (plan_recorded, loops * len(recorded)),
                (datalogic_prebuilt, loops * len(handles)),
                (datalogic_from_events, loops * len(recorded)),
            ]
        )
        qubit_s = best_seconds_per_item(qubit, qubit_loops * len(datas), repeats=3)

    plan_s = min(plan_times)
    rate = 1 / plan_s
    vs_datalogic = median_ratio(datalogic_times, plan_times)
    vs_datalogic_dict = median_ratio(datalogic_dict_times, plan_times)
    tape_note = (
        f"fade-extreme-prices (20 nodes, {len(plan.trace_keys) + len(plan.constants)} traced outputs) over "
        f"{len(recorded):,} recorded sandbox events (sandbox-sbxtemp-t70.jsonl), {with_intents:,} of them producing intents; "
        f"evaluate() with state carried over; one core, best of {ROUNDS} blocks"
    )
    paired = (
        f"; timed in {ROUNDS} alternating blocks with the plan, ratio = median of the per-block ratios "
        "(baseline_value = the plan's best rate / that ratio)"
    )
    record(
        "builder.graph.evals_per_s",
        rate,
        "evaluations/s",
        baseline="target",
        baseline_value=TARGET_EVALS_PER_S,
        note=tape_note,
    )
    record(
        "builder.graph.evals_per_s_vs_datalogic_py",
        rate,
        "evaluations/s",
        baseline="datalogic-py: the same condition, compiled once, data pre-parsed (DataHandle)",
        baseline_value=rate / vs_datalogic,
        note=tape_note
        + paired
        + f"; datalogic's best block {1 / min(datalogic_times):,.0f}/s"
        + "; the baseline only decides which action fires (no state, intents or trace)",
    )
    record(
        "builder.graph.evals_per_s_vs_datalogic_py_from_events",
        rate,
        "evaluations/s",
        baseline="datalogic-py: the same condition, compiled once, its input dict built from each Event",
        baseline_value=rate / vs_datalogic_dict,
        note=tape_note + paired,
    )
    record(
        "builder.graph.evals_per_s_vs_json_logic_qubit",
        rate,
        "evaluations/s",
        baseline="json-logic-qubit: the same condition on prebuilt dicts",
        baseline_value=1 / qubit_s,
        note=tape_note,
    )
    record(
        "builder.graph.evals_per_s_every_evaluation_fires",
        1 / firing_s,
        "evaluations/s",
        baseline="target",
        baseline_value=TARGET_EVALS_PER_S,
        note=f"fade-extreme-prices over {len(firing):,} synthetic book changes with the mid under 10¢: "
        "every evaluation rounds a price to the grid, builds a TargetPosition and a new state (worst case; "
        "each intent then costs the engine ms of risk checks, a DB row and an exchange call)",
    )
    for name, ok, detail in [
        ("evaluations/s", rate >= TARGET_EVALS_PER_S, f"{rate:,.0f}/s (target 1,000,000)"),
        ("vs datalogic-py", vs_datalogic >= 1, f"{vs_datalogic:.2f}x (target 1.0x)"),
        ("vs json-logic-qubit", qubit_s >= 10 * plan_s, f"{qubit_s / plan_s:.1f}x (target 10x)"),
    ]:
        if not ok:
            # Recorded above and flagged here, not hidden (see the report for what it would take).
            warnings.warn(f"{name}: {detail}", stacklevel=1)


def two_hundred_node_graph() -> dict[str, Any]:
    """A valid 200-node graph: 18 eleven-node strategies (data, logic, math, stateful, actions)."""
    g = GraphBuilder()
    g.add("market", "market.ticker", ticker="SBXTEMP-NEXT-T70")
    g.add("book", "trigger.book_changed")
    for i in range(18):
        p = f"s{i}_"
        g.add(p + "ask", "data.best_ask", side="yes" if i % 2 else "no")
        g.add(p + "limit", "data.constant", type="price", value=3000 + 100 * i)
        g.add(p + "cheap", "logic.compare", op="le")
        g.add(p + "average", "logic.moving_average", window=5 + i)
        g.add(p + "offset", "math.subtract")
        g.add(p + "crossed", "logic.crosses_below")
        g.add(p + "go", "logic.and")
        g.add(p + "cool", "logic.cooldown", seconds=30 + i)
        g.add(p + "size", "data.constant", type="count", value=100 * (i + 1))
        g.add(
            p + "buy",
            "action.place_order",
            side="yes",
            price_from="cross",
            time_in_force="immediate_or_cancel",
        )
        g.add(p + "note", "action.notify", message=f"Strategy {i} bought")
        g.connect("market", "market", p + "ask", "market")
        g.connect("market", "market", p + "buy", "market")
        g.connect(p + "ask", "price", p + "cheap", "a")
        g.connect(p + "limit", "value", p + "cheap", "b")
        g.connect(p + "ask", "price", p + "average", "x")
        g.connect(p + "average", "average", p + "offset", "a")
        g.connect(p + "limit", "value", p + "offset", "b")
        g.connect(p + "ask", "price", p + "crossed", "a")
        g.connect(p + "offset", "result", p + "crossed", "b")
        g.connect("book", "fired", p + "go", "a")
        g.connect(p + "cheap", "result", p + "go", "b")
        g.connect(p + "crossed", "result", p + "go", "c")
        g.connect(p + "go", "result", p + "cool", "when")
        g.connect(p + "cool", "result", p + "buy", "when")
        g.connect(p + "limit", "value", p + "buy", "price")
        g.connect(p + "size", "value", p + "buy", "count")
        g.connect(p + "buy", "fired", p + "note", "when")
    graph = g.to_json()
    assert len(graph["nodes"]) == 200
    return graph


def test_compile_time_of_a_200_node_graph():
    graph = two_hundred_node_graph()
    edges = len(graph["edges"])
    compile_graph(json.loads(json.dumps(graph)))  # warm up (imports, schema validators)
    times = []
    with one_core():
        for _ in range(30):
            fresh = json.loads(json.dumps(graph))  # no caching on the object between runs
            started = time.perf_counter()
            compile_graph(fresh)
            times.append((time.perf_counter() - started) * 1000)
    median = statistics.median(times)
    record(
        "builder.graph.compile_200_nodes_ms",
        median,
        "ms",
        baseline="target",
        baseline_value=10.0,
        note=f"compile_graph (validate + code generation + Python compile) of 200 nodes / {edges} edges; "
        f"median of 30 on one core (best {min(times):.2f} ms)",
    )
    if median >= 10:
        warnings.warn(f"compiling 200 nodes takes {median:.1f} ms (target < 10 ms)", stacklevel=1)
