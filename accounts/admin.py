"""Admin: users, tokens, credentials and audit. Key material and token digests are never shown."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest

from accounts.models import ApiToken, AuditEvent, ExchangeCredential, User


@admin.register(User)
class UserAdmin(BaseUserAdmin[User]):
    ordering = ("email",)
    list_display = ("email", "is_staff", "is_active", "date_joined")
    search_fields = ("email",)
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at")
    fields = ("user", "name", "prefix", "created_at", "last_used_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(ExchangeCredential)
class ExchangeCredentialAdmin(admin.ModelAdmin[ExchangeCredential]):
    list_display = ("label", "user", "environment", "key_id", "fingerprint", "created_at")
    list_filter = ("environment",)
    fields = ("user", "environment", "label", "key_id", "fingerprint", "created_at", "updated_at")
    readonly_fields = ("user", "environment", "key_id", "fingerprint", "created_at", "updated_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Keys are added through the API, which validates and encrypts them.
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin[AuditEvent]):
    list_display = ("created_at", "user", "action", "target", "ip_address")
    list_filter = ("action",)
    readonly_fields = ("created_at", "user", "action", "target", "ip_address")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
