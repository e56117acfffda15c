"""What changed between two graphs: nodes added/removed/changed, edges added/removed. Pure."""

from __future__ import annotations

from typing import Any

JSON = Any


def _nodes(graph: JSON) -> dict[str, dict[str, JSON]]:
    return {n["id"]: n for n in graph.get("nodes", []) if isinstance(n, dict) and "id" in n}


def _edge_key(edge: dict[str, JSON]) -> tuple[str, str, str, str]:
    # Edges are compared by what they connect, not by their ids (the editor may renumber them).
    return (
        str(edge.get("source")),
        str(edge.get("sourceHandle")),
        str(edge.get("target")),
        str(edge.get("targetHandle")),
    )


def _edge_json(key: tuple[str, str, str, str]) -> dict[str, str]:
    return {"source": key[0], "sourceHandle": key[1], "target": key[2], "targetHandle": key[3]}


def graph_diff(before: JSON, after: JSON) -> dict[str, list[JSON]]:
    """Describe how `after` differs from `before` (positions are ignored: layout is not behaviour)."""
    old, new = _nodes(before), _nodes(after)
    changed = []
    for node_id in sorted(old.keys() & new.keys()):
        a, b = old[node_id], new[node_id]
        params_a, params_b = a.get("params") or {}, b.get("params") or {}
        param_changes = {
            key: {"before": params_a.get(key), "after": params_b.get(key)}
            for key in sorted(params_a.keys() | params_b.keys())
            if params_a.get(key) != params_b.get(key)
        }
        type_changed = (a.get("type"), a.get("version")) != (b.get("type"), b.get("version"))
        if param_changes or type_changed:
            entry: dict[str, JSON] = {"id": node_id, "params": param_changes}
            if type_changed:
                entry["type"] = {
                    "before": {"type": a.get("type"), "version": a.get("version")},
                    "after": {"type": b.get("type"), "version": b.get("version")},
                }
            changed.append(entry)
    old_edges = {_edge_key(e) for e in before.get("edges", []) if isinstance(e, dict)}
    new_edges = {_edge_key(e) for e in after.get("edges", []) if isinstance(e, dict)}
    return {
        "nodes_added": [new[i] for i in sorted(new.keys() - old.keys())],
        "nodes_removed": [old[i] for i in sorted(old.keys() - new.keys())],
        "nodes_changed": changed,
        "edges_added": [_edge_json(k) for k in sorted(new_edges - old_edges)],
        "edges_removed": [_edge_json(k) for k in sorted(old_edges - new_edges)],
    }
