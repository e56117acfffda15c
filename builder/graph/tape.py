"""Event tapes: a recorded sequence of events for one run, as JSON lines, and replaying a plan
over one (the same `evaluate` as live, so replay equals live).

The first line is a header with the starting snapshot; each further line is one event and only
carries what changed, like the marketdata process sees it:

    {"tape": 1, "description": "...", "market": {"ticker", "event_ticker", "series_ticker",
     "close_ts_ms", "price_ranges"?, "status"?}, "account": {"position", "average_entry",
     "open_orders", "balance"}}
    {"t": 1767225600000, "kind": "book", "yes_bids": [[4500, 1000]], "no_bids": [[5400, 300]]}
    {"t": 1767225600250, "kind": "trade", "trade": {"yes_price": 4500, "count": 200, "taker_side": "no"}}
    {"t": 1767225601000, "kind": "timer"}
    {"t": ..., "kind": "fill", "fill": {...Fill fields but ts_ms}, "account": {"position": 200, ...}}

`t` is the evaluation time (Unix ms). Books are best price first, each leg in its own terms. A
trade is appended to the recent trades (the last hour, at most 1,000) and becomes the last trade.
A "market" object on an event line patches the market (a new ticker starts an empty trade
history: the bot rolled to another market).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from builder.graph.compile import Plan, State, Trace
from builder.graph.evaluate import evaluate
from builder.graph.events import AccountSnapshot, Event, Fill, MarketSnapshot, OpenOrder, Trade
from builder.graph.intents import Intent

TAPE_VERSION = 1
RECENT_TRADES_MS = 3_600_000
RECENT_TRADES_MAX = 1000


@dataclass(frozen=True, slots=True)
class TapeEvent:
    """One event of a tape and the time it is evaluated at."""

    now: int
    event: Event


@dataclass(frozen=True, slots=True)
class Step:
    """What one evaluation of a replay produced."""

    now: int
    event: Event
    intents: list[Intent]
    trace: Trace
    state: State


def _levels(raw: Any) -> tuple[tuple[int, int], ...]:
    return tuple((int(price), int(count)) for price, count in raw)


def _market(raw: Mapping[str, Any], base: MarketSnapshot | None) -> MarketSnapshot:
    fields: dict[str, Any] = {}
    for name in ("ticker", "event_ticker", "series_ticker", "close_ts_ms", "status", "last_trade_price"):
        if name in raw:
            fields[name] = raw[name]
    if "yes_bids" in raw:
        fields["yes_bids"] = _levels(raw["yes_bids"])
    if "no_bids" in raw:
        fields["no_bids"] = _levels(raw["no_bids"])
    if "price_ranges" in raw:
        fields["price_ranges"] = tuple((int(a), int(b), int(c)) for a, b, c in raw["price_ranges"])
    if base is None:
        return MarketSnapshot(**fields)
    if "ticker" in fields and fields["ticker"] != base.ticker:
        fields.setdefault("recent_trades", ())
        fields.setdefault("last_trade_price", None)
    return replace(base, **fields)


def _account(raw: Mapping[str, Any], base: AccountSnapshot) -> AccountSnapshot:
    fields: dict[str, Any] = {k: raw[k] for k in ("position", "average_entry", "balance") if k in raw}
    if "open_orders" in raw:
        fields["open_orders"] = tuple(OpenOrder(**order) for order in raw["open_orders"])
    return replace(base, **fields)


def read_tape(lines: Iterable[str]) -> tuple[dict[str, Any], list[TapeEvent]]:
    """Parse a tape: (header, events), each event with its full snapshot. Raises ValueError."""
    rows = [(number, line) for number, line in enumerate(lines, start=1) if line.strip()]
    try:
        header = json.loads(rows[0][1]) if rows else None
        if not isinstance(header, dict) or header.get("tape") != TAPE_VERSION:
            raise ValueError(f"not a version {TAPE_VERSION} tape: the first line must be its header")
        market = _market(header["market"], None)
        account = _account(header.get("account", {}), AccountSnapshot())
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"tape header: {exc}") from exc
    events: list[TapeEvent] = []
    for seq, (number, line) in enumerate(rows[1:], start=1):
        try:
            row = json.loads(line)
            now = int(row["t"])
            market_patch = dict(row.get("market", {}))
            for name in ("yes_bids", "no_bids"):
                if name in row:
                    market_patch[name] = row[name]
            if market_patch:  # first: a new ticker must not inherit this line's trade
                market = _market(market_patch, market)
            trade = None
            if "trade" in row:
                trade = Trade(ts_ms=now, **row["trade"])
                horizon = now - RECENT_TRADES_MS
                kept = tuple(t for t in market.recent_trades if t.ts_ms > horizon)[-(RECENT_TRADES_MAX - 1) :]
                market = replace(market, recent_trades=(*kept, trade), last_trade_price=trade.yes_price)
            if "account" in row:
                account = _account(row["account"], account)
            fill = Fill(ts_ms=now, **row["fill"]) if "fill" in row else None
            event = Event(row["kind"], int(row.get("seq", seq)), market, account, trade, fill)
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"tape line {number}: {exc!r}") from exc
        events.append(TapeEvent(now, event))
    return header, events


def replay(plan: Plan, events: Iterable[TapeEvent]) -> list[Step]:
    """Evaluate `plan` over a tape's events in order, with one state per market (from `{}`)."""
    steps: list[Step] = []
    states: dict[str, Mapping[str, Any]] = {}
    for item in events:
        ticker = item.event.market.ticker
        new_state, intents, trace = evaluate(plan, item.event, states.get(ticker, {}), item.now)
        steps.append(Step(item.now, item.event, intents, trace, new_state))
        states[ticker] = new_state
    return steps
