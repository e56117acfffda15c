"""Login throttling: repeated failures for one (address, email) answer 429 for a while."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache


def _key(ip_address: str, email: str) -> str:
    digest = hashlib.sha256(f"{ip_address}|{email.lower()}".encode()).hexdigest()[:32]
    return f"login-failures:{digest}"


def login_is_locked(*, ip_address: str, email: str) -> bool:
    failures = int(cache.get(_key(ip_address, email), 0))
    limit: int = settings.LOGIN_FAILURE_LIMIT
    return failures >= limit


def login_failure_record(*, ip_address: str, email: str) -> None:
    key = _key(ip_address, email)
    # add() starts the window on the first failure; incr() keeps it (the window is not extended).
    if not cache.add(key, 1, timeout=settings.LOGIN_FAILURE_WINDOW_SECONDS):
        try:
            cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.add(key, 1, timeout=settings.LOGIN_FAILURE_WINDOW_SECONDS)


def login_failures_clear(*, ip_address: str, email: str) -> None:
    cache.delete(_key(ip_address, email))
