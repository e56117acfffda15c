"""The simulator keeps >= 10 markets of >= 3 series trading; short-lived markets roll over; `make demo`
starts the sandbox in-process."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict

import pytest
import requests
from django.test import override_settings

from tests.integration.sandbox.client import KalshiTestClient
from tests.servers import free_port


def test_the_simulator_keeps_books_and_trades_alive_and_rolls_short_markets(sandbox_factory):
    server = sandbox_factory(simulate=True, seed=5, extra=["--sim-flash-seconds", "4"])
    public = KalshiTestClient(server)
    time.sleep(9)
    events = public.call(
        "GET", "/events", params={"status": "open", "with_nested_markets": "true"}, signed=False, expect=200
    )
    series_markets: dict[str, list[str]] = defaultdict(list)
    for event in events["events"]:
        for market in event["markets"]:
            if market["status"] == "active":
                series_markets[event["series_ticker"]].append(market["ticker"])
    live = [ticker for tickers in series_markets.values() for ticker in tickers]
    assert len(live) >= 10
    assert len(series_markets) >= 3
    books = public.call("GET", "/markets/orderbooks", params={"tickers": live}, signed=False, expect=200)[
        "orderbooks"
    ]
    for book in books:
        assert book["orderbook_fp"]["yes_dollars"], book["ticker"]  # live two-sided books
        assert book["orderbook_fp"]["no_dollars"], book["ticker"]
    trades = public.call("GET", "/markets/trades", params={"limit": 1000}, signed=False, expect=200)["trades"]
    assert len({t["ticker"] for t in trades}) >= 3
    settled = public.call(
        "GET", "/markets", params={"status": "settled", "series_ticker": "SBXFLASH"}, signed=False
    )
    assert settled["markets"], "no short-lived market settled yet"
    assert all(m["result"] in ("yes", "no") for m in settled["markets"])
    assert series_markets.get("SBXFLASH"), "no short-lived market is open"


@pytest.mark.django_db(transaction=True)
def test_the_embedded_service_serves_until_stopped():
    from sandbox.embedded import serve

    port = free_port()

    async def run() -> None:
        stop = asyncio.Event()
        with override_settings(
            SANDBOX_HOST="127.0.0.1", SANDBOX_PORT=port, SANDBOX_ADMIN_TOKEN="embedded-token"
        ):
            task = asyncio.create_task(serve(stop))
            url = f"http://127.0.0.1:{port}/trade-api/v2/markets?limit=1000"
            markets: list[dict[str, object]] = []
            for _ in range(150):
                await asyncio.sleep(0.1)
                try:
                    response = await asyncio.to_thread(requests.get, url, timeout=2)
                except requests.RequestException:
                    continue
                markets = response.json()["markets"]
                if len(markets) >= 10:
                    break
            assert len(markets) >= 10
            stop.set()
            await asyncio.wait_for(task, timeout=15)

    asyncio.run(run())
