from __future__ import annotations

import logging

import pytest
from django.db import connections
from django.test import override_settings

from tests.servers import free_port

pytestmark = pytest.mark.django_db


def test_healthz_reports_each_service(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "broker"}
    assert all(check["status"] == "ok" for check in body["checks"].values())


def test_healthz_is_503_when_the_cache_is_down(client):
    dead_cache = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2},
        }
    }
    # Django swaps the cache handlers when CACHES changes (django.test.signals).
    with override_settings(CACHES=dead_cache):
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["cache"]["status"] == "down"
    assert body["checks"]["database"]["status"] == "ok"
    assert "127.0.0.1" not in response.content.decode()


def test_healthz_is_503_when_the_broker_is_down(client, monkeypatch):
    from config.celery_app import app

    monkeypatch.setattr(app.conf, "broker_url", "redis://127.0.0.1:1/0")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["status"] == "down"


def test_healthz_is_503_when_the_database_is_down(client, monkeypatch, caplog):
    from core import health

    # A second connection to the same database, on a port where nothing listens.
    dead_port = free_port()
    real = connections["default"]
    dead = type(real)(dict(real.settings_dict, PORT=dead_port, CONN_MAX_AGE=0), "default")
    monkeypatch.setattr(health, "connection", dead)
    with caplog.at_level(logging.WARNING):
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["database"] == {"status": "down", "error": "OperationalError"}
    assert body["checks"]["cache"]["status"] == "ok"
    # The public body names no host or port; the log has the detail, as a warning.
    assert str(dead_port) not in response.content.decode()
    assert "127.0.0.1" not in response.content.decode()
    failures = [r for r in caplog.records if "Health check database failed" in r.getMessage()]
    assert [r.levelno for r in failures] == [logging.WARNING]
    assert str(dead_port) in failures[0].getMessage()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
