"""python-telegram-bot's `Bot` against the emulator: it must parse every answer exactly
as it parses Telegram's."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    ChatMemberAdministrator,
    ChatMemberOwner,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    InputMediaPhoto,
    MenuButtonDefault,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    ReplyParameters,
)
from telegram.constants import ChatAction, ChatType, MessageEntityType, ParseMode
from telegram.error import BadRequest, Conflict

from bot.emulator import EmulatorServer, SimClient
from tests.emulator.conftest import ALICE, BOB, BOT_ID, RawApi, png

MENU = InlineKeyboardMarkup(
    [
        [InlineKeyboardButton("Μόρια", callback_data="menu:points")],
        [InlineKeyboardButton("Οδηγός", url="https://example.gr/odigos")],
    ]
)


async def test_get_me_is_the_token_s_bot(bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.is_bot, me.username) == (BOT_ID, True, "keplibot_bot")


async def test_a_user_message_arrives_through_get_updates(bot: Bot, sim: SimClient) -> None:
    await sim.send_text(ALICE, "/start")
    [update] = await bot.get_updates(timeout=5)
    message = update.message
    assert message is not None
    assert message.text == "/start"
    assert message.entities[0].type == MessageEntityType.BOT_COMMAND
    assert message.from_user is not None
    assert (message.from_user.id, message.from_user.language_code) == (ALICE.id, "el")
    assert message.chat.type == ChatType.PRIVATE
    assert message.date.tzinfo is not None
    # The offset confirms it: it is not delivered again.
    assert await bot.get_updates(offset=update.update_id + 1) == ()
    assert await sim.pending_updates() == []


async def test_get_updates_waits_for_an_update(
    bot: Bot, sim: SimClient, emu: EmulatorServer
) -> None:
    signal = emu.state.update_signal
    version = signal.version
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    # getUpdates announces itself on the update signal once the server holds it.
    assert await signal.wait_past(version, 5)
    assert not poll.done()
    await sim.send_text(BOB, "hello")
    [update] = await asyncio.wait_for(poll, 5)
    assert update.message is not None
    assert update.message.text == "hello"


async def test_a_second_poller_ends_the_first_with_a_conflict(
    bot: Bot, emu: EmulatorServer, raw: RawApi
) -> None:
    signal = emu.state.update_signal
    version = signal.version
    first = asyncio.create_task(bot.get_updates(timeout=30))
    assert await signal.wait_past(version, 5)
    assert await raw.ok("getUpdates", timeout=0) == []
    with pytest.raises(Conflict, match="terminated by other getUpdates request"):
        await asyncio.wait_for(first, 5)


async def test_send_html_with_buttons_is_seen_by_the_user(bot: Bot, sim: SimClient) -> None:
    await sim.send_text(ALICE, "/start")
    sent = await bot.send_message(
        ALICE.id, "<b>Καλώς ήρθατε</b>\nΕπιλέξτε:", parse_mode=ParseMode.HTML, reply_markup=MENU
    )
    assert sent.text == "Καλώς ήρθατε\nΕπιλέξτε:"
    assert sent.entities[0].type == MessageEntityType.BOLD
    assert sent.reply_markup == MENU
    [seen] = await sim.wait_for_bot_messages(ALICE.id)
    assert seen["message_id"] == sent.message_id
    assert seen["text"] == "Καλώς ήρθατε\nΕπιλέξτε:"
    assert seen["reply_markup"]["inline_keyboard"][1][0]["url"] == "https://example.gr/odigos"


async def test_pressing_a_button_and_answering_it(bot: Bot, sim: SimClient) -> None:
    await sim.send_text(ALICE, "/start")
    menu = await bot.send_message(ALICE.id, "Μενού", reply_markup=MENU)
    updates = await bot.get_updates()
    query_id = await sim.press(ALICE, menu.message_id, "menu:points")
    [update] = await bot.get_updates(offset=updates[-1].update_id + 1)
    query = update.callback_query
    assert query is not None
    assert (query.id, query.data) == (query_id, "menu:points")
    assert query.chat_instance
    assert isinstance(query.message, Message)
    assert query.message.message_id == menu.message_id
    assert query.from_user.id == ALICE.id
    assert await query.answer("Σύντομα!", show_alert=True)
    answer = await sim.wait_for_callback_answer(query_id)
    assert (answer["text"], answer["show_alert"]) == ("Σύντομα!", True)
    with pytest.raises(BadRequest, match="Query is too old"):
        await query.answer()


async def test_pressing_a_button_that_is_not_there_is_refused(bot: Bot, sim: SimClient) -> None:
    await sim.send_text(ALICE, "/start")
    menu = await bot.send_message(ALICE.id, "Μενού", reply_markup=MENU)
    with pytest.raises(Exception, match="no button"):
        await sim.press(ALICE, menu.message_id, "forged:data")


async def test_edits_and_deletions(bot: Bot, sim: SimClient) -> None:
    await sim.send_text(ALICE, "/start")
    menu = await bot.send_message(ALICE.id, "Μενού", reply_markup=MENU)
    edited = await bot.edit_message_text("Υπολογισμός…", ALICE.id, menu.message_id)
    assert isinstance(edited, Message)
    assert edited.edit_date is not None
    assert edited.reply_markup is None
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("Υπολογισμός…", ALICE.id, menu.message_id)
    await bot.edit_message_reply_markup(ALICE.id, menu.message_id, reply_markup=MENU)
    transcript = await sim.messages(ALICE.id)
    [entry] = [m for m in transcript if m["message_id"] == menu.message_id]
    assert (entry["text"], entry["edited"]) == ("Υπολογισμός…", True)
    assert entry["reply_markup"] == MENU.to_dict()
    assert await bot.delete_message(ALICE.id, menu.message_id)
    [entry] = [m for m in await sim.messages(ALICE.id) if m["message_id"] == menu.message_id]
    assert entry["deleted"] is True
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("again", ALICE.id, menu.message_id)


async def test_a_user_photo_can_be_downloaded_by_the_bot(bot: Bot, sim: SimClient) -> None:
    image = png(320, 200)
    await sim.send_photo(ALICE, image, caption="Η βλάβη")
    [update] = await bot.get_updates()
    message = update.message
    assert message is not None
    assert message.caption == "Η βλάβη"
    largest = message.photo[-1]
    assert (largest.width, largest.height) == (320, 200)
    assert message.photo[0].width <= 90
    file = await bot.get_file(largest.file_id)
    assert file.file_size == len(image)
    assert bytes(await file.download_as_bytearray()) == image


async def test_a_user_document_and_voice(bot: Bot, sim: SimClient) -> None:
    await sim.send_document(ALICE, b"%PDF-1.4 ...", "βεβαίωση.pdf", "application/pdf")
    await sim.send_voice(ALICE, b"OggS voice", duration=3)
    document_update, voice_update = await bot.get_updates()
    assert document_update.message is not None
    assert voice_update.message is not None
    document = document_update.message.document
    assert document is not None
    assert (document.file_name, document.mime_type) == ("βεβαίωση.pdf", "application/pdf")
    voice = voice_update.message.voice
    assert voice is not None
    assert voice.duration == dt.timedelta(seconds=3)
    file = await bot.get_file(document.file_id)
    assert bytes(await file.download_as_bytearray()) == b"%PDF-1.4 ..."


async def test_the_bot_sends_files_the_user_sees(bot: Bot, sim: SimClient) -> None:
    await sim.send_text(ALICE, "/start")
    doc = await bot.send_document(
        ALICE.id, InputFile(b"a;b\n1;2\n", filename="μόρια.csv"), caption="Αναλυτικά"
    )
    assert doc.document is not None
    assert doc.document.file_name == "μόρια.csv"
    photo = await bot.send_photo(ALICE.id, png(50, 40))
    again = await bot.send_photo(ALICE.id, photo.photo[-1].file_id, caption="ξανά")
    assert again.photo == photo.photo  # file_id re-use sends the same sizes
    album = await bot.send_media_group(
        ALICE.id, [InputMediaPhoto(png(10, 10)), InputMediaPhoto(png(20, 10), caption="2")]
    )
    assert len({m.media_group_id for m in album}) == 1
    assert album[0].media_group_id is not None
    transcript = [m for m in await sim.messages(ALICE.id) if m["from_bot"]]
    assert transcript[0]["document"]["file_name"] == "μόρια.csv"
    assert transcript[0]["caption"] == "Αναλυτικά"
    assert await sim.download(transcript[0]["document"]["file_id"]) == b"a;b\n1;2\n"
    assert (transcript[1]["photo"]["width"], transcript[1]["photo"]["height"]) == (50, 40)
    assert [m["media_group_id"] is not None for m in transcript] == [
        False,
        False,
        False,
        True,
        True,
    ]


async def test_replies_keyboards_and_force_reply(bot: Bot, sim: SimClient) -> None:
    question = await sim.send_text(ALICE, "Πόσα χρόνια υπηρεσίας;")
    keyboard = ReplyKeyboardMarkup([["1", "2"], ["3+"]], one_time_keyboard=True)
    reply = await bot.send_message(
        ALICE.id,
        "Επιλέξτε",
        reply_markup=keyboard,
        reply_parameters=ReplyParameters(question["message_id"]),
    )
    assert reply.reply_to_message is not None
    assert reply.reply_to_message.text == "Πόσα χρόνια υπηρεσίας;"
    assert reply.reply_markup is None  # Telegram echoes only inline keyboards
    state = await sim.chat_state(ALICE.id)
    assert state["reply_keyboard"]["keyboard"] == [
        [{"text": "1"}, {"text": "2"}],
        [{"text": "3+"}],
    ]
    await sim.send_text(ALICE, "3+")
    assert (await sim.chat_state(ALICE.id))["reply_keyboard"] is None  # one-time keyboard
    await bot.send_message(ALICE.id, "ok", reply_markup=ReplyKeyboardMarkup([["A"]]))
    await bot.send_message(ALICE.id, "bye", reply_markup=ReplyKeyboardRemove())
    assert (await sim.chat_state(ALICE.id))["reply_keyboard"] is None
    asked = await bot.send_message(
        ALICE.id, "Όνομα σχολείου;", reply_markup=ForceReply(input_field_placeholder="π.χ. 1ο ΓΕΛ")
    )
    state = await sim.chat_state(ALICE.id)
    assert state["force_reply"] == {
        "message_id": asked.message_id,
        "input_field_placeholder": "π.χ. 1ο ΓΕΛ",
    }


async def test_chat_action_shows_typing_until_a_message(bot: Bot, sim: SimClient) -> None:
    await sim.send_text(ALICE, "/start")
    assert await bot.send_chat_action(ALICE.id, ChatAction.TYPING)
    assert (await sim.chat_state(ALICE.id))["chat_action"]["action"] == "typing"
    await bot.send_message(ALICE.id, "έτοιμο")
    assert (await sim.chat_state(ALICE.id))["chat_action"] is None


async def test_commands_per_language_and_scope(bot: Bot, sim: SimClient) -> None:
    greek = [BotCommand("start", "Αρχή"), BotCommand("help", "Βοήθεια")]
    english = [BotCommand("start", "Start"), BotCommand("help", "Help")]
    assert await bot.set_my_commands(greek)
    assert await bot.set_my_commands(english, language_code="en")
    private = [BotCommand("cancel", "Ακύρωση")]
    assert await bot.set_my_commands(private, scope=BotCommandScopeAllPrivateChats())
    assert await bot.get_my_commands() == tuple(greek)
    assert await bot.get_my_commands(language_code="en") == tuple(english)
    await sim.send_text(ALICE, "/start")
    await sim.send_text(BOB, "/start")
    assert [c["command"] for c in await sim.commands(ALICE.id, ALICE)] == ["cancel"]
    await bot.delete_my_commands(scope=BotCommandScopeAllPrivateChats())
    assert await sim.commands(ALICE.id, ALICE) == [c.to_dict() for c in greek]
    assert await sim.commands(BOB.id, BOB) == [c.to_dict() for c in english]
    await bot.set_my_commands([BotCommand("only", "Bob")], scope=BotCommandScopeChat(BOB.id))
    assert [c["command"] for c in await sim.commands(BOB.id, BOB)] == ["only"]


async def test_groups_members_and_forum_topics(bot: Bot, sim: SimClient) -> None:
    staff = -1001000000001
    await sim.add_to_group(ALICE, staff, "ΚΕ.ΠΛΗ.ΝΕ.Τ. Αθηνών", is_forum=True, status="creator")
    await sim.add_to_group(BOB, staff, "ΚΕ.ΠΛΗ.ΝΕ.Τ. Αθηνών")
    [joined] = await bot.get_updates()
    assert joined.my_chat_member is not None
    assert joined.my_chat_member.new_chat_member.status == "administrator"
    chat = await bot.get_chat(staff)
    assert (chat.type, chat.title, chat.is_forum) == (
        ChatType.SUPERGROUP,
        "ΚΕ.ΠΛΗ.ΝΕ.Τ. Αθηνών",
        True,
    )
    owner = await bot.get_chat_member(staff, ALICE.id)
    assert isinstance(owner, ChatMemberOwner)
    assert (await bot.get_chat_member(staff, BOB.id)).status == "member"
    assert isinstance(await bot.get_chat_member(staff, BOT_ID), ChatMemberAdministrator)
    topic = await bot.create_forum_topic(staff, "Αίτημα #12")
    in_topic = await bot.send_message(
        staff, "Νέο αίτημα", message_thread_id=topic.message_thread_id
    )
    assert in_topic.message_thread_id == topic.message_thread_id
    assert in_topic.is_topic_message
    answer = await sim.send_text(BOB, "Το αναλαμβάνω", chat=staff, reply_to=in_topic.message_id)
    assert answer["message_thread_id"] == topic.message_thread_id
    updates = await bot.get_updates(offset=joined.update_id + 1)
    message = updates[-1].message
    assert message is not None
    assert message.reply_to_message is not None
    assert message.reply_to_message.message_id == in_topic.message_id
    assert message.message_thread_id == topic.message_thread_id
    with pytest.raises(BadRequest, match="Message thread not found"):
        await bot.send_message(staff, "x", message_thread_id=999)
    assert await bot.close_forum_topic(staff, topic.message_thread_id)
    with pytest.raises(Exception, match="closed"):
        await sim.send_text(BOB, "κι άλλο", chat=staff, thread_id=topic.message_thread_id)


async def test_copy_and_forward(bot: Bot, sim: SimClient) -> None:
    staff = -1001000000002
    await sim.add_to_group(BOB, staff, "Staff", status="creator")
    report = await sim.send_text(ALICE, "Δεν ανοίγει ο υπολογιστής 3")
    copied = await bot.copy_message(staff, ALICE.id, report["message_id"])
    forwarded = await bot.forward_message(staff, ALICE.id, report["message_id"])
    assert forwarded.forward_origin is not None
    transcript = await sim.messages(staff)
    by_id = {m["message_id"]: m for m in transcript}
    assert by_id[copied.message_id]["text"] == "Δεν ανοίγει ο υπολογιστής 3"
    assert by_id[forwarded.message_id]["forwarded"] is True


@dataclass
class Receiver:
    """A tiny webhook endpoint that records what it gets and fails on request."""

    failures: int = 0
    reply: dict[str, Any] | None = None
    received: asyncio.Queue[tuple[str | None, dict[str, Any]]] = field(
        default_factory=asyncio.Queue
    )
    attempts: int = 0
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.attempts += 1
        if self.failures:
            self.failures -= 1
            return web.Response(status=500)
        secret = request.headers.get("X-Telegram-Bot-Api-Secret-Token")
        await self.received.put((secret, await request.json()))
        if self.reply is not None:
            return web.json_response(self.reply)
        return web.Response()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    target = Receiver()
    app = web.Application()
    app.router.add_post("/hook", target.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    target.url = f"http://127.0.0.1:{port}/hook"
    yield target
    await runner.cleanup()


async def test_webhook_delivers_with_the_secret_and_retries(
    bot: Bot, sim: SimClient, receiver: Receiver
) -> None:
    receiver.failures = 2
    assert await bot.set_webhook(receiver.url, secret_token="s3cr3t-Token_1")
    await sim.send_text(ALICE, "/start")
    secret, update = await asyncio.wait_for(receiver.received.get(), 10)
    assert secret == "s3cr3t-Token_1"
    assert update["message"]["text"] == "/start"
    assert receiver.attempts == 3
    info = await bot.get_webhook_info()
    assert info.url == receiver.url
    assert info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"
    with pytest.raises(Conflict):
        await bot.get_updates()
    assert await bot.delete_webhook()
    assert (await bot.get_webhook_info()).url == ""


async def test_webhook_answer_can_call_a_method(
    bot: Bot, sim: SimClient, receiver: Receiver
) -> None:
    receiver.reply = {"method": "sendMessage", "chat_id": ALICE.id, "text": "Από το webhook"}
    assert await bot.set_webhook(receiver.url)
    await sim.send_text(ALICE, "γεια")
    [reply] = await sim.wait_for_bot_messages(ALICE.id)
    assert reply["text"] == "Από το webhook"


async def test_set_webhook_can_drop_pending_updates(bot: Bot, sim: SimClient) -> None:
    await sim.send_text(ALICE, "old")
    assert (await bot.get_webhook_info()).pending_update_count == 1
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.get_updates() == ()


async def test_allowed_updates_filter_what_is_queued(bot: Bot, sim: SimClient) -> None:
    await sim.send_text(ALICE, "/start")
    [first] = await bot.get_updates(allowed_updates=["callback_query"])
    menu = await bot.send_message(ALICE.id, "Μενού", reply_markup=MENU)
    await sim.send_text(ALICE, "ignored text")
    await sim.press(ALICE, menu.message_id, "menu:points")
    [update] = await bot.get_updates(offset=first.update_id + 1)
    assert update.callback_query is not None
    # An empty list means "everything but a few kinds", as on Telegram.
    await bot.get_updates(offset=update.update_id + 1, allowed_updates=[])
    await sim.send_text(ALICE, "seen again")
    [again] = await bot.get_updates(offset=update.update_id + 1)
    assert again.message is not None
    assert again.message.text == "seen again"


async def test_captions_can_be_edited(bot: Bot, sim: SimClient) -> None:
    await sim.send_text(ALICE, "/start")
    photo = await bot.send_photo(ALICE.id, png(), caption="πριν")
    edited = await bot.edit_message_caption(
        ALICE.id, photo.message_id, caption="<i>μετά</i>", parse_mode=ParseMode.HTML
    )
    assert isinstance(edited, Message)
    assert edited.caption == "μετά"
    assert edited.caption_entities[0].type == MessageEntityType.ITALIC
    text = await bot.send_message(ALICE.id, "κείμενο")
    with pytest.raises(BadRequest, match="There is no caption in the message to edit"):
        await bot.edit_message_caption(ALICE.id, text.message_id, caption="x")
    with pytest.raises(BadRequest, match="There is no text in the message to edit"):
        await bot.edit_message_text("x", ALICE.id, photo.message_id)


async def test_menu_button_and_bot_profile(bot: Bot, sim: SimClient) -> None:
    await sim.send_text(ALICE, "/start")
    assert (await bot.get_chat_menu_button()).type == "commands"
    assert await bot.set_chat_menu_button(ALICE.id, MenuButtonDefault())
    assert await bot.set_my_description("Βοηθός για εκπαιδευτικούς", language_code="el")
    assert (await bot.get_my_description("el")).description == "Βοηθός για εκπαιδευτικούς"
    assert (await bot.get_my_name()).name == "keplibot"
