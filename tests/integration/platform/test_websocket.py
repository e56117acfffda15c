"""A real WebSocket through uvicorn, Django sessions and the channels-redis layer."""

from __future__ import annotations

import asyncio
import json

import pytest
import websockets
from django.test import Client

from config.asgi import application
from execution.broadcasts import market_update_send
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.servers import asgi_server

pytestmark = pytest.mark.django_db(transaction=True)


def _session_cookie() -> str:
    UserFactory.create(email="alice@example.com")
    client = Client()
    assert client.login(username="alice@example.com", password=DEFAULT_PASSWORD)
    return f"sessionid={client.cookies['sessionid'].value}"


async def _receive_broadcast(address: str, cookie: str) -> dict[str, object]:
    headers = {"Cookie": cookie, "Origin": f"http://{address}"}
    async with websockets.connect(
        f"ws://{address}/ws/markets/KXTEST-1/", additional_headers=headers
    ) as socket:
        # Group membership goes through Redis; give the subscription a moment, then publish.
        for _ in range(50):
            await asyncio.to_thread(
                market_update_send, ticker="KXTEST-1", payload={"type": "trade", "price": 4500}
            )
            try:
                message: dict[str, object] = json.loads(await asyncio.wait_for(socket.recv(), timeout=0.2))
                return message
            except TimeoutError:
                continue
    raise AssertionError("no broadcast arrived")


def test_a_signed_in_user_receives_market_broadcasts():
    cookie = _session_cookie()
    with asgi_server(application) as address:
        message = asyncio.run(_receive_broadcast(address, cookie))
    assert message == {"type": "trade", "price": 4500}


async def _rejected(address: str, headers: dict[str, str]) -> int:
    try:
        async with websockets.connect(
            f"ws://{address}/ws/markets/KXTEST-1/", additional_headers=headers
        ) as socket:
            await socket.recv()
    except websockets.exceptions.InvalidStatus as exc:
        return exc.response.status_code
    except websockets.exceptions.ConnectionClosed as exc:
        return exc.rcvd.code if exc.rcvd else 0
    return 200


def test_an_anonymous_socket_is_refused():
    with asgi_server(application) as address:
        code = asyncio.run(_rejected(address, {"Origin": f"http://{address}"}))
    assert code in (403, 4401)


def test_a_foreign_origin_is_refused():
    cookie = _session_cookie()
    with asgi_server(application) as address:
        code = asyncio.run(_rejected(address, {"Cookie": cookie, "Origin": "http://evil.example"}))
    assert code == 403
