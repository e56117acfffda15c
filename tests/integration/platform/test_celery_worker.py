"""A task round trip through the real Redis broker and a real worker process."""

from __future__ import annotations

import pytest

from core.tasks import ping
from tests.servers import celery_worker

pytestmark = pytest.mark.django_db


def test_a_real_worker_consumes_a_task_over_redis():
    with celery_worker() as worker:
        result = ping.apply_async(queue="default")
        try:
            answer = result.get(timeout=60)
        except Exception:
            worker.terminate()
            raise AssertionError(
                f"no answer from the worker; its output:\n{worker.communicate()[0]}"
            ) from None
    assert answer["status"] == "pong"


def test_healthz_checks_workers_on_request(client):
    with celery_worker():
        # The first ping waits for the worker to boot; /healthz itself allows 3 s.
        ping.apply_async(queue="default").get(timeout=60)
        response = client.get("/healthz?workers=1")
    assert response.status_code == 200
    assert response.json()["checks"]["workers"]["status"] == "ok"


def test_healthz_reports_missing_workers(client):
    response = client.get("/healthz?workers=1")
    assert response.status_code == 503
    assert response.json()["checks"]["workers"]["status"] == "down"
