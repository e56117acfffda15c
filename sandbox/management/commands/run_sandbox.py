"""`python manage.py run_sandbox --host 127.0.0.1 --port 8001 [--seed N] [--no-simulate]
[--rate-limit-tier basic|none] [--migrate]`: the Kalshi-compatible sandbox exchange."""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the sandbox exchange: REST at /trade-api/v2, WebSocket at /trade-api/ws/v2."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default=settings.SANDBOX_HOST)
        parser.add_argument("--port", type=int, default=settings.SANDBOX_PORT)
        parser.add_argument("--seed", type=int, default=0, help="seeds the simulator and a new journal's ids")
        parser.add_argument("--no-simulate", action="store_true", help="do not run the simulated traders")
        parser.add_argument(
            "--rate-limit-tier", choices=["basic", "advanced", "premier", "none"], default="basic"
        )
        parser.add_argument("--migrate", action="store_true", help="apply database migrations first")
        parser.add_argument(
            "--ws-heartbeat-seconds", type=float, default=10.0, help="WebSocket ping interval"
        )
        parser.add_argument(
            "--sim-flash-seconds",
            type=int,
            default=None,
            help="lifetime of the simulator's short-lived markets (180)",
        )

    def handle(
        self,
        *args: Any,
        host: str,
        port: int,
        seed: int,
        no_simulate: bool,
        rate_limit_tier: str,
        migrate: bool,
        ws_heartbeat_seconds: float,
        sim_flash_seconds: int | None,
        **options: Any,
    ) -> None:
        from sandbox import engine
        from sandbox.server.serve import serve

        if migrate:
            call_command("migrate", interactive=False, verbosity=0)

        def ready() -> None:
            # One machine-readable line, so scripts and the test fixture know the server answers;
            # `engine` says whether the mypyc build runs ("compiled") or the source ("source").
            engine_kind = "compiled" if engine.COMPILED else "source"
            line = {"sandbox": "ready", "host": host, "port": port, "engine": engine_kind}
            sys.stdout.write(json.dumps(line) + "\n")
            sys.stdout.flush()

        try:
            import uvloop

            runner = asyncio.Runner(loop_factory=uvloop.new_event_loop)
        except ImportError:  # pragma: no cover - uvicorn[standard] installs uvloop
            runner = asyncio.Runner()
        with runner:
            runner.run(
                serve(
                    host=host,
                    port=port,
                    seed=seed,
                    admin_token=settings.SANDBOX_ADMIN_TOKEN,
                    rate_limit_tier=None if rate_limit_tier == "none" else rate_limit_tier,
                    simulate=not no_simulate,
                    on_ready=ready,
                    heartbeat_s=ws_heartbeat_seconds,
                    flash_lifetime_s=sim_flash_seconds,
                )
            )
