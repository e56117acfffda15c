"""The WebSocket API (API.md §7): channels, snapshot-then-delta with per-sid seq, errors, heartbeat."""

from __future__ import annotations

import asyncio
import base64
import os
import socket
import uuid
from decimal import Decimal

import pytest
from kalshi_python_sync.auth import KalshiAuth

from tests.integration.conftest import SandboxServer
from tests.integration.sandbox.client import KalshiTestClient, setup_market
from tests.integration.sandbox.wsclient import WsClient


@pytest.fixture(scope="module")
def alice_key(sandbox_server: SandboxServer) -> tuple[str, str]:
    return sandbox_server.create_account("ws-alice", "1000.00")


@pytest.fixture(scope="module")
def bob_key(sandbox_server: SandboxServer) -> tuple[str, str]:
    return sandbox_server.create_account("ws-bob", "1000.00")


def _market(server) -> str:
    return setup_market(server, f"KXSBXT-WS-{uuid.uuid4().hex[:6].upper()}")


def _apply(book: dict[str, dict[str, Decimal]], side: str, price: str, delta: str) -> None:
    levels = book[side]
    levels[price] = levels.get(price, Decimal(0)) + Decimal(delta)
    if levels[price] == 0:
        del levels[price]


def test_orderbook_snapshot_then_deltas_with_consecutive_seq(sandbox_server, alice_key, bob_key):
    ticker = _market(sandbox_server)
    alice = KalshiTestClient(sandbox_server, *alice_key)
    bob = KalshiTestClient(sandbox_server, *bob_key)
    alice.create(ticker, "bid", "0.4000", "5")

    async def run() -> None:
        async with WsClient(sandbox_server, *alice_key) as ws:
            await ws.send("subscribe", {"channels": ["orderbook_delta"], "market_ticker": ticker})
            subscribed = await ws.recv()
            assert subscribed["type"] == "subscribed"
            sid = subscribed["msg"]["sid"]
            snapshot = await ws.recv()
            assert snapshot["type"] == "orderbook_snapshot"
            assert snapshot["seq"] == 1
            assert snapshot["msg"]["yes_dollars_fp"] == [["0.4000", "5.00"]]
            assert "no_dollars_fp" not in snapshot["msg"]  # absent when empty
            book = {"yes": {p: Decimal(c) for p, c in snapshot["msg"]["yes_dollars_fp"]}, "no": {}}
            own = alice.create(ticker, "bid", "0.3900", "2", client_order_id="ws-own-1")
            await asyncio.to_thread(bob.create, ticker, "ask", "0.6000", "3")
            await asyncio.to_thread(
                bob.create, ticker, "ask", "0.4000", "6", time_in_force="immediate_or_cancel"
            )
            alice.call(
                "DELETE", f"/portfolio/events/orders/{own['order_id']}", "/portfolio/events/orders/{order_id}"
            )
            seq = 1
            deltas: list[dict[str, str]] = []
            while len(deltas) < 4:
                message = await ws.recv()
                assert message["type"] == "orderbook_delta"
                assert message["sid"] == sid
                assert message["seq"] == seq + 1  # exactly one more than the previous message
                seq = message["seq"]
                deltas.append(message["msg"])
                _apply(
                    book, message["msg"]["side"], message["msg"]["price_dollars"], message["msg"]["delta_fp"]
                )
            assert [(d["side"], d["price_dollars"], d["delta_fp"]) for d in deltas] == [
                ("yes", "0.3900", "2.00"),
                ("no", "0.4000", "3.00"),
                ("yes", "0.4000", "-5.00"),
                ("yes", "0.3900", "-2.00"),
            ]
            assert deltas[0]["client_order_id"] == "ws-own-1"  # alice caused it
            assert "client_order_id" not in deltas[1]  # bob's order: not shown to alice
            assert deltas[3]["client_order_id"] == "ws-own-1"
            rest = alice.call("GET", f"/markets/{ticker}/orderbook", "/markets/{ticker}/orderbook")[
                "orderbook_fp"
            ]
            assert {p: Decimal(c) for p, c in rest["yes_dollars"]} == book["yes"]
            assert {p: Decimal(c) for p, c in rest["no_dollars"]} == book["no"]

    asyncio.run(run())


def test_use_yes_price_reports_the_no_side_on_the_yes_scale(sandbox_server, alice_key):
    ticker = _market(sandbox_server)
    KalshiTestClient(sandbox_server, *alice_key).create(ticker, "ask", "0.7000", "1")  # a NO bid at 0.30

    async def run() -> None:
        async with WsClient(sandbox_server, *alice_key) as ws:
            await ws.send(
                "subscribe",
                {"channels": ["orderbook_delta"], "market_tickers": [ticker], "use_yes_price": True},
            )
            await ws.recv()
            snapshot = await ws.recv()
            assert snapshot["msg"]["no_dollars_fp"] == [["0.7000", "1.00"]]
            await ws.send("subscribe", {"channels": ["orderbook_delta"], "market_ticker": ticker})
            error = await ws.recv()
            assert (error["type"], error["msg"]["code"]) == ("error", 6)
        async with WsClient(sandbox_server, *alice_key) as ws:
            await ws.send("subscribe", {"channels": ["orderbook_delta"], "market_tickers": [ticker]})
            await ws.recv()
            assert (await ws.recv())["msg"]["no_dollars_fp"] == [["0.3000", "1.00"]]

    asyncio.run(run())


def test_public_and_private_channels_deliver_trades_fills_positions_and_orders(
    sandbox_server, alice_key, bob_key
):
    ticker = _market(sandbox_server)
    alice = KalshiTestClient(sandbox_server, *alice_key)
    bob = KalshiTestClient(sandbox_server, *bob_key)

    async def run() -> None:
        async with (
            WsClient(sandbox_server, *alice_key) as ws_alice,
            WsClient(sandbox_server, *bob_key) as ws_bob,
        ):
            channels = ["ticker", "trade", "fill", "market_positions", "user_orders"]
            await ws_alice.send("subscribe", {"channels": channels, "market_tickers": [ticker]})
            await ws_bob.send("subscribe", {"channels": ["fill", "user_orders"]})
            sids = {(await ws_alice.recv())["msg"]["channel"] for _ in channels}
            assert sids == set(channels)
            await ws_bob.recv()
            await ws_bob.recv()
            resting = await asyncio.to_thread(
                alice.create, ticker, "bid", "0.5500", "3", client_order_id="ws-fill-1"
            )
            await asyncio.to_thread(
                bob.create, ticker, "ask", "0.5000", "2", time_in_force="immediate_or_cancel"
            )
            kinds: dict[str, dict[str, object]] = {}
            while not {"ticker", "trade", "fill", "market_position", "user_order"} <= set(kinds):
                message = await ws_alice.recv()
                kinds[message["type"]] = message["msg"]
            assert kinds["trade"]["yes_price_dollars"] == "0.5500"
            assert kinds["trade"]["taker_book_side"] == "ask"
            fill = kinds["fill"]
            assert (fill["order_id"], fill["is_taker"], fill["count_fp"], fill["post_position_fp"]) == (
                resting["order_id"],
                False,
                "2.00",
                "2.00",
            )
            assert fill["client_order_id"] == "ws-fill-1"
            assert kinds["market_position"]["position_fp"] == "2.00"
            bob_messages = await ws_bob.drain(0.5)
            bob_fills = [m["msg"] for m in bob_messages if m["type"] == "fill"]
            assert [f["is_taker"] for f in bob_fills] == [True]  # bob never sees alice's side
            bob_user = (await asyncio.to_thread(bob.call, "GET", "/portfolio/orders"))["orders"][0]["user_id"]
            assert {m["msg"]["user_id"] for m in bob_messages if m["type"] == "user_order"} == {bob_user}

    asyncio.run(run())


def test_market_lifecycle_events_are_published(sandbox_server, alice_key):
    async def run() -> None:
        async with WsClient(sandbox_server, *alice_key) as ws:
            await ws.send("subscribe", {"channels": ["market_lifecycle_v2"]})
            await ws.recv()
            ticker = f"KXSBXT-LC{uuid.uuid4().hex[:6].upper()}-1"  # a new event too
            await asyncio.to_thread(setup_market, sandbox_server, ticker)
            created = await ws.until(
                lambda m: m["type"] == "market_lifecycle_v2" and m["msg"]["market_ticker"] == ticker
            )
            assert created["msg"]["event_type"] == "created"
            for path in ("/pause", "/activate"):
                assert (
                    await asyncio.to_thread(sandbox_server.admin, "POST", f"/markets/{ticker}{path}")
                ).status_code == 200
            await asyncio.to_thread(
                sandbox_server.admin, "POST", f"/markets/{ticker}/determine", {"result": "yes"}
            )
            await asyncio.to_thread(sandbox_server.admin, "POST", f"/markets/{ticker}/settle")
            types = []
            while "settled" not in types:
                message = await ws.until(
                    lambda m: m["type"] == "market_lifecycle_v2" and m["msg"]["market_ticker"] == ticker
                )
                types.append(message["msg"]["event_type"])
            assert types == ["deactivated", "activated", "close_date_updated", "determined", "settled"]
            assert message["msg"]["result"] == "yes"
            event_ticker = ticker.rsplit("-", 1)[0]
            assert any(
                m["type"] == "event_lifecycle" and m["msg"]["event_ticker"] == event_ticker
                for m in ws.received
            )

    asyncio.run(run())


def test_bad_commands_get_documented_errors_and_the_connection_stays_open(sandbox_server, alice_key):
    ticker = _market(sandbox_server)

    async def run() -> None:
        async with WsClient(sandbox_server, *alice_key) as ws:
            cases = [
                ("not json", 1),
                ("[" * 100_000 + "]" * 100_000, 1),
                ('{"id": 1, "cmd": "dance"}', 5),
                ('{"id": 2, "cmd": "subscribe"}', 2),
                ('{"id": 3, "cmd": "subscribe", "params": {}}', 3),
                ('{"id": 4, "cmd": "subscribe", "params": {"channels": ["nope"]}}', 8),
                ('{"id": 5, "cmd": "subscribe", "params": {"channels": ["orderbook_delta"]}}', 14),
                (
                    '{"id": 6, "cmd": "subscribe", "params": {"channels": ["ticker"], "market_ticker": "NOPE-1"}}',
                    16,
                ),
                ('{"id": 7, "cmd": "unsubscribe", "params": {"sids": [999]}}', 7),
                ('{"id": 8, "cmd": "unsubscribe", "params": {}}', 4),
                ('{"id": 9, "cmd": "update_subscription", "params": {"sid": 1}}', 15),
                ('{"id": 10, "cmd": "update_subscription", "params": {"sid": 1, "action": "explode"}}', 13),
                (
                    '{"id": 11, "cmd": "update_subscription", "params": {"sid": 1, "sids": [1], "action": "add_markets"}}',
                    12,
                ),
                (
                    '{"id": 12, "cmd": "subscribe", "params": {"channels": ["ticker"], "use_yes_price": "yes"}}',
                    11,
                ),
                (  # a lone surrogate escape reads as U+FFFD (echoing it raw could not be encoded)
                    '{"id": 13, "cmd": "subscribe", "params": {"channels": ["ticker"], "market_ticker": "\\ud800"}}',
                    16,
                ),
            ]
            for text, code in cases:
                await ws.send_raw(text)
                message = await ws.recv()
                assert message["type"] == "error", text
                assert message["msg"]["code"] == code, (text, message)
            await ws.send("subscribe", {"channels": ["orderbook_delta"], "market_ticker": ticker})
            sid = (await ws.recv())["msg"]["sid"]
            snapshot = await ws.recv()
            listed_id = await ws.send("list_subscriptions")
            listed = await ws.recv()
            assert listed == {
                "id": listed_id,
                "type": "ok",
                "msg": [{"channel": "orderbook_delta", "sid": sid}],
            }
            other = await asyncio.to_thread(_market, sandbox_server)
            await ws.send(
                "update_subscription", {"sid": sid, "action": "add_markets", "market_tickers": [other]}
            )
            ok = await ws.recv()
            assert (ok["type"], ok["seq"], ok["msg"]["market_tickers"]) == (
                "ok",
                snapshot["seq"] + 1,
                sorted([ticker, other]),
            )
            assert (await ws.recv())["seq"] == ok["seq"] + 1  # the new market's snapshot
            await ws.send(
                "update_subscription", {"sids": [sid], "action": "get_snapshot", "market_tickers": [ticker]}
            )
            fresh = await ws.recv()
            assert (fresh["type"], fresh["seq"]) == ("orderbook_snapshot", ok["seq"] + 2)
            await ws.send("unsubscribe", {"sids": [sid]})
            gone = await ws.recv()
            assert (gone["type"], gone["sid"], gone["seq"]) == ("unsubscribed", sid, fresh["seq"] + 1)

    asyncio.run(run())


def _raw_ping_payload(host: str, port: int, headers: dict[str, str]) -> bytes:
    """Open a raw WebSocket and return the payload of the first ping frame the server sends."""
    with socket.create_connection((host, port), timeout=10) as sock:
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET /trade-api/ws/v2 HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            + "".join(f"{name}: {value}\r\n" for name, value in headers.items())
            + "\r\n"
        )
        sock.sendall(request.encode())
        data = b""
        while b"\r\n\r\n" not in data:
            data += sock.recv(4096)
        assert data.startswith(b"HTTP/1.1 101"), data
        data = data.split(b"\r\n\r\n", 1)[1]
        while True:
            while len(data) < 2:
                data += sock.recv(4096)
            opcode, length = data[0] & 0x0F, data[1] & 0x7F
            while len(data) < 2 + length:
                data += sock.recv(4096)
            payload, data = data[2 : 2 + length], data[2 + length :]
            if opcode == 0x9:
                return payload


def test_the_server_pings_with_a_heartbeat_payload(sandbox_factory, alice_key):
    server = sandbox_factory(extra=["--ws-heartbeat-seconds", "0.3"])
    key_id, pem = server.create_account("ws-ping", "1.00")
    headers = KalshiAuth(key_id, pem).create_auth_headers("GET", "/trade-api/ws/v2")
    assert _raw_ping_payload(server.host, server.port, headers) == b"heartbeat"


def test_ticker_subscriptions_can_start_with_a_snapshot(sandbox_server, alice_key):
    ticker = _market(sandbox_server)
    KalshiTestClient(sandbox_server, *alice_key).create(ticker, "bid", "0.3300", "2")

    async def run() -> None:
        async with WsClient(sandbox_server, *alice_key) as ws:
            await ws.send(
                "subscribe",
                {"channels": ["ticker"], "market_tickers": [ticker], "send_initial_snapshot": True},
            )
            assert (await ws.recv())["type"] == "subscribed"
            snapshot = await ws.recv()
            assert snapshot["type"] == "ticker"
            assert (snapshot["msg"]["yes_bid_dollars"], snapshot["msg"]["yes_bid_size_fp"]) == (
                "0.3300",
                "2.00",
            )

    asyncio.run(run())


def test_channels_the_sandbox_has_no_data_for_are_error_10_and_the_connection_stays_open(
    sandbox_server, alice_key
):
    ticker = _market(sandbox_server)

    async def run() -> None:
        async with WsClient(sandbox_server, *alice_key) as ws:
            for channel in ("communications", "multivariate_market_lifecycle", "order_group_updates"):
                command_id = await ws.send("subscribe", {"channels": [channel]})
                error = await ws.recv()
                assert error["id"] == command_id
                assert (error["type"], error["msg"]["code"]) == ("error", 10), error
                assert error["msg"]["msg"].startswith("Channel error"), error
            # A channel error in a mixed list refuses the whole command, nothing is subscribed.
            await ws.send("subscribe", {"channels": ["ticker", "pyth_value"], "market_ticker": ticker})
            assert (await ws.recv())["msg"]["code"] == 10
            await ws.send("list_subscriptions")
            assert (await ws.recv())["msg"] == []
            await ws.send("subscribe", {"channels": ["orderbook_delta"], "market_ticker": ticker})
            assert (await ws.recv())["type"] == "subscribed"

    asyncio.run(run())
