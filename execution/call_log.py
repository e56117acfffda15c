"""The Kalshi client's call hook on the Django side: one ExchangeCall row and one structured log
line per call, and the retention pruning."""

from __future__ import annotations

import datetime as dt
import json
import logging

from django.conf import settings
from django.utils import timezone

from execution.kalshi.audit import CallRecord
from execution.models import ExchangeCall

logger = logging.getLogger("execution.exchange_calls")


class ExchangeCallLog:
    """A CallHook that stores each call for a user and credential (ids only, never the key)."""

    def __init__(self, *, user_id: int | None, credential_id: int | None) -> None:
        self.user_id = user_id
        self.credential_id = credential_id

    def __call__(self, record: CallRecord) -> None:
        fields = {
            "user_id": self.user_id,
            "credential_id": self.credential_id,
            "environment": record.environment,
            "method": record.method,
            "path": record.path,
            "status": record.status,
            "latency_ms": round(record.latency_ms, 2),
            "error_code": record.error_code,
            "request_id": record.request_id,
            "attempt": record.attempt,
        }
        logger.info("kalshi call %s", json.dumps(fields, sort_keys=True), extra={"kalshi_call": fields})
        ExchangeCall.objects.create(
            user_id=self.user_id,
            credential_id=self.credential_id,
            environment=record.environment[:16],
            method=record.method[:8],
            path=record.path[:300],
            status=record.status,
            latency_ms=record.latency_ms,
            error_code=record.error_code[:100],
            request_id=(record.request_id or "")[:100],
            attempt=min(record.attempt, 32767),
        )


def exchange_calls_prune(*, now: dt.datetime | None = None, batch_size: int = 10_000) -> int:
    """Delete call rows older than EXCHANGE_CALL_RETENTION_DAYS, in batches; returns the count."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.EXCHANGE_CALL_RETENTION_DAYS)
    deleted = 0
    while True:
        ids = list(
            ExchangeCall.objects.filter(created_at__lt=cutoff).values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return deleted
        deleted += ExchangeCall.objects.filter(pk__in=ids).delete()[0]
