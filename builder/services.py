"""Writes for bots: create, rename, duplicate, delete, draft saves, publishing, import."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F, Max, ProtectedError
from django.utils import timezone

from accounts.models import User
from builder.graph import validate
from builder.graph.schema import MAX_BYTES, canonical_json, content_hash, empty_graph
from builder.models import Bot, BotVersion
from builder.selectors import bot_get, template_get
from core.errors import ApplicationError

EXPORT_FORMAT = "kalshi-bot-builder/bot"
EXPORT_FORMAT_VERSION = 1


def _check_graph_document(graph: Any) -> dict[str, Any]:
    """A draft may be unfinished, but it must be a graph-shaped object within the size limit."""
    if not isinstance(graph, dict):
        raise ApplicationError("graph: must be a JSON object.", details={"graph": ["Must be a JSON object."]})
    size = len(canonical_json(graph))
    if size > MAX_BYTES:
        raise ApplicationError(
            f"The graph is {size} bytes; the limit is {MAX_BYTES}.",
            code="graph_too_large",
            status=413,
            details={"graph": [f"At most {MAX_BYTES} bytes."]},
        )
    return graph


def _problems_as_errors(graph: Any) -> list[dict[str, object]]:
    return [dict(problem) for problem in validate(graph)]


def graph_validate(*, graph: Any) -> list[dict[str, object]]:
    """Every problem of a graph at once, as the editor shows them."""
    return _problems_as_errors(graph)


@transaction.atomic
def bot_create(*, owner: User, name: str, description: str = "", graph: Any = None) -> Bot:
    draft = empty_graph() if graph is None else _check_graph_document(graph)
    return Bot.objects.create(owner=owner, name=name, description=description, draft=draft)


@transaction.atomic
def bot_update(*, user: User, bot_id: int, name: str | None = None, description: str | None = None) -> Bot:
    bot = bot_get(user=user, bot_id=bot_id)
    fields = ["updated_at"]
    if name is not None:
        bot.name = name
        fields.append("name")
    if description is not None:
        bot.description = description
        fields.append("description")
    bot.save(update_fields=fields)
    return bot_get(user=user, bot_id=bot_id)


@transaction.atomic
def bot_delete(*, user: User, bot_id: int) -> None:
    bot = bot_get(user=user, bot_id=bot_id)
    try:
        bot.delete()
    except ProtectedError:
        raise ApplicationError(
            "This bot has a version that a run uses; stop and remove the run first.",
            code="bot_in_use",
            status=409,
        ) from None


@transaction.atomic
def bot_duplicate(*, user: User, bot_id: int) -> Bot:
    source = bot_get(user=user, bot_id=bot_id)
    return Bot.objects.create(
        owner=user, name=f"Copy of {source.name}"[:200], description=source.description, draft=source.draft
    )


def bot_draft_save(*, user: User, bot_id: int, graph: Any, revision: int) -> int:
    """Save the draft if `revision` is current; returns the new revision, or 409 with the current one."""
    _check_graph_document(graph)
    # A conditional UPDATE instead of a lock: the row changes only if nobody saved in between.
    updated = Bot.objects.filter(pk=bot_id, owner=user, revision=revision).update(
        draft=graph, revision=F("revision") + 1, updated_at=timezone.now()
    )
    if updated:
        return revision + 1
    current = Bot.objects.filter(pk=bot_id, owner=user).values_list("revision", flat=True).first()
    if current is None:
        bot_get(user=user, bot_id=bot_id)  # raises the 404
    raise ApplicationError(
        f"The draft was saved elsewhere since revision {revision}; reload revision {current}.",
        code="stale_revision",
        status=409,
        details={"current_revision": current},
    )


@transaction.atomic
def bot_publish(*, user: User, bot_id: int, notes: str = "") -> BotVersion:
    """Freeze a valid draft as the next version number."""
    bot_get(user=user, bot_id=bot_id)
    bot = Bot.objects.select_for_update().get(pk=bot_id)  # serialises concurrent publishes
    errors = _problems_as_errors(bot.draft)
    if errors:
        raise ApplicationError(
            f"The draft has {len(errors)} problem(s); fix them before publishing.",
            code="invalid_graph",
            details={"errors": errors},
        )
    latest = bot.versions.aggregate(latest=Max("number"))["latest"] or 0
    return BotVersion.objects.create(
        bot=bot,
        number=latest + 1,
        graph=bot.draft,
        content_hash=content_hash(bot.draft),
        notes=notes,
        created_by=user,
    )


@transaction.atomic
def template_instantiate(*, user: User, slug: str) -> Bot:
    template = template_get(slug=slug)
    return Bot.objects.create(
        owner=user, name=template.title, description=template.description, draft=template.graph
    )


def bot_export(*, bot: Bot, graph: Any) -> dict[str, Any]:
    return {
        "format": EXPORT_FORMAT,
        "format_version": EXPORT_FORMAT_VERSION,
        "name": bot.name,
        "description": bot.description,
        "graph": graph,
    }


@transaction.atomic
def bot_import(*, user: User, name: str, description: str, graph: Any) -> Bot:
    """Create a bot from an exported file's fields (the API checked them); the graph must be valid."""
    graph = _check_graph_document(graph)
    errors = _problems_as_errors(graph)
    if errors:
        raise ApplicationError(
            f"The imported graph has {len(errors)} problem(s).",
            code="invalid_graph",
            details={"errors": errors},
        )
    return Bot.objects.create(owner=user, name=name, description=description, draft=graph)
