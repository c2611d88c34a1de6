"""What every browser test of the console shares: Debian's Chromium driven by Playwright (never a
browser download), a fresh page per test that fails the test on any uncaught error in the console,
an admin's REST client, and a second model version to activate (shared with the end-to-end tests)."""

from __future__ import annotations

import pathlib
from collections.abc import AsyncIterator

import httpx
import pytest
from playwright.async_api import Browser, Page, async_playwright

from fraudctl.runtime.services import REPO, ServiceSupervisor
from tests.e2e.clients import admin_headers
from tests.e2e.test_model_activation import second_version  # noqa: F401 (a second model version to activate)

CHROMIUM = pathlib.Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # the tests run as root
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WEB_DIST = REPO / "web" / "dist"
STEP_TIMEOUT_MS = 20_000  # one UI step, on a busy two-core machine


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    if not CHROMIUM.is_file():
        pytest.fail(
            f"no Chromium at {CHROMIUM}: install Debian's package (apt-get install chromium; .ci/run does). "
            "Playwright's own browser download is not used."
        )
    if not (WEB_DIST / "index.html").is_file():
        pytest.fail(f"no console build in {WEB_DIST}: run `make web` (cd web && npm ci && npm run build)")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    opened = await context.new_page()
    opened.set_default_timeout(STEP_TIMEOUT_MS)
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    await context.close()
    assert errors == [], f"uncaught errors in the console: {errors}"


@pytest.fixture
async def api(stack: ServiceSupervisor) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=stack.ports.edge_url, timeout=30, headers=admin_headers(stack)) as client:
        yield client
