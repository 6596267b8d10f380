"""Headless Chromium (Debian's `chromium`, driven by Playwright) for the web chat page tests.

A test module calls `async_api = chromium_or_skip()` at import: without Chromium it is
skipped on a developer machine and fails under CI (`make test` installs Chromium).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Final

import pytest

CHROMIUM: Final = Path("/usr/bin/chromium")
CHROMIUM_ARGS: Final = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
WAIT_MS: Final = 10_000  # how long an expectation on the page may take, in milliseconds


def chromium_or_skip() -> Any:
    """The `playwright.async_api` module; skips the calling test module when it cannot run."""
    if not CHROMIUM.exists() and not os.environ.get("CI"):
        pytest.skip(f"{CHROMIUM} is not installed", allow_module_level=True)
    return pytest.importorskip("playwright.async_api")


@contextlib.asynccontextmanager
async def browser_tab(
    url: str, *, locale: str = "el-GR", viewport: tuple[int, int] | None = None
) -> AsyncIterator[Any]:
    """A Chromium tab (a Playwright `Page`) open at `url`; the browser closes on exit.

    `viewport`: (width, height) in CSS pixels, e.g. (390, 844) for a phone.
    """
    async_api = chromium_or_skip()
    async with async_api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        try:
            size = {"width": viewport[0], "height": viewport[1]} if viewport else None
            context = await browser.new_context(locale=locale, viewport=size)
            tab = await context.new_page()
            await tab.goto(url)
            yield tab
        finally:
            await browser.close()
