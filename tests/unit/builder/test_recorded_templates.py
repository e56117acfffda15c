"""Every shipped template over a tape recorded from the real sandbox exchange
(tests/fixtures/tapes/recorded-<story>.jsonl, written by record_templates.py in closed loop: the
template's own intents were sent as signed orders, so its fills, positions and resting orders on
the tape are real). The recorded file is fixed, so each test pins the exact intents at the exact
events, and checks the promise of the template's description against the recorded book: it acts
when its condition holds, and not when it does not."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from builder.graph import compile_graph, evaluate
from builder.graph.intents import PlaceOrder, intent_json
from builder.graph.tape import Step, read_tape, replay
from tests.unit.builder.test_recorded_tapes import check_intent
from tests.unit.builder.test_templates import (
    GTC,
    IOC,
    SLUGS,
    cancel,
    close,
    notify,
    pause,
    place,
    target,
    template,
)

TAPES_DIR = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "tapes"
# story (tape) -> the template it was recorded with
STORIES = {
    "buy-yes-below-price": "buy-yes-below-price",
    "spread-capture-quotes": "spread-capture-quotes",
    "close-before-close": "close-before-close",
    "momentum-on-trades": "momentum-on-trades",
    "take-profit-stop-loss": "take-profit-stop-loss",
    "take-profit-stop-loss-stopped": "take-profit-stop-loss",
    "series-ladder-roll": "series-ladder-roll",
    "fade-extreme-prices": "fade-extreme-prices",
    "mean-reversion-moving-average": "mean-reversion-moving-average",
    "drawdown-guard": "drawdown-guard",
}
MARKET_PARAM = {
    "market.ticker": "ticker",
    "market.event": "event_ticker",
    "market.series_current": "series_ticker",
}
ENTERED = "Bought YES; take-profit and stop-loss are armed."
TOOK_PROFIT = "Take-profit: closing the position."
STOPPED = "Stop-loss: closing the position."


def graph_for(story: str) -> dict[str, Any]:
    """The template, bound to the market the tape was recorded on (its ticker, event or series)."""
    header = json.loads(tape_path(story).read_text().splitlines()[0])
    graph: dict[str, Any] = template(STORIES[story])["graph"]
    [node] = [n for n in graph["nodes"] if n["type"] in MARKET_PARAM]
    param = MARKET_PARAM[node["type"]]
    node["params"][param] = header["market"][param]
    return graph


def tape_path(story: str) -> Path:
    return TAPES_DIR / f"recorded-{story}.jsonl"


def run(story: str) -> list[Step]:
    _, events = read_tape(tape_path(story).read_text().splitlines())
    return replay(compile_graph(graph_for(story)), events)


def acting(steps: list[Step]) -> list[tuple[int, str, str, list[dict[str, Any]]]]:
    """(event index, event kind, market, intents without the market) of the events that acted."""
    out: list[tuple[int, str, str, list[dict[str, Any]]]] = []
    for index, step in enumerate(steps):
        if step.intents:
            intents = [{k: v for k, v in intent_json(i).items() if k != "market"} for i in step.intents]
            out.append((index, step.event.kind, step.event.market.ticker, intents))
    return out


def kinds(step: Step) -> list[str]:
    return [type(intent).__name__ for intent in step.intents]


# --- every template has one, and it is real ---


@pytest.mark.parametrize("slug", SLUGS)
def test_every_template_has_a_tape_recorded_from_the_sandbox(slug):
    stories = [story for story, recorded_with in STORIES.items() if recorded_with == slug]
    assert stories
    for story in stories:
        header, events = read_tape(tape_path(story).read_text().splitlines())
        assert header["description"].startswith("sandbox exchange")
        assert 10 <= len(events) <= 200
        assert tape_path(story).stat().st_size < 20_000
        # The bot traded there: its orders (filled or resting) carry the sandbox's order ids.
        own = {e.event.fill.order_id for e in events if e.event.fill is not None}
        own |= {o.order_id for e in events for o in e.event.account.open_orders}
        assert own
        assert all(len(order_id) == 36 and order_id.count("-") == 4 for order_id in own)


@pytest.mark.parametrize("story", sorted(STORIES))
def test_a_recorded_tape_gives_well_formed_intents_and_replays_the_same(story):
    steps = run(story)
    assert any(step.intents for step in steps)
    for step in steps:
        for intent in step.intents:
            check_intent(intent, step.event)
    plan = compile_graph(graph_for(story))
    states: dict[str, Any] = {}
    for step in steps:
        ticker = step.event.market.ticker
        state, intents, trace = evaluate(plan, step.event, states.get(ticker, {}), step.now)
        assert (intents, trace) == (step.intents, step.trace)
        states[ticker] = json.loads(json.dumps(state))


# --- what each description promises ---


def test_buy_yes_below_price_targets_50_yes_at_40c_only_while_cheap_and_tight():
    steps = run("buy-yes-below-price")
    assert acting(steps) == [
        (7, "book", "SBXTEMP-NEXT-T70", [target("buy", 1, "yes", 5000, 4000)]),  # ask 40¢, spread 2¢
        (11, "book", "SBXTEMP-NEXT-T70", [target("buy", 2, "yes", 5000, 4000)]),  # 40¢ offered again
        (12, "book", "SBXTEMP-NEXT-T70", [target("buy", 3, "yes", 5000, 4000)]),
        (15, "book", "SBXTEMP-NEXT-T70", [target("buy", 4, "yes", 5000, 4000)]),  # 50 held: no order
        (16, "book", "SBXTEMP-NEXT-T70", [target("buy", 5, "yes", 5000, 4000)]),
    ]
    for step in steps:
        m = step.event.market
        cheap_and_tight = (
            step.event.kind == "book"
            and m.yes_ask is not None
            and m.yes_bid is not None
            and m.yes_ask <= 4000
            and m.yes_ask - m.yes_bid < 300
        )
        assert bool(step.intents) == cheap_and_tight, step.now
    # 48¢ (too dear) and 40¢ with a 3¢ spread were on the book, and did nothing.
    books = [(s.event.market.yes_bid, s.event.market.yes_ask) for s in steps if not s.intents]
    assert (4500, 4800) in books
    assert (3700, 4000) in books
    # Repeating the target never bought more than 50, all at 40¢.
    fills = [s.event.fill for s in steps if s.event.fill is not None]
    assert [(f.price, f.count) for f in fills] == [(4000, 2000), (4000, 3000)]
    assert steps[-1].event.account.position == 5000


def test_spread_capture_quotes_one_tick_inside_once_per_side_pulls_narrow_and_stops_before_close():
    steps = run("spread-capture-quotes")
    market = "SBXRATE-NEXT-HOLD"
    assert acting(steps) == [
        # 45¢ / 55¢: a post-only bid for 5 YES at 46¢ and for 5 NO at 46¢ (= YES ask 54¢)
        (
            2,
            "book",
            market,
            [
                place("bid_yes", 1, "yes", "buy", 4600, 500, tif=GTC, post_only=True),
                place("bid_no", 1, "no", "buy", 4600, 500, tif=GTC, post_only=True),
            ],
        ),
        # a taker sold YES into our bid: only the YES side is quoted again
        (7, "fill", market, [place("bid_yes", 2, "yes", "buy", 4600, 500, tif=GTC, post_only=True)]),
        (10, "book", market, [cancel("cancel", 1)]),  # 49¢ / 50¢: under 2¢, pull everything
        # the narrow quotes go: wide again, both sides quoted one tick inside that book (45¢ / 50¢)
        (
            13,
            "book",
            market,
            [
                place("bid_yes", 3, "yes", "buy", 4600, 500, tif=GTC, post_only=True),
                place("bid_no", 2, "no", "buy", 5100, 500, tif=GTC, post_only=True),
            ],
        ),
        (17, "close_warning", market, [cancel("cancel", 2)]),  # 10 minutes to the close
    ]
    for step in steps:
        m, account = step.event.market, step.event.account
        for intent in step.intents:
            if intent.node_id.startswith("bid_"):
                assert isinstance(intent, PlaceOrder)
                best = m.yes_bid if intent.side == "yes" else m.no_bid
                assert best is not None
                assert intent.price == best + 100  # one (1¢) tick inside
                assert not [o for o in account.open_orders if o.side == intent.side]  # none of its own rests
                assert m.close_ts_ms - step.now > 600_000
    warning = next(i for i, s in enumerate(steps) if s.event.kind == "close_warning")
    assert not [s for s in steps[warning + 1 :] if s.intents]  # no quoting after it, though wide
    last = steps[-1].event.market
    assert last.yes_ask is not None
    assert last.yes_bid is not None
    assert last.yes_ask - last.yes_bid >= 400


def test_close_before_close_cancels_and_closes_every_market_of_the_event_and_retries():
    steps = run("close-before-close")
    told = notify("tell", 1, "5 minutes to the close: cancelling orders and closing the position.")
    assert acting(steps) == [
        (
            14,
            "close_warning",
            "SBXTEMP-WEEK-T60",
            [cancel("cancel", 1), told, close("close", 1, "yes", 800, 5000, "close")],
        ),
        (
            15,
            "close_warning",
            "SBXTEMP-WEEK-T65",
            [cancel("cancel", 1), told, close("close", 1, "yes", 800, 5000, "close")],
        ),
        # only 3 were bid at 50¢ in the first market; 15 s later a bid is back: the rest goes
        (24, "book", "SBXTEMP-WEEK-T60", [close("close", 2, "yes", 500, 4900, "close")]),
    ]
    first_warning, retry = steps[14], steps[24]
    assert first_warning.event.account.open_orders  # its resting bid, cancelled right after
    assert retry.now - first_warning.now >= 15_000
    for step in steps[:14]:
        assert step.event.market.close_ts_ms - step.now > 300_000
    final = {s.event.market.ticker: s.event.account for s in steps}
    assert {ticker: (a.position, a.open_orders) for ticker, a in final.items()} == {
        "SBXTEMP-WEEK-T60": (0, ()),
        "SBXTEMP-WEEK-T65": (0, ()),
    }


def test_momentum_buys_5_yes_at_the_ask_on_rising_yes_taker_flow_then_cools_down():
    steps = run("momentum-on-trades")
    assert acting(steps) == [
        (21, "trade", "SBXGAME-FINAL-RED", [place("buy", 1, "yes", "buy", 4500, 500, tif=IOC)]),
    ]
    signal = steps[21].event
    assert signal.trade is not None
    assert signal.market.yes_ask == 4500
    trades = signal.market.recent_trades
    assert len([t for t in trades if t.taker_side == "yes" and signal.trade.ts_ms - t.ts_ms < 60_000]) >= 3
    assert trades[-1].yes_price - trades[-6].yes_price >= 300
    # Earlier: a NO taker, then too few YES takers or too small a rise; later: still rising, but
    # within the 5-minute cooldown.
    later = [s.event.trade for s in steps[22:] if s.event.kind == "trade"]
    later_yes = [t for t in later if t is not None and t.taker_side == "yes"]
    assert later_yes
    assert later_yes[-1].yes_price > 4500
    assert steps[-1].event.account.position == 500


def test_take_profit_bids_once_and_sells_at_entry_plus_10c_until_flat():
    steps = run("take-profit-stop-loss")
    market = "SBXTEMP-NEXT-T80"
    assert acting(steps) == [
        (3, "book", market, [target("enter", 1, "yes", 1000, 2000, GTC)]),  # the ask reached 20¢
        (6, "fill", market, [notify("entered", 1, ENTERED)]),  # 5 filled at once
        (10, "fill", market, [notify("entered", 2, ENTERED)]),  # a seller filled the other 5
        (
            13,
            "book",
            market,
            [
                close("take_profit", 1, "yes", 1000, 3000, "take_profit"),
                notify("took_profit", 1, TOOK_PROFIT),
            ],
        ),
        (
            17,
            "book",
            market,
            [close("take_profit", 2, "yes", 400, 3000, "take_profit"), notify("took_profit", 2, TOOK_PROFIT)],
        ),
        (18, "book", market, [close("take_profit", 3, "yes", 400, 3000, "take_profit")]),
        (19, "trade", market, [close("take_profit", 4, "yes", 400, 3000, "take_profit")]),
    ]
    for step in steps:
        if "ClosePosition" in kinds(step):
            account = step.event.account
            assert account.average_entry == 2000
            assert step.event.market.yes_bid is not None
            assert step.event.market.yes_bid >= 3000
    assert (steps[12].event.market.yes_bid, steps[12].intents) == (2500, [])  # 25¢ is not enough
    assert steps[-1].event.account.position == 0


def test_stop_loss_sells_at_entry_minus_5c_with_2_ticks_of_slippage_until_flat():
    steps = run("take-profit-stop-loss-stopped")
    market = "SBXTEMP-NEXT-T75"
    assert acting(steps) == [
        (2, "book", market, [target("enter", 1, "yes", 1000, 2000, GTC)]),
        (5, "fill", market, [notify("entered", 1, ENTERED)]),
        # the bid falls to 15¢ = entry - 5¢: sell all at 13¢ or better (4 go at 15¢)
        (
            9,
            "book",
            market,
            [close("stop_loss", 1, "yes", 1000, 1300, "stop_loss"), notify("stopped", 1, STOPPED, "warning")],
        ),
        # a bid at 13¢: the other 6 at 11¢ or better (they go at 13¢)
        (
            13,
            "book",
            market,
            [close("stop_loss", 2, "yes", 600, 1100, "stop_loss"), notify("stopped", 2, STOPPED, "warning")],
        ),
        (14, "book", market, [close("stop_loss", 3, "yes", 600, 1100, "stop_loss")]),
        (15, "trade", market, [close("stop_loss", 4, "yes", 600, 1100, "stop_loss")]),
    ]
    assert steps[8].event.market.yes_bid == 1600
    assert steps[8].intents == []  # 16¢ is over the stop
    sold = [
        (s.event.fill.price, s.event.fill.count)
        for s in steps
        if s.event.fill and s.event.fill.action == "sell"
    ]
    assert sold == [(1500, 400), (1300, 600)]
    assert steps[-1].event.account.position == 0


def test_series_ladder_lays_three_rungs_per_market_pulls_them_a_minute_before_close_and_rolls():
    steps = run("series-ladder-roll")

    def ladder(bid: int) -> list[dict[str, Any]]:
        return [
            place(f"rung_{n}", 1, "yes", "buy", bid - 100 * ticks, 500, tif=GTC, post_only=True)
            for n, ticks in ((1, 1), (2, 3), (3, 5))
        ]

    assert acting(steps) == [
        (1, "book", "SBXFLASH-26A-X", ladder(5000)),  # the current market has a 50¢ bid
        (6, "close_warning", "SBXFLASH-26A-X", [cancel("cancel", 1)]),
        (12, "run_start", "SBXFLASH-26B-X", ladder(4000)),  # rolled: a fresh ladder under 40¢
    ]
    assert len(steps[5].event.account.open_orders) == 3
    assert steps[7].event.account.open_orders == ()
    assert steps[6].event.market.close_ts_ms - steps[6].now <= 60_000
    assert {s.event.market.ticker for s in steps[12:]} == {"SBXFLASH-26B-X"}


def test_fade_extremes_holds_10_no_over_90c_goes_flat_in_the_middle_and_holds_10_yes_under_10c():
    steps = run("fade-extreme-prices")
    market = "SBXTEMP-NEXT-T90"
    assert acting(steps) == [
        (6, "book", market, [target("hold_no", 1, "no", 1000, 900)]),  # mid 92.5¢: NO at 9¢
        (7, "book", market, [target("hold_no", 2, "no", 1000, 900)]),
        (17, "book", market, [target("go_flat", 1, "yes", 0, 5400)]),  # 52¢: flat, buying YES at 54¢
        (18, "book", market, [target("go_flat", 2, "yes", 0, 5400)]),
        (24, "book", market, [target("hold_yes", 1, "yes", 1000, 900)]),  # 7¢: YES at 9¢
        (25, "book", market, [target("hold_yes", 2, "yes", 1000, 900)]),
    ]

    def mid(step: Step) -> float | None:
        m = step.event.market
        return None if m.yes_bid is None or m.yes_ask is None else (m.yes_bid + m.yes_ask) / 2

    quiet = {mid(s) for s in steps if not s.intents}
    assert {8200, 7750} <= quiet  # 82¢ and 77.5¢ (holding NO): nothing
    positions = [s.event.account.position for s in steps if s.event.kind == "fill"]
    assert positions == [-1000, 0, 1000]


def test_drawdown_guard_arms_every_market_and_pauses_on_a_loss_over_5_dollars():
    steps = run("drawdown-guard")
    armed = notify("armed", 1, "Drawdown guard armed for this market.")
    assert acting(steps) == [
        (0, "run_start", "SBXGAME-SEMI-RED", [armed]),
        (1, "run_start", "SBXGAME-SEMI-GREEN", [armed]),
        (
            13,
            "book",
            "SBXGAME-SEMI-RED",
            [
                notify("warn", 1, "Drawdown guard: pausing the bot.", "warning"),
                cancel("cancel", 1),
                pause("pause", 1, "Drawdown guard: unrealised loss over $5 or balance under $50."),
            ],
        ),
    ]
    near, over = steps[12].event, steps[13].event
    assert (near.account.position, near.account.average_entry, near.market.yes_bid) == (2000, 6000, 3600)
    assert (over.market.yes_bid, over.account.open_orders != ()) == (3400, True)  # -$5.20, a bid to cancel
    assert steps[-1].event.account.open_orders == ()


def test_mean_reversion_waits_for_20_samples_buys_the_dip_and_sells_the_recovery():
    steps = run("mean-reversion-moving-average")
    market = "SBXGAME-FINAL-BLUE"
    assert acting(steps) == [
        (28, "timer", market, [target("buy", 1, "yes", 1000, 4800)]),  # mid 47.5¢ <= average - 3¢
        (36, "timer", market, [target("sell", 1, "yes", 0, 5300)]),  # 54¢ >= average: flat at the bid
    ]
    timers = [i for i, s in enumerate(steps) if s.event.kind == "timer"]
    assert timers.index(28) >= 20  # not before 20 samples were taken (all at 51¢ until then)
    assert {(steps[i].event.market.yes_bid, steps[i].event.market.yes_ask) for i in timers[:20]} == {
        (5000, 5200)
    }
    # Only the 30-second ticks act: the dip and the recovery were on the book for many events.
    assert [s.event.kind for s in steps if s.intents] == ["timer", "timer"]
    assert steps[28].event.market.yes_ask == 4800
    assert steps[36].event.market.yes_bid == 5300
    assert [s.event.account.position for s in steps if s.event.kind == "fill"] == [1000, 0]
