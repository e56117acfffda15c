from __future__ import annotations

from typing import Any

import pytest

from builder.models import Bot
from builder.services import bot_create, bot_publish


def _node(node_id: str, node_type: str, params: dict[str, Any], x: int = 0, y: int = 0) -> dict[str, Any]:
    return {"id": node_id, "type": node_type, "version": 1, "params": params, "position": {"x": x, "y": y}}


def _edge(edge_id: str, source: str, source_port: str, target: str, target_port: str) -> dict[str, str]:
    return {
        "id": edge_id,
        "source": source,
        "sourceHandle": source_port,
        "target": target,
        "targetHandle": target_port,
    }


@pytest.fixture
def valid_graph() -> dict[str, Any]:
    """Buy 10 YES at the ask whenever the book changes and the YES ask is under 40¢."""
    return {
        "schema": 1,
        "nodes": [
            _node("trigger", "trigger.book_changed", {}),
            _node("market", "market.ticker", {"ticker": "KXTEST-1"}, y=100),
            _node("ask", "data.best_ask", {"side": "yes"}, 200, 100),
            _node("limit", "data.constant", {"type": "price", "value": 4000}, 200, 200),
            _node("cheap", "logic.compare", {"op": "lt"}, 400, 100),
            _node("go", "logic.and", {}, 600),
            _node("size", "data.constant", {"type": "count", "value": 1000}, 600, 200),
            _node("buy", "action.place_order", {"side": "yes", "action": "buy"}, 800, 100),
        ],
        "edges": [
            _edge("e1", "market", "market", "ask", "market"),
            _edge("e2", "ask", "price", "cheap", "a"),
            _edge("e3", "limit", "value", "cheap", "b"),
            _edge("e4", "trigger", "fired", "go", "a"),
            _edge("e5", "cheap", "result", "go", "b"),
            _edge("e6", "go", "result", "buy", "when"),
            _edge("e7", "market", "market", "buy", "market"),
            _edge("e8", "size", "value", "buy", "count"),
            _edge("e9", "ask", "price", "buy", "price"),
        ],
    }


@pytest.fixture
def invalid_graph() -> dict[str, Any]:
    return {"schema": 1, "nodes": [], "edges": []}


@pytest.fixture
def alices_bot(alice, valid_graph) -> Bot:
    return bot_create(owner=alice, name="Alice's bot", graph=valid_graph)


@pytest.fixture
def alices_published_bot(alice, alices_bot: Bot) -> Bot:
    bot_publish(user=alice, bot_id=alices_bot.pk, notes="first")
    return alices_bot
