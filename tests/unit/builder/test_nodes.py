"""What each node type computes, checked by hand against the semantics in builder/graph/README.md.

The golden files pin every node exactly; these tests say why the numbers are right.
"""

from __future__ import annotations

from typing import Any

import pytest

from builder.graph.build import GraphBuilder
from builder.graph.events import Fill, OpenOrder, Trade
from builder.graph.intents import CancelOrders, ClosePosition, Notify, PauseBot, PlaceOrder, TargetPosition
from tests.unit.builder.helpers import CLOSE, T0, TICKER, event, outputs, probe_graph, run


def const(type_: str, value: int | bool) -> tuple[str, str, int | bool]:
    return ("const", type_, value)


# --- triggers ---


@pytest.mark.parametrize(
    ("node_type", "kind"),
    [
        ("trigger.book_changed", "book"),
        ("trigger.run_started", "run_start"),
        ("trigger.trade_printed", "trade"),
    ],
)
def test_a_trigger_fires_only_on_its_own_event(node_type, kind):
    for other in ("book", "trade", "timer", "close_warning", "run_start"):
        assert outputs(node_type, ev=event(other))["fired"] is (other == kind)


def test_trade_printed_reports_price_in_either_leg_and_filters():
    trade = Trade(T0, 4600, 300, "yes")
    assert outputs("trigger.trade_printed", ev=event("trade", trade=trade)) == {
        "fired": True,
        "price": 4600,
        "count": 300,
    }
    assert outputs("trigger.trade_printed", {"side": "no"}, ev=event("trade", trade=trade))["price"] == 5400
    assert outputs("trigger.trade_printed", {"min_count": 301}, ev=event("trade", trade=trade)) == {
        "fired": False,
        "price": None,
        "count": 0,
    }
    assert (
        outputs("trigger.trade_printed", {"taker_side": "no"}, ev=event("trade", trade=trade))["fired"]
        is False
    )


def test_every_n_seconds_fires_once_per_clock_period():
    graph = probe_graph("trigger.every", {"seconds": 10})
    times = [T0, T0 + 4_000, T0 + 9_999, T0 + 10_000, T0 + 10_500, T0 + 35_000]
    steps = run(graph, [(t, event("timer")) for t in times])
    assert [s["x"]["fired"] for s in steps] == [True, False, False, True, False, True]
    # Only timer events count.
    steps = run(graph, [(T0, event("book")), (T0 + 1, event("timer"))])
    assert [s["x"]["fired"] for s in steps] == [False, True]


def test_own_fill_filters_by_side_and_action():
    fill = Fill(T0, "o-1", "no", "buy", 3000, 500, "buy-node")
    ev = event("fill", fill=fill)
    assert outputs("trigger.own_fill", ev=ev) == {"fired": True, "price": 3000, "count": 500}
    assert outputs("trigger.own_fill", {"side": "yes"}, ev=ev)["fired"] is False
    assert outputs("trigger.own_fill", {"action": "sell"}, ev=ev)["fired"] is False
    assert outputs("trigger.own_fill", ev=event("book"))["fired"] is False


def test_before_close_fires_once_within_the_lead_and_never_after_the_close():
    graph = probe_graph("trigger.before_close", {"minutes": 5})
    times = [CLOSE - 400_000, CLOSE - 300_000, CLOSE - 200_000, CLOSE + 1]
    assert [s["x"]["fired"] for s in run(graph, [(t, event("book")) for t in times])] == [
        False,
        True,
        False,
        False,
    ]
    assert [s["x"]["fired"] for s in run(graph, [(CLOSE, event("close_warning"))])] == [False]


# --- markets ---


@pytest.mark.parametrize(
    ("node_type", "params", "matches"),
    [
        ("market.ticker", {"ticker": TICKER}, True),
        ("market.ticker", {"ticker": "KXOTHER-1"}, False),
        ("market.event", {"event_ticker": "KXTEST-26JAN01"}, True),
        ("market.event", {"event_ticker": "KXTEST-26JAN02"}, False),
        ("market.series_current", {"series_ticker": "KXTEST"}, True),
        ("market.series_current", {"series_ticker": "KXTESTS"}, False),
    ],
)
def test_a_market_node_outputs_the_ticker_only_for_its_own_markets(node_type, params, matches):
    g = GraphBuilder()
    g.add("x", node_type, **params)
    g.add("trig", "trigger.book_changed")
    g.add("close", "action.cancel_orders")
    g.connect("trig", "fired", "close", "when")
    g.connect("x", "market", "close", "market")
    [step] = run(g.to_json(), [(T0, event())])
    assert step["x"] == {"market": TICKER if matches else None}
    # A foreign market can never trade.
    assert bool(step["intents"]) is matches


# --- market data ---


def test_best_prices_mid_and_spread():
    ev = event()  # YES 45 bid x10, NO 53 bid x5: YES ask 47, NO ask 55
    assert outputs("data.best_bid", {"side": "yes"}, ev=ev) == {"price": 4500, "size": 1000}
    assert outputs("data.best_bid", {"side": "no"}, ev=ev) == {"price": 5300, "size": 500}
    assert outputs("data.best_ask", {"side": "yes"}, ev=ev) == {"price": 4700, "size": 500}
    assert outputs("data.best_ask", {"side": "no"}, ev=ev) == {"price": 5500, "size": 1000}
    assert outputs("data.mid", {"side": "yes"}, ev=ev) == {"price": 4600}
    assert outputs("data.mid", {"side": "no"}, ev=ev) == {"price": 5400}
    assert outputs("data.spread", ev=ev) == {"price": 200}


def test_an_empty_side_gives_null_prices():
    ev = event(no_bids=())
    assert outputs("data.best_ask", {"side": "yes"}, ev=ev) == {"price": None, "size": 0}
    assert outputs("data.mid", ev=ev) == {"price": None}
    assert outputs("data.spread", ev=ev) == {"price": None}
    assert outputs("data.best_bid", ev=ev) == {"price": 4500, "size": 1000}


def test_mid_rounds_down():
    ev = event(yes_bids=((4501, 100),), no_bids=((5400, 100),), price_ranges=((0, 10000, 1),))
    assert outputs("data.mid", ev=ev) == {"price": 4550}  # (4501 + 4600) // 2


def test_depth_last_trade_and_volume():
    ev = event()
    assert outputs("data.depth", {"side": "yes", "book": "bid", "ticks": 1}, ev=ev) == {"count": 3000}
    assert outputs("data.depth", {"side": "yes", "book": "ask", "ticks": 0}, ev=ev) == {"count": 500}
    assert outputs("data.last_trade", ev=ev) == {"price": None}
    trades = (
        Trade(T0 - 400_000, 4400, 100, "no"),
        Trade(T0 - 200_000, 4500, 200, "yes"),
        Trade(T0, 4600, 300, "yes"),
    )
    ev = event(recent_trades=trades, last_trade_price=4600)
    assert outputs("data.last_trade", {"side": "no"}, ev=ev) == {"price": 5400}
    assert outputs("data.volume", {"seconds": 300}, ev=ev) == {"count": 500}
    assert outputs("data.volume", {"seconds": 200}, ev=ev) == {"count": 300}  # (now - 200 s, now]
    assert outputs("data.volume", {"seconds": 3600}, ev=ev) == {"count": 600}


def test_time_to_close_in_whole_seconds_and_never_negative():
    assert outputs("data.time_to_close", now=CLOSE - 1_999) == {"seconds": 1}
    assert outputs("data.time_to_close", now=CLOSE + 5_000) == {"seconds": 0}


# --- own account ---


def test_position_nets_and_splits_by_side():
    assert outputs("data.position", ev=event(position=-700, average_entry=3000)) == {
        "net": -700,
        "yes": 0,
        "no": 700,
    }
    assert outputs("data.position", ev=event(position=250, average_entry=4000)) == {
        "net": 250,
        "yes": 250,
        "no": 0,
    }


def test_open_orders_filter_by_side_and_action():
    orders = (
        OpenOrder("o1", "yes", "buy", 4400, 300),
        OpenOrder("o2", "yes", "sell", 4900, 200),
        OpenOrder("o3", "no", "buy", 5000, 100),
    )
    ev = event(open_orders=orders)
    assert outputs("data.open_orders", ev=ev) == {"count": 600, "orders": 3}
    assert outputs("data.open_orders", {"side": "yes"}, ev=ev) == {"count": 500, "orders": 2}
    assert outputs("data.open_orders", {"side": "yes", "action": "buy"}, ev=ev) == {"count": 300, "orders": 1}


def test_average_entry_in_either_terms():
    ev = event(position=-500, average_entry=3000)  # holding NO bought at 30¢
    assert outputs("data.average_entry", {"side": "no"}, ev=ev) == {"price": 3000}
    assert outputs("data.average_entry", {"side": "yes"}, ev=ev) == {"price": 7000}
    assert outputs("data.average_entry", ev=event()) == {"price": None}


def test_unrealized_pnl_is_marked_at_the_bid_of_the_side_held_in_micro_dollars():
    # 10 YES bought at 40¢, YES bid 45¢: +5¢ x 10 = $0.50 = 500,000 micro-dollars.
    assert outputs("data.unrealized_pnl", ev=event(position=1000, average_entry=4000)) == {"pnl": 500_000}
    # 5 NO bought at 60¢, NO bid 53¢: -7¢ x 5 = -$0.35.
    assert outputs("data.unrealized_pnl", ev=event(position=-500, average_entry=6000)) == {"pnl": -350_000}
    assert outputs("data.unrealized_pnl", ev=event()) == {"pnl": 0}
    assert outputs("data.unrealized_pnl", ev=event(position=100, average_entry=4000, yes_bids=())) == {
        "pnl": None
    }


def test_balance():
    assert outputs("data.balance", ev=event(balance=1_234_560_000)) == {"balance": 1_234_560_000}


def test_constants_of_every_type():
    assert outputs("data.constant", {"type": "price", "value": 4500}) == {"value": 4500}
    assert outputs("data.constant", {"type": "bool", "value": True}) == {"value": True}


# --- logic ---


@pytest.mark.parametrize(
    ("op", "expected"),
    [("lt", True), ("le", True), ("gt", False), ("ge", False), ("eq", False), ("ne", True)],
)
def test_compare(op, expected):
    inputs = {"a": const("price", 4000), "b": const("price", 4500)}
    assert outputs("logic.compare", {"op": op}, inputs) == {"result": expected}


def test_a_comparison_with_null_is_false():
    inputs = {"a": ("node", "data.best_ask", {"side": "yes"}, "price"), "b": const("price", 9999)}
    assert outputs("logic.compare", {"op": "lt"}, inputs, ev=event(no_bids=())) == {"result": False}
    assert outputs("logic.compare", {"op": "ne"}, inputs, ev=event(no_bids=())) == {"result": False}


@pytest.mark.parametrize(
    ("x", "inclusive", "expected"),
    [(10, True, True), (10, False, False), (15, False, True), (21, True, False)],
)
def test_between(x, inclusive, expected):
    inputs = {"x": const("number", x), "low": const("number", 10), "high": const("number", 20)}
    assert outputs("logic.between", {"inclusive": inclusive}, inputs) == {"result": expected}


def test_and_or_not_with_optional_inputs():
    t, f = const("bool", True), const("bool", False)
    assert outputs("logic.and", {}, {"a": t, "b": t}) == {"result": True}
    assert outputs("logic.and", {}, {"a": t, "b": t, "d": f}) == {"result": False}
    assert outputs("logic.or", {}, {"a": f, "b": f}) == {"result": False}
    assert outputs("logic.or", {}, {"a": f, "b": f, "c": t}) == {"result": True}
    assert outputs("logic.not", {}, {"a": f}) == {"result": True}


# --- math ---


@pytest.mark.parametrize(
    ("node_type", "a", "b", "expected"),
    [
        ("math.add", 4500, 300, 4800),
        ("math.subtract", 4500, 4800, -300),
        ("math.min", 4500, 300, 300),
        ("math.max", 4500, 300, 4500),
    ],
)
def test_binary_arithmetic_on_prices(node_type, a, b, expected):
    assert outputs(node_type, {}, {"a": const("price", a), "b": const("price", b)}) == {"result": expected}


def test_multiply_and_divide_by_a_plain_number_round_down():
    assert outputs("math.multiply", {}, {"a": const("count", 250), "b": const("number", 3)}) == {
        "result": 750
    }
    assert outputs("math.divide", {}, {"a": const("price", 4501), "b": const("number", 2)}) == {
        "result": 2250
    }
    assert outputs("math.divide", {}, {"a": const("price", -5), "b": const("number", 2)}) == {"result": -3}
    assert outputs("math.divide", {}, {"a": const("price", 5), "b": const("number", 0)}) == {"result": None}


def test_abs_and_clamp():
    assert outputs("math.abs", {}, {"a": const("money", -7)}) == {"result": 7}
    clamp = {"x": const("count", 5000), "low": const("count", 0), "high": const("count", 1000)}
    assert outputs("math.clamp", {}, clamp) == {"result": 1000}
    clamp["x"] = const("count", -5)
    assert outputs("math.clamp", {}, clamp) == {"result": 0}


def test_arithmetic_with_null_is_null():
    inputs = {"a": ("node", "data.best_ask", {"side": "yes"}, "price"), "b": const("price", 100)}
    assert outputs("math.add", {}, inputs, ev=event(no_bids=())) == {"result": None}
    assert outputs("math.add", {}, inputs) == {"result": 4800}


# --- stateful logic ---


def _series(node_type, params, port_inputs, values, times=None):
    """Run a node whose input `x`/`a` follows the YES bid through `values` (YES bid = value)."""
    graph = probe_graph(node_type, params, port_inputs)
    times = times or [T0 + i * 1000 for i in range(len(values))]
    events = [(t, event(yes_bids=((v, 100),) if v else ())) for t, v in zip(times, values, strict=True)]
    return run(graph, events)


BID = ("node", "data.best_bid", {"side": "yes"}, "price")


def test_crosses_above_and_below_compare_with_the_previous_evaluation():
    level = const("price", 5000)
    values = [4900, 5000, 5100, 5200, 4800, 5100]
    above = _series("logic.crosses_above", {}, {"a": BID, "b": level}, values)
    assert [s["x"]["result"] for s in above] == [False, False, True, False, False, True]
    below = _series("logic.crosses_below", {}, {"a": BID, "b": level}, values)
    assert [s["x"]["result"] for s in below] == [False, False, False, False, True, False]


def test_a_crossing_needs_both_values_on_both_evaluations():
    level = const("price", 5000)
    above = _series("logic.crosses_above", {}, {"a": BID, "b": level}, [4900, None, 5100])
    assert [s["x"]["result"] for s in above] == [False, False, False]


def test_moving_average_warms_up_then_averages_the_last_n_samples():
    steps = _series("logic.moving_average", {"window": 3}, {"x": BID}, [4000, 4300, 4600, 4900, None, 5201])
    assert [s["x"]["average"] for s in steps] == [None, None, 4300, 4600, 4600, 4900]


def test_moving_average_samples_only_when_told():
    g = GraphBuilder()
    g.add("mkt", "market.ticker", ticker=TICKER)
    g.add("bid", "data.best_bid")
    g.add("tick", "trigger.every", seconds=60)
    g.add("x", "logic.moving_average", window=2)
    g.add("note", "action.notify")
    g.connect("mkt", "market", "bid", "market")
    g.connect("bid", "price", "x", "x")
    g.connect("tick", "fired", "x", "sample")
    g.connect("tick", "fired", "note", "when")
    events = [
        (T0, event("timer", yes_bids=((4000, 1),))),
        (T0 + 1000, event("book", yes_bids=((9000, 1),))),  # not a sample
        (T0 + 60_000, event("timer", yes_bids=((4200, 1),))),
    ]
    assert [s["x"]["average"] for s in run(g.to_json(), events)] == [None, None, 4100]


def test_change_over_a_window():
    steps = _series("logic.change", {"window": 2}, {"x": BID}, [4000, 4100, 4300, 4200, None])
    assert [s["x"]["change"] for s in steps] == [None, None, 300, 100, None]


def test_cooldown_passes_at_most_once_per_period():
    flag: tuple[Any, ...] = ("node", "trigger.book_changed", {}, "fired")
    graph = probe_graph("logic.cooldown", {"seconds": 10}, {"when": flag})
    times = [T0, T0 + 5_000, T0 + 10_000, T0 + 12_000, T0 + 25_000]
    assert [s["x"]["result"] for s in run(graph, [(t, event()) for t in times])] == [
        True,
        False,
        True,
        False,
        True,
    ]


def test_once_per_market():
    flag: tuple[Any, ...] = ("node", "trigger.book_changed", {}, "fired")
    graph = probe_graph("logic.once_per_market", {}, {"when": flag})
    evs = [(T0, event("timer")), (T0 + 1, event()), (T0 + 2, event())]
    assert [s["x"]["result"] for s in run(graph, evs)] == [False, True, False]


def test_count_in_window():
    flag: tuple[Any, ...] = ("node", "trigger.book_changed", {}, "fired")
    graph = probe_graph("logic.count_in_window", {"seconds": 10}, {"when": flag})
    evs = [
        (T0, event()),
        (T0 + 4_000, event()),
        (T0 + 9_000, event("timer")),
        (T0 + 10_000, event()),
        (T0 + 14_001, event("timer")),
    ]
    assert [s["x"]["count"] for s in run(graph, evs)] == [1, 2, 2, 2, 1]


# --- actions ---


def _action_graph(node_type, params, when_from="trigger.book_changed", extra=None):
    g = GraphBuilder()
    g.add("mkt", "market.ticker", ticker=TICKER)
    g.add("trig", when_from)
    g.add("x", node_type, **params)
    g.connect("trig", "fired", "x", "when")
    from builder.graph import catalog

    spec = catalog.get(node_type, 1)
    assert spec is not None
    if spec.market_dependent:
        g.connect("mkt", "market", "x", "market")
    for port, (type_, value) in (extra or {}).items():
        g.add(f"c_{port}", "data.constant", type=type_, value=value)
        g.connect(f"c_{port}", "value", "x", port)
    return g.to_json()


def test_place_order_fires_on_the_rising_edge_only():
    graph = _action_graph(
        "action.place_order",
        {"side": "yes", "action": "buy", "price_from": "join"},
        extra={"count": ("count", 1000)},
    )
    steps = run(graph, [(T0, event()), (T0 + 1, event()), (T0 + 2, event("timer")), (T0 + 3, event())])
    assert [s["x"]["fired"] for s in steps] == [True, False, False, True]
    assert steps[0]["intents"] == [
        PlaceOrder("x", TICKER, 1, "yes", "buy", 4500, 1000, "good_till_canceled", False, False, None)
    ]


def test_an_edge_is_not_lost_while_the_order_cannot_be_priced():
    graph = _action_graph(
        "action.place_order",
        {"side": "yes", "action": "buy", "price_from": "cross"},
        extra={"count": ("count", 100)},
    )
    steps = run(graph, [(T0, event(no_bids=())), (T0 + 1, event()), (T0 + 2, event())])
    assert [s["x"]["fired"] for s in steps] == [False, True, False]


def test_fire_on_every_evaluation():
    graph = _action_graph(
        "action.place_order",
        {
            "side": "no",
            "action": "sell",
            "price_from": "input",
            "fire_on": "every_evaluation",
            "reduce_only": True,
        },
        extra={"count": ("count", 100), "price": ("price", 5550)},
    )
    steps = run(graph, [(T0, event()), (T0 + 1, event())])
    assert [s["x"]["fired"] for s in steps] == [True, True]
    order = steps[0]["intents"][0]
    # Sell NO at 56¢ (55.5¢ rounded up: a sell never takes less) = V2 bid at YES 44¢.
    assert (order.price, order.book_side, order.yes_price, order.reduce_only) == (5600, "bid", 4400, True)


def test_place_order_skips_a_non_positive_count_and_sets_expiration():
    graph = _action_graph(
        "action.place_order",
        {"side": "yes", "action": "buy", "price_from": "join", "expiration_seconds": 30, "post_only": True},
        extra={"count": ("count", 0)},
    )
    assert run(graph, [(T0, event())])[0]["intents"] == []
    graph = _action_graph(
        "action.place_order",
        {"side": "yes", "action": "buy", "price_from": "join", "expiration_seconds": 30, "post_only": True},
        extra={"count": ("count", 100)},
    )
    [order] = run(graph, [(T0 + 999, event())])[0]["intents"]
    assert (order.expiration_ts, order.post_only) == (T0 // 1000 + 30, True)


def test_target_position_prices_for_the_direction_it_must_move():
    params = {"side": "yes", "price_from": "join"}
    graph = _action_graph("action.target_position", params, extra={"count": ("count", 1000)})
    [buy] = run(graph, [(T0, event(position=200, average_entry=4000))])[0]["intents"]
    assert buy == TargetPosition("x", TICKER, 1, "yes", 1000, 4500, "good_till_canceled", False)
    [sell] = run(graph, [(T0, event(position=2000, average_entry=4000))])[0]["intents"]
    assert sell.price == 4700  # joining the ask to sell down to the target
    assert sell.signed_target == 1000


def test_a_no_target_is_negative_and_flat_is_allowed():
    graph = _action_graph(
        "action.target_position", {"side": "no", "price_from": "cross"}, extra={"count": ("count", 0)}
    )
    [flat] = run(graph, [(T0, event(position=-500, average_entry=5000))])[0]["intents"]
    assert (flat.count, flat.signed_target, flat.price) == (0, 0, 5300)  # sell NO at the NO bid


def test_cancel_orders():
    graph = _action_graph("action.cancel_orders", {"side": "no"})
    assert run(graph, [(T0, event())])[0]["intents"] == [CancelOrders("x", TICKER, 1, "no", None)]


def test_close_position_sells_the_side_held_and_skips_when_flat():
    graph = _action_graph("action.close_position", {})
    assert run(graph, [(T0, event())])[0]["intents"] == []
    [close] = run(graph, [(T0, event(position=-300, average_entry=5000))])[0]["intents"]
    assert close == ClosePosition("x", TICKER, 1, "no", 300, 5300, "immediate_or_cancel", "close")
    assert (close.book_side, close.yes_price) == ("bid", 4700)


def test_stop_loss_and_take_profit_act_on_the_bid_of_the_side_held():
    g = GraphBuilder()
    g.add("mkt", "market.ticker", ticker=TICKER)
    g.add("trig", "trigger.book_changed")
    g.add("x", "action.stop_loss", distance=500, slippage_ticks=2)
    g.add("tp", "action.take_profit", distance=500)
    g.connect("mkt", "market", "x", "market")
    g.connect("mkt", "market", "tp", "market")
    g.add("note", "action.notify")
    g.connect("trig", "fired", "note", "when")
    held: dict[str, Any] = {"position": 1000, "average_entry": 5000}  # 10 YES at 50¢: stop at 45¢, target 55¢
    steps = run(
        g.to_json(),
        [
            (T0, event(yes_bids=((4600, 1),), **held)),
            (T0 + 1, event(yes_bids=((4500, 1),), **held)),
            (T0 + 2, event(yes_bids=((4400, 1),), **held)),
            (T0 + 3, event(yes_bids=((5500, 1),), no_bids=((4400, 1),), **held)),
            (T0 + 4, event()),
        ],
    )
    assert [s["x"]["fired"] for s in steps] == [False, True, False, False, False]
    assert [s["x"]["level"] for s in steps] == [4500, 4500, 4500, 4500, None]
    stop = steps[1]["intents"][0]
    assert stop == ClosePosition("x", TICKER, 1, "yes", 1000, 4300, "immediate_or_cancel", "stop_loss")
    take = [i for i in steps[3]["intents"] if i.node_id == "tp"]
    assert take == [ClosePosition("tp", TICKER, 1, "yes", 1000, 5500, "immediate_or_cancel", "take_profit")]


def test_notify_and_pause_carry_their_text_and_the_market():
    graph = _action_graph("action.notify", {"message": "Spread is wide", "level": "warning"})
    assert run(graph, [(T0, event())])[0]["intents"] == [Notify("x", TICKER, 1, "Spread is wide", "warning")]
    graph = _action_graph("action.pause_bot", {"reason": "Too volatile"})
    assert run(graph, [(T0, event())])[0]["intents"] == [PauseBot("x", TICKER, 1, "Too volatile")]
