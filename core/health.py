"""/healthz: is each service this process depends on reachable? 503 when one is not.

The body is public (load balancers, uptime checks), so a failed check shows only the error's
class; the detail (hosts, ports, messages) goes to the log."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from config.celery_app import app as celery_app

logger = logging.getLogger(__name__)


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_cache() -> None:
    key = "healthz:probe"
    cache.set(key, "ok", timeout=10)
    if cache.get(key) != "ok":
        raise RuntimeError("cache did not return the value just written")


def _check_broker() -> None:
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


def _check_workers() -> None:
    from core.tasks import ping

    # Only on request (?workers=1): it costs a round trip through the broker and a worker.
    ping.apply_async(queue="default").get(timeout=3)


def _run(name: str, check: Callable[[], None]) -> dict[str, object]:
    started = time.perf_counter()
    try:
        check()
    except Exception as exc:
        logger.warning("Health check %s failed: %s: %s", name, type(exc).__name__, exc)
        return {"status": "down", "error": type(exc).__name__}
    return {"status": "ok", "latency_ms": round((time.perf_counter() - started) * 1000, 2)}


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks: dict[str, Callable[[], None]] = {"database": _check_database, "cache": _check_cache}
    if not settings.EMBEDDED:
        checks["broker"] = _check_broker
        if request.GET.get("workers") == "1":
            checks["workers"] = _check_workers
    results = {name: _run(name, check) for name, check in checks.items()}
    healthy = all(r["status"] == "ok" for r in results.values())
    response = JsonResponse(
        {"status": "ok" if healthy else "degraded", "embedded": settings.EMBEDDED, "checks": results},
        status=200 if healthy else 503,
    )
    # Each failed check is logged above as a warning; django.request would add an ERROR line
    # ("Service Unavailable: /healthz") for every probe while a service is down.
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response
