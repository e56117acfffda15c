"""A signed WebSocket test client that validates every message against the AsyncAPI payloads."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import websockets
from kalshi_python_sync.auth import KalshiAuth

from tests.integration.sandbox.schemas import check_ws


class WsClient:
    """`async with WsClient(server, key_id, pem) as ws:` then `send`, `recv`, `until`."""

    def __init__(self, server: Any, key_id: str, private_key_pem: str) -> None:
        self.url = server.ws_url
        self.auth = KalshiAuth(key_id, private_key_pem)
        self.next_id = 1
        self.received: list[dict[str, Any]] = []
        self._socket: Any = None

    async def __aenter__(self) -> WsClient:
        headers = self.auth.create_auth_headers("GET", "/trade-api/ws/v2")
        self._socket = await websockets.connect(self.url, additional_headers=headers, open_timeout=10)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._socket.close()

    async def send(self, cmd: str, params: dict[str, Any] | None = None, **extra: Any) -> int:
        """Send a command with a fresh id; returns the id."""
        command_id = self.next_id
        self.next_id += 1
        payload: dict[str, Any] = {"id": command_id, "cmd": cmd, **extra}
        if params is not None:
            payload["params"] = params
        await self._socket.send(json.dumps(payload))
        return command_id

    async def send_raw(self, text: str) -> None:
        """Send a frame as is (bad commands)."""
        await self._socket.send(text)

    async def recv(self, timeout: float = 5.0) -> dict[str, Any]:
        """The next message, schema-checked."""
        message: dict[str, Any] = json.loads(await asyncio.wait_for(self._socket.recv(), timeout))
        check_ws(message)
        self.received.append(message)
        return message

    async def until(self, predicate: Any, timeout: float = 5.0) -> dict[str, Any]:
        """Receive until a message matches; returns it."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                raise TimeoutError("no matching WebSocket message")
            message = await self.recv(left)
            if predicate(message):
                return message

    async def drain(self, seconds: float = 0.3) -> list[dict[str, Any]]:
        """Everything that arrives within `seconds`."""
        out = []
        while True:
            try:
                out.append(await self.recv(seconds))
            except TimeoutError:
                return out
