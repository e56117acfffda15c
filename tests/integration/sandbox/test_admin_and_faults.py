"""The admin API, `sandbox_key`, lifecycle rules over HTTP, rate limits and fault injection."""

from __future__ import annotations

import asyncio
import json
import os
import stat
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests
from kalshi_python_sync.auth import KalshiAuth

from tests.integration.conftest import SandboxServer, _database_url
from tests.integration.sandbox.client import KalshiTestClient, setup_market
from tests.integration.sandbox.wsclient import WsClient
from tests.servers import ROOT


def _ticker(prefix: str) -> str:
    return f"KXSBXT-{prefix}-{uuid.uuid4().hex[:6].upper()}"


def test_the_admin_api_needs_the_bearer_token(sandbox_server: SandboxServer):
    url = sandbox_server.admin_url + "/health"
    assert requests.get(url, timeout=5).status_code == 401
    assert requests.get(url, headers={"Authorization": "Bearer wrong"}, timeout=5).status_code == 401
    response = sandbox_server.admin("GET", "/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_accounts_are_created_funded_and_withdrawn_from(sandbox_server: SandboxServer):
    response = sandbox_server.admin(
        "POST", "/accounts", json={"name": "admin-alice", "balance_dollars": "100.00"}
    )
    assert response.status_code == 201
    account = response.json()
    assert set(account) == {"account_id", "key_id", "private_key_pem", "balance_dollars"}
    assert account["balance_dollars"] == "100.0000"
    assert account["private_key_pem"].startswith("-----BEGIN RSA PRIVATE KEY-----")
    path = f"/accounts/{account['account_id']}"
    assert (
        sandbox_server.admin("POST", path + "/deposits", json={"amount_dollars": "25.50"}).json()[
            "balance_dollars"
        ]
        == "125.5000"
    )
    assert (
        sandbox_server.admin("POST", path + "/deposits", json={"amount_dollars": "-5.50"}).status_code == 201
    )
    too_much = sandbox_server.admin("POST", path + "/deposits", json={"amount_dollars": "-1000.00"})
    assert too_much.status_code == 400
    assert (
        sandbox_server.admin("POST", path + "/deposits", json={"amount_dollars": "1.001"}).status_code == 400
    )
    client = KalshiTestClient(sandbox_server, account["key_id"], account["private_key_pem"])
    assert client.call("GET", "/portfolio/balance", expect=200)["balance"] == 12_000
    second = sandbox_server.admin("POST", path + "/keys").json()
    other = KalshiTestClient(sandbox_server, second["key_id"], second["private_key_pem"])
    assert other.call("GET", "/portfolio/balance", expect=200)["balance"] == 12_000
    assert sandbox_server.admin("GET", "/accounts/" + str(uuid.uuid4())).status_code == 404
    assert sandbox_server.admin("POST", "/accounts", json={"name": ""}).status_code == 400
    assert (
        sandbox_server.admin("POST", "/accounts", json={"name": "x", "balance_dollars": 5}).status_code == 400
    )


def test_market_definitions_are_validated(sandbox_server: SandboxServer):
    ticker = setup_market(sandbox_server, _ticker("DEF"))
    event = ticker.rsplit("-", 1)[0]
    base = {"event_ticker": event, "close_in_seconds": 60}
    assert (
        sandbox_server.admin("POST", "/markets", json=base | {"ticker": ticker}).status_code == 400
    )  # duplicate
    assert sandbox_server.admin("POST", "/markets", json=base | {"ticker": "lower-case"}).status_code == 400
    assert (
        sandbox_server.admin(
            "POST", "/markets", json=base | {"ticker": "KXNEW-1", "event_ticker": "NOPE"}
        ).status_code
        == 400
    )
    assert (
        sandbox_server.admin(
            "POST", "/markets", json={"ticker": "KXNEW-2", "event_ticker": event}
        ).status_code
        == 400
    )
    bad_grid = base | {
        "ticker": "KXNEW-3",
        "price_ranges": [{"start": "0.0000", "end": "1.0000", "step": "0.0000"}],
    }
    assert sandbox_server.admin("POST", "/markets", json=bad_grid).status_code == 400
    custom = base | {
        "ticker": _ticker("SUB"),
        "price_level_structure": "center_deci_edge_centi_cent",
        "price_ranges": [
            {"start": "0.0000", "end": "0.0100", "step": "0.0001"},
            {"start": "0.0100", "end": "0.9900", "step": "0.0010"},
            {"start": "0.9900", "end": "1.0000", "step": "0.0001"},
        ],
    }
    created = sandbox_server.admin("POST", "/markets", json=custom)
    assert created.status_code == 201, created.text
    assert created.json()["market"]["price_ranges"][0] == {
        "start": "0.0000",
        "end": "0.0100",
        "step": "0.0001",
    }


def test_lifecycle_rules_and_settlement_over_http(sandbox_server: SandboxServer):
    ticker = setup_market(sandbox_server, _ticker("LIFE"), settlement_timer_seconds=3_600)
    alice = KalshiTestClient(sandbox_server, *sandbox_server.create_account("life-alice", "100.00"))
    bob = KalshiTestClient(sandbox_server, *sandbox_server.create_account("life-bob", "100.00"))
    alice.create(ticker, "bid", "0.3000", "10")
    bob.create(ticker, "ask", "0.3000", "10")
    assert sandbox_server.admin("POST", f"/markets/{ticker}/pause").json()["market"]["status"] == "inactive"
    paused = alice.create(ticker, "bid", "0.3000", "1")
    assert paused["error"]["code"] == "trading_is_paused"
    assert sandbox_server.admin("POST", f"/markets/{ticker}/activate").json()["market"]["status"] == "active"
    assert sandbox_server.admin("POST", f"/markets/{ticker}/close").json()["market"]["status"] == "closed"
    closed = alice.create(ticker, "bid", "0.3000", "1")
    assert closed["error"]["code"] == "MARKET_INACTIVE"
    determined = sandbox_server.admin("POST", f"/markets/{ticker}/determine", json={"result": "yes"}).json()[
        "market"
    ]
    assert (determined["status"], determined["result"]) == ("determined", "yes")
    settled = sandbox_server.admin("POST", f"/markets/{ticker}/settle").json()["market"]
    assert settled["status"] == "finalized"
    assert settled["settlement_value_dollars"] == "1.0000"
    record = alice.call("GET", "/portfolio/settlements", params={"ticker": ticker}, expect=200)[
        "settlements"
    ][0]
    assert (record["market_result"], record["yes_count_fp"], record["revenue"], record["value"]) == (
        "yes",
        "10.00",
        1_000,
        100,
    )
    assert (
        alice.call("GET", "/portfolio/positions", params={"ticker": ticker}, expect=200)["market_positions"]
        == []
    )
    assert alice.call("GET", "/portfolio/balance", expect=200)["balance"] == 10_000 - 300 + 1_000
    assert sandbox_server.admin("POST", f"/markets/{ticker}/settle").status_code == 400
    assert sandbox_server.admin("POST", "/markets/NOPE-1/pause").status_code == 404


def test_the_exchange_can_pause_trading_or_everything(sandbox_server: SandboxServer):
    ticker = setup_market(sandbox_server, _ticker("XPAUSE"))
    alice = KalshiTestClient(sandbox_server, *sandbox_server.create_account("pause-alice", "10.00"))
    order_id = alice.create(ticker, "bid", "0.1000", "1")["order_id"]
    try:
        assert sandbox_server.admin("POST", "/exchange", json={"trading_active": False}).status_code == 200
        assert alice.call("GET", "/exchange/status")["trading_active"] is False
        assert alice.create(ticker, "bid", "0.1000", "1")["error"]["code"] == "trading_is_paused"
        sandbox_server.admin("POST", "/exchange", json={"exchange_active": False})
        cancel = alice.call(
            "DELETE", f"/portfolio/events/orders/{order_id}", "/portfolio/events/orders/{order_id}"
        )
        assert cancel["error"]["code"] == "exchange_is_paused"
    finally:
        sandbox_server.admin("POST", "/exchange", json={"exchange_active": True, "trading_active": True})
    assert alice.create(ticker, "bid", "0.1000", "1")["remaining_count"] == "1.00"


def test_sandbox_key_creates_a_funded_member_the_running_server_picks_up(
    sandbox_server: SandboxServer, tmp_path: Path
):
    out = tmp_path / "carol.pem"
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _database_url(sandbox_server.database),
    }
    done = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "sandbox_key",
            "--name",
            "carol",
            "--balance",
            "250",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    printed = json.loads(done.stdout)
    assert set(printed) == {"key_id", "private_key_file"}
    assert printed["private_key_file"] == str(out)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    client = KalshiTestClient(sandbox_server, printed["key_id"], out.read_text())
    deadline = time.monotonic() + 10
    while True:
        response = client.session.get(
            sandbox_server.base_url + "/portfolio/balance",
            headers=client.headers("GET", "/portfolio/balance"),
            timeout=5,
        )
        if response.status_code == 200 and response.json()["balance"] == 25_000:
            break
        assert time.monotonic() < deadline, response.text
        time.sleep(0.2)
    unfunded = tmp_path / "dave.pem"
    made = subprocess.run(
        [sys.executable, "manage.py", "sandbox_key", "--name", "dave", "--out", str(unfunded)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    dave = KalshiTestClient(sandbox_server, json.loads(made.stdout)["key_id"], unfunded.read_text())
    assert dave.call("GET", "/portfolio/balance", expect=200)["balance"] == 0  # usable at once
    again = subprocess.run(
        [sys.executable, "manage.py", "sandbox_key", "--name", "carol", "--balance", "1", "--out", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert again.returncode != 0  # never overwrites a key file


def test_rate_limits_answer_429_with_kalshis_exact_body(sandbox_factory):
    server = sandbox_factory(rate_limit_tier="basic")
    ticker = setup_market(server, _ticker("RATE"))
    alice = KalshiTestClient(server, *server.create_account("rate-alice", "100.00"))
    limits = alice.call("GET", "/account/limits", expect=200)
    assert (limits["usage_tier"], limits["write"]) == ("basic", {"refill_rate": 100, "bucket_capacity": 100})
    statuses = []
    for _ in range(12):
        response = alice.session.post(
            server.base_url + "/portfolio/events/orders",
            json={
                "ticker": ticker,
                "side": "bid",
                "price": "0.0100",
                "count": "1",
                "time_in_force": "good_till_canceled",
                "self_trade_prevention_type": "maker",
            },
            headers=alice.headers("POST", "/portfolio/events/orders"),
            timeout=5,
        )
        statuses.append(response.status_code)
        if response.status_code == 429:
            assert response.content == b'{"error":"too many requests"}'
            assert "retry-after" not in response.headers
    assert statuses.count(201) in (10, 11)  # 100 tokens of capacity, 10 per order (plus refill)
    assert 429 in statuses
    reads = [
        alice.session.get(server.base_url + "/exchange/status", timeout=5).status_code for _ in range(60)
    ]
    assert 429 in reads


def test_injected_faults_switch_on_and_off(sandbox_server: SandboxServer):
    public = KalshiTestClient(sandbox_server)
    try:
        assert sandbox_server.admin("PUT", "/faults", json={"error_5xx_rate": 1.0}).status_code == 200
        body = public.call("GET", "/exchange/status", signed=False)
        assert body["error"]["code"] == "service_unavailable"
        sandbox_server.admin("PUT", "/faults", json={"error_5xx_rate": 0, "rate_429_rate": 1.0})
        assert public.call("GET", "/exchange/status", signed=False) == {"error": "too many requests"}
        sandbox_server.admin("PUT", "/faults", json={"rate_429_rate": 0, "latency_ms": 300})
        started = time.monotonic()
        public.call("GET", "/exchange/status", signed=False, expect=200)
        assert time.monotonic() - started >= 0.3
        assert sandbox_server.admin("PUT", "/faults", json={"nonsense": 1}).status_code == 400
        assert sandbox_server.admin("PUT", "/faults", json={"error_5xx_rate": 2}).status_code == 400
        assert sandbox_server.admin("GET", "/faults").json()["latency_ms"] == 300
    finally:
        assert sandbox_server.admin("DELETE", "/faults").json() == {
            "latency_ms": 0,
            "error_5xx_rate": 0.0,
            "rate_429_rate": 0.0,
            "ws_drop_rate": 0.0,
            "seq_gap_rate": 0.0,
            "error_after_rate": 0.0,
            "ws_silence_rate": 0.0,
        }
    public.call("GET", "/exchange/status", signed=False, expect=200)


def test_websocket_faults_drop_connections_and_skip_seq(sandbox_server: SandboxServer):
    ticker = setup_market(sandbox_server, _ticker("WSF"))
    key = sandbox_server.create_account("fault-alice", "100.00")
    alice = KalshiTestClient(sandbox_server, *key)

    async def run() -> None:
        async with WsClient(sandbox_server, *key) as ws:
            await ws.send("subscribe", {"channels": ["orderbook_delta"], "market_ticker": ticker})
            await ws.recv()
            first = await ws.recv()
            sandbox_server.admin("PUT", "/faults", json={"seq_gap_rate": 1.0})
            await asyncio.to_thread(alice.create, ticker, "bid", "0.2000", "1")
            delta = await ws.recv()
            assert delta["seq"] == first["seq"] + 2  # a gap the client must detect
            sandbox_server.admin("DELETE", "/faults")
            sandbox_server.admin("PUT", "/faults", json={"ws_drop_rate": 1.0})
            await asyncio.to_thread(alice.create, ticker, "bid", "0.2100", "1")
            with pytest.raises(Exception) as closed:  # noqa: PT011 - websockets raises ConnectionClosed
                await ws.recv(3)
            assert "ConnectionClosed" in type(closed.value).__name__
        sandbox_server.admin("DELETE", "/faults")
        async with WsClient(sandbox_server, *key) as ws:
            await ws.send("list_subscriptions")
            assert (await ws.recv())["type"] == "ok"
            assert sandbox_server.admin("POST", "/ws/drop").json()["dropped"] >= 1
            with pytest.raises(Exception):  # noqa: PT011, B017
                await ws.recv(3)

    try:
        asyncio.run(run())
    finally:
        sandbox_server.admin("DELETE", "/faults")


def test_error_after_answers_500_once_the_write_took_effect(sandbox_server: SandboxServer):
    ticker = setup_market(sandbox_server, _ticker("EAF"))
    key = sandbox_server.create_account("fault-after", "100.00")
    alice = KalshiTestClient(sandbox_server, *key)
    client_order_id = str(uuid.uuid4())
    try:
        assert sandbox_server.admin("PUT", "/faults", json={"error_after_rate": 1.0}).status_code == 200
        body = alice.create(ticker, "bid", "0.2000", "1", client_order_id=client_order_id)
        assert body["error"]["code"] == "internal_error"
        # Reads, refusals and the admin API answer as usual.
        orders = alice.call("GET", "/portfolio/orders", params={"ticker": ticker}, expect=200)["orders"]
        assert [o["client_order_id"] for o in orders] == [client_order_id]  # the create happened
        refused = alice.create(ticker, "bid", "0.2050", "1")  # off the cent grid: 400 as usual
        assert refused["error"]["code"] == "invalid_price"
        assert sandbox_server.admin("GET", "/faults").status_code == 200
        # A cancel takes effect too, then answers 500.
        order_id = orders[0]["order_id"]
        cancelled = alice.call(
            "DELETE", f"/portfolio/events/orders/{order_id}", "/portfolio/events/orders/{order_id}"
        )
        assert cancelled["error"]["code"] == "internal_error"
        order = alice.call(
            "GET", f"/portfolio/orders/{order_id}", "/portfolio/orders/{order_id}", expect=200
        )["order"]
        assert order["status"] == "canceled"
        again = alice.create(ticker, "bid", "0.2000", "1", client_order_id=client_order_id)
        assert again["error"]["code"] == "order_already_exists"  # errors are not replaced
    finally:
        sandbox_server.admin("DELETE", "/faults")
    created = alice.create(ticker, "bid", "0.2000", "1")
    assert "order_id" in created


def test_ws_silence_stops_every_frame_of_open_connections_but_keeps_them_open(sandbox_factory):
    import websockets
    from websockets.asyncio.client import ClientConnection
    from websockets.protocol import State

    server = sandbox_factory(extra=["--ws-heartbeat-seconds", "0.3"])
    ticker = setup_market(server, _ticker("WSS"))
    key = server.create_account("fault-silence", "100.00")
    alice = KalshiTestClient(server, *key)

    class Counting(ClientConnection):
        frames = 0

        def process_event(self, event: Any) -> None:
            self.frames += 1
            super().process_event(event)

    async def connect() -> Counting:
        headers = KalshiAuth(*key).create_auth_headers("GET", "/trade-api/ws/v2")
        ws = await websockets.connect(
            server.ws_url, additional_headers=headers, ping_interval=None, create_connection=Counting
        )
        assert isinstance(ws, Counting)
        return ws

    async def run() -> None:
        ws = await connect()
        subscribe = {"channels": ["orderbook_delta"], "market_ticker": ticker}
        await ws.send(json.dumps({"id": 1, "cmd": "subscribe", "params": subscribe}))
        assert json.loads(await ws.recv())["type"] == "subscribed"
        assert json.loads(await ws.recv())["type"] == "orderbook_snapshot"
        before = ws.frames
        await asyncio.sleep(0.8)
        assert ws.frames > before  # heartbeat pings arrive while healthy
        assert server.admin("PUT", "/faults", json={"ws_silence_rate": 1.0}).status_code == 200
        await asyncio.sleep(0.1)
        silent_from = ws.frames
        await asyncio.to_thread(alice.create, ticker, "bid", "0.2000", "1")  # would be a delta
        pong = await ws.ping()
        await ws.send(json.dumps({"id": 2, "cmd": "list_subscriptions"}))
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(asyncio.shield(pong), 1.5)
        assert ws.frames == silent_from  # no data, no ping, no pong
        assert ws.state is State.OPEN  # and the TCP connection is still there
        # A connection opened afterwards is healthy.
        fresh = await connect()
        await fresh.send(json.dumps({"id": 1, "cmd": "subscribe", "params": subscribe}))
        assert json.loads(await asyncio.wait_for(fresh.recv(), 5))["type"] == "subscribed"
        await fresh.close()
        ws.transport.abort()

    try:
        asyncio.run(run())
    finally:
        server.admin("DELETE", "/faults")
