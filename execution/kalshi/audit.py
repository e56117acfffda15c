"""The call log: every exchange call reported to a hook, without keys, signatures or headers."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One HTTP exchange call (one attempt: a retried call produces one record per attempt).

    `path` is the URL path without the query string; `status` is None when no answer came
    (timeout, connection error); `error_code` is Kalshi's code (or a local one such as `timeout`)."""

    method: str
    path: str
    status: int | None
    latency_ms: float
    error_code: str
    request_id: str | None
    credential_id: str | None
    attempt: int
    environment: str


class CallHook(Protocol):
    """Receives each CallRecord. Must be quick and must not raise (errors are logged and dropped)."""

    def __call__(self, record: CallRecord) -> None: ...


def emit(hook: CallHook | None, record: CallRecord) -> None:
    """Give a record to the hook; a failing hook never breaks trading."""
    if hook is None:
        return
    try:
        hook(record)
    except Exception:
        logger.exception("kalshi call hook failed for %s %s", record.method, record.path)
