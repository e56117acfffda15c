"""Fault injection, switched on and off through the admin API to exercise clients' error handling.

Faults apply to the Kalshi API only (`/trade-api/...`), never to the admin API. Each is a
probability (0..1) per request, per message or per connection, drawn from a seeded generator.

Two kinds of 5xx: `error_5xx_rate` answers 503 *before* the request has any effect (nothing
happened, a retry is safe), `error_after_rate` lets a write run to completion (journaled, order
created or cancelled) and then answers 500 instead of its success: the exchange acted, the
caller cannot tell (the hook is `rest.endpoint`, after the handler).

`ws_silence_rate` is drawn once per open WebSocket connection each time it is set (hook:
`Hub.silence`, from the admin API): a connection that draws it goes silent for good (no data
frames, no heartbeat pings, no pongs) while its TCP connection stays open, like a half-dead link.
Connections opened later are not affected; the client must notice the silence itself.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass
class FaultSettings:
    """What to inject; all zero = a well-behaved exchange."""

    latency_ms: int = 0  # added before every REST response
    error_5xx_rate: float = 0.0  # REST requests answered 503 service_unavailable (before any effect)
    rate_429_rate: float = 0.0  # REST requests answered 429 (before any effect)
    ws_drop_rate: float = 0.0  # per outgoing WebSocket message: close the connection instead
    seq_gap_rate: float = 0.0  # per orderbook message: skip one `seq` number
    error_after_rate: float = 0.0  # REST writes that succeeded: answered 500 anyway (after the effect)
    ws_silence_rate: float = 0.0  # per open WebSocket connection, when set: silent from then on

    def as_json(self) -> dict[str, Any]:
        """The admin API's view."""
        return asdict(self)


class Faults:
    """The current fault settings and their random draws."""

    def __init__(self, seed: int = 0) -> None:
        self.settings = FaultSettings()
        self._random = random.Random(seed)  # noqa: S311 - fault draws, not secrets

    @property
    def active(self) -> bool:
        """True when any fault is switched on (lets the hot path skip the draws)."""
        return self.settings != FaultSettings()

    def update(self, changes: dict[str, Any]) -> FaultSettings:
        """Apply a partial update; ValueError for unknown names or out-of-range values."""
        known = {f.name: f.type for f in fields(FaultSettings)}
        unknown = set(changes) - set(known)
        if unknown:
            raise ValueError(f"unknown fault(s): {', '.join(sorted(unknown))}")
        new = asdict(self.settings)
        for name, value in changes.items():
            if name == "latency_ms":
                if type(value) is not int or not 0 <= value <= 60_000:
                    raise ValueError("latency_ms must be an integer in [0, 60000]")
            elif type(value) not in (int, float) or not 0 <= value <= 1:
                raise ValueError(f"{name} must be a number in [0, 1]")
            new[name] = value
        self.settings = FaultSettings(**new)
        return self.settings

    def reset(self) -> FaultSettings:
        """Switch every fault off."""
        self.settings = FaultSettings()
        return self.settings

    def hit(self, rate: float) -> bool:
        """Draw once against a probability."""
        return rate > 0 and self._random.random() < rate
