"""Shared pieces of action nodes: the `when` edge, `fire_on`, price and time-in-force params.

An action fires on the rising edge of `when` by default: at most once per stretch of evaluations
in which `when` stays true, at the first of them in which it can build a well-formed intent (so a
momentarily empty book does not swallow the signal). `fire_on: every_evaluation` fires on every
evaluation while `when` is true (re-sending an idempotent target position, retrying an exit).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from builder.graph.ports import BOOL
from builder.graph.spec import EmitContext, Port, p_enum, p_int

FIRED = Port("fired", BOOL, "Fired", "True when this evaluation produced the action.")

FIRE_ON = p_enum(
    "Fire",
    "On the rising edge of When (once per stretch of When being true), or on every evaluation while it is.",
    "rising_edge",
    [("rising_edge", "When it becomes true"), ("every_evaluation", "Every evaluation while true")],
)
TIME_IN_FORCE = [
    ("good_till_canceled", "Good till canceled"),
    ("immediate_or_cancel", "Immediate or cancel"),
    ("fill_or_kill", "Fill or kill"),
]
OFFSET_TICKS = p_int(
    "Offset",
    "Price steps (of the market's grid) added to the chosen price: positive is more aggressive "
    "(higher to buy, lower to sell).",
    0,
    minimum=-100,
    maximum=100,
    unit="ticks",
)
SIDE_CODE = {"yes": "'yes'", "no": "'no'"}
NEVER_FIRED = (False, 0)  # an action's state before its first evaluation in a market
TIF_CODE = {value: repr(value) for value, _ in TIME_IN_FORCE}


def time_in_force(default: str) -> dict[str, Any]:
    """The time-in-force param."""
    return p_enum("Time in force", "How long the order may rest on the book.", default, TIME_IN_FORCE)


def check_post_only(params: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Post-only orders must be allowed to rest (API.md §9)."""
    if params.get("post_only") and params.get("time_in_force") != "good_till_canceled":
        return [
            ("post_only", "A post-only order must rest on the book: use time in force 'good till canceled'.")
        ]
    return []


def emit_action(ctx: EmitContext, when: str, build: Callable[[str, str], None]) -> None:
    """Wrap `build(indent, seq)` (which appends the intent and sets `fired`) in the firing rule.

    State per market: [latch, fires]. `latch`: fired during the current stretch of `when`.
    `fires`: how many intents this node produced in this market; the intent carries `seq` =
    fires + 1, so the engine's client_order_id depends on the node's own history, not on how
    events are numbered, and re-evaluating from the same saved state gives the same id.
    """
    fired = ctx.out("fired")
    ctx.line(f"{fired} = False")
    if ctx.params["fire_on"] == "every_evaluation":
        # The memory only counts fires: read where `when` holds, written when it fired.
        ctx.line(f"if {when}:")
        memory = ctx.state_get(NEVER_FIRED, here="    ")
        build("    ", f"{memory}[1] + 1")
        ctx.state_set(f"[False, {memory}[1] + 1]", changed=fired)
        return
    memory = ctx.state_get(NEVER_FIRED)
    # Indexed where needed rather than unpacked up front: most evaluations fire nothing.
    latch, fires = f"{memory}[0]", f"{memory}[1]"
    ctx.line(f"if {when} and not {latch}:")
    build("    ", f"{fires} + 1")
    # The latch follows `when` (set by a fire, cleared when `when` drops); nothing else changes.
    changed = f"{fired} or (not {when} and {latch})"
    # The new memory is built by a helper, called only when it changed (rare): one call compiles
    # far faster than the expression it replaces, and the common path is the same test as before.
    ctx.state_set(f"{ctx.const(next_memory)}({memory}, {when}, {fired}) if {changed} else {memory}", changed)


def next_memory(memory: list[Any], when: object, fired: bool) -> list[Any]:
    """An edge-triggered action's memory after an evaluation in which it changed."""
    return [when and (memory[0] or fired), memory[1] + fired]
