"""Operational tasks of the platform itself."""

from __future__ import annotations

import socket

from celery import shared_task


@shared_task(name="core.ping", ignore_result=False, acks_late=True, reject_on_worker_lost=True)
def ping() -> dict[str, str]:
    """Answer from a worker, so /healthz?workers=1 can prove tasks are being consumed."""
    return {"status": "pong", "worker": socket.gethostname()}
