"""Run a KalshiWebSocket in the background of an asyncio test and wait for conditions."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from execution.kalshi.ws import KalshiWebSocket, WsEvent


class Watcher:
    """Collects every event of a KalshiWebSocket in a background task."""

    def __init__(self, ws: KalshiWebSocket) -> None:
        self.ws = ws
        self.events: list[WsEvent] = []
        self.task: asyncio.Task[None] | None = None
        self.error: BaseException | None = None

    async def __aenter__(self) -> Watcher:
        self.task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.ws.close()
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task

    async def _run(self) -> None:
        try:
            async for event in self.ws.events():
                self.events.append(event)
        except Exception as exc:
            self.error = exc

    def of(self, kind: type[Any]) -> list[Any]:
        return [event for event in self.events if isinstance(event, kind)]

    async def until(self, check: Callable[[], Any], timeout: float = 10.0, what: str = "condition") -> Any:
        """Poll `check` until it returns something truthy."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            if self.error is not None:
                raise self.error
            result = check()
            if result:
                return result
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"timed out waiting for {what}; last events: {self.events[-10:]}")
            await asyncio.sleep(0.02)
