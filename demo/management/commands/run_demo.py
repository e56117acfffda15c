"""`make demo`: migrate, seed the demo user, then serve the whole product from one process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Iterator
from typing import Any

import requests
import uvicorn
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from accounts.models import User
from accounts.sandbox_onboarding import SandboxUnavailable, sandbox_credential_ensure
from accounts.services import demo_user_ensure
from core.embedded import QuietSignalsServer, run_until_stopped

logger = logging.getLogger(__name__)


class DemoServer(QuietSignalsServer, uvicorn.Server):
    """The demo's web server. It leaves signals to the command, because uvicorn's own handling
    re-raises the captured SIGINT once serve() returns, and asyncio then cancels the shutdown of
    the embedded services halfway with a KeyboardInterrupt."""


@contextlib.contextmanager
def _stop_on_signals(loop: asyncio.AbstractEventLoop, server: uvicorn.Server) -> Iterator[None]:
    """Ctrl-C or SIGTERM: a graceful stop (the embedded services stop after the web server).
    A second one skips waiting for open connections."""

    def stop() -> None:
        if server.should_exit:
            server.force_exit = True
        server.should_exit = True

    signals = (signal.SIGINT, signal.SIGTERM)
    for sig in signals:
        loop.add_signal_handler(sig, stop)
    try:
        yield
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)


def _sandbox_is_up() -> bool:
    try:
        return requests.get(f"{settings.SANDBOX_URL}/trade-api/v2/exchange/status", timeout=1).ok
    except requests.RequestException:
        return False


async def _seed_once_sandbox_is_up(user: User) -> None:
    """The demo user trades on the in-process sandbox: give them their funded credential."""
    for _ in range(120):
        if await asyncio.to_thread(_sandbox_is_up):
            try:
                await asyncio.to_thread(sandbox_credential_ensure, user=user)
            except SandboxUnavailable:
                logger.exception("Could not open the demo user's sandbox account")
            return
        await asyncio.sleep(0.5)
    logger.warning("The sandbox exchange did not come up; the demo user has no paper-trading credential yet")


class Command(BaseCommand):
    help = "Run the embedded product (web, sandbox, market data) in one process."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))

    def handle(self, *args: Any, host: str, port: int, **options: Any) -> None:
        email = os.environ.get("DEMO_EMAIL", "demo@example.com")
        password = os.environ.get("DEMO_PASSWORD", "kalshi-demo")
        url = f"http://{host}:{port}"
        self.stdout.write(
            self.style.SUCCESS(
                f"\n  Kalshi Bot Builder: {url}\n"
                f"  Demo login: {email} / {password}\n"
                f"  API docs:   {url}/api/docs/    Health: {url}/healthz\n"
                f"  Sandbox exchange: {settings.SANDBOX_URL}/trade-api/v2\n"
                "  Stop with Ctrl-C.\n"
            )
        )
        try:
            call_command("migrate", interactive=False, verbosity=0)
            user = demo_user_ensure(email=email, password=password)
        except KeyboardInterrupt:  # Ctrl-C before the server started: nothing else to stop
            self.stdout.write("Stopped.")
            return
        server = DemoServer(
            uvicorn.Config(
                "config.asgi:application", host=host, port=port, lifespan="off", log_level="warning"
            )
        )

        async def web() -> None:
            seeding = asyncio.create_task(_seed_once_sandbox_is_up(user))
            try:
                await server.serve()
            finally:
                seeding.cancel()

        async def main() -> None:
            # Installed before anything starts and removed only once everything has stopped, so
            # no signal can interrupt the embedded services' shutdown.
            with _stop_on_signals(asyncio.get_running_loop(), server):
                await run_until_stopped(web())

        asyncio.run(main())
        self.stdout.write("Stopped.")
