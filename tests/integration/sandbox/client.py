"""A small signed client for the sandbox tests; signs with the official SDK's signer (kalshi_python_sync)."""

from __future__ import annotations

from typing import Any

import requests
from kalshi_python_sync.auth import KalshiAuth

from tests.integration.conftest import SandboxServer
from tests.integration.sandbox.schemas import check_rest

PREFIX = "/trade-api/v2"


class KalshiTestClient:
    """requests + KalshiAuth; `call` validates every response against the fragment's schema."""

    def __init__(
        self, server: SandboxServer, key_id: str | None = None, private_key_pem: str | None = None
    ) -> None:
        self.server = server
        self.session = requests.Session()
        self.auth = KalshiAuth(key_id, private_key_pem) if key_id and private_key_pem else None

    def headers(self, method: str, path: str) -> dict[str, str]:
        """Signed headers for `path` (relative to /trade-api/v2)."""
        if self.auth is None:
            return {}
        return self.auth.create_auth_headers(method, PREFIX + path)

    def call(
        self,
        method: str,
        path: str,
        template: str | None = None,
        *,
        params: Any = None,
        json: Any = None,
        signed: bool = True,
        expect: int | None = None,
    ) -> Any:
        """Send, check the status (if `expect`) and the body schema, return the JSON body."""
        headers = self.headers(method, path.split("?")[0]) if signed else {}
        response = self.session.request(
            method, self.server.base_url + path, params=params, json=json, headers=headers, timeout=30
        )
        body = response.json()
        if expect is not None:
            assert response.status_code == expect, (response.status_code, body)
        check_rest(method, template or path, response.status_code, body)
        return body

    def create(self, ticker: str, side: str, price: str, count: str, **extra: Any) -> Any:
        """POST /portfolio/events/orders with GTC / taker_at_cross defaults."""
        order = {
            "ticker": ticker,
            "side": side,
            "price": price,
            "count": count,
            "time_in_force": "good_till_canceled",
            "self_trade_prevention_type": "taker_at_cross",
        } | extra
        return self.call("POST", "/portfolio/events/orders", json=order)


def setup_market(
    server: SandboxServer,
    ticker: str,
    *,
    series: str = "KXSBXT",
    structure: str = "linear_cent",
    fee_type: str = "quadratic",
    close_in_seconds: int = 86_400,
    **market: Any,
) -> str:
    """Create series, event and market through the admin API (idempotent for series/events)."""
    assert (
        server.admin(
            "POST", "/series", json={"ticker": series, "title": f"Series {series}", "fee_type": fee_type}
        ).status_code
        == 201
    )
    event = ticker.rsplit("-", 1)[0]
    assert (
        server.admin(
            "POST",
            "/events",
            json={"event_ticker": event, "series_ticker": series, "title": f"Event {event}"},
        ).status_code
        == 201
    )
    response = server.admin(
        "POST",
        "/markets",
        json={
            "ticker": ticker,
            "event_ticker": event,
            "price_level_structure": structure,
            "close_in_seconds": close_in_seconds,
            "title": f"Market {ticker}",
            "yes_sub_title": "Yes",
            "no_sub_title": "No",
        }
        | market,
    )
    assert response.status_code == 201, response.text
    return ticker
