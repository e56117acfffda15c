"""The Kalshi client's call hook on the Django side: one ExchangeCall row and one structured log
line per call, and the retention pruning.

The hook is synchronous (the REST client is). Called from a thread it writes the row at once.
Called on a running event loop (a client used from async code), where Django refuses ORM calls,
it hands the row to one background writer thread instead, so the record is not lost and the
loop is not blocked. Any row that cannot be stored is logged as a warning with its fields.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait

from django.conf import settings
from django.db import close_old_connections, connections, transaction
from django.utils import timezone

from execution.kalshi.audit import CallRecord
from execution.models import ExchangeCall

logger = logging.getLogger("execution.exchange_calls")
_writer_lock = threading.Lock()
_writer: ThreadPoolExecutor | None = None
_pending: set[Future[None]] = set()


def _background_writer() -> ThreadPoolExecutor:
    global _writer
    with _writer_lock:
        if _writer is None:
            _writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="exchange-call-log")
        return _writer


def flush_exchange_calls(timeout: float | None = 10.0) -> None:
    """Wait until the rows handed to the background writer are stored (tests, shutdown)."""
    with _writer_lock:
        pending = list(_pending)
    wait(pending, timeout=timeout)


def _in_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


class ExchangeCallLog:
    """A CallHook that stores each call for a user and credential (ids only, never the key)."""

    def __init__(self, *, user_id: int | None, credential_id: int | None) -> None:
        self.user_id = user_id
        self.credential_id = credential_id

    def __call__(self, record: CallRecord) -> None:
        fields: dict[str, object] = {
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
        if not _in_event_loop():
            self._store(record, fields)
            return
        writer = _background_writer()
        with _writer_lock:
            future = writer.submit(self._store_in_background, record, fields)
            _pending.add(future)
        future.add_done_callback(_forget)

    def _store_in_background(self, record: CallRecord, fields: dict[str, object]) -> None:
        close_old_connections()  # a long-lived thread: drop a connection the database closed
        try:
            self._store(record, fields)
        finally:
            with _writer_lock:
                idle = len(_pending) <= 1  # only this row was waiting
            if idle:
                connections.close_all()  # this thread's connections: none held while idle

    def _store(self, record: CallRecord, fields: dict[str, object]) -> None:
        try:
            # A savepoint when called inside a transaction: a failed insert leaves it usable.
            with transaction.atomic():
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
        except Exception as exc:
            # Never breaks trading, never vanishes silently: the log line above and this warning.
            logger.warning(
                "kalshi call not stored (%s: %s) %s",
                type(exc).__name__,
                exc,
                json.dumps(fields, sort_keys=True),
                extra={"kalshi_call": fields},
            )


def _forget(future: Future[None]) -> None:
    with _writer_lock:
        _pending.discard(future)


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
