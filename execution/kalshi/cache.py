"""Market-metadata cache (markets, events, series) with single flight.

Kalshi suggests caching metadata for 5-30 s. Values live in a shared backend (the Django cache,
Redis in production; the adapter is on the Django side) for `ttl` seconds. When a key is missing,
one caller fetches it: inside a process the others wait for that caller's result (or error),
and across processes a short lock in the backend (`add`, set-if-absent) makes the others poll
the backend instead of calling the exchange.

A miss is only a hint: by the time a caller becomes the leader (in this process, or by taking the
backend lock), the previous leader may have stored the value and left. So the leader looks in the
backend again after each step that made it the leader, and fetches only when the value is still
missing.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, Protocol, TypeVar

T = TypeVar("T")
_MISSING = object()


class CacheBackend(Protocol):
    """The subset of Django's cache API the metadata cache needs."""

    def get(self, key: str, default: Any = None) -> Any: ...

    def set(self, key: str, value: Any, timeout: float | None = None) -> None: ...

    def add(self, key: str, value: Any, timeout: float | None = None) -> bool: ...

    def delete(self, key: str) -> Any: ...


class MemoryBackend:
    """A process-local backend (tests, scripts); entries expire after their timeout."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._data: dict[str, tuple[float, Any]] = {}

    def get(self, key: str, default: Any = None) -> Any:
        with self._lock:
            entry = self._data.get(key)
            if entry is None or entry[0] <= self._clock():
                return default
            return entry[1]

    def set(self, key: str, value: Any, timeout: float | None = None) -> None:
        with self._lock:
            self._data[key] = (self._clock() + (timeout if timeout is not None else 1e12), value)

    def add(self, key: str, value: Any, timeout: float | None = None) -> bool:
        with self._lock:
            entry = self._data.get(key)
            if entry is not None and entry[0] > self._clock():
                return False
            self._data[key] = (self._clock() + (timeout if timeout is not None else 1e12), value)
            return True

    def delete(self, key: str) -> None:
        with self._lock:
            self._data.pop(key, None)


class MetadataCache:
    """get-or-fetch with a TTL and single flight (per process and across processes)."""

    def __init__(
        self,
        backend: CacheBackend,
        *,
        ttl: float = 15.0,
        lock_ttl: float = 10.0,
        poll: float = 0.02,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.backend = backend
        self.ttl = ttl
        self.lock_ttl = lock_ttl
        self.poll = poll
        self._sleep = sleep
        self._clock = clock
        self._lock = threading.Lock()
        self._inflight: dict[str, Future[Any]] = {}

    def get_or_fetch(self, key: str, fetch: Callable[[], T]) -> T:
        """The cached value of `key`, or `fetch()` run once for every concurrent caller."""
        value = self.backend.get(key, _MISSING)
        if value is not _MISSING:
            return value  # type: ignore[no-any-return]
        with self._lock:
            future = self._inflight.get(key)
            leader = future is None
            if future is None:
                future = self._inflight[key] = Future()
        if not leader:
            return future.result()  # type: ignore[no-any-return]
        try:
            # The miss above may be stale: a leader that finished after our read has stored it.
            cached = self.backend.get(key, _MISSING)
            result: T = self._fetch_once(key, fetch) if cached is _MISSING else cached
        except BaseException as exc:
            future.set_exception(exc)
            raise
        else:
            future.set_result(result)
            return result
        finally:
            with self._lock:
                self._inflight.pop(key, None)

    def _fetch_once(self, key: str, fetch: Callable[[], T]) -> T:
        """Across processes: whoever adds the lock fetches; the others poll the backend."""
        lock_key = f"{key}:lock"
        token = uuid.uuid4().hex
        deadline = self._clock() + self.lock_ttl
        while not self.backend.add(lock_key, token, self.lock_ttl):
            self._sleep(self.poll)
            value = self.backend.get(key, _MISSING)
            if value is not _MISSING:
                return value  # type: ignore[no-any-return]
            if self._clock() >= deadline:
                break  # the holder died or is very slow: fetch ourselves
        try:
            # Another process may have stored the value and released the lock just before we took it.
            value = self.backend.get(key, _MISSING)
            if value is not _MISSING:
                return value  # type: ignore[no-any-return]
            value = fetch()
            self.backend.set(key, value, self.ttl)
            return value
        finally:
            if self.backend.get(lock_key) == token:
                self.backend.delete(lock_key)

    def invalidate(self, key: str) -> None:
        """Forget a key (e.g. after a lifecycle event changed the market)."""
        self.backend.delete(key)
