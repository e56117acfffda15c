"""WebSocket fan-out: one order-book change delivered to 100 `orderbook_delta` subscribers.

100 signed connections subscribe to one market; orders that each add a new price level are sent
one at a time over HTTP, and every subscriber must receive each delta (with consecutive `seq`).
Measured: deliveries per second and the latency from sending the order to each delivery.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time

import requests
import websockets
from kalshi_python_sync.auth import KalshiAuth

from tests.integration.sandbox.client import setup_market
from tests.perf.bench_record import record

SUBSCRIBERS = 100
ORDERS = 300


async def _subscriber(
    url: str,
    auth: KalshiAuth,
    ticker: str,
    ready: asyncio.Event,
    arrivals: dict[str, list[float]],
    done: asyncio.Event,
) -> None:
    async with websockets.connect(
        url, additional_headers=auth.create_auth_headers("GET", "/trade-api/ws/v2"), max_queue=None
    ) as ws:
        await ws.send(
            json.dumps(
                {
                    "id": 1,
                    "cmd": "subscribe",
                    "params": {"channels": ["orderbook_delta"], "market_ticker": ticker},
                }
            )
        )
        await ws.recv()  # subscribed
        last_seq = json.loads(await ws.recv())["seq"]  # snapshot
        ready.set()
        received = 0
        while received < ORDERS:
            text = await ws.recv()
            now = time.perf_counter()
            message = json.loads(text)
            assert message["seq"] == last_seq + 1
            last_seq = message["seq"]
            arrivals.setdefault(message["msg"]["price_dollars"], []).append(now)
            received += 1
    done.set()


def test_orderbook_delta_fan_out_to_100_subscribers(server):
    ticker = setup_market(server, "KXSBXT-WSBENCH-1", structure="deci_cent")
    key_id, pem = server.create_account("fanout", "1000000.00")
    auth = KalshiAuth(key_id, pem)
    session = requests.Session()
    prices = [f"0.{100 + i:03d}0" for i in range(ORDERS)]  # 0.1000, 0.1010, ...: one new level each

    async def run() -> tuple[float, list[float]]:
        arrivals: dict[str, list[float]] = {}
        readies = [asyncio.Event() for _ in range(SUBSCRIBERS)]
        dones = [asyncio.Event() for _ in range(SUBSCRIBERS)]
        tasks = [
            asyncio.create_task(_subscriber(server.ws_url, auth, ticker, readies[i], arrivals, dones[i]))
            for i in range(SUBSCRIBERS)
        ]
        await asyncio.gather(*(r.wait() for r in readies))
        sent: dict[str, float] = {}
        started = time.perf_counter()
        for price in prices:
            body = {
                "ticker": ticker,
                "side": "bid",
                "price": price,
                "count": "1",
                "time_in_force": "good_till_canceled",
                "self_trade_prevention_type": "maker",
            }
            path = "/trade-api/v2/portfolio/events/orders"
            sent[price] = time.perf_counter()
            response = await asyncio.to_thread(
                session.post,
                server.root_url + path,
                json=body,
                headers=auth.create_auth_headers("POST", path),
                timeout=10,
            )
            assert response.status_code == 201
            await asyncio.sleep(0.002)
        await asyncio.wait_for(asyncio.gather(*(d.wait() for d in dones)), timeout=120)
        elapsed = time.perf_counter() - started
        await asyncio.gather(*tasks)
        latencies = [t - sent[p] for p, times in arrivals.items() for t in times]
        return elapsed, latencies

    elapsed, latencies = asyncio.run(run())
    assert len(latencies) == SUBSCRIBERS * ORDERS
    latencies.sort()
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[int(len(latencies) * 0.99)] * 1000
    note = f"{ORDERS} deltas x {SUBSCRIBERS} subscribers; latency from sending the order (HTTP, journaled) to each delivery"
    record("sandbox.ws.fanout_deliveries_per_s", SUBSCRIBERS * ORDERS / elapsed, "messages/s", note=note)
    record("sandbox.ws.fanout_latency_p50_ms", p50, "ms", note=note)
    record("sandbox.ws.fanout_latency_p99_ms", p99, "ms", note=note)
