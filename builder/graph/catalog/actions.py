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


def emit_action(ctx: EmitContext, when: str, build: Callable[[str], None]) -> None:
    """Wrap `build(indent)` (which appends the intent and sets `fired`) in the firing rule."""
    fired = ctx.out("fired")
    ctx.line(f"{fired} = False")
    if ctx.params["fire_on"] == "every_evaluation":
        ctx.line(f"if {when}:")
        build("    ")
        return
    latch = ctx.state_get("False")  # fired during the current stretch of `when`
    ctx.line(f"if {when} and not {latch}:")
    build("    ")
    ctx.state_set(f"{when} and ({latch} or {fired})")
