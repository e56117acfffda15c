"""Throttling of sign-ins and sign-ups with counters in the cache (Redis in every real deployment).

- Sign-in: LOGIN_FAILURE_LIMIT failures for one (address, email) lock that pair, and
  LOGIN_IP_FAILURE_LIMIT failures from one address across any emails (password spraying) lock the
  address, both for LOGIN_FAILURE_WINDOW_SECONDS from the first failure.
- Sign-up: REGISTER_LIMIT attempts per address per REGISTER_WINDOW_SECONDS.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache


def _key(kind: str, *parts: str) -> str:
    digest = hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]
    return f"{kind}:{digest}"


def _pair_key(ip_address: str, email: str) -> str:
    return _key("login-failures", ip_address, email.lower())


def _address_key(ip_address: str) -> str:
    return _key("login-failures-ip", ip_address)


def _register_key(ip_address: str) -> str:
    return _key("register-attempts", ip_address)


def _count(key: str) -> int:
    return int(cache.get(key, 0))


def _bump(key: str, window_seconds: int) -> None:
    # add() starts the window on the first event; incr() keeps it (the window is not extended).
    if not cache.add(key, 1, timeout=window_seconds):
        try:
            cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.add(key, 1, timeout=window_seconds)


def login_is_locked(*, ip_address: str, email: str) -> bool:
    pair_limit: int = settings.LOGIN_FAILURE_LIMIT
    address_limit: int = settings.LOGIN_IP_FAILURE_LIMIT
    return (
        _count(_pair_key(ip_address, email)) >= pair_limit
        or _count(_address_key(ip_address)) >= address_limit
    )


def login_failure_record(*, ip_address: str, email: str) -> None:
    _bump(_pair_key(ip_address, email), settings.LOGIN_FAILURE_WINDOW_SECONDS)
    _bump(_address_key(ip_address), settings.LOGIN_FAILURE_WINDOW_SECONDS)


def login_failures_clear(*, ip_address: str, email: str) -> None:
    """After a successful sign-in. The address's count stays: one account the sprayer owns must
    not reset the limit for all the others."""
    cache.delete(_pair_key(ip_address, email))


def registration_is_throttled(*, ip_address: str) -> bool:
    limit: int = settings.REGISTER_LIMIT
    return _count(_register_key(ip_address)) >= limit


def registration_record(*, ip_address: str) -> None:
    _bump(_register_key(ip_address), settings.REGISTER_WINDOW_SECONDS)
