"""Integer arithmetic on typed values. A null input gives a null output; division rounds down."""

from __future__ import annotations

from builder.graph.ports import NUMBER, NUMERIC
from builder.graph.spec import EmitContext, Emitter, NodeSpec, Port, TypeVar, params_schema

NUMERIC_T = TypeVar(NUMERIC)


def _guarded(ctx: EmitContext, expr: str, *ports: str) -> str:
    """`expr`, or None when one of the (possibly null) inputs is null."""
    nullable = [ctx.inp(p) for p in ports if ctx.maybe_null(p)]
    if not nullable:
        return expr
    return f"{expr} if " + " and ".join(f"{v} is not None" for v in nullable) + " else None"


def _binary(template: str) -> Emitter:
    def emit(ctx: EmitContext) -> None:
        expr = template.format(a=ctx.inp("a"), b=ctx.inp("b"))
        ctx.line(f"{ctx.out('result')} = {_guarded(ctx, expr, 'a', 'b')}")

    return emit


def _emit_divide(ctx: EmitContext) -> None:
    a, b = ctx.inp("a"), ctx.inp("b")
    guard = "".join(f"{ctx.inp(p)} is not None and " for p in ("a", "b") if ctx.maybe_null(p))
    ctx.line(f"{ctx.out('result')} = {a} // {b} if {guard}{b} else None")


def _emit_abs(ctx: EmitContext) -> None:
    a = ctx.inp("a")
    ctx.line(f"{ctx.out('result')} = {_guarded(ctx, f'({a} if {a} >= 0 else -{a})', 'a')}")


def _emit_clamp(ctx: EmitContext) -> None:
    x, lo, hi, low_clamped = ctx.inp("x"), ctx.inp("low"), ctx.inp("high"), ctx.tmp()
    nullable = [ctx.inp(p) for p in ("x", "low", "high") if ctx.maybe_null(p)]
    out = ctx.out("result")
    if nullable:
        ctx.line("if " + " and ".join(f"{v} is not None" for v in nullable) + ":")
        ctx.line(
            f"    {low_clamped} = {lo} if {x} < {lo} else {x}; {out} = {hi} if {low_clamped} > {hi} else {low_clamped}"
        )
        ctx.line(f"else: {out} = None")
    else:
        ctx.line(
            f"{low_clamped} = {lo} if {x} < {lo} else {x}; {out} = {hi} if {low_clamped} > {hi} else {low_clamped}"
        )


RESULT = Port("result", "T", "Result", "", nullable=None)


def _spec(
    type_: str, title: str, help_: str, emit: Emitter, inputs: tuple[Port, ...], result: Port = RESULT
) -> NodeSpec:
    return NodeSpec(
        type=type_,
        version=1,
        title=title,
        category="math",
        help=help_,
        inputs=inputs,
        outputs=(result,),
        params=params_schema(),
        type_var=NUMERIC_T,
        emit=emit,
    )


AB = (Port("a", "T", "A"), Port("b", "T", "B"))
A_TIMES = (Port("a", "T", "A"), Port("b", NUMBER, "B", "A plain number."))

SPECS = (
    _spec("math.add", "Add", "A + B.", _binary("{a} + {b}"), AB),
    _spec("math.subtract", "Subtract", "A - B.", _binary("{a} - {b}"), AB),
    _spec("math.multiply", "Multiply", "A * B, where B is a plain number.", _binary("{a} * {b}"), A_TIMES),
    _spec(
        "math.divide",
        "Divide",
        "A / B, where B is a plain number, rounded down to an integer. Null when B is 0.",
        _emit_divide,
        A_TIMES,
        Port("result", "T", "Result", "", nullable=True),
    ),
    _spec("math.min", "Minimum", "The smaller of A and B.", _binary("({a} if {a} <= {b} else {b})"), AB),
    _spec("math.max", "Maximum", "The larger of A and B.", _binary("({a} if {a} >= {b} else {b})"), AB),
    _spec("math.abs", "Absolute value", "|A|.", _emit_abs, (Port("a", "T", "A"),)),
    _spec(
        "math.clamp",
        "Clamp",
        "X limited to [Low, High] (High wins if Low > High).",
        _emit_clamp,
        (Port("x", "T", "X"), Port("low", "T", "Low"), Port("high", "T", "High")),
    ),
)
