"""The sandbox inside `make demo` (settings.EMBEDDED_SERVICES): server and simulator in-process."""

from __future__ import annotations

import asyncio

from django.conf import settings

from sandbox.server.serve import serve as serve_sandbox


async def serve(stop: asyncio.Event) -> None:
    """Run the sandbox on SANDBOX_HOST:SANDBOX_PORT, with the simulator, until `stop` is set."""
    await serve_sandbox(
        host=settings.SANDBOX_HOST,
        port=settings.SANDBOX_PORT,
        seed=0,
        admin_token=settings.SANDBOX_ADMIN_TOKEN,
        rate_limit_tier="basic",
        simulate=True,
        stop=stop,
        quiet_signals=True,
    )
