"""Writing graphs in Python (templates, tests, scripts): the same JSON the editor saves.

    g = GraphBuilder()
    market = g.add("market", "market.ticker", ticker="KXHIGHNY-25JAN01-T45")
    ask = g.add("ask", "data.best_ask", side="yes")
    g.connect(market, "market", ask, "market")
    graph = g.to_json()

Nodes without a position are laid out left to right by depth, so a generated graph opens readably.
"""

from __future__ import annotations

from typing import Any

from builder.graph import catalog
from builder.graph.schema import SCHEMA_VERSION

COLUMN_WIDTH = 260
ROW_HEIGHT = 140


class GraphBuilder:
    """Accumulates nodes and edges; `to_json` returns the graph."""

    def __init__(self) -> None:
        self._nodes: list[dict[str, Any]] = []
        self._edges: list[dict[str, Any]] = []

    def add(self, node_id: str, type_: str, *, version: int | None = None, **params: Any) -> str:
        """Add a node (latest version unless given); returns its id."""
        self._nodes.append(
            {
                "id": node_id,
                "type": type_,
                "version": version if version is not None else catalog.LATEST.get(type_, 1),
                "params": params,
            }
        )
        return node_id

    def connect(self, source: str, output: str, target: str, input_: str) -> None:
        """Wire `source.output` into `target.input_`."""
        self._edges.append(
            {
                "id": f"{source}.{output}-{target}.{input_}"[:64],
                "source": source,
                "sourceHandle": output,
                "target": target,
                "targetHandle": input_,
            }
        )

    def to_json(self) -> dict[str, Any]:
        """The graph, with every node placed by its depth in the graph."""
        depth = {node["id"]: 0 for node in self._nodes}
        for _ in range(len(self._nodes)):  # longest path; a loop just stops growing here
            changed = False
            for edge in self._edges:
                if edge["source"] in depth and edge["target"] in depth:
                    wanted = depth[edge["source"]] + 1
                    if depth[edge["target"]] < wanted <= len(self._nodes):
                        depth[edge["target"]] = wanted
                        changed = True
            if not changed:
                break
        rows: dict[int, int] = {}
        nodes = []
        for node in self._nodes:
            column = depth[node["id"]]
            row = rows.get(column, 0)
            rows[column] = row + 1
            nodes.append({**node, "position": {"x": column * COLUMN_WIDTH, "y": row * ROW_HEIGHT}})
        return {"schema": SCHEMA_VERSION, "nodes": nodes, "edges": list(self._edges)}
