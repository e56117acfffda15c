"""WebSocket routes (DESIGN §9)."""

from __future__ import annotations

from django.urls import path

from execution.consumers import MarketFeedConsumer

websocket_urlpatterns = [
    path("ws/markets/<str:ticker>/", MarketFeedConsumer.as_asgi()),
]
