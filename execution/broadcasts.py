"""The one module that publishes to WebSocket groups (DESIGN §9: broadcasts after commit)."""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer


def market_group(ticker: str) -> str:
    return f"market.{ticker}"


def market_update_send(*, ticker: str, payload: dict[str, Any]) -> None:
    """Fan a market update (book, trade) out to every editor watching the market."""
    layer = get_channel_layer()
    if layer is None:
        return
    async_to_sync(layer.group_send)(market_group(ticker), {"type": "market.update", "payload": payload})
