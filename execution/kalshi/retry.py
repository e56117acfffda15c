"""Full-jitter exponential backoff (randomness and sleep injected, so tests run instantly)."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how long to back off. `attempts` counts the first try."""

    attempts: int = 5
    base: float = 0.1
    cap: float = 5.0
    # Full jitter may draw ~0; a floor keeps a retry from ever being immediate.
    floor: float = 0.02

    def delay(self, retry: int, rng: random.Random) -> float:
        """Seconds to wait before retry number `retry` (0 = the first retry)."""
        ceiling = min(self.cap, self.base * (2**retry))
        return max(self.floor, rng.uniform(0.0, ceiling))


NO_RETRY = RetryPolicy(attempts=1)
