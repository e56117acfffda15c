"""The catalog: every node type at every version, and its JSON form for the editor.

One module per family holds the specs (`triggers`, `markets`, `book`, `account`, `constant`,
`logic`, `arithmetic`, `stateful`, `orders`, `exits`, `control`). Saved graphs name
`{type, version}`; a changed behaviour is added as a new version beside the old one, never edited
in place (the golden files pin every version).
"""

from __future__ import annotations

from functools import cache
from typing import Any, Final

from builder.graph.catalog import (
    account,
    arithmetic,
    book,
    constant,
    control,
    exits,
    logic,
    markets,
    orders,
    stateful,
    triggers,
)
from builder.graph.ports import PORT_TYPE_INFO
from builder.graph.spec import CATEGORIES, NodeSpec

CATALOG_VERSION: Final = 1
_MODULES = (triggers, markets, book, account, constant, logic, arithmetic, stateful, orders, exits, control)

SPECS: Final[dict[tuple[str, int], NodeSpec]] = {
    (spec.type, spec.version): spec for module in _MODULES for spec in module.SPECS
}
LATEST: Final[dict[str, int]] = {}
for _type, _version in SPECS:
    LATEST[_type] = max(_version, LATEST.get(_type, 0))

CATEGORY_TITLES: Final = {
    "trigger": "Triggers",
    "market": "Markets",
    "data": "Market and account data",
    "logic": "Logic",
    "math": "Math",
    "action": "Actions",
}


def get(type_: str, version: int) -> NodeSpec | None:
    """The spec of one node type at one version, or None."""
    return SPECS.get((type_, version))


def _port_json(port: Any, spec: NodeSpec, is_input: bool) -> dict[str, Any]:
    types = list(spec.type_var.allowed) if port.type == "T" and spec.type_var else [port.type]
    row: dict[str, Any] = {
        "name": port.name,
        "title": port.title,
        "description": port.description,
        "type": port.type if port.type != "T" else None,
        "types": types,
    }
    if is_input:
        row["required"] = port.required
        # {"param": ..., "equals": ...}: required only while that param has that value.
        row["required_when"] = (
            None
            if port.required_when is None
            else {"param": port.required_when[0], "equals": port.required_when[1]}
        )
        row["default"] = port.default
    return row


def spec_json(spec: NodeSpec) -> dict[str, Any]:
    """One node type as the editor consumes it."""
    return {
        "type": spec.type,
        "version": spec.version,
        "latest": LATEST[spec.type] == spec.version,
        "title": spec.title,
        "category": spec.category,
        "help": spec.help,
        "inputs": [_port_json(p, spec, True) for p in spec.inputs],
        "outputs": [_port_json(p, spec, False) for p in spec.outputs],
        "type_variable": None
        if spec.type_var is None
        else {"types": list(spec.type_var.allowed), "param": spec.type_var.param},
        "params": spec.params,
        "market_dependent": spec.market_dependent,
    }


@cache
def catalog_json() -> dict[str, Any]:
    """The whole catalog (GET /api/v1/catalog/): port types, categories and node types."""
    return {
        "catalog_version": CATALOG_VERSION,
        "graph_schema": 1,
        "port_types": [{"type": name, **info} for name, info in PORT_TYPE_INFO.items()],
        "categories": [{"category": c, "title": CATEGORY_TITLES[c]} for c in CATEGORIES],
        "nodes": [spec_json(spec) for spec in SPECS.values()],
    }
