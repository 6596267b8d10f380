"""The emulator refuses what Telegram refuses, with Telegram's codes and descriptions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest

from bot.emulator import EmulatorServer, SimClient
from tests.emulator.conftest import ALICE, BOB, TOKEN, RawApi, png

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
KEYBOARD = {"inline_keyboard": [[{"text": "OK", "callback_data": "ok"}]]}


@dataclass
class World:
    """A private chat with Alice holding one bot message with a button."""

    chat_id: int
    message_id: int
    photo_file_id: str


@pytest.fixture
async def world(raw: RawApi, sim: SimClient) -> World:
    await sim.send_text(ALICE, "/start")
    sent = await raw.ok("sendMessage", chat_id=ALICE.id, text="Menu", reply_markup=KEYBOARD)
    photo = await sim.send_photo(ALICE, png())
    # Bob is known to Telegram (he is in a group with the bot) but never wrote to the bot.
    await sim.add_to_group(BOB, -1001234567890, "Staff", status="creator")
    return World(ALICE.id, sent["message_id"], photo["photo"][-1]["file_id"])


Params = Callable[[World], dict[str, Any]]


@dataclass
class Case:
    method: str
    params: Params
    code: int
    description: str


CASES = {
    "unknown method": Case("sendTelepathy", lambda w: {"chat_id": w.chat_id}, 404, "Not Found"),
    "callback_data over 64 bytes": Case(
        "sendMessage",
        lambda w: {
            "chat_id": w.chat_id,
            "text": "x",
            "reply_markup": {"inline_keyboard": [[{"text": "A", "callback_data": "a" * 65}]]},
        },
        400,
        "Bad Request: BUTTON_DATA_INVALID",
    ),
    "callback_data counted in UTF-8 bytes": Case(
        "sendMessage",
        lambda w: {
            "chat_id": w.chat_id,
            "text": "x",
            # 33 Greek letters: 33 characters but 66 bytes
            "reply_markup": {"inline_keyboard": [[{"text": "A", "callback_data": "α" * 33}]]},
        },
        400,
        "Bad Request: BUTTON_DATA_INVALID",
    ),
    "text over 4096 characters": Case(
        "sendMessage",
        lambda w: {"chat_id": w.chat_id, "text": "α" * 4097},
        400,
        "Bad Request: message is too long",
    ),
    "text over 4096 after HTML parsing": Case(
        "sendMessage",
        lambda w: {"chat_id": w.chat_id, "text": "&lt;" * 4097, "parse_mode": "HTML"},
        400,
        "Bad Request: message is too long",
    ),
    "empty text": Case(
        "sendMessage",
        lambda w: {"chat_id": w.chat_id, "text": ""},
        400,
        "Bad Request: message text is empty",
    ),
    "blank text": Case(
        "sendMessage",
        lambda w: {"chat_id": w.chat_id, "text": " \n\t "},
        400,
        "Bad Request: message text is empty",
    ),
    "text empty once the markup is gone": Case(
        "sendMessage",
        lambda w: {"chat_id": w.chat_id, "text": "<b> </b>", "parse_mode": "HTML"},
        400,
        "Bad Request: message text is empty",
    ),
    "missing text": Case(
        "sendMessage",
        lambda w: {"chat_id": w.chat_id},
        400,
        "Bad Request: message text is empty",
    ),
    "missing chat_id": Case(
        "sendMessage", lambda w: {"text": "hi"}, 400, "Bad Request: chat_id is empty"
    ),
    "caption over 1024 characters": Case(
        "sendPhoto",
        lambda w: {"chat_id": w.chat_id, "photo": w.photo_file_id, "caption": "c" * 1025},
        400,
        "Bad Request: message caption is too long",
    ),
    "unknown chat": Case(
        "sendMessage",
        lambda w: {"chat_id": 424242, "text": "hi"},
        400,
        "Bad Request: chat not found",
    ),
    "a user who never started the bot": Case(
        "sendMessage",
        lambda w: {"chat_id": BOB.id, "text": "hi"},
        403,
        "Forbidden: bot can't initiate conversation with a user",
    ),
    "edit with identical text and markup": Case(
        "editMessageText",
        lambda w: {
            "chat_id": w.chat_id,
            "message_id": w.message_id,
            "text": "Menu",
            "reply_markup": KEYBOARD,
        },
        400,
        NOT_MODIFIED,
    ),
    "edit with identical markup": Case(
        "editMessageReplyMarkup",
        lambda w: {"chat_id": w.chat_id, "message_id": w.message_id, "reply_markup": KEYBOARD},
        400,
        NOT_MODIFIED,
    ),
    "edit a message that does not exist": Case(
        "editMessageText",
        lambda w: {"chat_id": w.chat_id, "message_id": 999, "text": "new"},
        400,
        "Bad Request: message to edit not found",
    ),
    "edit a user's message": Case(
        "editMessageText",
        lambda w: {"chat_id": w.chat_id, "message_id": 1, "text": "new"},
        400,
        "Bad Request: message can't be edited",
    ),
    "edit without message_id": Case(
        "editMessageText",
        lambda w: {"chat_id": w.chat_id, "text": "new"},
        400,
        "Bad Request: message identifier is not specified",
    ),
    "edit with a custom keyboard": Case(
        "editMessageText",
        lambda w: {
            "chat_id": w.chat_id,
            "message_id": w.message_id,
            "text": "new",
            "reply_markup": {"keyboard": [["Yes"]]},
        },
        400,
        "Bad Request: inline keyboard expected",
    ),
    "answer an unknown callback query": Case(
        "answerCallbackQuery", lambda w: {"callback_query_id": "12345"}, 400, QUERY_TOO_OLD
    ),
    "delete a message that does not exist": Case(
        "deleteMessage",
        lambda w: {"chat_id": w.chat_id, "message_id": 999},
        400,
        "Bad Request: message to delete not found",
    ),
    "unsupported HTML tag": Case(
        "sendMessage",
        lambda w: {"chat_id": w.chat_id, "text": "Line<br>next", "parse_mode": "HTML"},
        400,
        'Bad Request: can\'t parse entities: Unsupported start tag "br" at byte offset 4',
    ),
    "unescaped < in HTML": Case(
        "sendMessage",
        lambda w: {"chat_id": w.chat_id, "text": "μόρια < 5", "parse_mode": "HTML"},
        400,
        'Bad Request: can\'t parse entities: Unsupported start tag "" at byte offset 11',
    ),
    "unclosed HTML tag": Case(
        "sendMessage",
        lambda w: {"chat_id": w.chat_id, "text": "<b>bold", "parse_mode": "HTML"},
        400,
        "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\"",
    ),
    "crossed HTML tags": Case(
        "sendMessage",
        lambda w: {"chat_id": w.chat_id, "text": "<b><i>x</b></i>", "parse_mode": "HTML"},
        400,
        "Bad Request: can't parse entities: Unmatched end tag at byte offset 7, "
        'expected "</i>", found "</b>"',
    ),
    "unescaped reserved character in MarkdownV2": Case(
        "sendMessage",
        lambda w: {"chat_id": w.chat_id, "text": "Σύνολο: 12.5", "parse_mode": "MarkdownV2"},
        400,
        "Bad Request: can't parse entities: Character '.' is reserved and must be escaped "
        "with the preceding '\\'",
    ),
    "unknown file_id": Case(
        "getFile", lambda w: {"file_id": "nope"}, 400, "Bad Request: invalid file_id"
    ),
    "photo from a file_id that does not exist": Case(
        "sendPhoto",
        lambda w: {"chat_id": w.chat_id, "photo": "AgACnope"},
        400,
        "Bad Request: wrong file identifier/HTTP URL specified",
    ),
    "invalid command name": Case(
        "setMyCommands",
        lambda w: {"commands": [{"command": "Start", "description": "Begin"}]},
        400,
        "Bad Request: BOT_COMMAND_INVALID",
    ),
    "commands for the chat of someone who never opened the bot": Case(
        "setMyCommands",
        lambda w: {
            "commands": [{"command": "tickets", "description": "Open tickets"}],
            "scope": {"type": "chat", "chat_id": 424242},
        },
        400,
        "Bad Request: chat not found",
    ),
    "unknown command scope": Case(
        "deleteMyCommands",
        lambda w: {"scope": {"type": "everyone"}},
        400,
        "Bad Request: can't parse BotCommandScope: wrong type",
    ),
    "text button in an inline keyboard": Case(
        "sendMessage",
        lambda w: {
            "chat_id": w.chat_id,
            "text": "x",
            "reply_markup": {"inline_keyboard": [[{"text": "no action"}]]},
        },
        400,
        "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the "
        "inline keyboard",
    ),
    "reply to a message that does not exist": Case(
        "sendMessage",
        lambda w: {"chat_id": w.chat_id, "text": "x", "reply_parameters": {"message_id": 999}},
        400,
        "Bad Request: message to be replied not found",
    ),
    "unknown chat action": Case(
        "sendChatAction",
        lambda w: {"chat_id": w.chat_id, "action": "dancing"},
        400,
        "Bad Request: wrong parameter action in request",
    ),
}


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
async def test_refused_like_telegram(
    raw: RawApi, sim: SimClient, world: World, case: Case
) -> None:
    before = await sim.messages(world.chat_id)
    code, description = await raw.error(case.method, **case.params(world))
    assert (code, description) == (case.code, case.description)
    assert await sim.messages(world.chat_id) == before  # a refused call changes nothing


async def test_limits_are_inclusive(raw: RawApi, world: World) -> None:
    text = await raw.ok("sendMessage", chat_id=world.chat_id, text="α" * 4096)
    assert len(text["text"]) == 4096
    data = "α" * 32  # 64 bytes
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": data}]]}
    sent = await raw.ok("sendMessage", chat_id=world.chat_id, text="x", reply_markup=markup)
    assert sent["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == data
    photo = await raw.ok(
        "sendPhoto", chat_id=world.chat_id, photo=world.photo_file_id, caption="c" * 1024
    )
    assert len(photo["caption"]) == 1024


async def test_length_is_counted_after_entity_parsing(raw: RawApi, world: World) -> None:
    source = "<b>" + "x" * 4096 + "</b>"  # 4103 characters of source, 4096 of text
    sent = await raw.ok("sendMessage", chat_id=world.chat_id, text=source, parse_mode="HTML")
    assert sent["entities"] == [{"type": "bold", "offset": 0, "length": 4096}]


async def test_malformed_token_is_unauthorized(
    emu: EmulatorServer, http: aiohttp.ClientSession
) -> None:
    for token in ("not-a-token", "123456", ":abc", "0:abc"):
        bad = RawApi(http, emu.url, token=token)
        assert await bad.error("getMe") == (401, "Unauthorized")


async def test_a_fixed_token_refuses_other_tokens(http: aiohttp.ClientSession) -> None:
    async with EmulatorServer(token=TOKEN) as emu:
        assert (await RawApi(http, emu.url).ok("getMe"))["id"] == 123456
        other = RawApi(http, emu.url, token="123456:another-secret")
        assert await other.error("getMe") == (401, "Unauthorized")


async def test_answering_a_callback_twice(raw: RawApi, sim: SimClient, world: World) -> None:
    query_id = await sim.press(ALICE, world.message_id, "ok")
    assert await raw.ok("answerCallbackQuery", callback_query_id=query_id, text="Done") is True
    assert await raw.error("answerCallbackQuery", callback_query_id=query_id) == (
        400,
        QUERY_TOO_OLD,
    )


async def test_blocked_user(raw: RawApi, sim: SimClient, world: World) -> None:
    await sim.block(ALICE.id)
    assert await raw.error("sendMessage", chat_id=ALICE.id, text="hi") == (
        403,
        "Forbidden: bot was blocked by the user",
    )
    assert await raw.error("sendChatAction", chat_id=ALICE.id, action="typing") == (
        403,
        "Forbidden: bot was blocked by the user",
    )
    # Writing to the bot again unblocks it, as in Telegram's apps.
    await sim.send_text(ALICE, "/start")
    assert (await raw.ok("sendMessage", chat_id=ALICE.id, text="hi"))["text"] == "hi"


async def test_get_updates_conflicts_with_a_webhook(raw: RawApi) -> None:
    await raw.ok("setWebhook", url="http://127.0.0.1:9/hook")
    assert await raw.error("getUpdates") == (
        409,
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook "
        "to delete the webhook first",
    )
    await raw.ok("deleteWebhook")
    assert await raw.ok("getUpdates") == []


async def test_edit_without_markup_removes_the_keyboard(raw: RawApi, world: World) -> None:
    ids = {"chat_id": world.chat_id, "message_id": world.message_id}
    edited = await raw.ok("editMessageText", **ids, text="Menu")
    assert "reply_markup" not in edited
    assert "edit_date" in edited
    assert await raw.error("editMessageText", **ids, text="Menu") == (400, NOT_MODIFIED)
    assert await raw.error("editMessageReplyMarkup", **ids) == (400, NOT_MODIFIED)
    restored = await raw.ok("editMessageReplyMarkup", **ids, reply_markup=KEYBOARD)
    assert restored["reply_markup"] == KEYBOARD


async def test_same_text_in_another_format_is_a_modification(raw: RawApi, world: World) -> None:
    ids = {"chat_id": world.chat_id, "message_id": world.message_id}
    edited = await raw.ok(
        "editMessageText", **ids, text="<b>Menu</b>", parse_mode="HTML", reply_markup=KEYBOARD
    )
    assert edited["text"] == "Menu"
    assert edited["entities"] == [{"type": "bold", "offset": 0, "length": 4}]


async def test_method_names_ignore_case_and_any_body_encoding_works(
    emu: EmulatorServer, http: aiohttp.ClientSession, world: World
) -> None:
    base = f"{emu.url}/bot{TOKEN}"
    async with http.get(f"{base}/getme") as resp:
        assert (resp.status, (await resp.json())["result"]["id"]) == (200, 123456)
    async with http.get(f"{base}/sendMessage", params={"chat_id": ALICE.id, "text": "q"}) as r:
        assert (await r.json())["result"]["text"] == "q"
    form = {"chat_id": str(ALICE.id), "text": "form", "reply_markup": '{"remove_keyboard":true}'}
    async with http.post(f"{base}/SENDMESSAGE", data=form) as resp:
        assert (await resp.json())["result"]["text"] == "form"
    upload = aiohttp.FormData()
    upload.add_field("chat_id", str(ALICE.id))
    upload.add_field("caption", "μια φωτογραφία")
    upload.add_field("photo", png(200, 100), filename="p.png", content_type="image/png")
    async with http.post(f"{base}/sendPhoto", data=upload) as resp:
        result = (await resp.json())["result"]
    assert result["caption"] == "μια φωτογραφία"
    assert [(p["width"], p["height"]) for p in result["photo"]] == [(90, 45), (200, 100)]


async def test_a_photo_that_is_not_an_image_is_refused(
    emu: EmulatorServer, http: aiohttp.ClientSession, world: World
) -> None:
    upload = aiohttp.FormData()
    upload.add_field("chat_id", str(ALICE.id))
    upload.add_field("photo", b"%PDF-1.4 not an image", filename="x.jpg")
    async with http.post(f"{emu.url}/bot{TOKEN}/sendPhoto", data=upload) as resp:
        body = await resp.json()
    assert (resp.status, body["description"]) == (400, "Bad Request: IMAGE_PROCESS_FAILED")
