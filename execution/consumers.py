"""WebSocket consumers: authenticate, join a group, forward. Nothing else (STYLE)."""

from __future__ import annotations

import re
from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from execution.broadcasts import market_group

TICKER_RE = re.compile(r"^[A-Z0-9.\-]{1,64}$")


class MarketFeedConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    """`/ws/markets/<ticker>/`: live book and trades of one market for a signed-in user."""

    group: str | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        ticker = self.scope["url_route"]["kwargs"]["ticker"]
        if user is None or not user.is_authenticated or not TICKER_RE.match(ticker):
            await self.close(code=4401 if not getattr(user, "is_authenticated", False) else 4400)
            return
        self.group = market_group(ticker)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def market_update(self, event: dict[str, Any]) -> None:
        await self.send_json(event["payload"])
