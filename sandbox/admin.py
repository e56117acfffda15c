"""Django admin for the sandbox's definitions (trading state lives in the journal)."""

from __future__ import annotations

from django.contrib import admin

from sandbox.models import (
    SandboxAccount,
    SandboxApiKey,
    SandboxDeposit,
    SandboxEvent,
    SandboxMarket,
    SandboxSeries,
)


@admin.register(SandboxAccount)
class SandboxAccountAdmin(admin.ModelAdmin[SandboxAccount]):
    list_display = ("name", "id", "is_simulator", "created_at")
    search_fields = ("name", "id")


@admin.register(SandboxApiKey)
class SandboxApiKeyAdmin(admin.ModelAdmin[SandboxApiKey]):
    list_display = ("key_id", "account", "created_at", "revoked_at")
    readonly_fields = ("public_key_pem",)


@admin.register(SandboxDeposit)
class SandboxDepositAdmin(admin.ModelAdmin[SandboxDeposit]):
    list_display = ("account", "amount_cents", "journaled", "created_at")


@admin.register(SandboxSeries)
class SandboxSeriesAdmin(admin.ModelAdmin[SandboxSeries]):
    list_display = ("ticker", "title", "fee_type", "fee_multiplier_bp")


@admin.register(SandboxEvent)
class SandboxEventAdmin(admin.ModelAdmin[SandboxEvent]):
    list_display = ("event_ticker", "series", "title")


@admin.register(SandboxMarket)
class SandboxMarketAdmin(admin.ModelAdmin[SandboxMarket]):
    list_display = ("ticker", "event", "open_time", "close_time")
