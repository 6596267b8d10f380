"""Editing and deleting messages, and answering button presses (callback queries)."""

from __future__ import annotations

from bot.emulator.errors import BotApiError, bad_request
from bot.emulator.methods.base import (
    BotApi,
    api_method,
    message_text,
    reply_markup,
)
from bot.emulator.params import Params
from bot.emulator.state import (
    JSON,
    ChatRecord,
    MessageRecord,
)

MAX_CALLBACK_ANSWER_LENGTH = 200

# ---- editing ---------------------------------------------------------------------------


def _message_to_edit(api: BotApi, p: Params) -> tuple[ChatRecord, MessageRecord]:
    if p.has("inline_message_id") and not p.has("chat_id"):
        raise bad_request("MESSAGE_ID_INVALID")
    chat = api.writable_chat(p)
    message_id = p.integer("message_id")
    if message_id is None:
        raise bad_request("message identifier is not specified")
    message = chat.messages.get(message_id)
    if message is None or message.deleted:
        raise bad_request("message to edit not found")
    if not message.from_bot or message.service:
        raise bad_request("message can't be edited")
    return chat, message


def _current_inline(message: MessageRecord) -> JSON | None:
    markup = message.reply_markup
    return markup if markup and "inline_keyboard" in markup else None


def _not_modified() -> BotApiError:
    return bad_request(
        "message is not modified: specified new message content and reply markup are exactly "
        "the same as a current content and reply markup of the message"
    )


def _finish_edit(api: BotApi, message: MessageRecord) -> JSON:
    message.edit_date = api.world.now()
    api.world.touch(message)
    return api.world.message_api(message)


@api_method("editMessageText")
async def edit_message_text(api: BotApi, p: Params) -> JSON:
    _, message = _message_to_edit(api, p)
    if message.text is None:
        raise bad_request("there is no text in the message to edit")
    text, entities = message_text(p)
    markup = reply_markup(p, inline_only=True)
    if (
        text == message.text
        and entities == message.entities
        and markup == _current_inline(message)
    ):
        raise _not_modified()
    message.text, message.entities, message.reply_markup = text, entities, markup
    preview = p.json_object("link_preview_options", what="link preview options")
    if preview is not None:
        message.link_preview_options = preview
    return _finish_edit(api, message)


@api_method("editMessageCaption")
async def edit_message_caption(api: BotApi, p: Params) -> JSON:
    _, message = _message_to_edit(api, p)
    if message.text is not None:
        raise bad_request("there is no caption in the message to edit")
    caption, entities = api.caption(p)
    markup = reply_markup(p, inline_only=True)
    if (
        caption == message.caption
        and entities == message.caption_entities
        and markup == _current_inline(message)
    ):
        raise _not_modified()
    message.caption, message.caption_entities, message.reply_markup = caption, entities, markup
    return _finish_edit(api, message)


@api_method("editMessageReplyMarkup")
async def edit_message_reply_markup(api: BotApi, p: Params) -> JSON:
    _, message = _message_to_edit(api, p)
    markup = reply_markup(p, inline_only=True)
    if markup == _current_inline(message):
        raise _not_modified()
    message.reply_markup = markup
    return _finish_edit(api, message)


@api_method("deleteMessage")
async def delete_message(api: BotApi, p: Params) -> bool:
    chat = api.chat(p)
    message_id = p.integer("message_id")
    if message_id is None:
        raise bad_request("message identifier is not specified")
    message = chat.messages.get(message_id)
    if message is None or message.deleted:
        raise bad_request("message to delete not found")
    message.deleted = True
    api.world.touch(message)
    return True


@api_method("deleteMessages")
async def delete_messages(api: BotApi, p: Params) -> bool:
    chat = api.chat(p)
    ids = p.json_list("message_ids", what="message identifiers")
    if not ids:
        raise bad_request("message_ids is empty")
    if len(ids) > 100:
        raise bad_request("too many messages to delete")
    for message_id in ids:
        message = chat.messages.get(message_id) if isinstance(message_id, int) else None
        if message is not None and not message.deleted:
            message.deleted = True
            api.world.touch(message)
    return True


# ---- callbacks -------------------------------------------------------------------------


@api_method("answerCallbackQuery")
async def answer_callback_query(api: BotApi, p: Params) -> bool:
    query_id = p.string("callback_query_id")
    if not query_id:
        raise bad_request("callback_query_id is empty")
    query = api.world.callback_queries.get(query_id)
    if query is None or query.answered:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    text = p.string("text")
    if text is not None and len(text) > MAX_CALLBACK_ANSWER_LENGTH:
        raise bad_request("MESSAGE_TOO_LONG")
    query.answered = True
    version = api.world.touch()
    api.world.callback_answers.append(
        {
            "callback_query_id": query.id,
            "chat_id": query.chat_id,
            "message_id": query.message_id,
            "user_id": query.user_id,
            "data": query.data,
            "text": text,
            "show_alert": p.flag("show_alert"),
            "url": p.string("url"),
            "cache_time": p.integer("cache_time", default=0),
            "version": version,
        }
    )
    return True
