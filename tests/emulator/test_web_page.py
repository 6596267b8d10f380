"""The web chat page in headless Chromium, against the emulator and a tiny scripted bot."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.emulator import EmulatorServer
from tests.browser import WAIT_MS, browser_tab, chromium_or_skip
from tests.emulator.conftest import TOKEN, png

pytestmark = pytest.mark.browser
async_api = chromium_or_skip()


async def scripted_bot(base: str) -> None:
    """Answers /start with a button, the button with an edit and a toast, a photo with a file.

    Plain getUpdates/sendMessage over HTTP, like the smallest possible real bot.
    """
    api = f"{base}/bot{TOKEN}"
    offset = 0
    async with aiohttp.ClientSession() as http:

        async def call(method: str, **params: Any) -> Any:
            async with http.post(f"{api}/{method}", json=params) as resp:
                body = await resp.json()
                assert body["ok"], body
                return body["result"]

        while True:
            for update in await call("getUpdates", offset=offset, timeout=20):
                offset = update["update_id"] + 1
                message = update.get("message")
                query = update.get("callback_query")
                if message and message.get("text") == "/start":
                    name = message["from"]["first_name"]
                    await call(
                        "sendMessage",
                        chat_id=message["chat"]["id"],
                        text=f"<b>Γεια σου</b>, {name}!\nΠάτησε το κουμπί.",
                        parse_mode="HTML",
                        reply_markup={
                            "inline_keyboard": [
                                [{"text": "Πάτησέ με", "callback_data": "pressed"}],
                                [{"text": "Οδηγός", "url": "https://example.gr/"}],
                            ]
                        },
                    )
                elif message and message.get("photo"):
                    await _send_receipt(http, api, message["chat"]["id"])
                elif query:
                    await call("answerCallbackQuery", callback_query_id=query["id"], text="Έγινε!")
                    await call(
                        "editMessageText",
                        chat_id=query["message"]["chat"]["id"],
                        message_id=query["message"]["message_id"],
                        text="Πατήθηκε ✅",
                    )


async def _send_receipt(http: aiohttp.ClientSession, api: str, chat_id: int) -> None:
    form = aiohttp.FormData()
    form.add_field("chat_id", str(chat_id))
    form.add_field("caption", "Η φωτογραφία ελήφθη")
    form.add_field("document", b"received\n", filename="receipt.txt", content_type="text/plain")
    async with http.post(f"{api}/sendDocument", data=form) as resp:
        assert (await resp.json())["ok"]


@pytest.fixture
async def running_bot(emu: EmulatorServer) -> AsyncIterator[None]:
    task = asyncio.create_task(scripted_bot(emu.url))
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


@pytest.fixture
async def page(emu: EmulatorServer) -> AsyncIterator[Any]:
    async with browser_tab(emu.url) as tab:
        yield tab


async def test_a_person_starts_the_bot_and_presses_its_button(
    page: Any, running_bot: None, emu: EmulatorServer
) -> None:
    expect = async_api.expect
    start = page.locator("#start-button")
    await expect(start).to_have_text("Έναρξη συνομιλίας", timeout=WAIT_MS)  # Greek first
    await page.click("#ui-en")
    await expect(start).to_have_text("Start chatting")
    await page.click("#ui-el")
    await expect(start).to_have_text("Έναρξη συνομιλίας")

    await page.fill("#first-name", "Μαρία")
    await page.check("#lang-el")
    await start.click()
    await page.fill("#composer-input", "/start")
    await page.press("#composer-input", "Enter")

    reply = page.locator("[data-testid=bot-message]").first
    await expect(reply).to_contain_text("Γεια σου, Μαρία!", timeout=WAIT_MS)
    await expect(reply.locator("b")).to_have_text("Γεια σου")
    link = reply.locator("a.inline-button.url")
    await expect(link).to_have_attribute("href", "https://example.gr/")
    button = reply.locator("button.inline-button", has_text="Πάτησέ με")
    await button.click()

    await expect(page.locator("#toast")).to_have_text("Έγινε!", timeout=WAIT_MS)
    await expect(reply).to_contain_text("Πατήθηκε ✅", timeout=WAIT_MS)
    await expect(reply.locator(".edited")).to_be_visible()
    await expect(reply.locator("button.inline-button")).to_have_count(0)

    # The update the bot got carried the chosen language.
    [user] = emu.state.users.values()
    assert (user.first_name, user.language_code) == ("Μαρία", "el")


async def test_a_photo_goes_up_and_a_document_comes_back(page: Any, running_bot: None) -> None:
    expect = async_api.expect
    await page.fill("#first-name", "Νίκος", timeout=WAIT_MS)
    await page.click("#start-button")
    await expect(page.locator("#composer-input")).to_be_visible()
    await page.set_input_files(
        "#photo-input",
        files=[{"name": "vlavi.png", "mimeType": "image/png", "buffer": png(40, 30)}],
    )
    mine = page.locator("[data-testid=user-message] img.photo")
    await expect(mine).to_be_visible(timeout=WAIT_MS)
    document = page.locator("[data-testid=document-link]")
    await expect(document).to_contain_text("receipt.txt", timeout=WAIT_MS)
    await expect(document).to_have_attribute("download", "receipt.txt")
    await expect(page.locator("[data-testid=bot-message]")).to_contain_text("Η φωτογραφία ελήφθη")
