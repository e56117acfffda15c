"""Control actions: notify the owner, pause the bot."""

from __future__ import annotations

from builder.graph.catalog.actions import FIRE_ON, FIRED, emit_action
from builder.graph.intents import Notify, PauseBot
from builder.graph.ports import BOOL
from builder.graph.spec import EmitContext, NodeSpec, Port, p_enum, p_str, params_schema

WHEN = Port("when", BOOL, "When", "The action fires when this becomes true.")
# Printable text only: messages are shown in the editor and sent on as they are.
TEXT_PATTERN = r"^[^\u0000-\u001f\u007f]+$"


def _emit_notify(ctx: EmitContext) -> None:
    message = ctx.const(ctx.params["message"])
    level = "'warning'" if ctx.params["level"] == "warning" else "'info'"

    def build(ind: str, seq: str) -> None:
        # No market input, but still never for a market that is not the bot's.
        ctx.line(f"{ind}if {ctx.market()} is not None:")
        ctx.intent(f"{ind}    ", Notify, ctx.market(), seq, message, level)
        ctx.line(f"{ind}    {ctx.out('fired')} = True")

    emit_action(ctx, ctx.inp("when"), build)


def _emit_pause(ctx: EmitContext) -> None:
    reason = ctx.const(ctx.params["reason"])

    def build(ind: str, seq: str) -> None:
        ctx.line(f"{ind}if {ctx.market()} is not None:")
        ctx.intent(f"{ind}    ", PauseBot, ctx.market(), seq, reason)
        ctx.line(f"{ind}    {ctx.out('fired')} = True")

    emit_action(ctx, ctx.inp("when"), build)


SPECS = (
    NodeSpec(
        type="action.notify",
        version=1,
        title="Notify",
        category="action",
        help="Send the bot's owner a message (shown on the run).",
        inputs=(WHEN,),
        outputs=(FIRED,),
        params=params_schema(
            message=p_str("Message", "What to say.", "Bot signal", pattern=TEXT_PATTERN, max_length=200),
            level=p_enum("Level", "How loud.", "info", [("info", "Info"), ("warning", "Warning")]),
            fire_on=FIRE_ON,
        ),
        emit=_emit_notify,
    ),
    NodeSpec(
        type="action.pause_bot",
        version=1,
        title="Pause bot",
        category="action",
        help="Pause the whole run (every market), as the run's Pause button does; resuming is up to you.",
        inputs=(WHEN,),
        outputs=(FIRED,),
        params=params_schema(
            reason=p_str(
                "Reason", "Shown on the run.", "Paused by the bot", pattern=TEXT_PATTERN, max_length=200
            ),
            fire_on=FIRE_ON,
        ),
        emit=_emit_pause,
    ),
)
