"""Shared fixtures: service checks (REQUIRE_SERVICES), users alice/bob, API clients, RSA keys."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

TESTS_DIR = Path(__file__).parent


def _services_problem() -> str | None:
    """None when PostgreSQL and Redis answer, else what is missing."""
    import psycopg
    import redis
    from django.conf import settings

    db = settings.DATABASES["default"]
    try:
        psycopg.connect(
            host=db.get("HOST") or "127.0.0.1",
            port=int(db.get("PORT") or 5432),
            user=db.get("USER") or "postgres",
            password=db.get("PASSWORD") or None,
            dbname="postgres",
            connect_timeout=3,
        ).close()
    except Exception as exc:
        return f"PostgreSQL unreachable: {exc}"
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=3).ping()
    except Exception as exc:
        return f"Redis unreachable at {settings.REDIS_URL}: {exc}"
    return None


def _needs_services(item: pytest.Item) -> bool:
    return (
        item.get_closest_marker("integration") is not None or item.get_closest_marker("django_db") is not None
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).is_relative_to(TESTS_DIR / "integration"):
            item.add_marker(pytest.mark.integration)
    if not any(_needs_services(item) for item in items):
        return
    problem = _services_problem()
    if problem is None:
        return
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.exit(f"REQUIRE_SERVICES=1 but {problem}", returncode=1)
    skip = pytest.mark.skip(reason=f"{problem} (set REQUIRE_SERVICES=1 to make this a failure)")
    for item in items:
        if _needs_services(item):
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _fresh_cache(request: pytest.FixtureRequest) -> None:
    """Tests that use the database also get an empty cache (login throttling, caches)."""
    if (
        _needs_services(request.node)
        or "db" in request.fixturenames
        or "transactional_db" in request.fixturenames
    ):
        from django.core.cache import cache

        cache.clear()


@cache
def rsa_private_key_pem(index: int = 0, bits: int = 2048) -> str:
    """A few RSA keys per session (generating one costs ~100 ms)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()


@pytest.fixture
def alice(db):
    from tests.factories import UserFactory

    return UserFactory.create(email="alice@example.com")


@pytest.fixture
def bob(db):
    from tests.factories import UserFactory

    return UserFactory.create(email="bob@example.com")


@pytest.fixture
def anon_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def alice_client(alice):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(alice)
    return client


@pytest.fixture
def bob_client(bob):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(bob)
    return client
