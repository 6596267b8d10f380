"""Sending: messages, files, albums, chat actions, forwarding and copying; getFile."""

from __future__ import annotations

from bot.emulator.entities import format_text
from bot.emulator.errors import bad_request
from bot.emulator.methods.base import (
    MAX_DOWNLOAD_BYTES,
    BotApi,
    api_method,
    message_text,
    reply_markup,
)
from bot.emulator.params import Params
from bot.emulator.state import (
    JSON,
    FileRecord,
    MessageRecord,
)

CHAT_ACTION_SECONDS = 5
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)


@api_method("sendMessage")
async def send_message(api: BotApi, p: Params) -> JSON:
    chat = api.writable_chat(p)
    text, entities = message_text(p)
    markup = reply_markup(p)
    thread_id, reply_to = api.prepare_send(p, chat)
    preview = p.json_object("link_preview_options", what="link preview options")
    if preview is None and p.flag("disable_web_page_preview"):
        preview = {"is_disabled": True}
    api.admit(chat)
    message = api.post(
        p,
        chat,
        thread_id=thread_id,
        reply_to=reply_to,
        markup=markup,
        text=text,
        entities=entities,
        link_preview_options=preview,
    )
    return api.world.message_api(message)


async def _send_file(api: BotApi, p: Params, name: str, kind: str) -> JSON:
    chat = api.writable_chat(p)
    caption, caption_entities = api.caption(p)
    markup = reply_markup(p)
    thread_id, reply_to = api.prepare_send(p, chat)
    record = await api.input_file(p, name, kind)
    if kind == "voice" or kind == "audio":
        duration = p.integer("duration")
        if duration is not None:
            record.duration = duration
    api.admit(chat)
    content: JSON = {"caption": caption, "caption_entities": caption_entities}
    if kind == "photo":
        content["photo"] = api.photo_sizes(record)
    else:
        content[kind] = record
    message = api.post(p, chat, thread_id=thread_id, reply_to=reply_to, markup=markup, **content)
    return api.world.message_api(message)


@api_method("sendPhoto")
async def send_photo(api: BotApi, p: Params) -> JSON:
    return await _send_file(api, p, "photo", "photo")


@api_method("sendDocument")
async def send_document(api: BotApi, p: Params) -> JSON:
    return await _send_file(api, p, "document", "document")


@api_method("sendVoice")
async def send_voice(api: BotApi, p: Params) -> JSON:
    return await _send_file(api, p, "voice", "voice")


@api_method("sendAudio")
async def send_audio(api: BotApi, p: Params) -> JSON:
    return await _send_file(api, p, "audio", "audio")


_GROUPABLE = {"photo": "photo", "document": "document", "audio": "audio"}


@api_method("sendMediaGroup")
async def send_media_group(api: BotApi, p: Params) -> list[JSON]:
    chat = api.writable_chat(p)
    items = p.json_list("media", what="media")
    if not items:
        raise bad_request("media is empty")
    if not 2 <= len(items) <= 10:
        raise bad_request("wrong number of media in the media group: expected 2-10")
    kinds = set()
    for item in items:
        if not isinstance(item, dict) or item.get("type") not in _GROUPABLE:
            raise bad_request("can't parse InputMedia: unsupported media type")
        kinds.add(item["type"])
    if len(kinds) > 1 and kinds & {"document", "audio"}:
        raise bad_request(f"{sorted(kinds & {'document', 'audio'})[0]} can't be mixed with "
                          "other media types")  # fmt: skip
    thread_id, reply_to = api.prepare_send(p, chat)
    prepared: list[tuple[str, FileRecord, str | None, list[JSON]]] = []
    for item in items:
        media = item.get("media")
        if not isinstance(media, str) or not media:
            raise bad_request("there is no media in the request")
        record = await api.file_reference(media, p, item["type"])
        caption: str | None = None
        entities: list[JSON] = []
        if item.get("caption"):
            text, raw_entities = format_text(
                str(item["caption"]),
                item.get("parse_mode"),
                item.get("caption_entities"),
                field="caption",
            )
            caption, entities = api.checked_caption(text, raw_entities)
        prepared.append((item["type"], record, caption, entities))
    api.admit(chat)
    group_id = str(next(api._media_groups))
    results = []
    for kind, record, caption, entities in prepared:
        content: JSON = {"caption": caption, "caption_entities": entities}
        if kind == "photo":
            content["photo"] = api.photo_sizes(record)
        else:
            content[kind] = record
        message = api.post(
            p,
            chat,
            thread_id=thread_id,
            reply_to=reply_to,
            markup=None,
            media_group_id=group_id,
            **content,
        )
        results.append(api.world.message_api(message))
    return results


@api_method("sendChatAction")
async def send_chat_action(api: BotApi, p: Params) -> bool:
    chat = api.writable_chat(p)
    action = p.string("action")
    if not action:
        raise bad_request("action is empty")
    if action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    api.thread(p, chat)
    chat.chat_action = {"action": action, "until": api.world.now() + CHAT_ACTION_SECONDS}
    api.world.touch()
    return True


def _copy_content(source: MessageRecord) -> JSON:
    return {
        "text": source.text,
        "entities": list(source.entities),
        "caption": source.caption,
        "caption_entities": list(source.caption_entities),
        "photo": source.photo,
        "document": source.document,
        "voice": source.voice,
        "audio": source.audio,
    }


def _source_message(api: BotApi, p: Params, verb: str) -> MessageRecord:
    source_chat = api.chat(p, "from_chat_id")
    message_id = p.integer("message_id")
    if message_id is None:
        raise bad_request("message identifier is not specified")
    source = source_chat.messages.get(message_id)
    if source is None or source.deleted:
        raise bad_request(f"message to {verb} not found")
    if source.service:
        raise bad_request(f"message can't be {'copied' if verb == 'copy' else 'forwarded'}")
    return source


@api_method("forwardMessage")
async def forward_message(api: BotApi, p: Params) -> JSON:
    chat = api.writable_chat(p)
    source = _source_message(api, p, "forward")
    thread_id = api.thread(p, chat)
    api.admit(chat)
    origin: JSON = {"type": "user", "date": source.date, "sender_user": source.sender}
    message = api.post(
        p,
        chat,
        thread_id=thread_id,
        reply_to=None,
        markup=None,
        forward_origin=origin,
        **_copy_content(source),
    )
    return api.world.message_api(message)


@api_method("copyMessage")
async def copy_message(api: BotApi, p: Params) -> JSON:
    chat = api.writable_chat(p)
    source = _source_message(api, p, "copy")
    content = _copy_content(source)
    if p.has("caption") and (source.photo or source.document or source.voice or source.audio):
        content["caption"], content["caption_entities"] = api.caption(p)
    markup = reply_markup(p)
    thread_id, reply_to = api.prepare_send(p, chat)
    api.admit(chat)
    message = api.post(p, chat, thread_id=thread_id, reply_to=reply_to, markup=markup, **content)
    return {"message_id": message.message_id}


# ---- files -----------------------------------------------------------------------------


@api_method("getFile")
async def get_file(api: BotApi, p: Params) -> JSON:
    file_id = p.string("file_id")
    if not file_id:
        raise bad_request("file_id is empty")
    record = api.world.files.get(file_id.strip())
    if record is None:
        raise bad_request("invalid file_id")
    if record.size > MAX_DOWNLOAD_BYTES:
        raise bad_request("file is too big")
    return record.file_api()
