"""Logic nodes: compare, between, and, or, not. A comparison with a null input is false."""

from __future__ import annotations

from builder.graph.ports import BOOL, NUMERIC
from builder.graph.spec import EmitContext, NodeSpec, Port, TypeVar, p_bool, p_enum, params_schema

# Validated enum value -> Python operator; the user's string never reaches the code.
OPERATORS = {"lt": "<", "le": "<=", "gt": ">", "ge": ">=", "eq": "==", "ne": "!="}
NUMERIC_T = TypeVar(NUMERIC)


def _guards(ctx: EmitContext, *ports: str) -> str:
    return "".join(f"{ctx.inp(p)} is not None and " for p in ports if ctx.maybe_null(p))


def _as_bool(condition: str) -> str:
    """`condition` (already a bool) written as a branch: CPython 3.11 specialises a comparison
    only where it feeds a jump, so this is faster than storing the comparison's result."""
    return f"True if {condition} else False"


def _emit_compare(ctx: EmitContext) -> None:
    op = OPERATORS[ctx.params["op"]]
    test = f"{_guards(ctx, 'a', 'b')}{ctx.inp('a')} {op} {ctx.inp('b')}"
    ctx.line(f"{ctx.out('result')} = {_as_bool(test)}")


def _emit_between(ctx: EmitContext) -> None:
    op = "<=" if ctx.params["inclusive"] else "<"
    x, lo, hi = ctx.inp("x"), ctx.inp("low"), ctx.inp("high")
    test = f"{_guards(ctx, 'x', 'low', 'high')}{lo} {op} {x} {op} {hi}"
    ctx.line(f"{ctx.out('result')} = {_as_bool(test)}")


def _emit_and(ctx: EmitContext) -> None:
    terms = [ctx.inp(p) for p in ("a", "b", "c", "d") if ctx.connected(p)]
    ctx.line(f"{ctx.out('result')} = " + " and ".join(terms))


def _emit_or(ctx: EmitContext) -> None:
    terms = [ctx.inp(p) for p in ("a", "b", "c", "d") if ctx.connected(p)]
    ctx.line(f"{ctx.out('result')} = " + " or ".join(terms))


def _emit_not(ctx: EmitContext) -> None:
    ctx.line(f"{ctx.out('result')} = not {ctx.inp('a')}")


RESULT = Port("result", BOOL, "Result", "")


def _bool_inputs(neutral: bool) -> tuple[Port, ...]:
    extra = "Optional; ignored when not connected."
    return (
        Port("a", BOOL, "A"),
        Port("b", BOOL, "B"),
        Port("c", BOOL, "C", extra, required=False, default=neutral),
        Port("d", BOOL, "D", extra, required=False, default=neutral),
    )


SPECS = (
    NodeSpec(
        type="logic.compare",
        version=1,
        title="Compare",
        category="logic",
        help="Compares two values of the same type. False when either is null.",
        inputs=(Port("a", "T", "A"), Port("b", "T", "B")),
        outputs=(RESULT,),
        params=params_schema(
            op=p_enum(
                "Comparison",
                "A compared with B.",
                "lt",
                [
                    ("lt", "A < B"),
                    ("le", "A ≤ B"),
                    ("gt", "A > B"),
                    ("ge", "A ≥ B"),
                    ("eq", "A = B"),
                    ("ne", "A ≠ B"),
                ],
            )
        ),
        type_var=NUMERIC_T,
        emit=_emit_compare,
    ),
    NodeSpec(
        type="logic.between",
        version=1,
        title="Between",
        category="logic",
        help="True when X lies between Low and High. False when any is null.",
        inputs=(Port("x", "T", "X"), Port("low", "T", "Low"), Port("high", "T", "High")),
        outputs=(RESULT,),
        params=params_schema(
            inclusive=p_bool("Inclusive", "Count Low and High themselves as between.", True)
        ),
        type_var=NUMERIC_T,
        emit=_emit_between,
    ),
    NodeSpec(
        type="logic.and",
        version=1,
        title="And",
        category="logic",
        help="True when all connected inputs are true.",
        inputs=_bool_inputs(True),
        outputs=(RESULT,),
        params=params_schema(),
        emit=_emit_and,
    ),
    NodeSpec(
        type="logic.or",
        version=1,
        title="Or",
        category="logic",
        help="True when any connected input is true.",
        inputs=_bool_inputs(False),
        outputs=(RESULT,),
        params=params_schema(),
        emit=_emit_or,
    ),
    NodeSpec(
        type="logic.not",
        version=1,
        title="Not",
        category="logic",
        help="True when the input is false.",
        inputs=(Port("a", BOOL, "A"),),
        outputs=(RESULT,),
        params=params_schema(),
        emit=_emit_not,
    ),
)
