"""Every shipped template over the tapes recorded from the sandbox simulator
(tests/fixtures/tapes/sandbox-*.jsonl, written by record.py): real book dynamics, trades, timers,
rolls and own fills. Each template is rebound to the tape's market; nothing may raise, every
intent must be one Kalshi would accept (prices on the market's grid, sane counts, the market being
evaluated), replay is deterministic through JSON state, and the series ladder does on real rolls
what its description says."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from builder.graph import compile_graph, evaluate
from builder.graph.events import Event
from builder.graph.grid import leg_grid
from builder.graph.intents import (
    CancelOrders,
    ClosePosition,
    Intent,
    Notify,
    PauseBot,
    PlaceOrder,
    TargetPosition,
)
from builder.graph.tape import TapeEvent, read_tape, replay

ROOT = Path(__file__).resolve().parents[3]
TAPES = sorted((ROOT / "tests" / "fixtures" / "tapes").glob("sandbox-*.jsonl"))
TEMPLATES = sorted((ROOT / "builder" / "templates_data").glob("*.json"))
MARKET_PARAM = {
    "market.ticker": "ticker",
    "market.event": "event_ticker",
    "market.series_current": "series_ticker",
}


def events_of(tape: Path) -> list[TapeEvent]:
    _, events = read_tape(tape.read_text().splitlines())
    return events


def rebound(template: Path, event: Event) -> dict[str, Any]:
    """The template's graph, bound to the market of `event` (its ticker, event or series)."""
    graph: dict[str, Any] = json.loads(template.read_text())["graph"]
    [node] = [n for n in graph["nodes"] if n["type"] in MARKET_PARAM]
    param = MARKET_PARAM[node["type"]]
    market = event.market
    node["params"][param] = {
        "ticker": market.ticker,
        "event_ticker": market.event_ticker,
        "series_ticker": market.series_ticker,
    }[param]
    return graph


def check_intent(intent: Intent, event: Event) -> None:
    market = event.market
    assert intent.market == market.ticker
    assert intent.seq >= 1
    if isinstance(intent, PlaceOrder | TargetPosition | ClosePosition):
        assert intent.price in leg_grid(market.price_ranges, intent.side), intent
    if isinstance(intent, PlaceOrder):
        assert intent.count > 0
        assert not intent.post_only or intent.time_in_force == "good_till_canceled"
    elif isinstance(intent, TargetPosition):
        assert intent.count >= 0
    elif isinstance(intent, ClosePosition):
        position = event.account.position
        assert intent.count == abs(position) > 0
        assert intent.side == ("yes" if position > 0 else "no")
    else:
        assert isinstance(intent, CancelOrders | Notify | PauseBot)


def test_the_recorded_tapes_are_there_and_real():
    names = {tape.name for tape in TAPES}
    assert "sandbox-sbxflash-series.jsonl" in names
    assert len(names) >= 4
    for tape in TAPES:
        events = events_of(tape)
        kinds = {item.event.kind for item in events}
        assert {"run_start", "book", "trade", "timer", "fill"} <= kinds, tape.name
        times = [item.now for item in events]
        assert times == sorted(times), tape.name


@pytest.mark.parametrize("tape", TAPES, ids=lambda p: p.stem)
@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.stem)
def test_every_template_runs_every_recorded_tape_with_well_formed_intents(template, tape):
    events = events_of(tape)
    plan = compile_graph(rebound(template, events[0].event))
    steps = replay(plan, events)
    for step in steps:
        for intent in step.intents:
            check_intent(intent, step.event)
    # Deterministic, also when the state goes through JSON (Redis) between evaluations.
    states: dict[str, Any] = {}
    for step, item in zip(steps, events, strict=True):
        ticker = item.event.market.ticker
        state, intents, trace = evaluate(plan, item.event, states.get(ticker, {}), item.now)
        assert (intents, trace) == (step.intents, step.trace)
        assert json.dumps(state, sort_keys=True) == json.dumps(step.state, sort_keys=True)
        states[ticker] = json.loads(json.dumps(state))


def test_the_series_ladder_lays_one_ladder_per_rolled_market_and_pulls_it_before_the_close():
    tape = ROOT / "tests" / "fixtures" / "tapes" / "sandbox-sbxflash-series.jsonl"
    template = ROOT / "builder" / "templates_data" / "series-ladder-roll.json"
    events = events_of(tape)
    plan = compile_graph(rebound(template, events[0].event))
    ladders: dict[str, list[PlaceOrder]] = {}
    cancels: dict[str, int] = {}
    warnings: dict[str, int] = {}
    for step in replay(plan, events):
        market = step.event.market
        if step.event.kind == "close_warning":
            warnings[market.ticker] = warnings.get(market.ticker, 0) + 1
        for intent in step.intents:
            if isinstance(intent, PlaceOrder):
                ladders.setdefault(market.ticker, []).append(intent)
                # 1, 3 and 5 ticks under the best YES bid of that moment (whole cents here).
                ticks = int(intent.node_id[-1]) * 2 - 1
                assert market.yes_bid is not None
                assert intent.price == market.yes_bid - 100 * ticks
                assert market.close_ts_ms - step.now > 60_000
            elif isinstance(intent, CancelOrders):
                assert step.event.kind == "close_warning"
                cancels[market.ticker] = cancels.get(market.ticker, 0) + 1
    markets = {item.event.market.ticker for item in events}
    assert len(markets) >= 3, "the tape should roll at least twice"
    assert len(ladders) >= 2
    for ticker, orders in ladders.items():
        assert sorted(o.node_id for o in orders) == ["rung_1", "rung_2", "rung_3"], ticker
    assert cancels == warnings
