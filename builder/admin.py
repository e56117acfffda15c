"""Admin: bots and templates; versions are read-only (they are immutable by design)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from builder.models import Bot, BotVersion, Template


@admin.register(Bot)
class BotAdmin(admin.ModelAdmin[Bot]):
    list_display = ("name", "owner", "revision", "updated_at")
    search_fields = ("name", "owner__email")
    readonly_fields = ("owner", "revision", "draft", "created_at", "updated_at")


@admin.register(BotVersion)
class BotVersionAdmin(admin.ModelAdmin[BotVersion]):
    list_display = ("bot", "number", "content_hash", "created_by", "created_at")
    readonly_fields = ("bot", "number", "graph", "content_hash", "notes", "created_by", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Template)
class TemplateAdmin(admin.ModelAdmin[Template]):
    list_display = ("title", "slug", "category", "updated_at")
    readonly_fields = ("slug", "graph", "updated_at")
