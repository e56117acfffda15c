"""Reads for bots, versions and templates; bots are always scoped to the acting user."""

from __future__ import annotations

from django.db.models import Max, QuerySet

from accounts.models import User
from builder.models import Bot, BotVersion, Template
from core.errors import NotFoundError


def bot_list(*, user: User) -> QuerySet[Bot]:
    return Bot.objects.filter(owner=user).annotate(latest_version=Max("versions__number"))


def bot_get(*, user: User, bot_id: int) -> Bot:
    try:
        return bot_list(user=user).get(pk=bot_id)
    except Bot.DoesNotExist:
        raise NotFoundError("No such bot.") from None


def version_list(*, user: User, bot_id: int) -> QuerySet[BotVersion]:
    bot = bot_get(user=user, bot_id=bot_id)
    return BotVersion.objects.filter(bot=bot).order_by("-number")


def version_get(*, user: User, bot_id: int, number: int) -> BotVersion:
    try:
        return version_list(user=user, bot_id=bot_id).get(number=number)
    except BotVersion.DoesNotExist:
        raise NotFoundError(f"This bot has no version {number}.") from None


def template_list() -> QuerySet[Template]:
    return Template.objects.all()


def template_get(*, slug: str) -> Template:
    try:
        return Template.objects.get(slug=slug)
    except Template.DoesNotExist:
        raise NotFoundError("No such template.") from None
