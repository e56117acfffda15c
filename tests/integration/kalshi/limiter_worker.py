"""One process of the shared-limiter test: reads the balance as fast as the Redis limiter allows.

python -m tests.integration.kalshi.limiter_worker BASE_URL KEY_ID PEM_FILE REDIS_URL PREFIX START DURATION OUT
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import redis

from execution.kalshi.audit import CallRecord
from execution.kalshi.errors import KalshiError
from execution.kalshi.ratelimit import BASIC, RedisRateLimiter
from execution.kalshi.rest import KalshiClient
from execution.kalshi.retry import NO_RETRY
from execution.kalshi.signing import Signer


def main(argv: list[str]) -> None:
    base_url, key_id, pem_file, redis_url, prefix, start, duration, out = argv
    sent: list[tuple[float, int | None]] = []

    def hook(record: CallRecord) -> None:
        sent.append((time.time() - record.latency_ms / 1000, record.status))

    client = KalshiClient(
        base_url,
        signer=Signer.from_pem(key_id, Path(pem_file).read_text()),
        credential_id="shared-credential",
        limiter=RedisRateLimiter(redis.Redis.from_url(redis_url), prefix=prefix),
        limits=BASIC,
        retry=NO_RETRY,  # a 429 must show, not be hidden by a retry
        call_hook=hook,
    )
    begin, end = float(start), float(start) + float(duration)
    time.sleep(max(0.0, begin - time.time()))
    errors = 0
    while time.time() < end:
        try:
            client.balance()
        except KalshiError:
            errors += 1
    Path(out).write_text(json.dumps({"sent": sent, "errors": errors}))


if __name__ == "__main__":
    main(sys.argv[1:])
