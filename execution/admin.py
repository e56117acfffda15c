from __future__ import annotations

from django.contrib import admin

from execution.models import ExchangeCall


@admin.register(ExchangeCall)
class ExchangeCallAdmin(admin.ModelAdmin[ExchangeCall]):
    """Read-only: the call log is written by the Kalshi client only."""

    list_display = (
        "created_at",
        "user",
        "environment",
        "method",
        "path",
        "status",
        "error_code",
        "latency_ms",
    )
    list_filter = ("environment", "method", "status")
    search_fields = ("path", "error_code", "request_id")
    date_hierarchy = "created_at"

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
