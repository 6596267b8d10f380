"""The emulator's Bot API: the method registry and `BotApi`, which holds what the
methods share (finding chats, posting messages, files, captions, reply markup).

Each method is an async function `(api, params) -> result` registered with
`@api_method("sendMessage")`; names are matched case-insensitively, as Telegram does
(`bot.emulator.methods.lookup`). Errors are raised as `BotApiError` with Telegram's
status code and description.
"""

from __future__ import annotations

import asyncio
import itertools
import mimetypes
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
    JSON,
    ChatRecord,
    FileRecord,
    MessageRecord,
    World,
)

MAX_TEXT_LENGTH = 4096  # characters, after entity parsing
MAX_CAPTION_LENGTH = 1024
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024  # getFile refuses larger files
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_PHOTO_BYTES = 10 * 1024 * 1024


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
