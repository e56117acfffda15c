"""`compile_graph(graph)`: a validated graph -> an immutable `Plan` holding one straight-line
Python function.

Why generate code: a bot is evaluated for every book change of every market it trades, so an
evaluation must cost about as much as the arithmetic in it (DESIGN §6, issue 6: >= 1,000,000
evaluations/s for a 20-node graph). Each node's spec writes a few lines; the plan's function runs
them in topological order, keeping every port value in a local and returning them all as the trace.

Safety: the source is built only from the specs' own text, integer/bool literals (`lit` refuses
anything else) and fixed code for validated enum values. Every string from the graph (node ids,
tickers, messages) is bound as an opaque global of the plan's own namespace (`const`) and never
appears in the source; nothing is compiled from a graph that `validate` rejects.
"""

from __future__ import annotations

import builtins
import hashlib
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

from builder.graph.events import Event
from builder.graph.intents import Intent, IntentKind
from builder.graph.spec import Literal_
from builder.graph.validate import Analysis, Node, Problem, analyze

State = dict[str, Any]
Trace = tuple[Any, ...]
RunFn = Callable[[Event, Mapping[str, Any], int], tuple[State, list[Intent], Trace]]


class GraphInvalid(ValueError):
    """compile_graph was given a graph `validate` rejects; `problems` says why."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"the graph has {len(problems)} problem(s): {problems[0]['message']}")
        self.problems = problems


@dataclass(frozen=True, slots=True)
class MarketSelector:
    """What the execution engine resolves into markets: a ticker, an event's open markets, or the
    current (next to close) open market of a series."""

    kind: Literal["ticker", "event", "series"]
    value: str
    node_id: str


@dataclass(frozen=True, slots=True, eq=False)
class Plan:
    """A compiled graph. Immutable; evaluate it with `evaluate(plan, event, state, now)`.

    `trace_keys[i]` is the (node id, output port) of `trace[i]`; outputs that never change (a
    constant's) are in `constants` instead, with their value. `inputs` maps each (node id, input
    port) to the index of the output feeding it, to ("constant", value) when a constant feeds it,
    or to ("default", value) when unconnected. The engine schedules timer events for
    `timer_periods` (seconds, aligned to the clock) and close-warning events `close_leads` seconds
    before each market closes.
    """

    graph_hash: str
    node_ids: tuple[str, ...]
    node_types: Mapping[str, tuple[str, int]]
    trace_keys: tuple[tuple[str, str], ...]
    constants: Mapping[tuple[str, str], Literal_]
    inputs: Mapping[tuple[str, str], int | tuple[str, Literal_]]
    market: MarketSelector
    timer_periods: tuple[int, ...]
    close_leads: tuple[int, ...]
    state_keys: tuple[str, ...]
    source: str
    run: RunFn


def market_bindings(plan: Plan) -> tuple[MarketSelector, ...]:
    """The market selections the engine must resolve (one today: a graph has one market node)."""
    return (plan.market,)


_SELECTORS: dict[str, tuple[Literal["ticker", "event", "series"], str]] = {
    "market.ticker": ("ticker", "ticker"),
    "market.event": ("event", "event_ticker"),
    "market.series_current": ("series", "series_ticker"),
}


def compile_graph(graph: object) -> Plan:
    """Validate and compile a graph; raises GraphInvalid with every problem if it is not valid."""
    analysis = analyze(graph)
    if analysis.problems:
        raise GraphInvalid(analysis.problems)
    return _generate(analysis, hashlib.sha256(analysis.canonical).hexdigest())  # = content_hash(graph)


class _Codegen:
    """Collects the function's lines, names and constants."""

    def __init__(self, analysis: Analysis) -> None:
        self.analysis = analysis
        self.lines: list[str] = []
        self.consts: dict[str, object] = {}
        self._const_names: dict[tuple[type, object], str] = {}
        self.out_names: dict[tuple[str, str], str] = {}
        self.trace_keys: list[tuple[str, str]] = []
        self.constants: dict[tuple[str, str], Literal_] = {}  # outputs that are literals
        # (key const, new state, changed condition, read in a branch)
        self.state: list[tuple[str, str, str | None, bool]] = []
        self.lazy_states: set[str] = set()  # nodes whose state is read in a branch
        self.state_reads: list[tuple[str, str]] = []  # (local, key const name)
        self.state_defaults: dict[str, object] = {}  # node id -> state before the first evaluation
        self.state_keys: list[str] = []
        self.market_id = next(n.id for n in analysis.nodes.values() if n.spec.category == "market")
        self._counter = 0

    def name(self, prefix: str) -> str:
        self._counter += 1
        return f"{prefix}{self._counter}"

    def const(self, value: object) -> str:
        # Strings are shared by value, helpers and classes by identity (a tuple of types: faster
        # than `str | int`).
        key = (type(value), value if isinstance(value, (str, int)) else id(value))
        name = self._const_names.get(key)
        if name is None:
            name = self._const_names[key] = self.name("c")
            self.consts[name] = value
        return name


class _NodeContext:
    """The EmitContext of one node (see builder.graph.spec)."""

    def __init__(self, gen: _Codegen, node: Node) -> None:
        self._gen = gen
        self._node = node
        self._state_read: str | None = None

    @property
    def params(self) -> Mapping[str, Any]:
        return self._node.params

    @property
    def type(self) -> str | None:
        return self._node.type

    def connected(self, port: str) -> bool:
        return port in self._node.sources

    def inp(self, port: str) -> str:
        source = self._node.sources.get(port)
        if source is not None:
            return self._gen.out_names[source]
        spec_port = self._node.spec.input(port)
        if spec_port is None:
            raise KeyError(f"{self._node.spec.key} has no input {port!r}")
        return self.lit(spec_port.default)

    def maybe_null(self, port: str) -> bool:
        source = self._node.sources.get(port)
        if source is None:
            spec_port = self._node.spec.input(port)
            return spec_port is None or spec_port.default is None
        return self._gen.analysis.nodes[source[0]].out_nullable.get(source[1], True)

    def fixed(self, port: str) -> tuple[Literal_] | None:
        source = self._node.sources.get(port)
        if source is None:
            spec_port = self._node.spec.input(port)
            return None if spec_port is None else (spec_port.default,)
        if source in self._gen.constants:
            return (self._gen.constants[source],)
        return None

    def out(self, port: str) -> str:
        return self._gen.out_names[(self._node.id, port)]

    def lit(self, value: Literal_) -> str:
        # The only way a graph's value reaches the source text: ints, bools and None, by repr.
        if value is None or type(value) is bool or type(value) is int:
            return repr(value)
        raise TypeError(f"refusing to inline {type(value).__name__} into generated code")

    def const(self, value: object) -> str:
        return self._gen.const(value)

    def node(self) -> str:
        return self._gen.const(self._node.id)

    def market(self) -> str:
        return self._gen.out_names[(self._gen.market_id, "market")]

    def tmp(self) -> str:
        return self._gen.name("t")

    def line(self, code: str) -> None:
        self._gen.lines.append("    " + code)

    def state_get(self, default: object, *, here: str | None = None) -> str:
        if self._state_read is None:
            self._state_read = self._gen.name("s")
            key = self._gen.const(self._node.id)
            if here is None:  # hoisted to the top of the function (it depends on nothing else)
                self._gen.state_reads.append((self._state_read, key))
                self._gen.state_defaults[self._node.id] = default
            else:  # a missing key is the default (a state may lack it until the node's first write)
                self.line(f"{here}{self._state_read} = st.get({key}, {self.const(default)})")
                self._gen.lazy_states.add(self._node.id)
        return self._state_read

    def state_set(self, expr: str, changed: str | None = None) -> None:
        lazy = self._node.id in self._gen.lazy_states
        if lazy and changed is None:
            raise ValueError(f"{self._node.spec.key}: a state read in a branch needs `changed`")
        self._gen.state.append((self._gen.const(self._node.id), expr, changed, lazy))
        self._gen.state_keys.append(self._node.id)

    def intent(self, indent: str, kind: IntentKind, market: str, seq: str, *fields: str) -> None:
        values = (self.node(), market, seq, *fields)
        arity = len(kind._fields)
        if len(values) != arity:
            raise TypeError(f"{kind.__name__} has {arity} fields, the emitter gave {len(values)}")
        # tuple.__new__ skips NamedTuple's Python-level __new__ (see intents.py).
        self.line(f"{indent}I.append({self.const(tuple.__new__)}({self.const(kind)}, ({', '.join(values)})))")

    def constant(self, port: str, value: Literal_) -> None:
        self._gen.out_names[(self._node.id, port)] = self.lit(value)
        self._gen.constants[(self._node.id, port)] = value


# Whether the body reads `m.`, `a.` or `k` (as whole names). Written with the literal first and
# the word boundary as a lookbehind, so the regex engine can scan for the literal: `\ba\.` tries
# every position and costs ~0.5 ms on a 200-node body that never reads the account.
_USES_MARKET = re.compile(r"m\.(?<!\wm\.)")
_USES_ACCOUNT = re.compile(r"a\.(?<!\wa\.)")
_USES_KIND = re.compile(r"k(?<!\wk)\b")


def _finish_state(entries: list[tuple[str, str, str | None, bool]]) -> tuple[list[str], str]:
    """The lines that build the new state, and the expression returned as the state."""
    if not entries:
        return [], "{}"
    hoisted = ", ".join(f"{key}: {expr}" for key, expr, _, lazy in entries if not lazy)
    branch_read = [(key, expr, changed) for key, expr, changed, lazy in entries if lazy]
    if not branch_read:
        new = [f"st = {{{hoisted}}}"]
    else:
        # Keys read in a branch may be missing (they are their default): keep what `st` holds,
        # and write each only when it changed (the branch that read it ran).
        new = [f"st = {{**st, {hoisted}}}" if hoisted else "st = {**st}"]
        new += [f"if {changed}: st[{key}] = {expr}" for key, expr, changed in branch_read]
    conditions = [changed for _, _, changed, _ in entries]
    if not all(conditions):
        return ["    " + line for line in new], "st"
    # Every node can tell when its state is unchanged: when none changed, the state read is
    # returned as it is (no new dict; the engine can skip saving it, `new is old`).
    return [
        f"    if {' or '.join(f'({c})' for c in conditions)}:",
        *("        " + line for line in new),
    ], "st"


def _generate(analysis: Analysis, graph_hash: str) -> Plan:
    gen = _Codegen(analysis)
    nodes = analysis.nodes
    for node_id in analysis.order:
        for out in nodes[node_id].spec.outputs:
            gen.out_names[(node_id, out.name)] = gen.name("v")
            gen.trace_keys.append((node_id, out.name))
    for node_id in analysis.order:
        # No per-node comment lines: every line of source costs CPython's compile() time.
        node = nodes[node_id]
        node.spec.emit(_NodeContext(gen, node))

    body = "\n".join(gen.lines)
    prologue = []
    if _USES_MARKET.search(body):
        prologue.append("    m = ev.market")
    if _USES_ACCOUNT.search(body):
        prologue.append("    a = ev.account")
    if _USES_KIND.search(body):
        prologue.append("    k = ev.kind")
    if gen.state_reads:
        # A state this plan returned has every key: plain subscripts. A new or partial one
        # (the first evaluation in a market) is completed with the defaults, once, by calling
        # the plan again (the caller's dict is never modified).
        # Several keys are read by one itemgetter call (a C loop, and far less source to compile
        # than a subscript per key); it raises KeyError like the subscripts.
        defaults = gen.const(MappingProxyType(dict(gen.state_defaults)))
        prologue.append("    try:")
        if len(gen.state_reads) == 1:
            [(local, key)] = gen.state_reads
            prologue.append(f"        {local} = st[{key}]")
        else:
            getter = gen.const(operator.itemgetter(*(gen.consts[key] for _, key in gen.state_reads)))
            prologue.append(f"        {', '.join(local for local, _ in gen.state_reads)} = {getter}(st)")
        prologue.append("    except KeyError:")
        prologue.append(f"        return run(ev, {{**{defaults}, **st}}, now)")
    # Constants are left out of the trace (the plan holds them): less to build per evaluation.
    traced = [key for key in gen.trace_keys if key not in gen.constants]
    trace = ", ".join(gen.out_names[key] for key in traced)
    finish, state = _finish_state(gen.state)
    # Constants are the globals of the plan's own module namespace (a fresh dict per plan), read
    # by specialised LOAD_GLOBAL as fast as closure cells; no factory function around `run`, so
    # there is less to compile and nothing to copy into the frame on each call.
    source = "\n".join(
        [
            "def run(ev, st, now):",
            *prologue,
            "    I = []",
            *gen.lines,
            *finish,
            f"    return {state}, I, ({trace}{',' if len(traced) == 1 else ''})",
            "",
        ]
    )
    namespace: dict[str, Any] = {"__builtins__": builtins, **gen.consts}
    exec(builtins.compile(source, f"<plan {graph_hash[:12]}>", "exec"), namespace)  # noqa: S102 (see module docstring)
    run = namespace["run"]

    trace_index = {key: i for i, key in enumerate(traced)}
    inputs: dict[tuple[str, str], int | tuple[str, Literal_]] = {}
    for node_id in analysis.order:
        node = nodes[node_id]
        for port in node.spec.inputs:
            source_key = node.sources.get(port.name)
            if source_key is None:
                inputs[(node_id, port.name)] = ("default", port.default)
            elif source_key in gen.constants:
                inputs[(node_id, port.name)] = ("constant", gen.constants[source_key])
            else:
                inputs[(node_id, port.name)] = trace_index[source_key]
    market = next(node for node in nodes.values() if node.spec.category == "market")
    kind, param = _SELECTORS[market.spec.type]
    return Plan(
        graph_hash=graph_hash,
        node_ids=tuple(analysis.order),
        node_types=MappingProxyType(
            {node_id: (node.spec.type, node.spec.version) for node_id, node in nodes.items()}
        ),
        trace_keys=tuple(traced),
        constants=MappingProxyType(gen.constants),
        inputs=MappingProxyType(inputs),
        market=MarketSelector(kind, str(market.params[param]), market.id),
        timer_periods=tuple(
            sorted({n.params["seconds"] for n in nodes.values() if n.spec.type == "trigger.every"})
        ),
        close_leads=tuple(
            sorted(
                {n.params["minutes"] * 60 for n in nodes.values() if n.spec.type == "trigger.before_close"}
            )
        ),
        state_keys=tuple(gen.state_keys),
        source=source,
        run=run,
    )
