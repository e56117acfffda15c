"""`evaluate(plan, event, state, now)`: one evaluation, pure. Replay and live call the same thing.

`state` is this run's memory for the event's market: a JSON object (keys are node ids; values
are ints, bools, null and lists), so it can be stored in Redis as JSON and survive restarts.
Start with `{}`. It is never modified; the new state is returned.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from builder.graph.compile import Plan, State, Trace
from builder.graph.events import Event
from builder.graph.intents import Intent


def evaluate(
    plan: Plan, event: Event, state: Mapping[str, Any], now: int
) -> tuple[State, list[Intent], Trace]:
    """Evaluate `plan` for `event` at `now` (Unix ms): (new state, intents, trace)."""
    return plan.run(event, state, now)


def trace_as_dict(plan: Plan, trace: Trace) -> dict[str, dict[str, Any]]:
    """Every port's value, flat: {node id: {port: value}} (a node's port names are unique)."""
    return {node_id: {**ports["in"], **ports["out"]} for node_id, ports in trace_ports(plan, trace).items()}


def trace_ports(plan: Plan, trace: Trace) -> dict[str, dict[str, dict[str, Any]]]:
    """Every port's value: {node id: {"in": {port: value}, "out": {port: value}}} (for the editor),
    constants included (they are in the plan, not the trace)."""
    result: dict[str, dict[str, dict[str, Any]]] = {
        node_id: {"in": {}, "out": {}} for node_id in plan.node_ids
    }
    for (node_id, port), value in zip(plan.trace_keys, trace, strict=True):
        result[node_id]["out"][port] = value
    for (node_id, port), value in plan.constants.items():
        result[node_id]["out"][port] = value
    for (node_id, port), source in plan.inputs.items():
        result[node_id]["in"][port] = trace[source] if isinstance(source, int) else source[1]
    return result
