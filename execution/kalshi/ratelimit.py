"""Kalshi's token buckets (API.md §8), enforced on our side so we rarely see a 429.

Two buckets per credential, read and write, refilled continuously; each request costs tokens
(default 10, V2 cancel 2 per order, batches the sum of their items). The limiter *reserves*:
a caller takes its tokens at once, possibly driving the bucket into debt, and is told how long
to wait before sending. Reservations are served in arrival order, so the combined rate of every
process stays within the budget and nobody starves. When the wait would exceed `max_wait`,
nothing is taken and the caller gets `RateLimitWaitTooLong`.

`RedisRateLimiter` shares the buckets between processes with one atomic Lua script (the clock
is Redis's own `TIME`, so hosts with skewed clocks agree); `InMemoryRateLimiter` has the same
interface for one process and for tests.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal, Protocol

from execution.kalshi.errors import OrderRequestError, RateLimitWaitTooLong

BucketName = Literal["read", "write"]
DEFAULT_COST: Final = 10
CANCEL_COST: Final = 2  # V2 cancel, per order (batch cancel of 25 = 50)


@dataclass(frozen=True, slots=True)
class BucketLimit:
    """Refill rate (tokens per second) and capacity (burst) of one bucket."""

    rate: float
    capacity: int


@dataclass(frozen=True, slots=True)
class Limits:
    """The read and write buckets of one usage tier."""

    read: BucketLimit
    write: BucketLimit

    def bucket(self, name: BucketName) -> BucketLimit:
        return self.read if name == "read" else self.write

    def with_headroom(self, rate_fraction: float = 0.98, tokens: int = DEFAULT_COST) -> Limits:
        """Slightly tighter buckets than the exchange's. Our bucket starts counting at our first
        reservation, the exchange's at the first arrival; if that first request travels slower
        than a later one, an exact copy would be a few tokens ahead of the exchange and earn a 429.
        One request of burst and 2% of rate absorb that."""
        return Limits(
            BucketLimit(self.read.rate * rate_fraction, max(tokens, self.read.capacity - tokens)),
            BucketLimit(self.write.rate * rate_fraction, max(tokens, self.write.capacity - tokens)),
        )


def _tier(read: int, write: int, read_capacity: int, write_capacity: int) -> Limits:
    return Limits(BucketLimit(read, read_capacity), BucketLimit(write, write_capacity))


# Capacity: 2 s of budget for Basic/Advanced read buckets and for write buckets above Basic,
# 1 s otherwise (API.md §8).
TIERS: Final[Mapping[str, Limits]] = {
    "basic": _tier(200, 100, 400, 100),
    "advanced": _tier(300, 300, 600, 600),
    "expert": _tier(600, 600, 600, 1200),
    "premier": _tier(1000, 1000, 1000, 2000),
    "paragon": _tier(2000, 2000, 2000, 4000),
    "prime": _tier(4000, 4000, 4000, 8000),
    "prestige": _tier(10_000, 8000, 10_000, 16_000),
}
BASIC: Final = TIERS["basic"]


def endpoint_cost(method: str, path: str, body: Any = None) -> tuple[BucketName, int]:
    """(bucket, tokens) of a request; `path` is relative to /trade-api/v2, without query."""
    method = method.upper()
    if method == "GET":
        return "read", DEFAULT_COST
    writes = path.startswith(("/portfolio/events/orders", "/portfolio/orders", "/portfolio/order_groups"))
    if not writes:
        return "read", DEFAULT_COST
    items = body.get("orders") if isinstance(body, dict) else None
    n = len(items) if isinstance(items, list) else 1
    if path == "/portfolio/events/orders/batched":
        return "write", (CANCEL_COST if method == "DELETE" else DEFAULT_COST) * n
    if method == "DELETE" and path.startswith("/portfolio/events/orders/"):
        return "write", CANCEL_COST
    return "write", DEFAULT_COST


class RateLimiter(Protocol):
    """Token buckets keyed by credential and bucket name."""

    def reserve(self, key: str, cost: int, limit: BucketLimit, max_wait: float) -> float | None:
        """Take `cost` tokens now; the seconds to wait before sending, or None (nothing taken)
        when the wait would exceed `max_wait`."""
        ...


def acquire(
    limiter: RateLimiter,
    key: str,
    cost: int,
    limit: BucketLimit,
    *,
    max_wait: float,
    sleep: Callable[[float], None] = time.sleep,
) -> float:
    """Reserve and wait; returns the seconds waited. Raises when the wait would be too long."""
    if cost > limit.capacity:
        raise OrderRequestError(
            f"This request costs {cost} rate-limit tokens but the bucket holds at most {limit.capacity}; "
            "split the batch."
        )
    wait = limiter.reserve(key, cost, limit, max_wait)
    if wait is None:
        raise RateLimitWaitTooLong()
    if wait > 0:
        sleep(wait)
    return wait


class InMemoryRateLimiter:
    """The buckets in this process (thread-safe); clock injectable for tests."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._state: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)

    def reserve(self, key: str, cost: int, limit: BucketLimit, max_wait: float) -> float | None:
        """See RateLimiter.reserve."""
        with self._lock:
            now = self._clock()
            tokens, at = self._state.get(key, (float(limit.capacity), now))
            if now > at:
                tokens = min(float(limit.capacity), tokens + (now - at) * limit.rate)
                at = now
            wait = max(0.0, (cost - tokens) / limit.rate)
            if wait > max_wait:
                return None
            self._state[key] = (tokens - cost, at)
            return wait


# KEYS[1] bucket; ARGV rate, capacity, cost, max_wait. Returns {taken (0/1), wait seconds as text}
# (Lua numbers become integers on the way out, so the wait travels as a string).
_RESERVE_LUA: Final = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) + tonumber(now_parts[2]) / 1000000
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local max_wait = tonumber(ARGV[4])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = capacity
  at = now
end
if now > at then
  tokens = math.min(capacity, tokens + (now - at) * rate)
  at = now
end
local wait = 0
if tokens < cost then
  wait = (cost - tokens) / rate
end
if wait > max_wait then
  return {0, tostring(wait)}
end
tokens = tokens - cost
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(at))
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) / rate * 1000) + 1000)
return {1, tostring(wait)}
"""


class RedisRateLimiter:
    """The buckets in Redis, shared by every process using the same credential."""

    def __init__(self, client: Any, prefix: str = "kalshi:ratelimit") -> None:
        # `client` is a redis.Redis; typed loosely so this module needs no Redis import.
        self._script = client.register_script(_RESERVE_LUA)
        self._prefix = prefix

    def reserve(self, key: str, cost: int, limit: BucketLimit, max_wait: float) -> float | None:
        """See RateLimiter.reserve (one round trip, atomic)."""
        taken, wait = self._script(
            keys=[f"{self._prefix}:{key}"], args=[limit.rate, limit.capacity, cost, max_wait]
        )
        seconds = float(wait.decode() if isinstance(wait, bytes) else wait)
        if not taken:
            return None
        return seconds if math.isfinite(seconds) else None
