"""Thin tasks for execution: ids in, call one service."""

from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError

from execution.call_log import exchange_calls_prune


@shared_task(
    name="execution.prune_exchange_calls",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
)
def prune_exchange_calls() -> int:
    """Drop exchange-call rows past the retention period (scheduled daily by beat)."""
    return exchange_calls_prune()
