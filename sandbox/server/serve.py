"""Serving the sandbox with uvicorn: the server, its heartbeat pings, and the run loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from typing import Any

import uvicorn
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from sandbox.server.app import create_app
from sandbox.server.hub import SILENCE_EXTENSION
from sandbox.server.runtime import Runtime

logger = logging.getLogger("sandbox")
HEARTBEAT_INTERVAL_S = 10.0
HEARTBEAT_TIMEOUT_S = 30.0


class HeartbeatProtocol(WebSocketsSansIOProtocol):
    """uvicorn's WebSocket protocol, pinging with the payload `heartbeat` every 10 s (API.md §7).

    It also offers the app, as the ASGI scope extension `sandbox.silence`, a way to make the
    connection send nothing more, not even pings or pongs, with TCP kept open (the ws_silence
    fault): control frames are the one thing the ASGI interface cannot express.
    """

    silent = False

    def handle_connect(self, event: Any) -> None:
        """uvicorn's handshake, plus the silence extension in the scope."""
        super().handle_connect(event)
        scope = getattr(self, "scope", None)
        if scope is not None:
            scope["extensions"][SILENCE_EXTENSION] = {"silence": self.silence}

    def silence(self) -> None:
        """No more pings, and pings from the peer go unanswered."""
        self.silent = True
        self.stop_keepalive()

    def handle_ping(self) -> None:
        """Answer a peer's ping (the pong is already queued by the protocol), unless silent."""
        output = self.conn.data_to_send()
        if not self.silent:
            self.transport.write(b"".join(output))

    def send_keepalive_ping(self) -> None:
        """Same as uvicorn's keepalive ping, with Kalshi's payload instead of random bytes."""
        self.ping_timer = None
        if self.silent or self.close_sent or self.transport.is_closing():
            return
        self.pending_ping_payload = b"heartbeat"
        self.ping_sent_at = self.loop.time()
        self.conn.send_ping(self.pending_ping_payload)
        self.transport.write(b"".join(self.conn.data_to_send()))
        if self.ping_timeout is not None:
            self.pong_timer = self.loop.call_later(self.ping_timeout, self.keepalive_timeout)
        else:
            self.schedule_ping()


class SandboxServer(uvicorn.Server):
    """A uvicorn server that can run beside another one (embedded mode): it leaves signals alone."""

    quiet_signals = False

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        """Only the main server owns Ctrl-C in the embedded mode."""
        if self.quiet_signals:
            yield
            return
        with super().capture_signals():
            yield


def build_server(
    runtime: Runtime,
    *,
    host: str,
    port: int,
    admin_token: str,
    quiet_signals: bool = False,
    heartbeat_s: float = HEARTBEAT_INTERVAL_S,
) -> SandboxServer:
    """A uvicorn server for the sandbox app."""
    config = uvicorn.Config(
        create_app(runtime, admin_token),
        host=host,
        port=port,
        lifespan="off",
        log_level="warning",
        access_log=False,
        ws=HeartbeatProtocol,
        ws_ping_interval=heartbeat_s,
        ws_ping_timeout=HEARTBEAT_TIMEOUT_S,
        ws_per_message_deflate=False,
        http="httptools",
        backlog=2048,
        timeout_keep_alive=30,
    )
    server = SandboxServer(config)
    server.quiet_signals = quiet_signals
    return server


async def serve(
    *,
    host: str,
    port: int,
    seed: int,
    admin_token: str,
    rate_limit_tier: str | None,
    simulate: bool,
    stop: asyncio.Event | None = None,
    quiet_signals: bool = False,
    on_ready: Any = None,
    heartbeat_s: float = HEARTBEAT_INTERVAL_S,
    flash_lifetime_s: int | None = None,
) -> None:
    """Start the runtime (replaying the journal), serve until stopped, then flush and stop."""
    runtime = Runtime(seed=seed, rate_limit_tier=rate_limit_tier)
    await runtime.start()
    server = build_server(
        runtime,
        host=host,
        port=port,
        admin_token=admin_token,
        quiet_signals=quiet_signals,
        heartbeat_s=heartbeat_s,
    )

    def fatal() -> None:
        server.should_exit = True

    runtime.on_fatal = fatal
    tasks: list[asyncio.Task[None]] = []
    if simulate:
        from sandbox.simulator import Simulator

        simulator = Simulator(runtime, seed=seed, flash_lifetime_s=flash_lifetime_s)
        tasks.append(asyncio.create_task(simulator.run(), name="sandbox-simulator"))
    if stop is not None:

        async def watch() -> None:
            await stop.wait()
            server.should_exit = True

        tasks.append(asyncio.create_task(watch(), name="sandbox-stop-watch"))
    if on_ready is not None:
        tasks.append(asyncio.create_task(_announce(server, on_ready)))
    try:
        await server.serve()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await runtime.stop()
    if runtime.failure is not None:
        raise SystemExit("sandbox: stopped because the journal could not be written")


async def _announce(server: uvicorn.Server, on_ready: Any) -> None:
    while not server.started:
        await asyncio.sleep(0.02)
    on_ready()
