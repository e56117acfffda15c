"""`make demo`: migrate, seed the demo user, then serve the whole product from one process."""

from __future__ import annotations

import asyncio
import os
from typing import Any

import uvicorn
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from accounts.services import demo_user_ensure
from core.embedded import run_until_stopped


class Command(BaseCommand):
    help = "Run the embedded product (web, sandbox, market data) in one process."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))

    def handle(self, *args: Any, host: str, port: int, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        email = os.environ.get("DEMO_EMAIL", "demo@example.com")
        password = os.environ.get("DEMO_PASSWORD", "kalshi-demo")
        demo_user_ensure(email=email, password=password)
        url = f"http://{host}:{port}"
        self.stdout.write(
            self.style.SUCCESS(
                f"\n  Kalshi Bot Builder is starting at {url}\n"
                f"  Demo login: {email} / {password}\n"
                f"  API docs:   {url}/api/docs/    Health: {url}/healthz\n"
                f"  Sandbox exchange: http://{settings.SANDBOX_HOST}:{settings.SANDBOX_PORT}/trade-api/v2\n"
                "  Stop with Ctrl-C.\n"
            )
        )
        server = uvicorn.Server(
            uvicorn.Config(
                "config.asgi:application", host=host, port=port, lifespan="off", log_level="warning"
            )
        )
        asyncio.run(run_until_stopped(server.serve()))
        self.stdout.write("Stopped.")
