"""`validate(graph)`: every problem of a graph at once, so the editor can mark each node.

Each problem is `{"node_id", "port", "code", "message", "edge_id", "param"}` (the last two say
which edge or param, when it is about one). It never raises, whatever JSON value it is given.
`analyze` does the same work and also keeps what the compiler needs (checked nodes, connections,
topological order, resolved types), so a graph is only checked once on its way to a plan.

Codes: not_json, too_large, bad_shape, schema_version, too_many_nodes, too_many_edges,
duplicate_id, unknown_type, unknown_version, bad_params, dangling_edge, duplicate_input,
cycle, type_mismatch, missing_input, unbound_market, no_market, multiple_markets, no_trigger,
no_action.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, TypedDict

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError

from builder.graph import catalog
from builder.graph.params_check import Check, compile_check
from builder.graph.ports import MARKET
from builder.graph.schema import (
    ID_PATTERN,
    MAX_BYTES,
    MAX_EDGES,
    MAX_NODES,
    SCHEMA_VERSION,
    canonical_json,
    ecma_regex,
)
from builder.graph.spec import NodeSpec


class Problem(TypedDict):
    """One problem of a graph, as the API returns it."""

    node_id: str | None
    port: str | None
    code: str
    message: str
    edge_id: str | None
    param: str | None


def problem(
    code: str,
    message: str,
    *,
    node_id: str | None = None,
    port: str | None = None,
    edge_id: str | None = None,
    param: str | None = None,
) -> Problem:
    """One problem, in the shape the API returns."""
    return {
        "node_id": node_id,
        "port": port,
        "code": code,
        "message": message,
        "edge_id": edge_id,
        "param": param,
    }


def _is_int(_checker: object, instance: object) -> bool:
    # JSON Schema calls 1.0 an integer; money and counts must be real ints (DESIGN §4), and the
    # compiler only ever inlines ints.
    return type(instance) is int


def _pattern(_validator: Any, pattern: str, instance: object, _schema: object) -> Any:
    # jsonschema matches `pattern` with Python's re, whose `$` lets a trailing newline through.
    if isinstance(instance, str) and ecma_regex(pattern).search(instance) is None:
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


_StrictValidator = validators.extend(  # type: ignore[no-untyped-call]
    Draft202012Validator,
    validators={"pattern": _pattern},
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_int),
)
_VALIDATORS: dict[tuple[str, int], tuple[Any, Check | None]] = {}


def params_validator(spec: NodeSpec) -> Any:
    """The (cached) JSON Schema validator of a spec's params; integers must be real ints."""
    return _validators(spec)[0]


def _validators(spec: NodeSpec) -> tuple[Any, Check | None]:
    key = (spec.type, spec.version)
    pair = _VALIDATORS.get(key)
    if pair is None:
        pair = _VALIDATORS[key] = (_StrictValidator(spec.params), compile_check(spec.params))
    return pair


_ID_RE: Final = ecma_regex(ID_PATTERN)


@dataclass(slots=True)
class Node:
    """A node whose type is known, with its params (defaults filled in) and its connections."""

    id: str
    spec: NodeSpec
    params: dict[str, Any]
    params_ok: bool
    sources: dict[str, tuple[str, str]] = field(default_factory=dict)  # input -> (node id, output)
    type: str | None = None  # the resolved type variable
    out_types: dict[str, str | None] = field(default_factory=dict)
    out_nullable: dict[str, bool] = field(default_factory=dict)


@dataclass(slots=True)
class Analysis:
    """Everything `validate` learnt about a graph; `order` is only complete when there are no problems."""

    problems: list[Problem] = field(default_factory=list)
    nodes: dict[str, Node] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    canonical: bytes = b""  # the graph's canonical JSON (for its content hash)
    # Inputs wired to a node that is itself broken: connected, so not also "missing".
    wired_to_broken: set[tuple[str, str]] = field(default_factory=set)

    def add(self, *args: Any, **kwargs: Any) -> None:
        """Record a problem (the arguments of `problem`)."""
        self.problems.append(problem(*args, **kwargs))


def validate(graph: object) -> list[Problem]:
    """Every problem of `graph` (any JSON value); an empty list means it can be compiled."""
    return analyze(graph).problems


def analyze(graph: object) -> Analysis:
    """Check a graph and keep what the compiler needs. Never raises."""
    result = Analysis()
    try:
        result.canonical = canonical_json(graph)
        size = len(result.canonical)
    except (ValueError, TypeError, RecursionError, OverflowError):
        result.add("not_json", "The graph is not a JSON value.")
        return result
    if size > MAX_BYTES:
        result.add("too_large", f"The graph is {size:,} bytes; the limit is {MAX_BYTES:,}.")
        return result
    if not isinstance(graph, dict):
        result.add("bad_shape", 'A graph is an object: {"schema": 1, "nodes": [...], "edges": [...]}.')
        return result
    if graph.get("schema") != SCHEMA_VERSION or type(graph.get("schema")) is not int:
        result.add(
            "schema_version", f"Unknown graph schema {graph.get('schema')!r}; this server reads schema 1."
        )
    nodes, edges = graph.get("nodes"), graph.get("edges", [])
    if not isinstance(nodes, list) or not isinstance(edges, list):
        result.add("bad_shape", '"nodes" and "edges" must be lists.')
        return result
    if len(nodes) > MAX_NODES:
        result.add("too_many_nodes", f"{len(nodes)} nodes; a bot has at most {MAX_NODES}.")
    if len(edges) > MAX_EDGES:
        result.add("too_many_edges", f"{len(edges)} connections; a bot has at most {MAX_EDGES}.")
    seen: set[str] = set()
    for index, raw in enumerate(nodes):
        _check_node(result, index, raw, seen)
    connected = _check_edges(result, edges, seen)
    _order(result, connected)
    _resolve_types(result)
    _check_inputs(result)
    _check_whole(result)
    return result


def _check_node(result: Analysis, index: int, raw: object, seen: set[str]) -> None:
    if not isinstance(raw, dict):
        result.add("bad_shape", f"Node #{index + 1} is not an object.")
        return
    node_id = raw.get("id")
    if not isinstance(node_id, str) or not _ID_RE.match(node_id):
        result.add("bad_shape", f"Node #{index + 1} needs an id of 1-64 letters, digits or _.:- characters.")
        return
    if node_id in seen:
        result.add("duplicate_id", f"Two nodes have the id {node_id!r}.", node_id=node_id)
        return
    seen.add(node_id)
    type_, version = raw.get("type"), raw.get("version")
    if not isinstance(type_, str) or type(version) is not int:
        result.add("bad_shape", "A node needs a string type and an integer version.", node_id=node_id)
        return
    spec = catalog.get(type_, version)
    if spec is None:
        if type_ in catalog.LATEST:
            result.add(
                "unknown_version",
                f"{type_} has no version {version} (latest is {catalog.LATEST[type_]}).",
                node_id=node_id,
            )
        else:
            result.add("unknown_type", f"Unknown node type {type_[:64]!r}.", node_id=node_id)
        return
    position = raw.get("position")
    if position is not None and not isinstance(position, dict):
        result.add("bad_shape", "position must be an object {x, y}.", node_id=node_id)
    given = raw.get("params", {})
    if given is None:
        given = {}
    if not isinstance(given, dict):
        result.add("bad_params", "params must be an object.", node_id=node_id)
        result.nodes[node_id] = Node(node_id, spec, spec.defaults(), params_ok=False)
        return
    params = spec.with_defaults(given)
    ok = _check_params(result, node_id, spec, params)
    result.nodes[node_id] = Node(node_id, spec, params, params_ok=ok)


def _check_params(result: Analysis, node_id: str, spec: NodeSpec, params: dict[str, Any]) -> bool:
    before = len(result.problems)
    validator, fast = _validators(spec)
    # The fast predicate answers "valid" for the common case; jsonschema explains the rest.
    errors = [] if fast is not None and fast(params) else list(validator.iter_errors(params))
    if errors:
        # One problem per param: the most specific error (the deepest schema path, e.g. a
        # conditional `then` over the plain property).
        by_param: dict[str | None, ValidationError] = {}
        for error in errors:
            name = str(error.path[0]) if error.path else _unknown_param(error, params, spec)
            kept = by_param.get(name)
            if kept is None or len(error.absolute_schema_path) > len(kept.absolute_schema_path):
                by_param[name] = error
        order = list(spec.params["properties"])
        for name, error in sorted(by_param.items(), key=lambda item: _param_rank(order, item[0])):
            result.add("bad_params", _param_message(spec, name, error), node_id=node_id, param=name)
    elif spec.check is not None:
        # Cross-field rules run on schema-valid params only.
        for param, message in spec.check(params):
            result.add("bad_params", message, node_id=node_id, param=param)
    return len(result.problems) == before


def _param_rank(order: list[str], name: str | None) -> tuple[int, str]:
    # The form's order first, then unknown params by name, then whole-object errors.
    if name in order:
        return (order.index(name), "")
    return (len(order) + (name is None), name or "")


def _unknown_param(error: ValidationError, params: Mapping[str, Any], spec: NodeSpec) -> str | None:
    if error.validator == "additionalProperties":
        extra = sorted(str(k) for k in params if k not in spec.params["properties"])
        return extra[0][:64] if extra else None
    return None


def _param_message(spec: NodeSpec, name: str | None, error: ValidationError) -> str:
    if name is None:
        return f"{spec.title}: {error.message[:200]}"
    prop = spec.params["properties"].get(name)
    if prop is None:
        return f"{spec.title} has no parameter {name!r}."
    title = prop.get("title", name)
    if error.instance == "" and "pattern" in prop:
        return f"{title} is required."
    if error.validator == "enum":
        return f"{title} must be one of: {', '.join(map(str, prop['enum']))}."
    if error.validator in ("minimum", "maximum"):
        return f"{title} must be between {prop['minimum']:,} and {prop['maximum']:,}."
    if error.validator == "type":
        return f"{title} must be {'an integer' if error.validator_value == 'integer' else error.validator_value}."
    return f"{title}: {error.message[:200]}"


def _check_edges(result: Analysis, edges: list[Any], node_ids: set[str]) -> list[tuple[str, str]]:
    """Record each valid connection on its target node; returns (source, target) pairs."""
    pairs: list[tuple[str, str]] = []
    seen: set[str] = set()
    for index, raw in enumerate(edges):
        if not isinstance(raw, dict):
            result.add("bad_shape", f"Connection #{index + 1} is not an object.")
            continue
        edge_id = raw.get("id")
        if not isinstance(edge_id, str) or not _ID_RE.match(edge_id):
            result.add(
                "bad_shape",
                f"Connection #{index + 1} needs an id of 1-64 letters, digits or _.:- characters.",
            )
            continue
        if edge_id in seen:
            result.add("duplicate_id", f"Two connections have the id {edge_id!r}.", edge_id=edge_id)
            continue
        seen.add(edge_id)
        source, target = raw.get("source"), raw.get("target")
        out_port, in_port = raw.get("sourceHandle"), raw.get("targetHandle")
        if not (
            isinstance(source, str)
            and isinstance(target, str)
            and isinstance(out_port, str)
            and isinstance(in_port, str)
        ):
            result.add(
                "bad_shape",
                "A connection needs source, sourceHandle, target and targetHandle strings.",
                edge_id=edge_id,
            )
            continue
        result.wired_to_broken.add((target, in_port))  # until the connection proves good
        if source not in node_ids or target not in node_ids:
            missing = source if source not in node_ids else target
            result.add(
                "dangling_edge",
                f"Connection {edge_id!r} points at a node that does not exist ({missing[:64]!r}).",
                node_id=target if target in node_ids else None,
                port=in_port[:64] if target in node_ids else None,
                edge_id=edge_id,
            )
            continue
        src, dst = result.nodes.get(source), result.nodes.get(target)
        if src is None or dst is None:
            continue  # a node of unknown type: already reported
        if src.spec.output(out_port) is None:
            result.add(
                "dangling_edge",
                f"{src.spec.title} has no output {out_port[:64]!r}.",
                node_id=source,
                port=out_port[:64],
                edge_id=edge_id,
            )
            continue
        if dst.spec.input(in_port) is None:
            result.add(
                "dangling_edge",
                f"{dst.spec.title} has no input {in_port[:64]!r}.",
                node_id=target,
                port=in_port[:64],
                edge_id=edge_id,
            )
            continue
        if in_port in dst.sources:
            result.add(
                "duplicate_input",
                f"Input {in_port!r} is already connected; an input takes one connection.",
                node_id=target,
                port=in_port,
                edge_id=edge_id,
            )
            continue
        dst.sources[in_port] = (source, out_port)
        result.wired_to_broken.discard((target, in_port))
        pairs.append((source, target))
    return pairs


def _order(result: Analysis, pairs: list[tuple[str, str]]) -> None:
    """Topological order (stable: ties keep the graph's node order); nodes on a cycle are reported."""
    indegree = dict.fromkeys(result.nodes, 0)
    children: dict[str, list[str]] = {node_id: [] for node_id in result.nodes}
    for source, target in pairs:
        indegree[target] += 1
        children[source].append(target)
    ready = [node_id for node_id, degree in indegree.items() if degree == 0]
    order: list[str] = []
    while ready:
        # Kahn's algorithm; popping the earliest node keeps the order deterministic.
        node_id = ready.pop(0)
        order.append(node_id)
        for child in children[node_id]:
            indegree[child] -= 1
            if indegree[child] == 0:
                ready.append(child)
    result.order = order
    if len(order) < len(result.nodes):
        placed = set(order)
        for node_id in result.nodes:
            if node_id not in placed:
                result.add(
                    "cycle",
                    "This node is on a loop (or fed by one): a bot's connections must not loop back.",
                    node_id=node_id,
                )


def _resolve_types(result: Analysis) -> None:
    """Fix each node's type variable and check every connection's types, in topological order."""
    for node_id in result.order:
        node = result.nodes[node_id]
        spec = node.spec
        var = spec.type_var
        if var is not None and var.param is not None:
            node.type = str(node.params.get(var.param)) if node.params_ok else None
        elif var is not None:
            for port in spec.inputs:
                if port.type != "T" or port.name not in node.sources:
                    continue
                found = _source_type(result, node, port.name)
                if found is None:
                    continue
                if found not in var.allowed:
                    result.add(
                        "type_mismatch",
                        f"{spec.title} works on {', '.join(var.allowed)}, not {found}.",
                        node_id=node_id,
                        port=port.name,
                    )
                elif node.type is None:
                    node.type = found
                elif found != node.type:
                    result.add(
                        "type_mismatch",
                        f"Input {port.name!r} is a {found}, but the other inputs are {node.type}: "
                        "connect values of the same type.",
                        node_id=node_id,
                        port=port.name,
                    )
        for port in spec.inputs:
            if port.type == "T" or port.name not in node.sources:
                continue
            found = _source_type(result, node, port.name)
            if found is not None and found != port.type:
                result.add(
                    "type_mismatch",
                    f"Input {port.name!r} takes a {port.type}, not a {found}.",
                    node_id=node_id,
                    port=port.name,
                )
        for out in spec.outputs:
            node.out_types[out.name] = node.type if out.type == "T" else out.type
            if out.nullable is None:
                node.out_nullable[out.name] = any(_source_nullable(result, node, p) for p in node.sources)
            else:
                node.out_nullable[out.name] = out.nullable


def _source_type(result: Analysis, node: Node, port: str) -> str | None:
    source_id, out_port = node.sources[port]
    return result.nodes[source_id].out_types.get(out_port)


def _source_nullable(result: Analysis, node: Node, port: str) -> bool:
    source_id, out_port = node.sources[port]
    return result.nodes[source_id].out_nullable.get(out_port, True)


def _check_inputs(result: Analysis) -> None:
    for node in result.nodes.values():
        # With bad params only the unconditionally required inputs are known.
        required = (
            node.spec.required(node.params)
            if node.params_ok
            else frozenset(p.name for p in node.spec.inputs if p.required)
        )
        missing = required - node.sources.keys()
        if not missing:
            continue
        for name in sorted(missing, key=_port_index(node.spec)):
            if (node.id, name) in result.wired_to_broken:
                continue
            port = node.spec.input(name)
            if port is None:  # required() only names the spec's own inputs
                continue
            if port.type == MARKET:
                result.add(
                    "unbound_market",
                    f"{node.spec.title} reads or trades a market: connect the market node to its Market input.",
                    node_id=node.id,
                    port=name,
                )
            else:
                result.add(
                    "missing_input", f"Connect {port.title!r}: it is required.", node_id=node.id, port=name
                )


def _port_index(spec: NodeSpec) -> Any:
    names = [p.name for p in spec.inputs]
    return names.index


def _check_whole(result: Analysis) -> None:
    categories = [node.spec.category for node in result.nodes.values()]
    markets = [node.id for node in result.nodes.values() if node.spec.category == "market"]
    if not markets:
        result.add("no_market", "Add a market node: it says which market(s) the bot trades.")
    for extra in markets[1:]:
        result.add(
            "multiple_markets",
            "A bot has exactly one market node (it is evaluated per market); remove this one or make "
            "another bot.",
            node_id=extra,
        )
    if "trigger" not in categories:
        result.add("no_trigger", "Add a trigger: it decides when the bot is evaluated.")
    if "action" not in categories:
        result.add("no_action", "Add an action: without one the bot never does anything.")
