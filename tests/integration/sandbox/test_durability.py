"""Nothing acknowledged is lost: SIGKILL under load, restart, every acknowledged order and fill is there."""

from __future__ import annotations

import threading
import time
import uuid
from decimal import Decimal
from typing import Any

import requests

from tests.integration.sandbox.client import KalshiTestClient, setup_market


def _load(
    client: KalshiTestClient, ticker: str, side: str, acked: list[dict[str, Any]], stop: threading.Event
) -> None:
    """Send crossing orders until stopped; keep every acknowledged (201) answer."""
    prices = ["0.4800", "0.4900", "0.5000", "0.5100", "0.5200"]
    i = 0
    while not stop.is_set():
        i += 1
        body = {
            "ticker": ticker,
            "side": side,
            "price": prices[i % len(prices)],
            "count": str(1 + i % 3),
            "time_in_force": "good_till_canceled",
            "self_trade_prevention_type": "maker",
            "client_order_id": f"{side}-{uuid.uuid4().hex[:16]}",
        }
        try:
            response = client.session.post(
                client.server.base_url + "/portfolio/events/orders",
                json=body,
                headers=client.headers("POST", "/portfolio/events/orders"),
                timeout=5,
            )
        except requests.RequestException:
            continue  # in flight when the server died: never acknowledged
        if response.status_code == 201:
            acked.append(response.json() | {"client_order_id": body["client_order_id"]})


def test_every_acknowledged_order_and_fill_survives_sigkill(sandbox_factory):
    server = sandbox_factory()
    ticker = setup_market(server, f"KXSBXT-KILL-{uuid.uuid4().hex[:6].upper()}")
    clients = {
        side: KalshiTestClient(server, *server.create_account(f"kill-{side}", "100000.00"))
        for side in ("bid", "ask")
    }
    acked: dict[str, list[dict[str, Any]]] = {"bid": [], "ask": []}
    stop = threading.Event()
    threads = [
        threading.Thread(target=_load, args=(clients[side], ticker, side, acked[side], stop), daemon=True)
        for side in ("bid", "ask")
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    time.sleep(2.0)
    server.kill()  # SIGKILL while requests are in flight
    stop.set()
    for thread in threads:
        thread.join(timeout=10)
    assert len(acked["bid"]) > 100
    assert len(acked["ask"]) > 100
    assert sum(Decimal(a["fill_count"]) for a in acked["bid"] + acked["ask"]) > 0

    server.start()
    for side, client in clients.items():
        orders = {
            o["order_id"]: o
            for o in client.call("GET", "/portfolio/orders", params={"limit": 1000, "ticker": ticker})[
                "orders"
            ]
        }
        cursor = ""
        while True:  # all orders, paginated
            page = client.call(
                "GET", "/portfolio/orders", params={"limit": 1000, "ticker": ticker, "cursor": cursor}
            )
            orders.update({o["order_id"]: o for o in page["orders"]})
            cursor = page["cursor"]
            if not cursor:
                break
        fills: dict[str, Decimal] = {}
        cursor = ""
        while True:
            page = client.call(
                "GET", "/portfolio/fills", params={"limit": 1000, "ticker": ticker, "cursor": cursor}
            )
            for fill in page["fills"]:
                fills[fill["order_id"]] = fills.get(fill["order_id"], Decimal(0)) + Decimal(fill["count_fp"])
            cursor = page["cursor"]
            if not cursor:
                break
        for ack in acked[side]:
            order = orders.get(ack["order_id"])
            assert order is not None, f"acknowledged order {ack['order_id']} was lost"
            assert order["client_order_id"] == ack["client_order_id"]
            # Fills reported in the acknowledgement are there (later fills may add to them).
            assert Decimal(order["fill_count_fp"]) >= Decimal(ack["fill_count"])
            assert fills.get(ack["order_id"], Decimal(0)) == Decimal(order["fill_count_fp"])
    positions = [
        Decimal(
            client.call("GET", "/portfolio/positions", params={"ticker": ticker})["market_positions"][0][
                "position_fp"
            ]
        )
        for client in clients.values()
    ]
    assert sum(positions) == 0
    book = clients["bid"].call("GET", f"/markets/{ticker}/orderbook", "/markets/{ticker}/orderbook")[
        "orderbook_fp"
    ]
    if book["yes_dollars"] and book["no_dollars"]:
        assert Decimal(book["yes_dollars"][-1][0]) + Decimal(book["no_dollars"][-1][0]) < 1  # not crossed


def test_a_restart_replays_the_journal_to_the_same_state(sandbox_factory):
    server = sandbox_factory(simulate=True, seed=11)
    time.sleep(4)  # the simulator lists markets, quotes and trades
    server.stop()
    server.options.append("--no-simulate")  # from now on, nothing changes the state but the replay
    server.start()
    first = server.admin("GET", "/state_hash").json()
    server.stop()
    server.start()
    second = server.admin("GET", "/state_hash").json()
    assert first["state_hash"] == second["state_hash"]
    assert first["commands"] == second["commands"] > 50
    # Each start ran the compiled engine, as the product does (sandbox/README.md).
    assert server.log().count('"engine": "compiled"') == 3, server.log()
