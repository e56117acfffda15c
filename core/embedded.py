"""The embedded mode's in-process services (sandbox, marketdata...), composed by configuration.

Each entry of settings.EMBEDDED_SERVICES is the dotted path of an async callable taking a stop
event; it runs until the event is set. Keeping the list in settings keeps `core` free of imports
from the apps it starts (the sandbox is reached only over the wire)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

EmbeddedService = Callable[[asyncio.Event], Coroutine[Any, Any, None]]


def embedded_services() -> list[tuple[str, EmbeddedService]]:
    return [(path, import_string(path)) for path in getattr(settings, "EMBEDDED_SERVICES", [])]


class QuietSignalsServer:
    """Mixin for uvicorn servers that leave Ctrl-C to their caller (the demo command owns it)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def run_until_stopped(main: Awaitable[None]) -> None:
    """Run the embedded services beside `main`; when `main` ends, stop them and wait for them."""
    stop = asyncio.Event()
    tasks: list[asyncio.Task[None]] = [
        asyncio.create_task(service(stop), name=path) for path, service in embedded_services()
    ]
    try:
        await main
    finally:
        stop.set()
        if tasks:
            done, pending = await asyncio.wait(tasks, timeout=10)
            for task in pending:
                logger.warning("Embedded service %s did not stop in time; cancelling", task.get_name())
                task.cancel()
            for task in done:
                if not task.cancelled() and task.exception() is not None:
                    logger.error("Embedded service %s failed", task.get_name(), exc_info=task.exception())
