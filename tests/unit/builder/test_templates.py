"""The shipped templates (builder/templates_data/*.json): each one is valid, and run over its
scripted tape (tests/fixtures/tapes/<slug>.jsonl) it produces exactly the intents its description
promises, at exactly the events where it promises them, and nothing anywhere else."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from builder.graph import compile_graph, validate
from builder.graph.intents import intent_json
from builder.graph.tape import read_tape, replay
from tests.fixtures.tapes.scenarios import SCENARIOS, T0, tape_path

TEMPLATES_DIR = Path(__file__).resolve().parents[3] / "builder" / "templates_data"
SLUGS = sorted(path.stem for path in TEMPLATES_DIR.glob("*.json"))

IOC = "immediate_or_cancel"
GTC = "good_till_canceled"


def template(slug: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((TEMPLATES_DIR / f"{slug}.json").read_text())
    return data


def run_tape(slug: str, tape: str | None = None) -> dict[float, list[dict[str, Any]]]:
    """Seconds after T0 -> the intents of that event, for every event of the tape (as JSON)."""
    plan = compile_graph(template(slug)["graph"])
    _, events = read_tape(tape_path(tape or slug).read_text().splitlines())
    steps = replay(plan, events)
    assert len({step.now for step in steps}) == len(steps), "the tests key steps by time"
    return {(step.now - T0) / 1000: [intent_json(intent) for intent in step.intents] for step in steps}


def acting(steps: dict[float, list[dict[str, Any]]]) -> dict[float, list[dict[str, Any]]]:
    """Only the events that produced intents."""
    return {t: intents for t, intents in steps.items() if intents}


# Intents as intent_json() writes them (the market is filled in by `on`).


def target(node: str, seq: int, side: str, count: int, price: int, tif: str = IOC) -> dict[str, Any]:
    return {
        "kind": "TargetPosition",
        "node_id": node,
        "seq": seq,
        "side": side,
        "count": count,
        "price": price,
        "time_in_force": tif,
        "post_only": False,
    }


def place(
    node: str, seq: int, side: str, action: str, price: int, count: int, *, tif: str, post_only: bool = False
) -> dict[str, Any]:
    return {
        "kind": "PlaceOrder",
        "node_id": node,
        "seq": seq,
        "side": side,
        "action": action,
        "price": price,
        "count": count,
        "time_in_force": tif,
        "post_only": post_only,
        "reduce_only": False,
        "expiration_ts": None,
    }


def close(node: str, seq: int, side: str, count: int, price: int, reason: str) -> dict[str, Any]:
    return {
        "kind": "ClosePosition",
        "node_id": node,
        "seq": seq,
        "side": side,
        "count": count,
        "price": price,
        "time_in_force": IOC,
        "reason": reason,
    }


def cancel(node: str, seq: int) -> dict[str, Any]:
    return {"kind": "CancelOrders", "node_id": node, "seq": seq, "side": None, "action": None}


def notify(node: str, seq: int, message: str, level: str = "info") -> dict[str, Any]:
    return {"kind": "Notify", "node_id": node, "seq": seq, "message": message, "level": level}


def pause(node: str, seq: int, reason: str) -> dict[str, Any]:
    return {"kind": "PauseBot", "node_id": node, "seq": seq, "reason": reason}


def on(market: str, *intents: dict[str, Any]) -> list[dict[str, Any]]:
    return [{**intent, "market": market} for intent in intents]


# --- every template ---


def test_at_least_eight_templates_ship():
    assert len(SLUGS) >= 8


@pytest.mark.parametrize("slug", SLUGS)
def test_a_template_file_has_the_shape_the_data_migration_loads(slug):
    data = template(slug)
    assert set(data) == {"slug", "title", "description", "category", "graph"}
    assert data["slug"] == slug
    assert re.fullmatch(r"[a-z0-9-]+", slug)
    for field in ("title", "description", "category"):
        assert isinstance(data[field], str)
        assert data[field].strip()


@pytest.mark.parametrize("slug", SLUGS)
def test_a_template_validates_and_compiles(slug):
    graph = template(slug)["graph"]
    assert validate(graph) == []
    compile_graph(graph)


@pytest.mark.parametrize("slug", SLUGS)
def test_a_template_lays_its_nodes_out_and_names_them_for_people(slug):
    nodes = template(slug)["graph"]["nodes"]
    positions = [(node["position"]["x"], node["position"]["y"]) for node in nodes]
    assert len(set(positions)) == len(positions), "two nodes on top of each other"
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", node["id"]) for node in nodes)


@pytest.mark.parametrize("slug", SLUGS)
def test_every_template_has_a_scenario_tape(slug):
    assert slug in SCENARIOS
    assert tape_path(slug).exists()


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_the_committed_tapes_are_what_the_scenario_script_writes(name):
    """Edit tests/fixtures/tapes/scenarios.py and rerun it; never the .jsonl by hand."""
    assert tape_path(name).read_text() == SCENARIOS[name]().text()


# --- what each template promises, event by event ---


def test_buy_yes_below_price_targets_50_yes_at_40c_while_cheap_and_tight():
    market = "SBXTEMP-NEXT-T70"
    want = target("buy", 0, "yes", 5000, 4000)
    assert acting(run_tape("buy-yes-below-price")) == {
        2: on(market, want | {"seq": 1}),  # ask 40¢, spread 2¢
        4: on(market, want | {"seq": 2}),  # again, after a fill: the same target (idempotent)
    }


def test_spread_capture_quotes_inside_pulls_on_a_narrow_spread_and_respects_the_cap():
    market = "SBXRATE-NEXT-HOLD"
    bid_yes = place("bid_yes", 1, "yes", "buy", 6100, 500, tif=GTC, post_only=True)
    # One tick inside the 34¢ NO bid is a 35¢ NO bid, a YES ask of 65¢ (tapered grid, 1¢ here).
    bid_no = place("bid_no", 1, "no", "buy", 3500, 500, tif=GTC, post_only=True)
    assert acting(run_tape("spread-capture-quotes")) == {
        0: on(market, bid_yes, bid_no),
        3: on(market, cancel("cancel", 1)),  # spread 1¢
        5: on(market, bid_no | {"seq": 2}),  # 20 YES held: only the NO side is quoted
        3000: on(market, cancel("cancel", 2)),  # 10 minutes to the close (no quoting after it)
    }


def test_close_before_close_cancels_and_closes_every_market_of_the_event_and_retries():
    t70, t80 = "SBXTEMP-NEXT-T70", "SBXTEMP-NEXT-T80"
    message = "5 minutes to the close: cancelling orders and closing the position."
    assert acting(run_tape("close-before-close")) == {
        3300: on(
            t70,
            cancel("cancel", 1),
            notify("tell", 1, message),
            close("close", 1, "yes", 1000, 3800, "close"),
        ),
        # The NO position sells NO at the best NO bid: 72¢, i.e. YES 28¢ (each market its own seq).
        3300.01: on(
            t80, cancel("cancel", 1), notify("tell", 1, message), close("close", 1, "no", 500, 7200, "close")
        ),
        3316: on(t70, close("close", 2, "yes", 400, 3700, "close")),  # the 4 left, 16 s later
    }


def test_momentum_buys_on_rising_yes_taker_flow_with_a_cooldown_and_a_cap():
    market = "SBXGAME-FINAL-RED"
    buy = place("buy", 1, "yes", "buy", 4500, 500, tif=IOC)
    assert acting(run_tape("momentum-on-trades")) == {
        20: on(market, buy),  # the sixth trade: +4¢ over 5 trades, 4 YES takers in 60 s
        321: on(market, buy | {"seq": 2, "price": 5000}),  # after the 5-minute cooldown
    }  # and nothing at 640 s: 20 YES are held


def test_take_profit_closes_at_entry_plus_10c_and_retries_until_filled():
    market = "SBXTEMP-NEXT-T80"
    assert acting(run_tape("take-profit-stop-loss")) == {
        1: on(market, target("enter", 1, "yes", 1000, 2000, tif=GTC)),
        3: on(market, notify("entered", 1, "Bought YES; take-profit and stop-loss are armed.")),
        5: on(
            market,
            close("take_profit", 1, "yes", 1000, 3000, "take_profit"),
            notify("took_profit", 1, "Take-profit: closing the position."),
        ),
        6: on(market, close("take_profit", 2, "yes", 1000, 3100, "take_profit")),
    }


def test_stop_loss_closes_at_entry_minus_5c_with_slippage_and_retries_the_rest():
    market = "SBXTEMP-NEXT-T80"
    assert acting(run_tape("take-profit-stop-loss", "take-profit-stop-loss-stopped")) == {
        1: on(market, target("enter", 1, "yes", 1000, 2000, tif=GTC)),
        3: on(market, notify("entered", 1, "Bought YES; take-profit and stop-loss are armed.")),
        5: on(
            market,
            close("stop_loss", 1, "yes", 1000, 1300, "stop_loss"),  # bid 15¢ - 2 ticks
            notify("stopped", 1, "Stop-loss: closing the position.", "warning"),
        ),
        6: on(market, close("stop_loss", 2, "yes", 600, 1300, "stop_loss")),
        7: on(market, close("stop_loss", 3, "yes", 600, 1200, "stop_loss")),
    }


def test_series_ladder_lays_three_rungs_per_market_pulls_them_and_rolls():
    first, second = "SBXFLASH-26JAN01000000-UP", "SBXFLASH-26JAN01000130-UP"

    def ladder(*prices: int) -> list[dict[str, Any]]:
        return [
            place(f"rung_{i}", 1, "yes", "buy", price, 500, tif=GTC, post_only=True)
            for i, price in enumerate(prices, start=1)
        ]

    assert acting(run_tape("series-ladder-roll")) == {
        2: on(first, *ladder(4700, 4500, 4300)),  # 1, 3 and 5 ticks under the 48¢ bid
        120: on(first, cancel("cancel", 1)),
        181: on(second, *ladder(2900, 2700, 2500)),  # the next market, with a fresh state
        210: on(second, cancel("cancel", 1)),
    }


def test_fade_extremes_holds_the_other_side_at_the_extremes_and_flattens_in_the_middle():
    market = "SBXTEMP-NEXT-T90"
    assert acting(run_tape("fade-extreme-prices")) == {
        1: on(market, target("hold_yes", 1, "yes", 1000, 600)),  # mid 5¢: buy YES at the ask
        # Re-asserted while held: priced as a sale (at the bid) since the target is reached.
        3: on(market, target("hold_yes", 2, "yes", 1000, 500)),
        5: on(market, target("go_flat", 1, "yes", 0, 4000)),  # mid 42¢: sell at the bid
        8: on(market, target("hold_no", 1, "no", 1000, 800)),  # mid 93¢: buy NO at its 8¢ ask
        11: on(market, target("go_flat", 2, "yes", 0, 5200)),  # flat from NO = buy YES at the ask
    }


def test_mean_reversion_buys_a_dip_under_the_moving_average_and_sells_the_recovery():
    market = "SBXGAME-FINAL-BLUE"
    steps = run_tape("mean-reversion-moving-average")
    # The moving average is of the last 20 thirty-second samples of the mid, the tick's own
    # included (the 11th sample caught the warm-up dip at 41¢).
    samples = [5000] * 10 + [4100] + [5000] * 9
    at_600 = [*samples, 4600][-20:]
    assert sum(at_600) // 20 - 300 >= 4600  # so the 46¢ mid at 600 s is a dip (4935 - 300)
    at_660 = [*at_600, 4600, 5100][-20:]
    assert sum(at_660) // 20 <= 5100  # and the 51¢ mid at 660 s a recovery (4920)
    assert acting(steps) == {
        600: on(market, target("buy", 1, "yes", 1000, 4700)),
        630: on(market, target("buy", 2, "yes", 1000, 4500)),
        660: on(market, target("sell", 1, "yes", 0, 5000)),
    }


def test_drawdown_guard_pauses_on_a_loss_over_5_dollars_or_a_balance_under_50():
    red, blue = "SBXGAME-FINAL-RED", "SBXGAME-FINAL-BLUE"
    armed = notify("armed", 1, "Drawdown guard armed for this market.")
    acts = (
        notify("warn", 1, "Drawdown guard: pausing the bot.", "warning"),
        cancel("cancel", 1),
        pause("pause", 1, "Drawdown guard: unrealised loss over $5 or balance under $50."),
    )
    assert acting(run_tape("drawdown-guard")) == {
        0: on(red, armed),
        0.5: on(blue, armed),
        20: on(red, *acts),  # 100 YES bought at 40¢, bid 34¢: -$6
        30: on(blue, *acts),  # $40 available
    }
