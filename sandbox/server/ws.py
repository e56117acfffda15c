"""The WebSocket endpoint `/trade-api/ws/v2`: signed handshake, then the §7 command set.

A bad command is answered with an `error` message carrying the documented code; the connection
stays open. Only an unsigned or badly signed upgrade is refused, with HTTP 401 (API.md §15.10).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Final

from starlette.websockets import WebSocket, WebSocketDisconnect

from sandbox.engine.commands import OpenAccount
from sandbox.server.http import ApiError, error_response, loads
from sandbox.server.hub import (
    LIFECYCLE,
    ORDERBOOK,
    SUPPORTED_CHANNELS,
    TICKER,
    UNSUPPORTED_CHANNELS,
    Connection,
    Subscription,
)

if TYPE_CHECKING:
    from sandbox.server.runtime import Runtime

WS_PATH: Final = "/trade-api/ws/v2"
# Error codes and messages (asyncapi.yaml x-error-codes).
UNABLE_TO_PROCESS: Final = (1, "Unable to process message")
PARAMS_REQUIRED: Final = (2, "Params required")
CHANNELS_REQUIRED: Final = (3, "Channels required")
SIDS_REQUIRED: Final = (4, "Subscription IDs required")
UNKNOWN_COMMAND: Final = (5, "Unknown command")
ALREADY_SUBSCRIBED: Final = (6, "Already subscribed")
UNKNOWN_SID: Final = (7, "Unknown subscription ID")
UNKNOWN_CHANNEL: Final = (8, "Unknown channel name")
CHANNEL_ERROR: Final = (10, "Channel error")
INVALID_PARAMETER: Final = (11, "Invalid parameter")
ONE_SID_REQUIRED: Final = (12, "Exactly one subscription ID is required")
UNSUPPORTED_ACTION: Final = (13, "Unsupported action")
TICKER_REQUIRED: Final = (14, "Market Ticker required")
ACTION_REQUIRED: Final = (15, "Action required")
MARKET_NOT_FOUND: Final = (16, "Market not found")
MAX_COMMAND_BYTES: Final = 1 << 20


class CommandError(Exception):
    """A command the server answers with an `error` message."""

    def __init__(self, error: tuple[int, str], detail: str = "", market_ticker: str = "") -> None:
        super().__init__(error[1])
        self.code, self.message = error
        self.detail = detail
        self.market_ticker = market_ticker


async def websocket_endpoint(websocket: WebSocket) -> None:
    """Authenticate the upgrade, then serve commands until the client leaves."""
    runtime: Runtime = websocket.app.state.runtime
    headers = websocket.headers
    raw_path = websocket.scope.get("raw_path") or WS_PATH.encode()
    try:
        principal = await runtime.verifier.verify(
            "GET",
            raw_path.decode("latin-1").split("?", 1)[0],
            headers.get("kalshi-access-key"),
            headers.get("kalshi-access-timestamp"),
            headers.get("kalshi-access-signature"),
        )
    except ApiError as exc:
        await websocket.send_denial_response(error_response(exc))
        return
    if principal.account_id not in runtime.exchange.accounts:
        await runtime.submit(OpenAccount(runtime.stamp(), principal.account_id))
    await websocket.accept()
    hub = runtime.hub
    connection = Connection(websocket, principal.account_id)
    hub.add(connection)
    sender = asyncio.create_task(hub.run_sender(connection))
    commands = CommandHandler(runtime, connection)
    try:
        while not connection.closed:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
            text = message.get("text")
            if text is None:
                connection.send_json(
                    {"type": "error", "msg": {"code": 1, "msg": "Unable to process message"}}
                )
                continue
            commands.handle(text)
    except (WebSocketDisconnect, RuntimeError, OSError):
        pass
    finally:
        hub.remove(connection)
        connection.ready.set()
        sender.cancel()
        await asyncio.gather(sender, return_exceptions=True)


def _tickers_param(params: dict[str, Any], runtime: Runtime) -> list[str] | None:
    """The markets named by `market_ticker(s)` / `market_id(s)`, None when none are given."""
    given = [
        name for name in ("market_ticker", "market_tickers", "market_id", "market_ids") if name in params
    ]
    if len(given) > 1:
        raise CommandError(INVALID_PARAMETER, f"use only one of {', '.join(given)}")
    if not given:
        return None
    name = given[0]
    value = params[name]
    values = [value] if name in ("market_ticker", "market_id") else value
    if not isinstance(values, list) or not values or not all(isinstance(v, str) and v for v in values):
        raise CommandError(INVALID_PARAMETER, f"{name} must be a non-empty string or list of strings")
    if name in ("market_id", "market_ids"):
        by_id = {info.market_id: ticker for ticker, info in runtime.catalog.markets.items()}
        tickers = []
        for market_id in values:
            if market_id not in by_id:
                raise CommandError(MARKET_NOT_FOUND, market_id)
            tickers.append(by_id[market_id])
        values = tickers
    for ticker in values:
        if ticker not in runtime.exchange.markets:
            raise CommandError(MARKET_NOT_FOUND, ticker, market_ticker=ticker)
    return list(dict.fromkeys(values))


class CommandHandler:
    """Parses and answers one connection's commands."""

    def __init__(self, runtime: Runtime, connection: Connection) -> None:
        self.runtime = runtime
        self.hub = runtime.hub
        self.connection = connection

    def handle(self, text: str) -> None:
        """Answer one text frame."""
        command_id: int | None = None
        try:
            if len(text) > MAX_COMMAND_BYTES:
                raise CommandError(UNABLE_TO_PROCESS, "message too large")
            try:
                command = loads(text)
            except (ValueError, RecursionError):
                raise CommandError(UNABLE_TO_PROCESS, "malformed JSON") from None
            if not isinstance(command, dict):
                raise CommandError(UNABLE_TO_PROCESS, "a command is a JSON object")
            raw_id = command.get("id", 0)
            if type(raw_id) is not int or raw_id < 0:
                raise CommandError(INVALID_PARAMETER, "id must be a non-negative integer")
            command_id = raw_id or None
            name = command.get("cmd")
            params = command.get("params")
            if name == "list_subscriptions":
                self._list(command_id)
                return
            if name not in ("subscribe", "unsubscribe", "update_subscription"):
                raise CommandError(UNKNOWN_COMMAND, f"unknown command {name!r}")
            if params is None:
                raise CommandError(PARAMS_REQUIRED)
            if not isinstance(params, dict):
                raise CommandError(INVALID_PARAMETER, "params must be an object")
            if name == "subscribe":
                self._subscribe(command_id, params)
            elif name == "unsubscribe":
                self._unsubscribe(command_id, params)
            else:
                self._update(command_id, params)
        except CommandError as exc:
            self._error(command_id, exc)

    def _error(self, command_id: int | None, exc: CommandError) -> None:
        msg: dict[str, Any] = {
            "code": exc.code,
            "msg": exc.message + (f": {exc.detail}" if exc.detail else ""),
        }
        if exc.market_ticker:
            msg["market_ticker"] = exc.market_ticker
        payload: dict[str, Any] = {"type": "error", "msg": msg}
        if command_id is not None:
            payload["id"] = command_id
        self.connection.send_json(payload)

    def _reply(self, command_id: int | None, payload: dict[str, Any]) -> None:
        if command_id is not None:
            payload = {"id": command_id, **payload}
        self.connection.send_json(payload)

    def _list(self, command_id: int | None) -> None:
        subs = [{"channel": s.channel, "sid": s.sid} for s in self.connection.subscriptions.values()]
        self.connection.send_json({"id": command_id or 0, "type": "ok", "msg": subs})

    def _subscribe(self, command_id: int | None, params: dict[str, Any]) -> None:
        channels = params.get("channels")
        if not channels:
            raise CommandError(CHANNELS_REQUIRED)
        if not isinstance(channels, list) or not all(isinstance(c, str) for c in channels):
            raise CommandError(INVALID_PARAMETER, "channels must be a list of strings")
        for channel in channels:
            if channel in UNSUPPORTED_CHANNELS:
                raise CommandError(CHANNEL_ERROR, f"{channel} is not available in the sandbox")
            if channel not in SUPPORTED_CHANNELS:
                raise CommandError(UNKNOWN_CHANNEL, channel)
        use_yes_price = params.get("use_yes_price", False)
        if type(use_yes_price) is not bool:
            raise CommandError(INVALID_PARAMETER, "use_yes_price must be a boolean")
        send_snapshot = params.get("send_initial_snapshot", False)
        if type(send_snapshot) is not bool:
            raise CommandError(INVALID_PARAMETER, "send_initial_snapshot must be a boolean")
        tickers = _tickers_param(params, self.runtime)
        if ORDERBOOK in channels and tickers is None:
            raise CommandError(TICKER_REQUIRED, "orderbook_delta needs market_ticker or market_tickers")
        if ORDERBOOK in channels and ("market_id" in params or "market_ids" in params):
            raise CommandError(INVALID_PARAMETER, "orderbook_delta accepts market tickers only")
        for channel in dict.fromkeys(channels):
            wanted = None if channel == LIFECYCLE else tickers  # lifecycle covers every market
            existing = next((s for s in self.connection.subscriptions.values() if s.channel == channel), None)
            if existing is not None:
                self._merge(command_id, existing, wanted, send_snapshot)
                continue
            sid = self.connection.next_sid
            self.connection.next_sid += 1
            sub = Subscription(
                self.connection, sid, channel, set(wanted) if wanted is not None else None, use_yes_price
            )
            self.connection.subscriptions[sid] = sub
            self.hub.index(sub)
            self._reply(command_id, {"type": "subscribed", "msg": {"channel": channel, "sid": sid}})
            for ticker in wanted or ():
                if channel == ORDERBOOK:
                    self.hub.snapshot(sub, ticker)
                elif channel == TICKER and send_snapshot:
                    self.hub.ticker_snapshot(sub, ticker)

    def _merge(
        self, command_id: int | None, sub: Subscription, wanted: list[str] | None, send_snapshot: bool
    ) -> None:
        """Subscribing again to a channel is idempotent and merges new tickers (API.md §7)."""
        if sub.tickers is None or wanted is None or set(wanted) <= sub.tickers:
            raise CommandError(ALREADY_SUBSCRIBED, sub.channel)
        new = [t for t in wanted if t not in sub.tickers]
        self.hub.unindex(sub)
        sub.tickers.update(new)
        self.hub.index(sub)
        self._reply(command_id, {"type": "subscribed", "msg": {"channel": sub.channel, "sid": sub.sid}})
        for ticker in new:
            if sub.channel == ORDERBOOK:
                self.hub.snapshot(sub, ticker)
            elif sub.channel == TICKER and send_snapshot:
                self.hub.ticker_snapshot(sub, ticker)

    def _unsubscribe(self, command_id: int | None, params: dict[str, Any]) -> None:
        sids = params.get("sids")
        if not sids:
            raise CommandError(SIDS_REQUIRED)
        if not isinstance(sids, list) or not all(type(s) is int for s in sids):
            raise CommandError(INVALID_PARAMETER, "sids must be a list of integers")
        for sid in sids:
            sub = self.connection.subscriptions.pop(sid, None)
            if sub is None:
                self._error(command_id, CommandError(UNKNOWN_SID, str(sid)))
                continue
            self.hub.unindex(sub)
            self._reply(command_id, {"sid": sid, "seq": sub.next_seq(), "type": "unsubscribed"})

    def _update(self, command_id: int | None, params: dict[str, Any]) -> None:
        action = params.get("action")
        if action is None:
            raise CommandError(ACTION_REQUIRED)
        if action not in ("add_markets", "delete_markets", "get_snapshot"):
            raise CommandError(UNSUPPORTED_ACTION, str(action))
        has_sid, has_sids = "sid" in params, "sids" in params
        if has_sid == has_sids:
            raise CommandError(ONE_SID_REQUIRED)
        if has_sid:
            sid = params["sid"]
        else:
            sids = params["sids"]
            if not isinstance(sids, list) or len(sids) != 1:
                raise CommandError(ONE_SID_REQUIRED)
            sid = sids[0]
        if type(sid) is not int:
            raise CommandError(INVALID_PARAMETER, "sid must be an integer")
        sub = self.connection.subscriptions.get(sid)
        if sub is None:
            raise CommandError(UNKNOWN_SID, str(sid))
        tickers = _tickers_param(params, self.runtime)
        if not tickers:
            raise CommandError(TICKER_REQUIRED)
        if action == "get_snapshot":
            if sub.channel != ORDERBOOK:
                raise CommandError(UNSUPPORTED_ACTION, "get_snapshot is for orderbook_delta subscriptions")
            for ticker in tickers:
                self.hub.snapshot(sub, ticker)
            return
        if sub.channel == LIFECYCLE or sub.tickers is None:
            raise CommandError(UNSUPPORTED_ACTION, f"{sub.channel} subscription covers every market")
        self.hub.unindex(sub)
        added = [t for t in tickers if t not in sub.tickers]
        if action == "add_markets":
            sub.tickers.update(tickers)
        else:
            sub.tickers.difference_update(tickers)
        self.hub.index(sub)
        self._reply(
            command_id,
            {"sid": sid, "seq": sub.next_seq(), "type": "ok", "msg": {"market_tickers": sorted(sub.tickers)}},
        )
        if action == "add_markets" and sub.channel == ORDERBOOK:
            for ticker in added:
                self.hub.snapshot(sub, ticker)
