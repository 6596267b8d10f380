"""`keplibot demo` on a fresh data directory, in headless Chromium on a phone-sized screen:
one person plays the whole helpdesk story across the sample personas, and the page's own
labels follow the chosen language.

These tests also take the README's screenshots: `make screenshots` runs them with
KEPLIBOT_SCREENSHOTS=docs; otherwise they go to a temporary directory, and the tests check
that every one was taken.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any, Final

import pytest

from bot.db import create_engine, session_factory
from bot.demo.cast import ADMIN, ATHENS, MARIA, NIKOS, PERSONAS, THESSALONIKI
from bot.demo.seed import SAMPLE_DEADLINES
from bot.emulator.sim import SimClient
from bot.services.helpdesk import tickets
from bot.services.helpdesk.ticket_workflow import Status
from tests.browser import WAIT_MS, browser_tab, chromium_or_skip
from tests.e2e.demo_support import running_demo, sample_photo

pytestmark = pytest.mark.browser
async_api = chromium_or_skip()

PHONE: Final = (390, 844)  # CSS pixels of a common phone screen
REFERENCE: Final = re.compile(r"\b[A-Z]{2,8}-\d{4}-\d{5}\b")
PNG_MAGIC: Final = b"\x89PNG\r\n\x1a\n"


def screenshot_dir(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("KEPLIBOT_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


async def shoot(page: Any, folder: Path, name: str) -> Path:
    path = folder / name
    await page.screenshot(path=str(path))
    return path


def assert_screenshot(path: Path) -> None:
    data = path.read_bytes()
    assert data.startswith(PNG_MAGIC), path
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == PHONE, (path, width, height)
    assert 5_000 < len(data) < 400_000, (path, len(data))


@pytest.fixture
async def demo(tmp_path: Path) -> AsyncIterator[tuple[str, Path]]:
    """(page URL, data directory) of a demo on a fresh data directory; the sample
    reminder is due a few seconds after the start instead of a minute."""
    data_dir = tmp_path / "demo-data"
    async with running_demo(data_dir, reminder_lead=timedelta(seconds=3)) as url:
        yield url, data_dir


def bot_messages(page: Any) -> Any:
    return page.locator("[data-testid=bot-message]")


async def send(page: Any, text: str) -> None:
    """Type `text` and send it; returns once the bot has answered with a new message."""
    before = await bot_messages(page).count()
    await page.fill("#composer-input", text)
    await page.press("#composer-input", "Enter")
    await page.wait_for_function(
        "n => document.querySelectorAll('[data-testid=bot-message]').length > n",
        arg=before,
        timeout=WAIT_MS,
    )


async def press(page: Any, callback_prefix: str) -> None:
    """Press the newest button whose callback data starts with `callback_prefix`."""
    button = page.locator(f'button.inline-button[data-callback^="{callback_prefix}"]').last
    await async_api.expect(button).to_be_visible(timeout=WAIT_MS)
    await button.click()


async def be(page: Any, user_id: int) -> None:
    """Switch to the persona `user_id` with the page's person list."""
    await page.select_option("#persona-select", str(user_id))
    await async_api.expect(page.locator("#persona-select")).to_have_value(str(user_id))
    await async_api.expect(page.locator("#app")).to_have_attribute("data-user", str(user_id))
    await async_api.expect(page.locator("#app")).to_have_attribute("data-loaded", "true")


async def open_chat(page: Any, chat_id: int) -> None:
    await page.select_option("#chat-select", str(chat_id))
    await async_api.expect(page.locator("#app")).to_have_attribute("data-chat", str(chat_id))
    await async_api.expect(page.locator("#app")).to_have_attribute("data-loaded", "true")


async def test_one_person_plays_the_helpdesk_story_as_teacher_staff_and_administrator(
    demo: tuple[str, Path], tmp_path: Path
) -> None:
    url, data_dir = demo
    expect = async_api.expect
    shots = screenshot_dir(tmp_path)
    taken = []
    async with browser_tab(url, viewport=PHONE) as page:
        # --- the start page offers the sample people ---------------------------------------
        personas = page.locator("#personas [data-persona]")
        await expect(personas).to_have_count(len(PERSONAS), timeout=WAIT_MS)
        await expect(page.locator("#personas")).to_contain_text("Εκπαιδευτικός")
        await expect(page.locator("#personas")).to_contain_text("Προσωπικό ΚΕ.ΠΛΗ.ΝΕ.Τ.")
        await expect(page.locator("#personas")).to_contain_text("Διαχειριστής/τρια")
        await expect(page.locator("#personas")).to_contain_text("0551010")
        taken.append(await shoot(page, shots, "demo-personas.png"))

        # --- Maria, a teacher: the sample reminder arrives -------------------------------------
        await page.click(f'[data-persona="{MARIA.user_id}"]')
        await expect(page.locator("#persona-hint")).to_contain_text("/report")
        await expect(bot_messages(page).last).to_contain_text(
            "Δοκιμαστική προθεσμία", timeout=WAIT_MS
        )

        # --- she reports a fault with a photo ----------------------------------------------------
        await send(page, "/report")
        await expect(bot_messages(page).last).to_contain_text("0551010")  # her school, known
        await press(page, "rp:keep")
        await expect(page.locator('[data-callback="rp:keep"]')).to_have_count(0)
        await send(page, "Εργαστήριο Πληροφορικής 1")
        await press(page, "rp:cat:pc")
        await expect(page.locator('[data-callback="rp:skip"]').last).to_be_visible()
        await send(page, "PC-07")
        await send(page, "Δεν ανοίγει, η οθόνη μένει μαύρη.")
        photo = {"name": "pc-07.png", "mimeType": "image/png", "buffer": sample_photo()}
        await page.set_input_files("#photo-input", files=[photo])
        await expect(page.locator("[data-testid=user-message] img.photo")).to_have_count(1)
        await press(page, "rp:done")
        await press(page, "rp:urg:partial")
        await press(page, "rp:send")
        done = bot_messages(page).filter(has_text=REFERENCE)
        await expect(done).to_have_count(1, timeout=WAIT_MS)
        found = REFERENCE.search(await done.inner_text())
        assert found is not None
        ref = found.group(0)
        taken.append(await shoot(page, shots, "demo-teacher.png"))

        # --- Nikos, Athens staff: the post is in his centre's group; he takes it and replies -
        await be(page, NIKOS.user_id)
        await open_chat(page, ATHENS.staff_chat_id)
        post = (
            bot_messages(page)
            .filter(has_text=ref)
            .filter(has=page.locator('[data-callback^="hd:"]'))
        )
        await expect(post).to_have_count(1, timeout=WAIT_MS)
        await expect(page.locator("img.photo")).to_have_count(1)  # her photo came along
        await press(page, "hd:take:")
        await expect(post).to_contain_text(NIKOS.name, timeout=WAIT_MS)  # the assignee
        await post.evaluate("node => node.scrollIntoView({block: 'start'})")
        taken.append(await shoot(page, shots, "demo-staff.png"))
        await press(page, "hd:rep:")
        await expect(page.locator("#reply-banner")).to_be_visible(timeout=WAIT_MS)
        await send(page, "Δοκιμάστε το καλώδιο στην άλλη πρίζα.")

        # --- Maria sees the answer ------------------------------------------------------------
        await be(page, MARIA.user_id)
        await expect(page.locator("#chat-select")).to_have_value(str(MARIA.user_id))
        await expect(bot_messages(page).filter(has_text=ref).last).to_contain_text(
            "Δοκιμάστε το καλώδιο στην άλλη πρίζα.", timeout=WAIT_MS
        )

        # --- Nikos resolves it (the page kept him in his group) ---------------------------------
        await be(page, NIKOS.user_id)
        await expect(page.locator("#chat-select")).to_have_value(str(ATHENS.staff_chat_id))
        await press(page, "hd:res:")

        # --- Maria confirms: the ticket is closed -----------------------------------------------
        await be(page, MARIA.user_id)
        await press(page, "tk:c:")
        await expect(page.locator('[data-callback^="tk:c:"]')).to_have_count(0, timeout=WAIT_MS)

        # --- the administrator sees the sample dates of the selection process ------------------
        await be(page, ADMIN.user_id)
        await expect(page.locator("#persona-hint")).to_contain_text("/deadlines")
        await send(page, "/deadlines")
        listing = bot_messages(page).last
        for sample in SAMPLE_DEADLINES:
            await expect(listing).to_contain_text(sample.title_el)
        taken.append(await shoot(page, shots, "demo-admin.png"))

    engine = create_engine(f"sqlite+aiosqlite:///{data_dir / 'keplibot.sqlite3'}")
    try:
        async with session_factory(engine)() as session:
            ticket = await tickets.ticket_by_reference(session, ref)
    finally:
        await engine.dispose()
    assert ticket is not None
    assert ticket.status is Status.CLOSED
    assert ticket.school_code == "0551010"
    assert len(ticket.attachments) == 1
    async with SimClient(url.rstrip("/")) as sim:
        elsewhere = await sim.messages(THESSALONIKI.staff_chat_id)
    assert not [m for m in elsewhere if ref in (m["text"] or "") + (m["caption"] or "")]
    for path in taken:
        assert_screenshot(path)


async def test_the_page_speaks_english_and_a_long_title_fits_a_phone(
    demo: tuple[str, Path], tmp_path: Path
) -> None:
    url, _ = demo
    expect = async_api.expect
    shots = screenshot_dir(tmp_path)
    async with browser_tab(url, locale="en-GB", viewport=PHONE) as page:
        # An English browser gets the English page; nothing of the page itself is Greek.
        await expect(page.locator("#personas-box h2")).to_have_text("Try it as", timeout=WAIT_MS)
        await expect(page.locator("#personas")).to_contain_text("Support-centre staff")
        await expect(page.locator("#start-button")).to_have_text("Start chatting")

        await page.click('[data-persona="7003"]')  # Helen, who speaks English to the bot
        await send(page, "/start")
        greeting = bot_messages(page).last
        await greeting.locator("button.inline-button", has_text="Language").click()
        await expect(greeting).to_contain_text("Choose the language", timeout=WAIT_MS)
        meta = greeting.locator(".meta")
        await expect(meta).to_contain_text("edited")
        await expect(meta).to_contain_text("Reply")
        await expect(page.locator("#composer-input")).to_have_attribute("placeholder", "Message")
        await expect(page.locator("#persona-hint")).to_contain_text("As a teacher")
        time_text = await meta.locator("time").inner_text()
        assert re.fullmatch(r"\d{2}:\d{2}", time_text), time_text  # 24-hour, no π.μ./μ.μ.

        # ΕΛ turns every label Greek, EN back to English.
        await page.click("#ui-el")
        await expect(meta).to_contain_text("επεξεργασμένο")
        await expect(meta).to_contain_text("Απάντηση")
        await expect(page.locator("#chat-select option").first).to_have_text("Συνομιλία με το bot")
        await page.click("#ui-en")
        await expect(meta).to_contain_text("edited")
        await expect(page.locator("#chat-select option").first).to_have_text("Chat with the bot")
        assert_screenshot(await shoot(page, shots, "demo-english.png"))

        # The staff group's long title stays clear of the language switch.
        await be(page, NIKOS.user_id)
        await open_chat(page, ATHENS.staff_chat_id)
        await expect(page.locator("#chat-title")).to_have_text(ATHENS.staff_chat_title)
        title = await page.locator("#chat-title").bounding_box()
        switch = await page.locator(".lang-toggle").bounding_box()
        assert title is not None
        assert switch is not None
        assert title["x"] + title["width"] <= switch["x"], (title, switch)
        assert switch["x"] + switch["width"] <= PHONE[0]
