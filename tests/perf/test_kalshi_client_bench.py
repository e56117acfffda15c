"""Kalshi client benchmarks (issue 5), recorded in var/bench.json:

* REST overhead per call (sign + send + parse) of `KalshiClient` against a real `run_sandbox`
  process, compared with a bare `requests` call to the same endpoint in the same run (the bare
  call reuses headers signed once, so it measures transport only). Blocks alternate to cancel drift.
* WebSocket delta throughput: order-book deltas/s through `KalshiWebSocket` (parse, seq check,
  local book update, typed event) from a local server, against a bare `websockets` + `json.loads`
  loop over the same frames.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from pathlib import Path

import pytest
import requests
from websockets.asyncio.client import connect
from websockets.asyncio.server import ServerConnection, serve

from execution.kalshi.models import Balance
from execution.kalshi.rest import KalshiClient
from execution.kalshi.signing import Signer
from execution.kalshi.ws import ORDERBOOK, BookDelta, KalshiWebSocket
from tests.conftest import rsa_private_key_pem
from tests.integration.conftest import SandboxFactory
from tests.perf.bench_record import record

CALLS = 1_500
BLOCK = 100
DELTAS = 100_000
TICKER = "KXBENCH-1"


@pytest.fixture
def server():
    with tempfile.TemporaryDirectory() as workdir:
        factory = SandboxFactory(Path(workdir))
        try:
            yield factory(rate_limit_tier="none")
        finally:
            factory.close()


def test_rest_overhead_per_call(server):
    key_id, pem = server.create_account("bench", "1000.00")
    signer = Signer.from_pem(key_id, pem)
    client = KalshiClient(server.base_url, signer=signer)
    bare = requests.Session()
    url = server.base_url + "/portfolio/balance"
    headers = {"Accept": "application/json"} | signer.headers("GET", "/trade-api/v2/portfolio/balance")

    def bare_call() -> None:
        response = bare.get(url, headers=headers, timeout=(3.05, 10))
        response.raise_for_status()
        response.json()

    def client_call() -> None:
        client.balance()

    for _ in range(200):  # warm both connection pools and the server
        bare_call()
        client_call()
    bare_times: list[float] = []
    client_times: list[float] = []
    for _ in range(CALLS // BLOCK):
        for call, times in ((bare_call, bare_times), (client_call, client_times)):
            for _ in range(BLOCK):
                started = time.perf_counter()
                call()
                times.append(time.perf_counter() - started)

    # Where the overhead goes, without the network.
    sign = _per_call(lambda: signer.headers("GET", "/trade-api/v2/portfolio/balance"), 2_000)
    body = bare.get(url, headers=headers, timeout=10).json()
    parse = _per_call(lambda: Balance.from_wire(body), 20_000)

    bare_ms = statistics.mean(bare_times) * 1000
    client_ms = statistics.mean(client_times) * 1000
    overhead = client_ms - bare_ms
    note = (
        f"GET /portfolio/balance on a local sandbox, {CALLS} calls each, alternating blocks; "
        f"median {statistics.median(client_times) * 1000:.3f} ms vs {statistics.median(bare_times) * 1000:.3f} ms; "
        f"RSA-PSS signing {sign * 1000:.3f} ms, parsing {parse * 1e6:.1f} us"
    )
    record(
        "kalshi_client.rest_call_ms",
        client_ms,
        "ms/call",
        baseline="bare requests, same endpoint, headers signed once",
        baseline_value=bare_ms,
        note=note,
    )
    record("kalshi_client.rest_overhead_ms", overhead, "ms/call", note="client mean - bare mean; " + note)
    record("kalshi_client.sign_ms", sign * 1000, "ms/signature", note="RSA-2048 PSS SHA-256 salt 32")
    # The client must not cost more than signing plus a small margin on top of the bare call.
    assert overhead < sign * 1000 + 1.0


def _per_call(fn, n: int) -> float:
    started = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - started) / n


def _frames() -> list[str]:
    snapshot = json.dumps(
        {
            "type": "orderbook_snapshot",
            "sid": 1,
            "seq": 1,
            "msg": {"market_ticker": TICKER, "market_id": "m", "yes_dollars_fp": [["0.0100", "1000.00"]]},
        }
    )
    frames = [snapshot]
    sizes: dict[tuple[str, int], int] = {}
    for i in range(DELTAS):
        side = "yes" if i % 2 else "no"
        price = 100 * (1 + (i // 2) % 98)  # 98 levels per side
        # Every level alternates between adding and removing 5 contracts: sizes never go negative.
        delta = -500 if sizes.get((side, price), 0) >= 500 else 500
        sizes[(side, price)] = sizes.get((side, price), 0) + delta
        msg = {
            "market_ticker": TICKER,
            "market_id": "m",
            "price_dollars": f"0.{price:04d}",
            "delta_fp": f"{delta // 100}.00",
            "side": side,
            "ts_ms": 1_700_000_000_000 + i,
        }
        frames.append(json.dumps({"type": "orderbook_delta", "sid": 1, "seq": i + 2, "msg": msg}))
    return frames


async def _serve(frames: list[str]):
    async def handler(connection: ServerConnection) -> None:
        async for raw in connection:
            command = json.loads(raw)
            if command.get("cmd") == "subscribe":
                await connection.send(
                    json.dumps(
                        {"id": command["id"], "type": "subscribed", "msg": {"channel": ORDERBOOK, "sid": 1}}
                    )
                )
            for frame in frames:
                await connection.send(frame)

    return await serve(handler, "127.0.0.1", 0, ping_interval=None, compression=None)


async def _bare(url: str, frames: int) -> float:
    async with connect(url, ping_interval=None, max_size=2**24, compression=None) as ws:
        await ws.send(json.dumps({"id": 1, "cmd": "subscribe", "params": {}}))
        await ws.recv()
        await ws.recv()  # the snapshot
        started = time.perf_counter()
        for _ in range(frames - 1):
            json.loads(await ws.recv())
        return time.perf_counter() - started


async def _client(url: str, frames: int) -> float:
    ws = KalshiWebSocket(url, Signer.from_pem("bench", rsa_private_key_pem(0)), ping_interval=None)
    await ws.subscribe([ORDERBOOK], [TICKER])
    seen = 0
    started = 0.0
    async for event in ws.events():
        if isinstance(event, BookDelta):
            if seen == 0:
                started = time.perf_counter()
            seen += 1
            if seen == frames - 1:
                elapsed = time.perf_counter() - started
                await ws.close()
                return elapsed
    raise AssertionError("the stream ended early")


@pytest.mark.asyncio
async def test_websocket_delta_throughput():
    frames = _frames()
    server = await _serve(frames)
    try:
        port = next(iter(server.sockets)).getsockname()[1]
        url = f"ws://127.0.0.1:{port}/trade-api/ws/v2"
        bare = await _bare(url, len(frames))
        ours = await _client(url, len(frames))
    finally:
        server.close()
        await server.wait_closed()
    n = len(frames) - 2
    record(
        "kalshi_client.ws_deltas_per_s",
        n / ours,
        "deltas/s",
        baseline="bare websockets recv + json.loads, same frames",
        baseline_value=n / bare,
        note=f"{n} orderbook_delta frames from a local server; client = parse, seq check, book update, typed event",
    )
    assert n / ours > 20_000
