"""The graph JSON shape (React Flow's, DESIGN §5), its size limits, canonical form and hash.

    {"schema": 1,
     "nodes": [{"id", "type", "version", "params", "position": {"x", "y"}}],
     "edges": [{"id", "source", "sourceHandle", "target", "targetHandle"}]}

Handles are port names. Other keys the editor keeps (`data`, `viewport`, `selected`...) are
allowed and ignored by the language; they are part of the stored JSON, its size and its hash.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Final

SCHEMA_VERSION: Final = 1
MAX_NODES: Final = 200
MAX_EDGES: Final = 500
MAX_BYTES: Final = 256 * 1024  # of the canonical JSON encoding (UTF-8)
ID_PATTERN: Final = r"^[A-Za-z0-9_.:-]{1,64}$"


def canonical_json(graph: Any) -> bytes:
    """Sorted keys, no spaces, UTF-8; raises ValueError/TypeError/RecursionError if not JSON."""
    text = json.dumps(graph, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    # Lone surrogates are valid in Python strings and JSON text but not in UTF-8.
    return text.encode("utf-8", "surrogatepass")


def content_hash(graph: Any) -> str:
    """SHA-256 (hex) of the canonical JSON: equal graphs, equal hashes, whatever the key order."""
    return hashlib.sha256(canonical_json(graph)).hexdigest()


def empty_graph() -> dict[str, Any]:
    """A new bot's draft."""
    return {"schema": SCHEMA_VERSION, "nodes": [], "edges": []}


_ID = {"type": "string", "pattern": ID_PATTERN}
_NAME = {"type": "string", "minLength": 1, "maxLength": 64}

# The shape as JSON Schema, for the OpenAPI document and the editor. `validate` checks the same
# shape by hand so it can report every problem with the node it belongs to.
GRAPH_JSON_SCHEMA: Final[dict[str, Any]] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Bot graph",
    "type": "object",
    "required": ["schema", "nodes", "edges"],
    "properties": {
        "schema": {"const": SCHEMA_VERSION},
        "nodes": {
            "type": "array",
            "maxItems": MAX_NODES,
            "items": {
                "type": "object",
                "required": ["id", "type", "version"],
                "properties": {
                    "id": _ID,
                    "type": _NAME,
                    "version": {"type": "integer", "minimum": 1},
                    "params": {
                        "type": "object",
                        "description": "Validated by the node type's params schema.",
                    },
                    "position": {
                        "type": "object",
                        "properties": {"x": {"type": "number"}, "y": {"type": "number"}},
                    },
                },
            },
        },
        "edges": {
            "type": "array",
            "maxItems": MAX_EDGES,
            "items": {
                "type": "object",
                "required": ["id", "source", "sourceHandle", "target", "targetHandle"],
                "properties": {
                    "id": _ID,
                    "source": _ID,
                    "sourceHandle": _NAME,
                    "target": _ID,
                    "targetHandle": _NAME,
                },
            },
        },
    },
}
