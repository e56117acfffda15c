from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from builder.graph.schema import empty_graph
from core.errors import ApplicationError


def _immutable() -> ApplicationError:
    return ApplicationError(
        "A published version cannot be changed; publish a new one.", code="version_immutable", status=409
    )


class Bot(models.Model):
    """A user's bot: a mutable draft graph (saved with a revision) and its published versions."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bots")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=2000)
    draft = models.JSONField(default=empty_graph)
    # Bumped by every draft save; a save naming an older revision is refused (409).
    revision = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-updated_at", "-pk")
        indexes = [models.Index(fields=["owner", "-updated_at"])]

    def __str__(self) -> str:
        return self.name


class BotVersionQuerySet(models.QuerySet["BotVersion"]):
    def update(self, **kwargs: Any) -> int:
        """Refused: versions are immutable."""
        raise _immutable()

    def bulk_update(self, objs: Any, fields: Any, batch_size: int | None = None) -> int:
        """Refused before Django opens its transaction (it would update through `update`)."""
        raise _immutable()


class BotVersion(models.Model):
    """An immutable, numbered snapshot of a valid draft.

    Immutable here, not only in the admin: `save()` of a stored row and `objects.update()` /
    `bulk_update()` raise ApplicationError `version_immutable` (409). (Deleting a user still nulls
    `created_by`: Django's deletion collector writes through the base manager, on purpose.)

    Deleting: versions go with their bot (CASCADE); nothing else points at them yet. The run model
    (live execution, a later issue) must hold `version = models.ForeignKey(BotVersion,
    on_delete=models.PROTECT)`: then deleting a bot whose version a run uses raises
    ProtectedError, which `services.bot_delete` already answers with 409 `bot_in_use`.
    """

    bot = models.ForeignKey(Bot, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    graph = models.JSONField()
    content_hash = models.CharField(max_length=64, help_text="SHA-256 of the canonical graph JSON.")
    notes = models.TextField(blank=True, max_length=2000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = BotVersionQuerySet.as_manager()

    class Meta:
        ordering = ("bot", "-number")
        constraints = [models.UniqueConstraint(fields=["bot", "number"], name="bot_version_number_unique")]

    def __str__(self) -> str:
        return f"{self.bot_id} v{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise _immutable()
        super().save(*args, **kwargs)


class Template(models.Model):
    """A ready-made bot shipped with the product (builder/templates_data, loaded by migrations)."""

    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField()
    category = models.CharField(max_length=80)
    graph = models.JSONField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("category", "title")

    def __str__(self) -> str:
        return self.title
