"""Browser tests: Debian's chromium driven by Playwright against the real ASGI app.

Run apart from the asyncio tests (`make test` does), with DJANGO_ALLOW_ASYNC_UNSAFE=true because
Playwright's sync API keeps an event loop running in the test thread."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "e2e"


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if CHROMIUM is None:
        message = "chromium is not installed (apt-get install -y chromium)"
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def live_url(transactional_db: None) -> Iterator[str]:
    from config.asgi import application
    from tests.servers import asgi_server

    with asgi_server(application) as address:
        yield f"http://{address}"


@pytest.fixture
def page(browser, live_url):
    context = browser.new_context(base_url=live_url)
    page = context.new_page()
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
