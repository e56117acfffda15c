"""Execution records. Runs, orders and fills come later; for now the log of exchange calls."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ExchangeCall(models.Model):
    """One HTTP call to an exchange (one attempt). Never holds keys, signatures or headers."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="exchange_calls",
    )
    credential = models.ForeignKey(
        "accounts.ExchangeCredential", on_delete=models.SET_NULL, null=True, blank=True, related_name="calls"
    )
    environment = models.CharField(max_length=16)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=300, help_text="URL path without the query string.")
    status = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Empty when no answer came.")
    latency_ms = models.FloatField()
    error_code = models.CharField(max_length=100, blank=True)
    request_id = models.CharField(max_length=100, blank=True)
    attempt = models.PositiveSmallIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at",)
        indexes = [
            models.Index(fields=["user", "-created_at"]),
            models.Index(fields=["created_at"]),  # retention pruning
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} -> {self.status or self.error_code}"
