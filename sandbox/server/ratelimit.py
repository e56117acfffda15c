"""Kalshi's token buckets (API.md §8): a read and a write bucket per member, refilled continuously.

Every request costs tokens (default 10; V2 cancel 2 per order; batches the sum of their items).
Over budget: 429 with body ``{"error": "too many requests"}``, no Retry-After, no penalty.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

DEFAULT_COST: Final = 10
CANCEL_COST: Final = 2


@dataclass(frozen=True)
class Tier:
    """Refill rate (tokens/s) and capacity of the read and write buckets."""

    name: str
    read_rate: int
    read_capacity: int
    write_rate: int
    write_capacity: int


# Basic: 200 read / 100 write tokens per second; capacity 2 s of budget for the read bucket and
# 1 s for the Basic write bucket (API.md §8).
TIERS: Final = {
    "basic": Tier("basic", 200, 400, 100, 100),
    "advanced": Tier("advanced", 300, 600, 300, 600),
    "premier": Tier("premier", 1_000, 1_000, 1_000, 2_000),
}


class _Bucket:
    __slots__ = ("tokens", "updated")

    def __init__(self, capacity: int, now: float) -> None:
        self.tokens = float(capacity)
        self.updated = now


class RateLimiter:
    """Token buckets by (member or client address, read|write); `tier=None` disables limiting."""

    def __init__(self, tier: Tier | None, clock: Callable[[], float] = time.monotonic) -> None:
        self.tier = tier
        self._clock = clock
        self._buckets: dict[tuple[str, bool], _Bucket] = {}

    def capacity(self, write: bool) -> int:
        """Bucket capacity (a batch must fit it whole); unlimited without a tier."""
        if self.tier is None:
            return 1 << 30
        return self.tier.write_capacity if write else self.tier.read_capacity

    def allow(self, who: str, write: bool, cost: int = DEFAULT_COST) -> bool:
        """Take `cost` tokens if the bucket holds them."""
        tier = self.tier
        if tier is None:
            return True
        rate, capacity = (
            (tier.write_rate, tier.write_capacity) if write else (tier.read_rate, tier.read_capacity)
        )
        now = self._clock()
        key = (who, write)
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) > 100_000:
                self._buckets.clear()
            bucket = self._buckets[key] = _Bucket(capacity, now)
        else:
            bucket.tokens = min(capacity, bucket.tokens + (now - bucket.updated) * rate)
            bucket.updated = now
        if bucket.tokens < cost:
            return False
        bucket.tokens -= cost
        return True
