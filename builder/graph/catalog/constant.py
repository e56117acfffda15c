"""The constant node: a fixed value of any non-market type."""

from __future__ import annotations

from builder.graph.ports import BOOL, COUNT, DURATION, MONEY, NUMBER, PRICE
from builder.graph.spec import EmitContext, NodeSpec, Port, TypeVar, p_enum

TYPES = (NUMBER, PRICE, COUNT, DURATION, MONEY, BOOL)


def _emit(ctx: EmitContext) -> None:
    ctx.constant("value", ctx.params["value"])


SPECS = (
    NodeSpec(
        type="data.constant",
        version=1,
        title="Constant",
        category="data",
        help="A fixed value. Prices are in $0.0001 (4500 = 45¢), contracts in hundredths (1000 = 10), "
        "durations in seconds, money in micro-dollars.",
        inputs=(),
        outputs=(Port("value", "T", "Value", "The value, of the chosen type."),),
        params={
            "type": "object",
            "properties": {
                "type": p_enum(
                    "Type",
                    "What the value is.",
                    NUMBER,
                    [
                        (NUMBER, "Number"),
                        (PRICE, "Price"),
                        (COUNT, "Contracts"),
                        (DURATION, "Duration (seconds)"),
                        (MONEY, "Money (micro-dollars)"),
                        (BOOL, "Yes/no"),
                    ],
                ),
                "value": {
                    "type": ["integer", "boolean"],
                    "title": "Value",
                    "description": "An integer in the type's unit, or true/false for a yes/no constant.",
                    "default": 0,
                    "minimum": -(10**15),
                    "maximum": 10**15,
                },
            },
            "required": ["type", "value"],
            "additionalProperties": False,
            # A yes/no constant holds a boolean, every other type an integer.
            "if": {"properties": {"type": {"const": BOOL}}},
            "then": {"properties": {"value": {"type": "boolean"}}},
            "else": {"properties": {"value": {"type": "integer"}}},
        },
        type_var=TypeVar(TYPES, param="type"),
        emit=_emit,
    ),
)
