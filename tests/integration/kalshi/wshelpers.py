"""WebSocket helpers for the sandbox tests."""

from __future__ import annotations

import asyncio
from typing import Any

from execution.kalshi.retry import RetryPolicy
from execution.kalshi.signing import Signer
from execution.kalshi.ws import KalshiWebSocket
from tests.unit.kalshi.watcher import Watcher

FAST_RECONNECT = RetryPolicy(attempts=0, base=0.05, cap=0.5, floor=0.01)


def ws_for(server: Any, key_id: str, pem: str, **options: Any) -> KalshiWebSocket:
    options.setdefault("reconnect", FAST_RECONNECT)
    return KalshiWebSocket(server.ws_url, Signer.from_pem(key_id, pem), **options)


async def book_matches_rest(watcher: Watcher, client: Any, ticker: str, timeout: float = 10.0) -> None:
    """Wait until the local book equals a fresh REST snapshot (taken again while they differ)."""

    async def check() -> bool:
        rest = await asyncio.to_thread(client.orderbook, ticker)
        return bool(watcher.ws.book(ticker) == rest)

    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            rest = await asyncio.to_thread(client.orderbook, ticker)
            raise AssertionError(f"local book {watcher.ws.book(ticker)} != REST {rest}")
        await asyncio.sleep(0.05)
