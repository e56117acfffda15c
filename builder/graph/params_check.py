"""A fast yes/no check of node params, for the JSON Schema subset the catalog uses.

`validate` runs for every draft save and every compile, and jsonschema costs ~20 µs per node,
most of a 200-node compile. So each spec's params schema is also turned into a plain predicate;
when it says "valid" that is the answer, and only invalid params go through jsonschema, which
stays the authority and writes the messages. A schema outside the subset gets no predicate
(jsonschema always runs). A property test checks predicate == jsonschema on random params.

Subset: a closed object (`properties`, `required`, `additionalProperties: false`) whose
properties use `type` (`integer` meaning a real int, `boolean`, `string`, or a list of those),
`enum`, `minimum`, `maximum`, `pattern`, `maxLength`, plus annotations; and `if`/`then`/`else`
whose parts only constrain properties with `const` / `type`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from builder.graph.schema import ecma_regex

Check = Callable[[Any], bool]

_ANNOTATIONS = {"title", "description", "default", "x-unit", "x-enum-titles", "$comment"}
_PROPERTY_KEYWORDS = _ANNOTATIONS | {"type", "enum", "minimum", "maximum", "pattern", "maxLength", "const"}
_OBJECT_KEYWORDS = _ANNOTATIONS | {
    "type",
    "properties",
    "required",
    "additionalProperties",
    "if",
    "then",
    "else",
}


class Unsupported(Exception):
    """The schema uses something the fast check does not implement."""


# JSON Schema type -> the one Python type that passes it (`integer` is a real int, never a bool).
_TYPES: dict[str, type] = {"integer": int, "boolean": bool, "string": str}


def _property(schema: Mapping[str, Any]) -> Check:
    if not set(schema) <= _PROPERTY_KEYWORDS:
        raise Unsupported(sorted(set(schema) - _PROPERTY_KEYWORDS))
    types = schema.get("type")
    names = [types] if isinstance(types, str) else list(types or [])
    if not set(names) <= _TYPES.keys():
        raise Unsupported(names)
    allowed = frozenset(_TYPES[name] for name in names) if names else None
    enum = schema.get("enum")
    if enum is not None and not all(type(v) is str for v in enum):
        raise Unsupported("non-string enum")
    choices = None if enum is None else frozenset(enum)
    has_const = "const" in schema
    const = schema.get("const")
    if has_const and type(const) is not str:
        raise Unsupported("non-string const")
    low, high = schema.get("minimum"), schema.get("maximum")
    pattern = ecma_regex(schema["pattern"]) if "pattern" in schema else None
    max_length = schema.get("maxLength")

    def check(value: Any) -> bool:
        kind = type(value)
        if allowed is not None and kind not in allowed:
            return False
        if kind is str:
            if choices is not None and value not in choices:
                return False
            if has_const and value != const:
                return False
            if max_length is not None and len(value) > max_length:
                return False
            return pattern is None or pattern.search(value) is not None
        if choices is not None or has_const:  # string enums and consts only
            return False
        if kind is int:  # JSON Schema bounds apply to numbers (never to booleans)
            if low is not None and value < low:
                return False
            if high is not None and value > high:
                return False
        return True

    return check


def _partial(schema: Mapping[str, Any]) -> Check:
    """An `if`/`then`/`else` part: only `properties` of const/type checks, absent ones pass."""
    if set(schema) - {"properties"}:
        raise Unsupported("conditional part")
    checks = {name: _property(sub) for name, sub in schema.get("properties", {}).items()}

    def check(params: Mapping[str, Any]) -> bool:
        return all(name not in params or fn(params[name]) for name, fn in checks.items())

    return check


def compile_check(schema: Mapping[str, Any]) -> Check | None:
    """A predicate equal to the schema's verdict, or None when the schema is outside the subset."""
    try:
        if not set(schema) <= _OBJECT_KEYWORDS or schema.get("type") != "object":
            raise Unsupported("not a closed object")
        if schema.get("additionalProperties") is not False:
            raise Unsupported("open object")
        props = {name: _property(sub) for name, sub in schema.get("properties", {}).items()}
        required = tuple(schema.get("required", ()))
        when = _partial(schema["if"]) if "if" in schema else None
        then = _partial(schema["then"]) if "then" in schema else None
        otherwise = _partial(schema["else"]) if "else" in schema else None
    except (Unsupported, re.error, TypeError, AttributeError):
        return None
    required_names, names = frozenset(required), frozenset(props)

    def check(params: Any) -> bool:
        if type(params) is not dict:
            return False
        keys = params.keys()
        if not (keys >= required_names and keys <= names):
            return False
        for name, value in params.items():
            if not props[name](value):
                return False
        if when is not None:
            branch = then if when(params) else otherwise
            if branch is not None and not branch(params):
                return False
        return True

    return check
