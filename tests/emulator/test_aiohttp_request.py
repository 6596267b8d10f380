"""`bot.telegram_http.AiohttpRequest`, keplibot's transport to the Bot API, against the
emulator: what PTB sends through it arrives whole, and each fault is raised as
`HTTPXRequest` raises it, so the rate limiter's retry decisions stay right."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from telegram import Bot
from telegram.error import BadRequest, NetworkError, TimedOut
from telegram.ext import ExtBot
from telegram.request import HTTPXRequest

from bot.emulator import EmulatorServer, SimClient
from bot.ratelimit import TelegramRateLimiter, unanswered
from bot.telegram_http import AiohttpRequest, Answered
from tests.emulator.conftest import ALICE, TOKEN, png


def aiohttp_bot(emu: EmulatorServer, **timeouts: float) -> Bot:
    return Bot(
        TOKEN,
        base_url=f"{emu.api_url}/bot",
        base_file_url=f"{emu.api_url}/file/bot",
        request=AiohttpRequest(connections=4, **timeouts),
        get_updates_request=AiohttpRequest(connections=1),
    )


@pytest.fixture
async def bot(emu: EmulatorServer, sim: SimClient) -> AsyncIterator[Bot]:
    await sim.send_text(ALICE, "/start")  # the chat exists
    async with aiohttp_bot(emu) as ptb:
        yield ptb


async def test_texts_and_greek_arrive_whole(bot: Bot, sim: SimClient) -> None:
    [update] = await bot.get_updates(timeout=1)
    assert update.message is not None
    assert update.message.text == "/start"
    text = " ".join(["Καλημέρα & <καλώς> ήρθατε; 100% «σωστά»"] * 20)
    sent = await bot.send_message(ALICE.id, text)
    assert sent.text == text
    [shown] = (await sim.messages(ALICE.id))[-1:]
    assert shown["text"] == text


async def test_files_go_up_and_come_down_unchanged(bot: Bot, sim: SimClient) -> None:
    image = png(30, 20)
    photo = await bot.send_photo(ALICE.id, image, caption="Η βλάβη: «οθόνη»")
    assert photo.caption == "Η βλάβη: «οθόνη»"
    pdf = b"%PDF-1.4 \x00\xff binary \r\n" * 50
    doc = await bot.send_document(ALICE.id, pdf, filename="βεβαίωση.pdf")
    assert doc.document is not None
    assert doc.document.file_name == "βεβαίωση.pdf"
    assert await sim.download(doc.document.file_id) == pdf
    file = await bot.get_file(doc.document.file_id)
    assert bytes(await file.download_as_bytearray()) == pdf
    biggest = await bot.get_file(photo.photo[-1].file_id)
    assert bytes(await biggest.download_as_bytearray()) == await sim.download(biggest.file_id)


async def test_an_upload_over_a_megabyte_is_sent_whole(bot: Bot, sim: SimClient) -> None:
    """aiohttp warns about large raw bytes (an error under this project's test settings):
    the transport hands it a file object instead."""
    pdf = b"%PDF-1.4 " + bytes(range(256)) * 6000  # 1.5 MB
    doc = await bot.send_document(ALICE.id, pdf, filename="σχέδιο.pdf")
    assert doc.document is not None
    assert await sim.download(doc.document.file_id) == pdf


@pytest.mark.parametrize("name", ["line\nbreak.pdf", 'say "hi".pdf', "a\\b.pdf", "tab\t.pdf"])
async def test_file_names_arrive_as_ptb_s_httpx_transport_sends_them(
    emu: EmulatorServer, bot: Bot, name: str
) -> None:
    """A quote or a line break cannot end the multipart header; the name arrives exactly
    as it did with PTB's own transport."""
    ours = await bot.send_document(ALICE.id, b"%PDF-1.4", filename=name)
    async with Bot(TOKEN, base_url=f"{emu.api_url}/bot", request=HTTPXRequest()) as httpx_bot:
        theirs = await httpx_bot.send_document(ALICE.id, b"%PDF-1.4", filename=name)
    assert ours.document is not None
    assert theirs.document is not None
    assert ours.document.file_name == theirs.document.file_name


async def test_an_answer_ptb_has_no_error_for_is_never_sent_again() -> None:
    """A 413 (the upload is too large) is Telegram's answer: the limiter must not send the
    upload three more times as if Telegram had not answered."""
    calls = 0

    async def handle(request: web.Request) -> web.Response:
        nonlocal calls
        if request.path.endswith("/getMe"):
            me = {"id": 1, "is_bot": True, "first_name": "k", "username": "k_bot"}
            return web.json_response({"ok": True, "result": me})
        calls += 1
        body = {"ok": False, "error_code": 413, "description": "Request Entity Too Large"}
        return web.json_response(body, status=413)

    app = web.Application()
    app.router.add_route("POST", "/{tail:.*}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        limiter = TelegramRateLimiter(fault_retry_delays=(0.01, 0.01, 0.01))
        refusing = ExtBot(
            TOKEN,
            base_url=f"http://127.0.0.1:{port}/bot",
            request=AiohttpRequest(),
            get_updates_request=AiohttpRequest(),
            rate_limiter=limiter,
        )
        async with refusing:
            with pytest.raises(Answered, match=r"Request Entity Too Large \(413\)") as caught:
                await refusing.send_document(ALICE.id, b"%PDF" * 10, filename="big.pdf")
        assert not unanswered(caught.value)
        assert calls == 1
    finally:
        await runner.cleanup()


async def test_an_answer_of_telegram_is_raised_as_ptb_raises_it(bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)chat not found") as caught:
        await bot.send_message(987654321, "κανείς")
    assert not unanswered(caught.value)


async def test_a_5xx_is_a_network_error_that_may_be_retried(bot: Bot, sim: SimClient) -> None:
    await sim.inject_fault("sendMessage", "5xx")
    with pytest.raises(NetworkError, match="Bad Gateway") as caught:
        await bot.send_message(ALICE.id, "πρώτη")
    assert unanswered(caught.value)
    assert (await bot.send_message(ALICE.id, "δεύτερη")).text == "δεύτερη"


async def test_a_dropped_connection_is_a_network_error_that_may_be_retried(
    bot: Bot, sim: SimClient
) -> None:
    await sim.inject_fault("sendMessage", "reset")
    with pytest.raises(NetworkError, match="aiohttp") as caught:
        await bot.send_message(ALICE.id, "χάθηκε")
    assert unanswered(caught.value)
    assert (await bot.send_message(ALICE.id, "ήρθε")).text == "ήρθε"  # the pool recovers


async def test_no_answer_in_time_is_timed_out(emu: EmulatorServer, sim: SimClient) -> None:
    await sim.inject_fault("sendMessage", "timeout", hang_seconds=5)
    async with aiohttp_bot(emu, read_timeout=0.3) as slow:
        with pytest.raises(TimedOut) as caught:
            await slow.send_message(ALICE.id, "αργά")
        assert unanswered(caught.value)


async def test_the_long_poll_waits_longer_than_the_read_timeout(
    emu: EmulatorServer, sim: SimClient
) -> None:
    async with aiohttp_bot(emu, read_timeout=0.2) as ptb:
        assert await ptb.get_updates(timeout=1) == ()  # a 1 s poll outlives 0.2 s


async def test_requests_need_an_initialized_transport(emu: EmulatorServer) -> None:
    request = AiohttpRequest()
    with pytest.raises(RuntimeError, match="not initialized"):
        await request.do_request(f"{emu.api_url}/bot{TOKEN}/getMe", "POST")
    await request.initialize()
    status, body = await request.do_request(f"{emu.api_url}/bot{TOKEN}/getMe", "POST")
    assert status == 200
    assert b'"ok":true' in body.replace(b" ", b"")
    await request.shutdown()
    await request.shutdown()  # twice is harmless


def test_nonsense_pool_sizes_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        AiohttpRequest(connections=0)
