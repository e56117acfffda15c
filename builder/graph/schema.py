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
import re
from functools import cache
from typing import Any, Final

SCHEMA_VERSION: Final = 1
MAX_NODES: Final = 200
MAX_EDGES: Final = 500
MAX_BYTES: Final = 256 * 1024  # of the canonical JSON encoding (UTF-8)
# Node and edge ids. Patterns here and in the params schemas are JSON Schema (ECMA-262) regexes,
# where `$` is the end of the text; compile them for Python with `ecma_regex`.
ID_PATTERN: Final = r"^[A-Za-z0-9_.:-]{1,64}$"


@cache
def ecma_regex(pattern: str) -> re.Pattern[str]:
    r"""A JSON Schema pattern compiled so Python matches what ECMA-262 matches.

    Python's `$` also matches before a final newline ("buy\n" would pass `^buy$`); ECMA's does
    not. So a closing `$` becomes `\Z`. Our patterns only ever end in `$`; any other `$` is refused
    rather than guessed at.
    """
    body = pattern[:-1] if pattern.endswith("$") and not pattern.endswith(r"\$") else pattern
    if "$" in body.replace(r"\$", ""):
        raise ValueError(f"unsupported pattern (a `$` that does not end it): {pattern!r}")
    return re.compile(body + r"\Z" if body != pattern else body)


def canonical_json(graph: Any) -> bytes:
    """Sorted keys, no spaces, UTF-8; raises ValueError/TypeError/RecursionError if not JSON."""
    # No circularity bookkeeping (a graph from JSON has no cycles; a cyclic object still fails, as
    # RecursionError): ~10% less work for the same text.
    text = json.dumps(
        graph,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
        check_circular=False,
    )
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
