"""The rule language (DESIGN §5): pure, no Django, no I/O. See README.md for every node type.

problems = validate(graph)                      # [] when the graph can run
plan = compile_graph(graph)                     # immutable; raises GraphInvalid
state, intents, trace = evaluate(plan, event, state, now)
"""

from __future__ import annotations

from builder.graph.catalog import catalog_json
from builder.graph.compile import GraphInvalid, MarketSelector, Plan, compile_graph, market_bindings
from builder.graph.evaluate import evaluate, trace_as_dict, trace_ports
from builder.graph.schema import MAX_BYTES as MAX_GRAPH_BYTES
from builder.graph.validate import Problem, validate

__all__ = [
    "MAX_GRAPH_BYTES",
    "GraphInvalid",
    "MarketSelector",
    "Plan",
    "Problem",
    "catalog_json",
    "compile_graph",
    "evaluate",
    "market_bindings",
    "trace_as_dict",
    "trace_ports",
    "validate",
]
