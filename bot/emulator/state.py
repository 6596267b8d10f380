"""The emulator's in-memory world: users, chats, messages, files, updates, statistics.

Everything runs on one event loop, so state changes are plain method calls; waiters
(getUpdates long polls, the /sim long polls, webhook delivery) are woken through
`Notifier`s. Times: `date` fields are Unix seconds (wall clock), as in the Bot API.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import itertools
import mimetypes
import secrets
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]

# Update types delivered when a bot has not chosen (Telegram's default).
DEFAULT_UPDATE_TYPES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)


class Notifier:
    """A version counter that waiters can block on until it moves past a value."""

    def __init__(self) -> None:
        self.version = 0
        self._event = asyncio.Event()

    def bump(self) -> int:
        self.version += 1
        event, self._event = self._event, asyncio.Event()
        event.set()
        return self.version

    async def wait_past(self, version: int, seconds: float) -> bool:
        """Wait up to `seconds` for a version above `version`; True if it came."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while self.version <= version:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            try:
                await asyncio.wait_for(self._event.wait(), remaining)
            except TimeoutError:
                return self.version > version
        return True


@dataclass
class UserRecord:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False

    def to_api(self) -> JSON:
        data: JSON = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code and not self.is_bot:
            data["language_code"] = self.language_code
        return data


@dataclass
class TopicRecord:
    message_thread_id: int
    name: str
    icon_color: int = 0x6FB9F0
    icon_custom_emoji_id: str | None = None
    closed: bool = False

    def to_api(self) -> JSON:
        data: JSON = {
            "message_thread_id": self.message_thread_id,
            "name": self.name,
            "icon_color": self.icon_color,
        }
        if self.icon_custom_emoji_id:
            data["icon_custom_emoji_id"] = self.icon_custom_emoji_id
        return data


@dataclass
class FileRecord:
    file_id: str
    file_unique_id: str
    kind: str  # photo, document, voice, audio
    data: bytes
    file_path: str
    mime_type: str | None = None
    file_name: str | None = None
    width: int = 0
    height: int = 0
    duration: int = 0

    @property
    def size(self) -> int:
        return len(self.data)

    def to_api(self) -> JSON:
        """The object a message carries (Document, Voice, Audio); photos use `photo_sizes`."""
        data: JSON = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.size,
        }
        if self.kind in ("voice", "audio"):
            data["duration"] = self.duration
        if self.kind in ("document", "audio") and self.file_name:
            data["file_name"] = self.file_name
        if self.kind != "photo" and self.mime_type:
            data["mime_type"] = self.mime_type
        return data

    def file_api(self) -> JSON:
        """The `File` object of getFile."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.size,
            "file_path": self.file_path,
        }


@dataclass
class MessageRecord:
    message_id: int
    chat_id: int
    sender: JSON  # the `from` User object at sending time
    from_bot: bool
    date: int
    text: str | None = None
    entities: list[JSON] = field(default_factory=list)
    caption: str | None = None
    caption_entities: list[JSON] = field(default_factory=list)
    photo: list[JSON] | None = None  # PhotoSize objects, smallest first
    document: FileRecord | None = None
    voice: FileRecord | None = None
    audio: FileRecord | None = None
    reply_markup: JSON | None = None  # as sent, any keyboard kind
    reply_to_message_id: int | None = None
    message_thread_id: int | None = None
    is_topic_message: bool = False
    media_group_id: str | None = None
    edit_date: int | None = None
    deleted: bool = False
    service: JSON | None = None  # e.g. {"forum_topic_created": {...}}
    link_preview_options: JSON | None = None
    has_protected_content: bool = False
    forward_origin: JSON | None = None
    version: int = 0

    @property
    def photo_file_id(self) -> str | None:
        return self.photo[-1]["file_id"] if self.photo else None


@dataclass
class ChatRecord:
    id: int
    type: str  # private, group, supergroup
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    is_forum: bool = False
    members: dict[int, str] = field(default_factory=dict)  # user id → status
    blocked: bool = False  # private: the user blocked the bot; group: the bot was removed
    started: bool = False  # private: the user has written to the bot
    messages: dict[int, MessageRecord] = field(default_factory=dict)
    topics: dict[int, TopicRecord] = field(default_factory=dict)
    next_message_id: int = 1
    reply_keyboard: JSON | None = None  # the custom keyboard the client shows
    force_reply: JSON | None = None  # {"message_id", "input_field_placeholder"}
    chat_action: JSON | None = None  # {"action", "until"} (Unix seconds)
    menu_button: JSON | None = None
    pinned_message_id: int | None = None
    # A group upgraded to a supergroup: the new chat's id (the old id answers 400 with it).
    migrated_to: int | None = None

    def to_api(self) -> JSON:
        data: JSON = {"id": self.id, "type": self.type}
        if self.type == "private":
            data["first_name"] = self.first_name or ""
            if self.last_name:
                data["last_name"] = self.last_name
        else:
            data["title"] = self.title or ""
            if self.is_forum:
                data["is_forum"] = True
        if self.username:
            data["username"] = self.username
        return data

    @property
    def is_group(self) -> bool:
        return self.type in ("group", "supergroup")

    def take_message_id(self) -> int:
        value = self.next_message_id
        self.next_message_id += 1
        return value


@dataclass
class CallbackQueryRecord:
    id: str
    chat_id: int
    message_id: int
    user_id: int
    data: str
    created: float  # clock seconds
    answered: bool = False


@dataclass
class WebhookConfig:
    url: str
    secret_token: str | None = None
    max_connections: int = 40
    allowed_updates: list[str] | None = None
    ip_address: str | None = None
    has_custom_certificate: bool = False
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass
class Fault:
    kind: str  # "5xx", "timeout", "429", "reset"
    retry_after: int = 1  # seconds, for "429"
    hang_seconds: float = 30.0  # for "timeout"
    chat_id: int | None = None  # only calls for this chat (None: any call of the method)


_last_first_update_id = 0


def _first_update_id() -> int:
    """Where a new emulator's update ids start. Like Telegram after a quiet spell, not at 1
    again: a bot that keeps a ledger of handled update ids (replays are ignored) would take
    a new emulator's updates for old ones. Ten ids a second of wall time (below 2**31),
    and 100 000 more than the previous emulator of this process."""
    global _last_first_update_id
    by_time = (int(time.time()) % 200_000_000) * 10 + 1
    _last_first_update_id = max(by_time, _last_first_update_id + 100_000)
    return _last_first_update_id


@dataclass
class Stats:
    calls: Counter[str] = field(default_factory=Counter)
    errors: dict[str, Counter[int]] = field(default_factory=dict)
    too_many_requests: int = 0
    sent: dict[int, list[float]] = field(default_factory=dict)  # chat id → Unix times
    # Every refused call, in order: {"method", "code", "description"}. Tests assert there
    # are none where the bot should never be refused ("message is not modified" included).
    refused: list[JSON] = field(default_factory=list)

    def to_json(self) -> JSON:
        return {
            "calls": dict(self.calls),
            "refused": list(self.refused),
            "errors": {m: {str(k): v for k, v in c.items()} for m, c in self.errors.items()},
            "too_many_requests": self.too_many_requests,
            "sent": {str(chat): times for chat, times in self.sent.items()},
        }


_KIND_FOLDERS = {"photo": "photos", "document": "documents", "voice": "voice", "audio": "music"}
_KIND_PREFIXES = {"photo": "AgAC", "document": "BQAC", "voice": "AwAC", "audio": "CQAC"}


def _token(nbytes: int) -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(nbytes)).decode().rstrip("=")


class World:
    """The state of one emulated bot and the users and chats around it."""

    def __init__(
        self,
        *,
        bot_id: int = 1,
        bot_first_name: str = "keplibot",
        bot_username: str = "keplibot_bot",
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.bot = UserRecord(bot_id, bot_first_name, username=bot_username, is_bot=True)
        self.clock = clock
        self.wall_clock = wall_clock
        self.users: dict[int, UserRecord] = {}
        self.chats: dict[int, ChatRecord] = {}
        self.files: dict[str, FileRecord] = {}
        self.files_by_path: dict[str, FileRecord] = {}
        self.photo_sets: dict[str, list[JSON]] = {}  # any size's file_id → all sizes
        self.updates: deque[JSON] = deque()
        self.allowed_updates: frozenset[str] = DEFAULT_UPDATE_TYPES
        self.webhook: WebhookConfig | None = None
        self.callback_queries: dict[str, CallbackQueryRecord] = {}
        self.callback_answers: list[JSON] = []
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        self.default_menu_button: JSON = {"type": "commands"}
        self.bot_texts: dict[tuple[str, str], str] = {}  # (name|description|..., lang)
        self.stats = Stats()
        self.faults: dict[str, deque[Fault]] = {}
        self.changes = Notifier()  # anything a /sim client may watch
        # People the web page offers to be (the demo's cast; empty in plain emulator runs).
        self.personas: list[JSON] = []
        self.teams_url = ""  # the demo's Microsoft Teams chat page, if it runs one
        self.update_signal = Notifier()  # new updates, webhook changes, poll takeovers
        self.poll_generation = 0
        self.poll_end_reason = ""
        self._next_update_id = _first_update_id()
        # The last updates queued, confirmed or not: a test can hand one to a bot again
        # (a replay, as after a crash or from a proxy resending a webhook request).
        self.sent_updates: deque[JSON] = deque(maxlen=1000)
        self._file_counter = itertools.count(1)
        self._next_user_id = 1_000_001

    # ---- time ----------------------------------------------------------------------------

    def now(self) -> int:
        """Unix time in whole seconds."""
        return int(self.wall_clock())

    # ---- users and chats -----------------------------------------------------------------

    def new_user_id(self) -> int:
        while self._next_user_id in self.users or self._next_user_id in self.chats:
            self._next_user_id += 1
        return self._next_user_id

    def upsert_user(self, data: JSON) -> UserRecord:
        """Create or update a simulated user from `{"id", "first_name", ...}`."""
        user_id = data.get("id")
        if not isinstance(user_id, int) or user_id <= 0:
            user_id = self.new_user_id()
        first_name = str(data.get("first_name") or "").strip()
        existing = self.users.get(user_id)
        if existing is None:
            user = UserRecord(user_id, first_name or f"User {user_id}")
            self.users[user_id] = user
        else:
            user = existing
            if first_name:
                user.first_name = first_name
        for attr in ("last_name", "username", "language_code"):
            if attr in data:
                setattr(user, attr, data[attr] or None)
        chat = self.chats.get(user.id)
        if chat is not None and chat.type == "private":
            chat.first_name, chat.last_name = user.first_name, user.last_name
            chat.username = user.username
        return user

    def private_chat(self, user: UserRecord) -> ChatRecord:
        chat = self.chats.get(user.id)
        if chat is None:
            chat = ChatRecord(
                user.id,
                "private",
                first_name=user.first_name,
                last_name=user.last_name,
                username=user.username,
                members={user.id: "member"},
            )
            self.chats[user.id] = chat
        return chat

    def find_chat(self, ref: int | str) -> ChatRecord | None:
        if isinstance(ref, int):
            return self.chats.get(ref)
        username = ref.lstrip("@").lower()
        for chat in self.chats.values():
            if chat.username and chat.username.lower() == username:
                return chat
        return None

    def chat_instance(self, chat_id: int) -> str:
        """A stable opaque id for (bot, chat), like Telegram's signed 64-bit strings."""
        digest = hashlib.sha256(f"{self.bot.id}:{chat_id}".encode()).digest()
        return str(int.from_bytes(digest[:8], "big", signed=True))

    # ---- messages ------------------------------------------------------------------------

    def add_message(self, chat: ChatRecord, message: MessageRecord) -> MessageRecord:
        chat.messages[message.message_id] = message
        self.touch(message)
        return message

    def touch(self, message: MessageRecord | None = None) -> int:
        """Record a visible change (for /sim watchers); returns the new version."""
        version = self.changes.bump()
        if message is not None:
            message.version = version
        return version

    def message_api(self, message: MessageRecord, *, with_reply: bool = True) -> JSON:
        """The Bot API `Message` object."""
        chat = self.chats[message.chat_id]
        data: JSON = {
            "message_id": message.message_id,
            "from": message.sender,
            "chat": chat.to_api(),
            "date": message.date,
        }
        if message.message_thread_id is not None:
            data["message_thread_id"] = message.message_thread_id
            if message.is_topic_message:
                data["is_topic_message"] = True
        if message.forward_origin:
            data["forward_origin"] = message.forward_origin
        if with_reply and message.reply_to_message_id is not None:
            replied = chat.messages.get(message.reply_to_message_id)
            if replied is not None and not replied.deleted:
                data["reply_to_message"] = self.message_api(replied, with_reply=False)
        if message.edit_date is not None:
            data["edit_date"] = message.edit_date
        if message.has_protected_content:
            data["has_protected_content"] = True
        if message.media_group_id:
            data["media_group_id"] = message.media_group_id
        if message.text is not None:
            data["text"] = message.text
            if message.entities:
                data["entities"] = message.entities
            if message.link_preview_options:
                data["link_preview_options"] = message.link_preview_options
        if message.photo:
            data["photo"] = message.photo
        for kind in ("document", "voice", "audio"):
            record: FileRecord | None = getattr(message, kind)
            if record is not None:
                data[kind] = record.to_api()
        if message.caption is not None:
            data["caption"] = message.caption
            if message.caption_entities:
                data["caption_entities"] = message.caption_entities
        if message.service:
            data.update(message.service)
        # Telegram echoes only inline keyboards in Message.reply_markup.
        if message.reply_markup and "inline_keyboard" in message.reply_markup:
            data["reply_markup"] = message.reply_markup
        return data

    # ---- updates -------------------------------------------------------------------------

    def enqueue_update(self, kind: str, payload: JSON) -> int | None:
        """Queue an update of `kind` if the bot accepts that type; returns its update_id."""
        allowed = self.webhook.allowed_updates if self.webhook else None
        types = frozenset(allowed) if allowed else self.allowed_updates
        if kind not in types:
            return None
        update_id = self._next_update_id
        self._next_update_id += 1
        update = {"update_id": update_id, kind: payload}
        self.updates.append(update)
        self.sent_updates.append(update)
        self.update_signal.bump()
        return update_id

    def confirm_updates(self, offset: int) -> None:
        """Forget updates below `offset` (getUpdates' offset); negative: keep the last -N."""
        if offset < 0:
            keep = -offset
            while len(self.updates) > keep:
                self.updates.popleft()
            return
        while self.updates and self.updates[0]["update_id"] < offset:
            self.updates.popleft()

    def drop_pending_updates(self) -> None:
        self.updates.clear()

    # ---- files ---------------------------------------------------------------------------

    def store_file(
        self,
        kind: str,
        data: bytes,
        *,
        mime_type: str | None = None,
        file_name: str | None = None,
        width: int = 0,
        height: int = 0,
        duration: int = 0,
    ) -> FileRecord:
        number = next(self._file_counter)
        ext = ""
        if file_name and "." in file_name:
            ext = "." + file_name.rsplit(".", 1)[1].lower()
        elif mime_type:
            ext = mimetypes.guess_extension(mime_type) or ""
        if kind == "photo":
            ext = ext if ext in (".png", ".jpg", ".jpeg", ".gif", ".webp") else ".jpg"
        elif kind == "voice" and not ext:
            ext = ".oga"
        record = FileRecord(
            file_id=f"{_KIND_PREFIXES.get(kind, 'BQAC')}{number:06d}{_token(24)}",
            file_unique_id=f"AQAD{number:04d}{_token(6)}",
            kind=kind,
            data=data,
            file_path=f"{_KIND_FOLDERS.get(kind, 'documents')}/file_{number}{ext}",
            mime_type=mime_type,
            file_name=file_name,
            width=width,
            height=height,
            duration=duration,
        )
        self.files[record.file_id] = record
        self.files_by_path[record.file_path] = record
        return record

    def photo_sizes(self, record: FileRecord) -> list[JSON]:
        """PhotoSize list for an uploaded photo: a thumbnail (≤ 90 px) and the original.

        Telegram stores several resized copies; the emulator keeps one set of bytes and
        gives the thumbnail its own file id over the same content.
        """
        full: JSON = {
            "file_id": record.file_id,
            "file_unique_id": record.file_unique_id,
            "file_size": record.size,
            "width": record.width,
            "height": record.height,
        }
        longest = max(record.width, record.height)
        if longest <= 90:
            self.photo_sets[record.file_id] = [full]
            return [full]
        scale = 90 / longest
        thumb = self.store_file(
            "photo",
            record.data,
            mime_type=record.mime_type,
            file_name=record.file_name,
            width=max(1, round(record.width * scale)),
            height=max(1, round(record.height * scale)),
        )
        small: JSON = {
            "file_id": thumb.file_id,
            "file_unique_id": thumb.file_unique_id,
            "file_size": thumb.size,
            "width": thumb.width,
            "height": thumb.height,
        }
        sizes = [small, full]
        self.photo_sets[record.file_id] = self.photo_sets[thumb.file_id] = sizes
        return sizes

    # ---- statistics ------------------------------------------------------------------------

    def record_error(self, method: str, code: int, description: str = "") -> None:
        self.stats.errors.setdefault(method, Counter())[code] += 1
        self.stats.refused.append({"method": method, "code": code, "description": description})
        if code == 429:
            self.stats.too_many_requests += 1

    def record_sent(self, chat_id: int) -> None:
        self.stats.sent.setdefault(chat_id, []).append(self.wall_clock())
