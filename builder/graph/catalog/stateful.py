"""Nodes that remember: crossings, moving average, change over a window, cooldown, once per
market, count in a window. Their memory is per market, JSON (lists, ints, bools, null), and part
of the state `evaluate` returns."""

from __future__ import annotations

from builder.graph.ports import BOOL, NUMBER, NUMERIC
from builder.graph.spec import EmitContext, Emitter, NodeSpec, Port, TypeVar, p_int, params_schema

NUMERIC_T = TypeVar(NUMERIC)
MAX_WINDOW_EVENTS = 1000  # count-in-window remembers at most this many timestamps


def _not_null(ctx: EmitContext, *ports: str) -> str:
    """A condition that the (possibly null) inputs are all non-null ("True" if none can be)."""
    terms = [f"{ctx.inp(p)} is not None" for p in ports if ctx.maybe_null(p)]
    return " and ".join(terms) or "True"


def _crosses(above: bool) -> Emitter:
    def emit(ctx: EmitContext) -> None:
        a, b, out = ctx.inp("a"), ctx.inp("b"), ctx.out("result")
        prev = ctx.state_get(None)
        # Crossing above: A was at or below B at the previous evaluation and is above it now.
        was, now_ = ("<=", ">") if above else (">=", "<")
        ctx.line(
            # `None not in prev`: both previous values were non-null (they are numbers or None).
            f"{out} = {prev} is not None and None not in {prev} "
            f"and {_not_null(ctx, 'a', 'b')} and {prev}[0] {was} {prev}[1] and {a} {now_} {b}"
        )
        ctx.state_set(f"[{a}, {b}]")

    return emit


def _sampled(ctx: EmitContext) -> str:
    cond = _not_null(ctx, "x")
    return cond if not ctx.connected("sample") else f"{ctx.inp('sample')} and {cond}"


def _emit_moving_average(ctx: EmitContext) -> None:
    window = ctx.params["window"]
    memory = ctx.state_get(None)  # [samples, average] or None before the first sample
    samples, out = ctx.tmp(), ctx.out("average")
    ctx.line(f"if {_sampled(ctx)}:")
    ctx.line(
        f"    {samples} = [*{memory}[0][-{ctx.lit(window - 1)}:], {ctx.inp('x')}] if {memory} else [{ctx.inp('x')}]"
    )
    ctx.line(
        f"    {out} = sum({samples}) // {ctx.lit(window)} if len({samples}) == {ctx.lit(window)} else None"
    )
    ctx.line(f"    {memory} = [{samples}, {out}]")
    ctx.line("else:")
    ctx.line(f"    {out} = {memory}[1] if {memory} else None")
    ctx.state_set(memory)


def _emit_change(ctx: EmitContext) -> None:
    window = ctx.params["window"]
    samples, x, out = ctx.state_get(None), ctx.inp("x"), ctx.out("change")
    # The window keeps window + 1 samples: the latest and the one `window` samples before it.
    ctx.line(f"if {_sampled(ctx)}:")
    ctx.line(f"    {samples} = [*{samples}[-{ctx.lit(window)}:], {x}] if {samples} else [{x}]")
    ctx.line(
        f"{out} = {x} - {samples}[0] if {_not_null(ctx, 'x')} and {samples} "
        f"and len({samples}) == {ctx.lit(window + 1)} else None"
    )
    ctx.state_set(samples)


def _emit_cooldown(ctx: EmitContext) -> None:
    last, out = ctx.state_get(None), ctx.out("result")
    ctx.line(
        f"{out} = {ctx.inp('when')} and ({last} is None or now - {last} >= {ctx.lit(ctx.params['seconds'] * 1000)})"
    )
    ctx.state_set(f"now if {out} else {last}", changed=out)


def _emit_once(ctx: EmitContext) -> None:
    done, out = ctx.state_get(False), ctx.out("result")
    ctx.line(f"{out} = {ctx.inp('when')} and not {done}")
    ctx.state_set(f"{done} or {out}", changed=out)


def _emit_count(ctx: EmitContext) -> None:
    stamps, cut = ctx.state_get(None), ctx.tmp()
    ctx.line(f"{cut} = now - {ctx.lit(ctx.params['seconds'] * 1000)}")
    # Drop what left the window only when something did (the common case costs one comparison).
    ctx.line(f"if {stamps} and {stamps}[0] <= {cut}: {stamps} = [t for t in {stamps} if t > {cut}]")
    ctx.line(
        f"if {ctx.inp('when')}: {stamps} = [*{stamps}[-{ctx.lit(MAX_WINDOW_EVENTS - 1)}:], now] if {stamps} else [now]"
    )
    ctx.line(f"{ctx.out('count')} = len({stamps}) if {stamps} else 0")
    ctx.state_set(stamps)


WHEN = Port("when", BOOL, "When", "")
SAMPLE = Port(
    "sample",
    BOOL,
    "Sample",
    "Take a sample only when this is true (e.g. wire an 'Every N seconds' trigger for time bars). "
    "Not connected: every evaluation is a sample.",
    required=False,
    default=True,
)
WINDOW = p_int("Window", "Number of samples.", 10, minimum=2, maximum=500, unit="samples")

SPECS = (
    NodeSpec(
        type="logic.crosses_above",
        version=1,
        title="Crosses above",
        category="logic",
        help="True when A goes from at or below B (previous evaluation) to above B (this one).",
        inputs=(Port("a", "T", "A"), Port("b", "T", "B")),
        outputs=(Port("result", BOOL, "Crossed", ""),),
        params=params_schema(),
        type_var=NUMERIC_T,
        emit=_crosses(above=True),
    ),
    NodeSpec(
        type="logic.crosses_below",
        version=1,
        title="Crosses below",
        category="logic",
        help="True when A goes from at or above B (previous evaluation) to below B (this one).",
        inputs=(Port("a", "T", "A"), Port("b", "T", "B")),
        outputs=(Port("result", BOOL, "Crossed", ""),),
        params=params_schema(),
        type_var=NUMERIC_T,
        emit=_crosses(above=False),
    ),
    NodeSpec(
        type="logic.moving_average",
        version=1,
        title="Moving average",
        category="logic",
        help="The average of the last N samples of X, rounded down. Null until N samples were taken.",
        inputs=(Port("x", "T", "X"), SAMPLE),
        outputs=(Port("average", "T", "Average", "", nullable=True),),
        params=params_schema(window=WINDOW),
        type_var=NUMERIC_T,
        emit=_emit_moving_average,
    ),
    NodeSpec(
        type="logic.change",
        version=1,
        title="Change over window",
        category="logic",
        help="X now minus X N samples ago. Null until N + 1 samples were taken.",
        inputs=(Port("x", "T", "X"), SAMPLE),
        outputs=(Port("change", "T", "Change", "", nullable=True),),
        params=params_schema(window=WINDOW),
        type_var=NUMERIC_T,
        emit=_emit_change,
    ),
    NodeSpec(
        type="logic.cooldown",
        version=1,
        title="Cooldown",
        category="logic",
        help="Passes When through, but at most once every N seconds.",
        inputs=(WHEN,),
        outputs=(Port("result", BOOL, "Result", ""),),
        params=params_schema(
            seconds=p_int(
                "Cooldown", "Seconds to wait after passing.", 60, minimum=1, maximum=86_400, unit="seconds"
            )
        ),
        emit=_emit_cooldown,
    ),
    NodeSpec(
        type="logic.once_per_market",
        version=1,
        title="Once per market",
        category="logic",
        help="True the first time When is true in a market, never again in that market.",
        inputs=(WHEN,),
        outputs=(Port("result", BOOL, "Result", ""),),
        params=params_schema(),
        emit=_emit_once,
    ),
    NodeSpec(
        type="logic.count_in_window",
        version=1,
        title="Count in window",
        category="logic",
        help=f"How many evaluations in the last N seconds had When true (at most {MAX_WINDOW_EVENTS}).",
        inputs=(WHEN,),
        outputs=(Port("count", NUMBER, "Count", ""),),
        params=params_schema(
            seconds=p_int(
                "Window", "How far back, in seconds.", 60, minimum=1, maximum=86_400, unit="seconds"
            )
        ),
        emit=_emit_count,
    ),
)
