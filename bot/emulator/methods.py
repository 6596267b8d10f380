"""The Bot API methods: validation, effects on the world, and Telegram's JSON answers.

Each method is an async function `(api, params) -> result` registered under its
Bot API name; names are matched case-insensitively, as Telegram does. Errors are
raised as `BotApiError` with Telegram's status code and description.
"""

from __future__ import annotations

import asyncio
import itertools
import mimetypes
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

from bot.emulator.entities import detect_entities, format_text
from bot.emulator.errors import BotApiError, bad_request, forbidden, migrated, too_many_requests
from bot.emulator.flood import FloodControl
from bot.emulator.markup import validate_reply_markup
from bot.emulator.media import image_info
from bot.emulator.params import Params, Upload
from bot.emulator.state import (
    DEFAULT_UPDATE_TYPES,
    JSON,
    ChatRecord,
    FileRecord,
    MessageRecord,
    TopicRecord,
    WebhookConfig,
    World,
)

MAX_TEXT_LENGTH = 4096  # characters, after entity parsing
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_ANSWER_LENGTH = 200
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024  # getFile refuses larger files
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_PHOTO_BYTES = 10 * 1024 * 1024
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
COMMAND_SCOPES = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_LANGUAGE_RE = re.compile(r"^[a-z]{2}$")
CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)


@dataclass(frozen=True)
class Described:
    """A result that Telegram answers with a `description` next to it."""

    result: Any
    description: str


Handler = Callable[["BotApi", Params], Awaitable[Any]]
METHODS: dict[str, tuple[str, Handler]] = {}  # lower-case name → (Bot API name, handler)


def api_method(name: str) -> Callable[[Handler], Handler]:
    def register(func: Handler) -> Handler:
        METHODS[name.lower()] = (name, func)
        return func

    return register


def lookup(method: str) -> tuple[str, Handler] | None:
    return METHODS.get(method.lower())


class BotApi:
    """Executes Bot API calls against a `World`."""

    def __init__(
        self,
        world: World,
        *,
        flood: FloodControl | None,
        http: Callable[[], aiohttp.ClientSession],
        webhook_changed: Callable[[], None],
        closing: asyncio.Event,
    ) -> None:
        self.world = world
        self.flood = flood
        self.http = http
        self.webhook_changed = webhook_changed
        self.closing = closing
        self._media_groups = itertools.count(13_000_000_000_000_000)

    # ---- chats ---------------------------------------------------------------------------

    def chat(self, p: Params, name: str = "chat_id") -> ChatRecord:
        ref = p.chat_ref(name)
        assert ref is not None
        chat = self.world.find_chat(ref)
        if chat is None:
            if isinstance(ref, int) and ref in self.world.users:
                raise forbidden("bot can't initiate conversation with a user")
            raise bad_request("chat not found")
        if chat.migrated_to is not None:
            raise migrated(chat.migrated_to)
        return chat

    def writable_chat(self, p: Params, name: str = "chat_id") -> ChatRecord:
        """A chat the bot may post in (403 when blocked or removed)."""
        chat = self.chat(p, name)
        if chat.blocked:
            if chat.type == "private":
                raise forbidden("bot was blocked by the user")
            raise forbidden(f"bot was kicked from the {chat.type} chat")
        return chat

    def thread(self, p: Params, chat: ChatRecord) -> int | None:
        thread_id = p.integer("message_thread_id")
        if thread_id is None or not chat.is_forum:
            return None
        if thread_id not in chat.topics:
            raise bad_request("message thread not found")
        return thread_id

    def reply_target(self, p: Params, chat: ChatRecord) -> tuple[int | None, int | None]:
        """(replied message id, its topic) from reply_parameters or reply_to_message_id."""
        params = p.json_object("reply_parameters", what="reply parameters")
        if params is not None:
            message_id = params.get("message_id")
            allow_missing = bool(params.get("allow_sending_without_reply"))
            if params.get("chat_id") not in (None, chat.id, str(chat.id)):
                raise bad_request("message to be replied not found")
        else:
            message_id = p.integer("reply_to_message_id")
            allow_missing = p.flag("allow_sending_without_reply")
        if message_id is None:
            return None, None
        if not isinstance(message_id, int):
            raise bad_request("message to be replied not found")
        replied = chat.messages.get(message_id)
        if replied is None or replied.deleted:
            if allow_missing:
                return None, None
            raise bad_request("message to be replied not found")
        return message_id, replied.message_thread_id

    def admit(self, chat: ChatRecord) -> None:
        if self.flood is None:
            return
        wait = self.flood.acquire(chat.id, is_group=chat.is_group)
        if wait is not None:
            raise too_many_requests(wait)

    # ---- creating bot messages -------------------------------------------------------------

    def prepare_send(self, p: Params, chat: ChatRecord) -> tuple[int | None, int | None]:
        """Common checks of every send: thread and reply target. Returns (thread, reply_to)."""
        thread_id = self.thread(p, chat)
        reply_to, reply_thread = self.reply_target(p, chat)
        if thread_id is None and chat.is_forum:
            thread_id = reply_thread
        return thread_id, reply_to

    def post(
        self,
        p: Params,
        chat: ChatRecord,
        *,
        thread_id: int | None,
        reply_to: int | None,
        markup: JSON | None,
        **content: Any,
    ) -> MessageRecord:
        message = MessageRecord(
            message_id=chat.take_message_id(),
            chat_id=chat.id,
            sender=self.world.bot.to_api(),
            from_bot=True,
            date=self.world.now(),
            reply_markup=markup,
            reply_to_message_id=reply_to,
            message_thread_id=thread_id,
            is_topic_message=thread_id is not None,
            has_protected_content=p.flag("protect_content"),
            **content,
        )
        chat.chat_action = None  # a sent message ends the "typing…" status
        self.apply_keyboard(chat, message)
        self.world.add_message(chat, message)
        self.world.record_sent(chat.id)
        return message

    @staticmethod
    def apply_keyboard(chat: ChatRecord, message: MessageRecord) -> None:
        markup = message.reply_markup or {}
        if "keyboard" in markup:
            chat.reply_keyboard = markup
        elif "remove_keyboard" in markup:
            chat.reply_keyboard = None
        if "force_reply" in markup:
            chat.force_reply = {
                "message_id": message.message_id,
                "input_field_placeholder": markup.get("input_field_placeholder"),
            }

    def caption(self, p: Params, *, required: bool = False) -> tuple[str | None, list[JSON]]:
        raw = p.string("caption")
        if raw is None or raw == "":
            return None, []
        text, entities = format_text(
            raw, p.string("parse_mode"), p.json_list("caption_entities"), field="caption"
        )
        return self.checked_caption(text, entities)

    @staticmethod
    def checked_caption(text: str, entities: list[JSON]) -> tuple[str | None, list[JSON]]:
        if len(text) > MAX_CAPTION_LENGTH:
            raise bad_request("message caption is too long")
        if not text:
            return None, []
        return text, detect_entities(text, entities)

    # ---- files ---------------------------------------------------------------------------

    async def input_file(self, p: Params, name: str, kind: str) -> FileRecord:
        """The file of parameter `name`: an upload, `attach://`, an HTTP URL or a file_id."""
        if name in p.uploads:
            return self.store_upload(p.uploads[name], kind)
        value = p.string(name)
        if not value:
            raise bad_request(f"there is no {name} in the request")
        return await self.file_reference(value, p, kind)

    async def file_reference(self, value: str, p: Params, kind: str) -> FileRecord:
        if value.startswith("attach://"):
            upload = p.uploads.get(value.removeprefix("attach://"))
            if upload is None:
                raise bad_request(f"file {value} not found in the request")
            return self.store_upload(upload, kind)
        if value.startswith(("http://", "https://")):
            data, content_type = await self.fetch(value)
            name = value.rsplit("/", 1)[-1].split("?", 1)[0] or None
            return self.store_upload(Upload(name or "file", content_type, data), kind)
        record = self.world.files.get(value.strip())
        if record is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        if record.kind != kind:
            raise bad_request(
                f"can't use file of type {record.kind.capitalize()} as {kind.capitalize()}"
            )
        return record

    async def fetch(self, url: str) -> tuple[bytes, str]:
        try:
            async with self.http().get(url, timeout=aiohttp.ClientTimeout(total=10)) as resp:
                if resp.status != 200:
                    raise bad_request("failed to get HTTP URL content")
                data = await resp.content.read(MAX_DOWNLOAD_BYTES + 1)
                if len(data) > MAX_DOWNLOAD_BYTES:
                    raise bad_request("failed to get HTTP URL content")
                return data, resp.headers.get("Content-Type", "")
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise bad_request("failed to get HTTP URL content") from exc

    def store_upload(self, upload: Upload, kind: str) -> FileRecord:
        if not upload.data:
            raise bad_request("file must be non-empty")
        if len(upload.data) > MAX_UPLOAD_BYTES:
            raise BotApiError(413, "Request Entity Too Large")
        mime = upload.content_type.split(";")[0].strip()
        if not mime or mime == "application/octet-stream":
            mime = mimetypes.guess_type(upload.filename)[0] or mime or "application/octet-stream"
        if kind == "photo":
            if len(upload.data) > MAX_PHOTO_BYTES:
                raise bad_request("PHOTO_INVALID_DIMENSIONS")
            info = image_info(upload.data)
            if info is None:
                raise bad_request("IMAGE_PROCESS_FAILED")
            mime, width, height = info
            return self.world.store_file(
                "photo", upload.data, mime_type=mime, width=width, height=height
            )
        if kind == "voice" and mime == "application/octet-stream":
            mime = "audio/ogg"
        return self.world.store_file(kind, upload.data, mime_type=mime, file_name=upload.filename)

    def photo_sizes(self, record: FileRecord) -> list[JSON]:
        return self.world.photo_sets.get(record.file_id) or self.world.photo_sizes(record)


# ---- getting updates -------------------------------------------------------------------


@api_method("getMe")
async def get_me(api: BotApi, p: Params) -> JSON:
    return {
        **api.world.bot.to_api(),
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


@api_method("logOut")
async def log_out(api: BotApi, p: Params) -> bool:
    return True


@api_method("close")
async def close(api: BotApi, p: Params) -> bool:
    return True


def interrupt_polling(world: World, reason: str) -> None:
    world.poll_generation += 1
    world.poll_end_reason = reason
    world.update_signal.bump()


@api_method("getUpdates")
async def get_updates(api: BotApi, p: Params) -> list[JSON]:
    world = api.world
    if world.webhook is not None:
        raise BotApiError(409, CONFLICT_WEBHOOK)
    offset = p.integer("offset")
    limit = min(max(p.integer("limit", default=100) or 100, 1), 100)
    timeout = max(p.number("timeout", 0.0) or 0.0, 0.0)
    allowed = p.json_list("allowed_updates", what="allowed updates")
    if allowed is not None:
        world.allowed_updates = frozenset(allowed) or DEFAULT_UPDATE_TYPES
    if offset is not None and offset != 0:
        world.confirm_updates(offset)
    interrupt_polling(
        world, "terminated by other getUpdates request; make sure that only one bot instance "
        "is running"
    )  # fmt: skip
    generation = world.poll_generation
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        if world.poll_generation != generation:
            raise BotApiError(409, f"Conflict: {world.poll_end_reason}")
        if world.updates:
            return list(itertools.islice(world.updates, limit))
        remaining = deadline - loop.time()
        if remaining <= 0 or api.closing.is_set():
            return []
        await world.update_signal.wait_past(world.update_signal.version, remaining)


@api_method("setWebhook")
async def set_webhook(api: BotApi, p: Params) -> Described:
    world = api.world
    url = (p.string("url") or "").strip()
    if not url:
        return await delete_webhook(api, p)
    if not url.startswith(("http://", "https://")):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = p.string("secret_token")
    if secret is not None and not _SECRET_RE.match(secret):
        raise bad_request("secret token contains unallowed characters")
    max_connections = p.integer("max_connections", default=40) or 40
    if not 1 <= max_connections <= 100:
        raise bad_request("bad webhook: max_connections must be between 1 and 100")
    allowed = p.json_list("allowed_updates", what="allowed updates")
    if p.flag("drop_pending_updates"):
        world.drop_pending_updates()
    same = world.webhook is not None and world.webhook.url == url
    world.webhook = WebhookConfig(
        url=url,
        secret_token=secret,
        max_connections=max_connections,
        allowed_updates=allowed if allowed else None,
        ip_address=p.string("ip_address"),
        has_custom_certificate="certificate" in p.uploads,
    )
    interrupt_polling(world, "terminated by setWebhook request")
    api.webhook_changed()
    return Described(True, "Webhook is already set" if same else "Webhook was set")


@api_method("deleteWebhook")
async def delete_webhook(api: BotApi, p: Params) -> Described:
    world = api.world
    existed = world.webhook is not None
    world.webhook = None
    if p.flag("drop_pending_updates"):
        world.drop_pending_updates()
    api.webhook_changed()
    world.update_signal.bump()
    return Described(True, "Webhook was deleted" if existed else "Webhook is already deleted")


@api_method("getWebhookInfo")
async def get_webhook_info(api: BotApi, p: Params) -> JSON:
    hook = api.world.webhook
    info: JSON = {
        "url": hook.url if hook else "",
        "has_custom_certificate": bool(hook and hook.has_custom_certificate),
        "pending_update_count": len(api.world.updates),
    }
    if hook is not None:
        info["max_connections"] = hook.max_connections
        if hook.allowed_updates:
            info["allowed_updates"] = hook.allowed_updates
        if hook.ip_address:
            info["ip_address"] = hook.ip_address
        if hook.last_error_date is not None:
            info["last_error_date"] = hook.last_error_date
            info["last_error_message"] = hook.last_error_message or ""
    return info


# ---- sending ---------------------------------------------------------------------------


def message_text(p: Params) -> tuple[str, list[JSON]]:
    raw = p.string("text")
    if raw is None or not raw.strip():
        raise bad_request("message text is empty")
    text, entities = format_text(raw, p.string("parse_mode"), p.json_list("entities"))
    if not text:
        raise bad_request("message text is empty")
    if len(text) > MAX_TEXT_LENGTH:
        raise bad_request("message is too long")
    return text, detect_entities(text, entities)


def reply_markup(p: Params, *, inline_only: bool = False) -> JSON | None:
    return validate_reply_markup(
        p.json("reply_markup", what="reply keyboard markup"), inline_only=inline_only
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


# ---- commands and bot profile ----------------------------------------------------------


def _language(p: Params) -> str:
    code = p.string("language_code") or ""
    if code and not _LANGUAGE_RE.match(code):
        raise bad_request("invalid language code specified")
    return code


def _scope_key(api: BotApi, p: Params) -> str:
    scope = p.json_object("scope", what="bot command scope")
    if scope is None:
        return "default"
    kind = scope.get("type")
    if kind not in COMMAND_SCOPES:
        raise bad_request("can't parse BotCommandScope: wrong type")
    if kind in ("chat", "chat_administrators", "chat_member"):
        ref = scope.get("chat_id")
        chat = api.world.find_chat(ref) if isinstance(ref, int | str) else None
        if chat is None:
            raise bad_request("chat not found")
        if kind == "chat_member":
            user_id = scope.get("user_id")
            if not isinstance(user_id, int) or user_id not in api.world.users:
                raise bad_request("user not found")
            return f"chat_member:{chat.id}:{user_id}"
        return f"{kind}:{chat.id}"
    return str(kind)


@api_method("setMyCommands")
async def set_my_commands(api: BotApi, p: Params) -> bool:
    commands = p.json_list("commands", what="bot commands")
    if commands is None:
        raise bad_request("commands is empty")
    if len(commands) > 100:
        raise bad_request("too many commands")
    cleaned: list[JSON] = []
    for command in commands:
        if not isinstance(command, dict):
            raise bad_request("can't parse BotCommand JSON object")
        name, description = command.get("command"), command.get("description")
        if not isinstance(name, str) or not _COMMAND_RE.match(name):
            raise bad_request("BOT_COMMAND_INVALID")
        if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        cleaned.append({"command": name, "description": description})
    key = (_scope_key(api, p), _language(p))
    if cleaned:
        api.world.commands[key] = cleaned
    else:
        api.world.commands.pop(key, None)
    api.world.touch()
    return True


@api_method("getMyCommands")
async def get_my_commands(api: BotApi, p: Params) -> list[JSON]:
    return list(api.world.commands.get((_scope_key(api, p), _language(p)), []))


@api_method("deleteMyCommands")
async def delete_my_commands(api: BotApi, p: Params) -> bool:
    api.world.commands.pop((_scope_key(api, p), _language(p)), None)
    api.world.touch()
    return True


def _bot_text(name: str, limit: int) -> tuple[Handler, Handler]:
    async def setter(api: BotApi, p: Params) -> bool:
        value = p.string(name) or ""
        if len(value) > limit:
            raise bad_request(f"{name} is too long")
        key = (name, _language(p))
        if value:
            api.world.bot_texts[key] = value
        else:
            api.world.bot_texts.pop(key, None)
        return True

    async def getter(api: BotApi, p: Params) -> JSON:
        code = _language(p)
        texts = api.world.bot_texts
        value = texts.get((name, code)) or texts.get((name, ""))
        if value is None and name == "name":
            value = api.world.bot.first_name
        return {name: value or ""}

    return setter, getter


for _name, _suffix, _limit in (
    ("name", "Name", 64),
    ("description", "Description", 512),
    ("short_description", "ShortDescription", 120),
):
    _setter, _getter = _bot_text(_name, _limit)
    api_method(f"setMy{_suffix}")(_setter)
    api_method(f"getMy{_suffix}")(_getter)


@api_method("setChatMenuButton")
async def set_chat_menu_button(api: BotApi, p: Params) -> bool:
    button = p.json_object("menu_button", what="menu button") or {"type": "default"}
    if button.get("type") not in ("default", "commands", "web_app"):
        raise bad_request("can't parse menu button: wrong type")
    if p.has("chat_id"):
        chat = api.chat(p)
        if chat.type != "private":
            raise bad_request("menu button can be set only in private chats")
        chat.menu_button = None if button["type"] == "default" else button
    else:
        api.world.default_menu_button = (
            {"type": "commands"} if button["type"] == "default" else button
        )
    api.world.touch()
    return True


@api_method("getChatMenuButton")
async def get_chat_menu_button(api: BotApi, p: Params) -> JSON:
    if p.has("chat_id"):
        chat = api.chat(p)
        if chat.menu_button:
            return chat.menu_button
    return api.world.default_menu_button


# ---- chats -----------------------------------------------------------------------------


@api_method("getChat")
async def get_chat(api: BotApi, p: Params) -> JSON:
    chat = api.chat(p)
    info: JSON = {
        **chat.to_api(),
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": {
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
            "gifts_from_channels": False,
        },
    }
    if chat.pinned_message_id is not None:
        pinned = chat.messages.get(chat.pinned_message_id)
        if pinned is not None and not pinned.deleted:
            info["pinned_message"] = api.world.message_api(pinned)
    return info


_ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_pin_messages",
    "can_manage_topics",
)


def chat_member(api: BotApi, chat: ChatRecord, user_id: int) -> JSON:
    bot = api.world.bot
    if user_id == bot.id:
        user, status = bot.to_api(), ("administrator" if chat.is_group else "member")
        if chat.blocked:
            status = "kicked"
    else:
        record = api.world.users.get(user_id)
        if record is None:
            raise bad_request("user not found")
        user, status = record.to_api(), chat.members.get(user_id, "left")
    if status == "creator":
        return {"status": "creator", "user": user, "is_anonymous": False}
    if status == "administrator":
        return {
            "status": "administrator",
            "user": user,
            "can_be_edited": False,
            "is_anonymous": False,
            **dict.fromkeys(_ADMIN_RIGHTS, True),
        }
    if status == "kicked":
        return {"status": "kicked", "user": user, "until_date": 0}
    return {"status": status, "user": user}


@api_method("getChatMember")
async def get_chat_member(api: BotApi, p: Params) -> JSON:
    chat = api.chat(p)
    return chat_member(api, chat, p.req_int("user_id"))


@api_method("getChatAdministrators")
async def get_chat_administrators(api: BotApi, p: Params) -> list[JSON]:
    chat = api.chat(p)
    if not chat.is_group:
        raise bad_request("there are no administrators in the private chat")
    admins = [uid for uid, s in chat.members.items() if s in ("creator", "administrator")]
    return [chat_member(api, chat, uid) for uid in [*admins, api.world.bot.id]]


@api_method("getChatMemberCount")
async def get_chat_member_count(api: BotApi, p: Params) -> int:
    chat = api.chat(p)
    present = [s for s in chat.members.values() if s not in ("left", "kicked")]
    return len(present) + (0 if chat.blocked else 1)


@api_method("leaveChat")
async def leave_chat(api: BotApi, p: Params) -> bool:
    chat = api.chat(p)
    if not chat.is_group:
        raise bad_request("chat member status can't be changed in private chats")
    chat.blocked = True
    api.world.touch()
    return True


@api_method("pinChatMessage")
async def pin_chat_message(api: BotApi, p: Params) -> bool:
    chat = api.writable_chat(p)
    message_id = p.req_int("message_id")
    message = chat.messages.get(message_id)
    if message is None or message.deleted:
        raise bad_request("message to pin not found")
    chat.pinned_message_id = message_id
    api.world.touch()
    return True


@api_method("unpinChatMessage")
async def unpin_chat_message(api: BotApi, p: Params) -> bool:
    chat = api.writable_chat(p)
    chat.pinned_message_id = None
    api.world.touch()
    return True


@api_method("unpinAllChatMessages")
async def unpin_all_chat_messages(api: BotApi, p: Params) -> bool:
    return await unpin_chat_message(api, p)


# ---- forum topics ----------------------------------------------------------------------


def _forum(api: BotApi, p: Params) -> ChatRecord:
    chat = api.writable_chat(p)
    if not chat.is_forum:
        raise bad_request("the chat is not a forum")
    return chat


def _topic(chat: ChatRecord, p: Params) -> TopicRecord:
    topic = chat.topics.get(p.req_int("message_thread_id"))
    if topic is None:
        raise bad_request("message thread not found")
    return topic


def topic_service_message(
    world: World, chat: ChatRecord, sender: JSON, service: JSON, thread_id: int | None
) -> MessageRecord:
    """A service message (topic created/edited/closed/reopened) in `chat`."""
    message_id = chat.take_message_id()
    message = MessageRecord(
        message_id=message_id,
        chat_id=chat.id,
        sender=sender,
        from_bot=bool(sender.get("is_bot")),
        date=world.now(),
        message_thread_id=thread_id if thread_id is not None else message_id,
        is_topic_message=True,
        service=service,
    )
    return world.add_message(chat, message)


def create_topic(world: World, chat: ChatRecord, sender: JSON, name: str, color: int) -> JSON:
    created = topic_service_message(
        world, chat, sender, {"forum_topic_created": {"name": name, "icon_color": color}}, None
    )
    topic = TopicRecord(created.message_id, name, color)
    chat.topics[topic.message_thread_id] = topic
    return topic.to_api()


_TOPIC_COLORS = (0x6FB9F0, 0xFFD67E, 0xCB86DB, 0x8EEE98, 0xFF93B2, 0xFB6F5F)


@api_method("createForumTopic")
async def create_forum_topic(api: BotApi, p: Params) -> JSON:
    chat = _forum(api, p)
    name = (p.string("name") or "").strip()
    if not name:
        raise bad_request("TOPIC_TITLE_EMPTY")
    if len(name) > 128:
        raise bad_request("TOPIC_TITLE_TOO_LONG")
    color = p.integer("icon_color", default=_TOPIC_COLORS[0])
    if color not in _TOPIC_COLORS:
        raise bad_request("TOPIC_ICON_COLOR_INVALID")
    return create_topic(api.world, chat, api.world.bot.to_api(), name, color)


@api_method("editForumTopic")
async def edit_forum_topic(api: BotApi, p: Params) -> bool:
    chat = _forum(api, p)
    topic = _topic(chat, p)
    name = p.string("name")
    if name is not None and len(name) > 128:
        raise bad_request("TOPIC_TITLE_TOO_LONG")
    changes: JSON = {}
    if name and name != topic.name:
        topic.name = changes["name"] = name
    emoji = p.string("icon_custom_emoji_id")
    if emoji is not None and emoji != (topic.icon_custom_emoji_id or ""):
        topic.icon_custom_emoji_id = emoji or None
        changes["icon_custom_emoji_id"] = emoji
    if not changes:
        raise bad_request("TOPIC_NOT_MODIFIED")
    topic_service_message(
        api.world,
        chat,
        api.world.bot.to_api(),
        {"forum_topic_edited": changes},
        topic.message_thread_id,
    )
    return True


async def _set_topic_closed(api: BotApi, p: Params, closed: bool) -> bool:
    chat = _forum(api, p)
    topic = _topic(chat, p)
    if topic.closed == closed:
        raise bad_request("TOPIC_NOT_MODIFIED")
    topic.closed = closed
    service: JSON = {"forum_topic_closed" if closed else "forum_topic_reopened": {}}
    topic_service_message(
        api.world, chat, api.world.bot.to_api(), service, topic.message_thread_id
    )
    return True


@api_method("closeForumTopic")
async def close_forum_topic(api: BotApi, p: Params) -> bool:
    return await _set_topic_closed(api, p, True)


@api_method("reopenForumTopic")
async def reopen_forum_topic(api: BotApi, p: Params) -> bool:
    return await _set_topic_closed(api, p, False)


@api_method("deleteForumTopic")
async def delete_forum_topic(api: BotApi, p: Params) -> bool:
    chat = _forum(api, p)
    topic = _topic(chat, p)
    for message in chat.messages.values():
        if message.message_thread_id == topic.message_thread_id and not message.deleted:
            message.deleted = True
            api.world.touch(message)
    del chat.topics[topic.message_thread_id]
    return True
