"""Token buckets (API.md §8) and the single-flight metadata cache, with injected clocks."""

from __future__ import annotations

import threading
import time

import pytest

from execution.kalshi.cache import MemoryBackend, MetadataCache
from execution.kalshi.errors import OrderRequestError, RateLimitWaitTooLong
from execution.kalshi.ratelimit import (
    BASIC,
    TIERS,
    BucketLimit,
    InMemoryRateLimiter,
    acquire,
    endpoint_cost,
)


@pytest.mark.parametrize(
    ("method", "path", "body", "expected"),
    [
        ("GET", "/markets", None, ("read", 10)),
        ("GET", "/portfolio/orders", None, ("read", 10)),
        ("POST", "/portfolio/events/orders", {"ticker": "T"}, ("write", 10)),
        ("DELETE", "/portfolio/events/orders/abc", None, ("write", 2)),
        ("POST", "/portfolio/events/orders/abc/amend", {}, ("write", 10)),
        ("POST", "/portfolio/events/orders/abc/decrease", {}, ("write", 10)),
        ("POST", "/portfolio/events/orders/batched", {"orders": [{}] * 4}, ("write", 40)),
        ("DELETE", "/portfolio/events/orders/batched", {"orders": [{}] * 25}, ("write", 50)),
    ],
)
def test_endpoint_costs_follow_kalshi(method, path, body, expected):
    assert endpoint_cost(method, path, body) == expected


def test_tiers_have_kalshis_budgets():
    assert (BASIC.read.rate, BASIC.read.capacity, BASIC.write.rate, BASIC.write.capacity) == (
        200,
        400,
        100,
        100,
    )
    assert TIERS["premier"].write.capacity == 2000


def test_a_full_bucket_serves_a_burst_then_paces_to_the_refill_rate():
    clock = [0.0]
    limiter = InMemoryRateLimiter(clock=lambda: clock[0])
    limit = BucketLimit(rate=100, capacity=100)
    waits = [limiter.reserve("k", 10, limit, max_wait=10) for _ in range(15)]
    assert waits[:10] == [0.0] * 10
    assert waits[10:] == pytest.approx([0.1, 0.2, 0.3, 0.4, 0.5])
    clock[0] = 10.0  # long idle: refilled, but never beyond capacity
    assert [limiter.reserve("k", 10, limit, max_wait=10) for _ in range(10)] == [0.0] * 10
    assert limiter.reserve("k", 10, limit, max_wait=10) == pytest.approx(0.1)


def test_buckets_are_separate_per_key():
    limiter = InMemoryRateLimiter(clock=lambda: 0.0)
    limit = BucketLimit(rate=10, capacity=10)
    assert limiter.reserve("alice:write", 10, limit, 0) == 0
    assert limiter.reserve("bob:write", 10, limit, 0) == 0
    assert limiter.reserve("alice:write", 10, limit, 0) is None


def test_too_long_a_wait_takes_nothing():
    clock = [0.0]
    limiter = InMemoryRateLimiter(clock=lambda: clock[0])
    limit = BucketLimit(rate=10, capacity=10)
    limiter.reserve("k", 10, limit, 0)
    assert limiter.reserve("k", 10, limit, max_wait=0.5) is None
    clock[0] = 1.0
    assert limiter.reserve("k", 10, limit, max_wait=0) == 0.0  # the refused call took nothing


def test_acquire_sleeps_the_reserved_wait_or_raises():
    limiter = InMemoryRateLimiter(clock=lambda: 0.0)
    limit = BucketLimit(rate=10, capacity=10)
    slept: list[float] = []
    assert acquire(limiter, "k", 10, limit, max_wait=5, sleep=slept.append) == 0
    assert acquire(limiter, "k", 10, limit, max_wait=5, sleep=slept.append) == pytest.approx(1.0)
    assert slept == [pytest.approx(1.0)]
    with pytest.raises(RateLimitWaitTooLong):
        acquire(limiter, "k", 10, limit, max_wait=0.1, sleep=slept.append)
    with pytest.raises(OrderRequestError, match="split the batch"):
        acquire(limiter, "k", 20, limit, max_wait=5, sleep=slept.append)


def test_a_hundred_concurrent_callers_cause_one_upstream_call():
    cache = MetadataCache(MemoryBackend(), ttl=15)
    calls = []
    release = threading.Event()

    def fetch():
        calls.append(1)
        release.wait(5)
        return {"ticker": "T"}

    results = []
    threads = [
        threading.Thread(target=lambda: results.append(cache.get_or_fetch("market:T", fetch)))
        for _ in range(100)
    ]
    for thread in threads:
        thread.start()
    time.sleep(0.05)
    release.set()
    for thread in threads:
        thread.join(5)
    assert len(calls) == 1
    assert results == [{"ticker": "T"}] * 100


def test_a_failed_fetch_reaches_every_waiting_caller_and_is_not_cached():
    cache = MetadataCache(MemoryBackend())
    with pytest.raises(ValueError, match="down"):
        cache.get_or_fetch("k", lambda: (_ for _ in ()).throw(ValueError("down")))
    assert cache.get_or_fetch("k", lambda: 7) == 7


def test_values_expire_after_the_ttl():
    clock = [0.0]
    cache = MetadataCache(MemoryBackend(clock=lambda: clock[0]), ttl=15, clock=lambda: clock[0])
    assert cache.get_or_fetch("k", lambda: 1) == 1
    clock[0] = 14.9
    assert cache.get_or_fetch("k", lambda: 2) == 1
    clock[0] = 15.0
    assert cache.get_or_fetch("k", lambda: 3) == 3


def test_another_process_holding_the_lock_is_waited_for_not_duplicated():
    backend = MemoryBackend()
    backend.add("k:lock", "other-process", 10)
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) == 3:
            backend.set("k", "their value", 15)

    cache = MetadataCache(backend, sleep=sleep)
    assert cache.get_or_fetch("k", lambda: "ours") == "their value"


def test_a_dead_lock_holder_does_not_block_forever():
    clock = [0.0]
    backend = MemoryBackend(clock=lambda: 0.0)
    backend.add("k:lock", "dead-process", 1000)

    def sleep(seconds: float) -> None:
        clock[0] += seconds

    cache = MetadataCache(backend, lock_ttl=1.0, poll=0.25, sleep=sleep, clock=lambda: clock[0])
    assert cache.get_or_fetch("k", lambda: "fetched") == "fetched"


class StaleReadBackend(MemoryBackend):
    """A slow backend: `get` reads, then (for one chosen thread) stalls before answering, so the
    caller acts on a miss that is stale by the time it returns."""

    def __init__(self) -> None:
        super().__init__()
        self.stall_thread: int | None = None
        self.read_done = threading.Event()
        self.resume = threading.Event()

    def get(self, key, default=None):
        value = super().get(key, default)
        if threading.get_ident() == self.stall_thread:
            self.stall_thread = None
            self.read_done.set()
            self.resume.wait(5)
        return value


def test_a_caller_that_becomes_leader_after_the_previous_leader_finished_does_not_fetch_again():
    backend = StaleReadBackend()
    cache = MetadataCache(backend)
    calls: list[int] = []

    def fetch():
        calls.append(1)
        return {"ticker": "T"}

    late: list[object] = []

    def late_caller():
        backend.stall_thread = threading.get_ident()
        late.append(cache.get_or_fetch("market:T", fetch))

    thread = threading.Thread(target=late_caller)
    thread.start()
    assert backend.read_done.wait(5)  # the late caller has seen the miss...
    assert cache.get_or_fetch("market:T", fetch) == {"ticker": "T"}  # ...a leader fetched and left
    backend.resume.set()
    thread.join(5)
    assert late == [{"ticker": "T"}]
    assert len(calls) == 1


def test_a_value_another_process_stored_just_before_we_took_the_lock_is_used():
    class OtherProcessFinishes(MemoryBackend):
        def add(self, key, value, timeout=None):
            if key.endswith(":lock"):
                # The other process stores its value and releases its lock right before our add.
                self.set(key.removesuffix(":lock"), "their value", 15)
            return super().add(key, value, timeout)

    backend = OtherProcessFinishes()
    cache = MetadataCache(backend)
    calls: list[int] = []

    def fetch() -> str:
        calls.append(1)
        return "ours"

    assert cache.get_or_fetch("k", fetch) == "their value"
    assert calls == []
    assert backend.get("k:lock") is None  # our lock was released
