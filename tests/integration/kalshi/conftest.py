"""Fixtures for the Kalshi client against a real sandbox process (tests/integration/conftest.py)."""

from __future__ import annotations

import itertools
import random
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from execution.kalshi.audit import CallRecord
from execution.kalshi.rest import KalshiClient
from execution.kalshi.retry import RetryPolicy
from execution.kalshi.signing import Signer
from tests.integration.conftest import SandboxServer

SERIES = "KXKCLI"
_counter = itertools.count(1)

# Fast but real backoff: tests wait milliseconds, not seconds.
FAST_RETRY = RetryPolicy(attempts=8, base=0.01, cap=0.1, floor=0.005)


def unique_ticker(prefix: str = "KXKCLI-T") -> str:
    return f"{prefix}{uuid.uuid4().hex[:6].upper()}-{next(_counter)}"


def make_market(
    server: SandboxServer, ticker: str | None = None, *, event: str | None = None, **market: Any
) -> str:
    """Series, event and market through the admin API; returns the market ticker."""
    ticker = ticker or unique_ticker()
    event = event or ticker.rsplit("-", 1)[0]
    response = server.admin(
        "POST", "/series", json={"ticker": SERIES, "title": "Client tests", "fee_type": "quadratic"}
    )
    assert response.status_code == 201, response.text
    response = server.admin(
        "POST", "/events", json={"event_ticker": event, "series_ticker": SERIES, "title": event}
    )
    assert response.status_code == 201, response.text
    body = {
        "ticker": ticker,
        "event_ticker": event,
        "close_in_seconds": 86_400,
        "title": f"Market {ticker}",
    } | market
    response = server.admin("POST", "/markets", json=body)
    assert response.status_code == 201, response.text
    return ticker


class Recorder:
    """A call hook that keeps the records."""

    def __init__(self) -> None:
        self.records: list[CallRecord] = []

    def __call__(self, record: CallRecord) -> None:
        self.records.append(record)


def client_for(server: SandboxServer, key_id: str, pem: str, **options: Any) -> KalshiClient:
    options.setdefault("retry", FAST_RETRY)
    options.setdefault("rng", random.Random(7))
    return KalshiClient(
        server.base_url, signer=Signer.from_pem(key_id, pem), environment="sandbox", **options
    )


@pytest.fixture
def account(sandbox_server) -> tuple[str, str]:
    """A fresh funded member: (key_id, pem)."""
    key_id, pem = sandbox_server.create_account(f"kc-{uuid.uuid4().hex[:8]}", "1000.00")
    return key_id, pem


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def client(sandbox_server, account, recorder) -> Iterator[KalshiClient]:
    with client_for(sandbox_server, *account, call_hook=recorder, credential_id="cred-1") as c:
        yield c


@pytest.fixture
def bob(sandbox_server) -> Iterator[KalshiClient]:
    """A second funded member's client (a counterparty)."""
    with client_for(
        sandbox_server, *sandbox_server.create_account(f"bob-{uuid.uuid4().hex[:6]}", "1000.00")
    ) as c:
        yield c


@pytest.fixture
def market(sandbox_server) -> str:
    return make_market(sandbox_server)


@pytest.fixture
def faults(sandbox_server) -> Iterator[Any]:
    """Set faults with `faults(**settings)`; always cleared afterwards (the server is shared)."""

    def set_faults(**settings: Any) -> None:
        response = sandbox_server.admin("PUT", "/faults", json=settings)
        assert response.status_code == 200, response.text

    try:
        yield set_faults
    finally:
        assert sandbox_server.admin("DELETE", "/faults").status_code in (200, 204)
