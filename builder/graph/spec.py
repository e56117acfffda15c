"""The declarative node spec every catalog entry is, and helpers to write their params schemas.

A spec says what the editor shows (title, category, help, ports, a JSON Schema for the params
form) and how the compiler turns one node into straight-line Python (`emit`). `emit` receives an
`EmitContext` and may only produce code from the spec's own text, integer/bool literals
(`ctx.lit`) and opaque constants (`ctx.const`): never from a user string.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from builder.graph.intents import IntentKind

Category = Literal["trigger", "market", "data", "logic", "math", "action"]
CATEGORIES: tuple[Category, ...] = ("trigger", "market", "data", "logic", "math", "action")
Literal_ = int | bool | None


@dataclass(frozen=True, slots=True)
class Port:
    """One input or output. `type` is a port type or "T", the node's type variable.

    Inputs: `required`, or `required_when` (param, value) holds, else `default` is used when
    unconnected (a literal of the port's type).
    Outputs: `nullable` True/False, or None for "null exactly when one of the inputs may be".
    """

    name: str
    type: str
    title: str
    description: str = ""
    required: bool = True
    default: Literal_ = None
    nullable: bool | None = False
    required_when: tuple[str, str] | None = None


@dataclass(frozen=True, slots=True)
class TypeVar:
    """A generic node's type variable: which port types it accepts, and a param that fixes it."""

    allowed: tuple[str, ...]
    param: str | None = None


class EmitContext(Protocol):
    """What a spec's `emit` may use to write the code of one node."""

    @property
    def params(self) -> Mapping[str, Any]:
        """The node's validated params, defaults filled in."""
        ...

    @property
    def type(self) -> str | None:
        """The resolved type variable of a generic node."""
        ...

    def inp(self, port: str) -> str:
        """The expression of an input: a local, or the port's default literal when unconnected."""
        ...

    def maybe_null(self, port: str) -> bool:
        """Whether an input's value can be None in this graph."""
        ...

    def fixed(self, port: str) -> tuple[Literal_] | None:
        """`(value,)` when an input's value is known when compiling (a constant node or the
        port's default), else None: lets a spec drop a check that cannot fail."""
        ...

    def connected(self, port: str) -> bool:
        """Whether an input has an edge."""
        ...

    def out(self, port: str) -> str:
        """The local the code must assign the output to."""
        ...

    def lit(self, value: Literal_) -> str:
        """An int/bool/None literal (anything else is refused)."""
        ...

    def const(self, value: object) -> str:
        """A local name bound to an opaque constant (strings, helpers, classes)."""
        ...

    def tmp(self) -> str:
        """A fresh local name."""
        ...

    def node(self) -> str:
        """A local name bound to this node's id (for intents)."""
        ...

    def market(self) -> str:
        """The graph's market node output (null when the event's market is not the bot's)."""
        ...

    def line(self, code: str) -> None:
        """Append one line of code (relative indentation is kept)."""
        ...

    def state_get(self, default: object, *, here: str | None = None) -> str:
        """Read this node's state into a local (`default`, an immutable JSON value, before the
        first evaluation in a market); returns the local's name. Reads are hoisted to the top of
        the function, unless `here` (an indentation) places the read at this point of the code:
        for a node that needs its state only in a branch (then `state_set` must say `changed`,
        which must imply the branch ran)."""
        ...

    def state_set(self, expr: str, changed: str | None = None) -> None:
        """This node's state after the evaluation; `changed`, when given, is a condition that is
        false only when the state is the very value read (so an unchanged state is not rebuilt)."""
        ...

    def intent(self, indent: str, kind: IntentKind, market: str, seq: str, *fields: str) -> None:
        """Emit an intent of class `kind` (node id first, then `market`, `seq` and the remaining
        fields' expressions in declaration order)."""
        ...

    def constant(self, port: str, value: Literal_) -> None:
        """Make an output a literal that never changes: no code, and it stays out of the trace."""
        ...


Emitter = Callable[[EmitContext], None]
ParamCheck = Callable[[Mapping[str, Any]], list[tuple[str, str]]]


@dataclass(frozen=True, slots=True, eq=False)
class NodeSpec:
    """One node type at one version. Saved graphs keep `type` and `version`; a changed behaviour
    is a new version next to the old one."""

    type: str
    version: int
    title: str
    category: Category
    help: str
    inputs: tuple[Port, ...]
    outputs: tuple[Port, ...]
    params: Mapping[str, Any]  # a JSON Schema object; every property has a default
    emit: Emitter
    type_var: TypeVar | None = None
    # Cross-field checks JSON Schema does not express clearly: [(param, message)].
    check: ParamCheck | None = None
    # Derived once (validate and the compiler look ports and defaults up for every node and edge).
    _inputs: Mapping[str, Port] = field(init=False, repr=False)
    _outputs: Mapping[str, Port] = field(init=False, repr=False)
    _defaults: Mapping[str, Any] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        setter = object.__setattr__
        setter(self, "_inputs", {p.name: p for p in self.inputs})
        setter(self, "_outputs", {p.name: p for p in self.outputs})
        setter(self, "_defaults", {name: prop["default"] for name, prop in self.params["properties"].items()})

    @property
    def key(self) -> str:
        """`type@version`, as in golden file names and error messages."""
        return f"{self.type}@{self.version}"

    @property
    def market_dependent(self) -> bool:
        """Reads market data or trades: must be wired to the graph's market node."""
        return any(p.name == "market" for p in self.inputs)

    def input(self, name: str) -> Port | None:
        """The input port called `name`."""
        return self._inputs.get(name)

    def output(self, name: str) -> Port | None:
        """The output port called `name`."""
        return self._outputs.get(name)

    def defaults(self) -> dict[str, Any]:
        """Every param's default (a new dict)."""
        return dict(self._defaults)

    def with_defaults(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """`given` params with every missing one at its default (a new dict)."""
        return {**self._defaults, **given}

    def required(self, params: Mapping[str, Any]) -> frozenset[str]:
        """The inputs that must be connected, given valid params."""
        return frozenset(
            p.name
            for p in self.inputs
            if p.required
            or (p.required_when is not None and params.get(p.required_when[0]) == p.required_when[1])
        )


# --- params schema helpers: every property gets a title, a description and a default ---


def params_schema(**properties: dict[str, Any]) -> dict[str, Any]:
    """A closed JSON Schema object whose properties all have defaults (so all are required)."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def p_int(
    title: str,
    description: str,
    default: int,
    *,
    minimum: int,
    maximum: int,
    unit: str | None = None,
) -> dict[str, Any]:
    """An integer param; `unit` ("price", "count", "seconds", "ticks"...) tells the editor how to show it."""
    schema: dict[str, Any] = {
        "type": "integer",
        "title": title,
        "description": description,
        "default": default,
        "minimum": minimum,
        "maximum": maximum,
    }
    if unit:
        schema["x-unit"] = unit
    return schema


def p_bool(title: str, description: str, default: bool) -> dict[str, Any]:
    """A boolean param."""
    return {"type": "boolean", "title": title, "description": description, "default": default}


def p_enum(title: str, description: str, default: str, options: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """A choice; `options` are (value, label) and the labels go to `x-enum-titles` for the form."""
    return {
        "type": "string",
        "title": title,
        "description": description,
        "default": default,
        "enum": [value for value, _ in options],
        "x-enum-titles": [label for _, label in options],
    }


def p_str(title: str, description: str, default: str, *, pattern: str, max_length: int) -> dict[str, Any]:
    """A string param (tickers, messages): never put into generated code."""
    return {
        "type": "string",
        "title": title,
        "description": description,
        "default": default,
        "pattern": pattern,
        "maxLength": max_length,
    }


SIDE = p_enum(
    "Side",
    "Which outcome: YES or NO. Prices are in that side's terms.",
    "yes",
    [("yes", "YES"), ("no", "NO")],
)
