"""`keplibot demo` in headless Chromium: a person opens the page and uses the menu."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.commands.demo import run_demo

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
WAIT_MS = 10_000

pytestmark = pytest.mark.browser

if not CHROMIUM.exists() and not os.environ.get("CI"):
    pytest.skip(f"{CHROMIUM} is not installed", allow_module_level=True)

async_api = pytest.importorskip("playwright.async_api")


@pytest.fixture
async def demo_url(tmp_path: Path) -> AsyncIterator[str]:
    """The page of a running `keplibot demo` (on a free port, data in tmp_path)."""
    stop = asyncio.Event()
    url: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(
        run_demo("127.0.0.1", 0, tmp_path / "demo-data", stop=stop, ready=url.set_result)
    )
    waiting: set[asyncio.Future[Any]] = {url, task}
    done, _ = await asyncio.wait(waiting, timeout=30, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        task.result()  # it failed to start: show why
    yield await url
    stop.set()
    await asyncio.wait_for(task, timeout=30)


@pytest.fixture
async def page(demo_url: str) -> AsyncIterator[Any]:
    async with async_api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        try:
            context = await browser.new_context(locale="el-GR")
            tab = await context.new_page()
            await tab.goto(demo_url)
            yield tab
        finally:
            await browser.close()


async def test_a_teacher_opens_the_demo_sends_start_and_uses_the_menu(page: Any) -> None:
    expect = async_api.expect
    await page.fill("#first-name", "Μαρία")
    await page.check("#lang-el")
    await page.click("#start-button")
    await page.fill("#composer-input", "/start")
    await page.press("#composer-input", "Enter")

    greeting = page.locator("[data-testid=bot-message]").last
    await expect(greeting).to_contain_text("Γεια σας, Μαρία!", timeout=WAIT_MS)
    for label in [
        "Υπολογισμός μορίων",
        "Συχνές ερωτήσεις",
        "Αναφορά βλάβης",
        "Υπενθυμίσεις",
        "Γλώσσα / Language",
    ]:
        await expect(greeting.locator("button.inline-button", has_text=label)).to_be_visible()

    await greeting.locator("button.inline-button", has_text="Γλώσσα / Language").click()
    await expect(greeting).to_contain_text("Επιλέξτε σε ποια γλώσσα θα σας μιλάω:")
    await greeting.locator("button.inline-button", has_text="English").click()
    await expect(greeting).to_contain_text("Language: English.", timeout=WAIT_MS)
    await expect(
        greeting.locator("button.inline-button", has_text="Points calculation")
    ).to_be_visible()
