"""`keplibot demo` in headless Chromium: a person opens the page and uses the menu."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import WAIT_MS, browser_tab, chromium_or_skip
from tests.e2e.demo_support import running_demo

pytestmark = pytest.mark.browser
async_api = chromium_or_skip()


@pytest.fixture
async def page(tmp_path: Path) -> AsyncIterator[Any]:
    """The chat page of a running `keplibot demo` (free ports, data in tmp_path)."""
    async with running_demo(tmp_path / "demo-data") as url, browser_tab(url) as tab:
        yield tab


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


async def test_the_personas_link_to_the_teams_chat_where_a_teacher_uses_the_menu(
    page: Any,
) -> None:
    expect = async_api.expect
    link = page.locator("#teams-link")
    await expect(link).to_be_visible(timeout=WAIT_MS)
    await expect(link).to_contain_text("Microsoft Teams")
    teams = await link.get_attribute("href")
    assert teams is not None
    assert teams.startswith("http://127.0.0.1:")
    await page.goto(teams)
    await expect(page.locator("#title")).to_have_text(
        "Το keplibot στο Microsoft Teams (τοπική προσομοίωση)"
    )
    await page.locator("#people button", has_text="Helen Brown").click()
    await page.fill("#text", "/start")
    await page.press("#text", "Enter")
    card = page.locator(".msg:not(.me)").last
    await expect(card).to_contain_text("Hello, Helen Brown!", timeout=WAIT_MS)
    await expect(page.locator(".msg.me")).to_have_text("/start")
    await card.locator("button", has_text="Reminders").click()
    await expect(card).to_contain_text("⏰ Reminders", timeout=WAIT_MS)
    await expect(card.locator("button", has_text="Follow all deadlines")).to_be_visible()
