"""The /sim HTTP API: act as Telegram users and watch what the bot does.

Everything here is JSON (file uploads are multipart). Errors answer
`{"error": "..."}` with a 4xx status. Long polls take `wait` in seconds.
See `bot/emulator/sim.py` for the Python client and the README section for the list.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections import deque
from typing import Any
from urllib.parse import quote

from aiohttp import BodyPartReader, web

from bot.emulator.entities import detect_entities
from bot.emulator.markup import inline_callback_data
from bot.emulator.media import image_info
from bot.emulator.methods import (
    MAX_CAPTION_LENGTH,
    MAX_TEXT_LENGTH,
    create_topic,
    lookup,
)
from bot.emulator.state import (
    JSON,
    CallbackQueryRecord,
    ChatRecord,
    Fault,
    FileRecord,
    MessageRecord,
    UserRecord,
    World,
)
from bot.emulator.ui_strings import ui_strings

MAX_WAIT = 60.0  # seconds a /sim long poll may hold
FAULT_KINDS = ("5xx", "timeout", "429", "reset")
MEMBER_STATUSES = ("creator", "administrator", "member")


class SimError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _bad(message: str) -> SimError:
    return SimError(400, message)


def file_view(record: FileRecord) -> JSON:
    return {
        "file_id": record.file_id,
        "file_name": record.file_name,
        "mime_type": record.mime_type,
        "file_size": record.size,
        "duration": record.duration or None,
        "url": f"/sim/files/{record.file_id}",
    }


def message_view(world: World, message: MessageRecord) -> JSON:
    """One transcript entry: what a person sees of a message, plus ids for assertions."""
    photo = None
    if message.photo:
        largest = message.photo[-1]
        photo = {
            "file_id": largest["file_id"],
            "width": largest["width"],
            "height": largest["height"],
            "file_size": largest.get("file_size"),
            "url": f"/sim/files/{largest['file_id']}",
        }
    service = next(iter(message.service), None) if message.service else None
    return {
        "message_id": message.message_id,
        "chat_id": message.chat_id,
        "date": message.date,
        "from_bot": message.from_bot,
        "from": message.sender,
        "text": message.text,
        "entities": message.entities,
        "caption": message.caption,
        "caption_entities": message.caption_entities,
        "reply_markup": message.reply_markup,
        "photo": photo,
        "document": file_view(message.document) if message.document else None,
        "voice": file_view(message.voice) if message.voice else None,
        "audio": file_view(message.audio) if message.audio else None,
        "reply_to_message_id": message.reply_to_message_id,
        "message_thread_id": message.message_thread_id,
        "media_group_id": message.media_group_id,
        "forwarded": message.forward_origin is not None,
        "service": service,
        "service_data": message.service[service] if message.service and service else None,
        "edited": message.edit_date is not None,
        "edit_date": message.edit_date,
        "deleted": message.deleted,
        "version": message.version,
    }


class Simulator:
    """Users' side of Telegram: what their clients would send to the bot."""

    def __init__(self, world: World) -> None:
        self.world = world

    # ---- users and chats -------------------------------------------------------------

    def user(self, data: Any) -> UserRecord:
        if isinstance(data, int):
            data = {"id": data}
        if not isinstance(data, dict):
            raise _bad("user must be an object with at least an id or a first_name")
        user_id = data.get("id")
        existing = self.world.users.get(user_id) if isinstance(user_id, int) else None
        if existing is None and not data.get("first_name"):
            raise _bad("unknown user: give first_name to create one")
        return self.world.upsert_user(data)

    def chat_for(self, user: UserRecord, chat_id: int | None) -> ChatRecord:
        """The chat `user` writes in: their private chat with the bot, or a group."""
        if chat_id is None or chat_id == user.id:
            chat = self.world.private_chat(user)
            chat.started = True
            if chat.blocked:
                # Writing to a bot one has blocked unblocks it in Telegram's apps.
                self.set_blocked(chat, False, by=user)
            return chat
        group = self.world.chats.get(chat_id)
        if group is None or group.type == "private":
            raise SimError(404, f"chat {chat_id} not found")
        chat = group
        if chat.members.get(user.id) not in MEMBER_STATUSES:
            raise SimError(403, f"user {user.id} is not a member of chat {chat_id}")
        return chat

    def existing_chat(self, chat_id: int) -> ChatRecord:
        chat = self.world.chats.get(chat_id)
        if chat is None:
            raise SimError(404, f"chat {chat_id} not found")
        return chat

    def set_blocked(
        self, chat: ChatRecord, blocked: bool, *, by: UserRecord | None = None
    ) -> None:
        if chat.blocked == blocked:
            return
        chat.blocked = blocked
        actor = by or self._chat_actor(chat)
        bot_old, bot_new = self._bot_statuses(chat, blocked)
        self.world.enqueue_update(
            "my_chat_member",
            {
                "chat": chat.to_api(),
                "from": actor.to_api(),
                "date": self.world.now(),
                "old_chat_member": bot_old,
                "new_chat_member": bot_new,
            },
        )
        self.world.touch()

    def _bot_statuses(self, chat: ChatRecord, blocked: bool) -> tuple[JSON, JSON]:
        bot = self.world.bot.to_api()
        present: JSON = {"status": "member", "user": bot}
        if chat.is_group:
            present = {
                "status": "administrator",
                "user": bot,
                "can_be_edited": False,
                "is_anonymous": False,
                "can_manage_chat": True,
                "can_delete_messages": True,
                "can_manage_video_chats": True,
                "can_restrict_members": True,
                "can_promote_members": False,
                "can_change_info": True,
                "can_invite_users": True,
                "can_post_stories": False,
                "can_edit_stories": False,
                "can_delete_stories": False,
                "can_pin_messages": True,
                "can_manage_topics": True,
            }
        gone: JSON = {"status": "kicked", "user": bot, "until_date": 0}
        return (present, gone) if blocked else (gone, present)

    def _chat_actor(self, chat: ChatRecord) -> UserRecord:
        for user_id, status in chat.members.items():
            if status in MEMBER_STATUSES and user_id in self.world.users:
                return self.world.users[user_id]
        raise _bad(f"chat {chat.id} has no members")

    def add_to_group(
        self,
        user: UserRecord,
        chat_id: int,
        title: str,
        *,
        is_forum: bool,
        status: str | None,
    ) -> ChatRecord:
        """Put `user` in a group (created with the bot in it if new).

        `status` None: the creator of a new group, a plain member of an existing one.
        """
        if chat_id >= 0:
            raise _bad("group chat ids are negative")
        chat = self.world.chats.get(chat_id)
        if status is None:
            status = "creator" if chat is None else "member"
        if status not in (*MEMBER_STATUSES, "left", "kicked"):
            raise _bad(f"unknown member status {status!r}")
        if chat is None:
            supergroup = is_forum or str(chat_id).startswith("-100")
            chat = ChatRecord(
                chat_id,
                "supergroup" if supergroup else "group",
                title=title or f"Group {chat_id}",
                is_forum=is_forum,
            )
            chat.members[user.id] = status
            self.world.chats[chat_id] = chat
            _, present = self._bot_statuses(chat, blocked=False)
            self.world.enqueue_update(
                "my_chat_member",
                {
                    "chat": chat.to_api(),
                    "from": user.to_api(),
                    "date": self.world.now(),
                    "old_chat_member": {"status": "left", "user": self.world.bot.to_api()},
                    "new_chat_member": present,
                },
            )
        else:
            if title:
                chat.title = title
            chat.members[user.id] = status
        self.world.touch()
        return chat

    def migrate_group(self, chat_id: int, new_id: int | None) -> ChatRecord:
        """Upgrade a basic group to a supergroup, as Telegram does when, say, Topics are
        turned on: a new chat id; the old one answers 400 with `migrate_to_chat_id`; a
        service message in each chat (`migrate_to_chat_id`, `migrate_from_chat_id`)."""
        chat = self.existing_chat(chat_id)
        if chat.type != "group" or chat.migrated_to is not None:
            raise _bad(f"chat {chat_id} is not a basic group")
        if new_id is None:
            new_id = int(f"-100{abs(chat_id)}")
        if new_id in self.world.chats or not str(new_id).startswith("-100"):
            raise _bad(f"{new_id} cannot be the new supergroup's id")
        actor = self._chat_actor(chat)
        supergroup = ChatRecord(
            new_id,
            "supergroup",
            title=chat.title,
            members=dict(chat.members),
            blocked=chat.blocked,
        )
        self.world.chats[new_id] = supergroup
        chat.migrated_to = new_id
        for target, service in (
            (chat, {"migrate_to_chat_id": new_id}),
            (supergroup, {"migrate_from_chat_id": chat_id}),
        ):
            message = MessageRecord(
                message_id=target.take_message_id(),
                chat_id=target.id,
                sender=actor.to_api(),
                from_bot=False,
                date=self.world.now(),
                service=service,
            )
            self.world.add_message(target, message)
            if not chat.blocked:
                self.world.enqueue_update("message", self.world.message_api(message))
        return supergroup

    # ---- messages from users ---------------------------------------------------------

    def _placement(
        self, chat: ChatRecord, user: UserRecord, reply_to: int | None, thread_id: int | None
    ) -> tuple[int | None, int | None]:
        """(reply_to, thread) for a user's message, checked like a Telegram client would."""
        reply_thread = None
        if reply_to is not None:
            replied = chat.messages.get(reply_to)
            if replied is None or replied.deleted:
                raise _bad(f"message {reply_to} to reply to not found")
            reply_thread = replied.message_thread_id
        if not chat.is_forum:
            return reply_to, None
        thread = thread_id if thread_id is not None else reply_thread
        if thread is not None:
            topic = chat.topics.get(thread)
            if topic is None:
                raise _bad(f"topic {thread} not found")
            if topic.closed and chat.members.get(user.id) not in ("creator", "administrator"):
                raise SimError(403, "the topic is closed")
        return reply_to, thread

    def _user_message(
        self,
        user: UserRecord,
        chat: ChatRecord,
        reply_to: int | None,
        thread_id: int | None,
        **content: Any,
    ) -> JSON:
        reply_to, thread = self._placement(chat, user, reply_to, thread_id)
        message = MessageRecord(
            message_id=chat.take_message_id(),
            chat_id=chat.id,
            sender=user.to_api(),
            from_bot=False,
            date=self.world.now(),
            reply_to_message_id=reply_to,
            message_thread_id=thread,
            is_topic_message=thread is not None,
            **content,
        )
        chat.force_reply = None
        self.world.add_message(chat, message)
        api_message = self.world.message_api(message)
        update_id = None
        if not (chat.is_group and chat.blocked):
            update_id = self.world.enqueue_update("message", api_message)
        return {"message": api_message, "update_id": update_id}

    def send_text(
        self,
        user: UserRecord,
        text: str,
        *,
        chat_id: int | None,
        reply_to: int | None,
        thread_id: int | None,
    ) -> JSON:
        text = text.strip()
        if not text:
            raise _bad("text is empty")
        if len(text) > MAX_TEXT_LENGTH:
            raise _bad("text is longer than 4096 characters")
        chat = self.chat_for(user, chat_id)
        keyboard = chat.reply_keyboard
        if keyboard and keyboard.get("one_time_keyboard"):
            labels = {button["text"] for row in keyboard["keyboard"] for button in row}
            if text in labels:
                chat.reply_keyboard = None
        return self._user_message(
            user,
            chat,
            reply_to,
            thread_id,
            text=text,
            entities=detect_entities(text, []),
        )

    def send_media(
        self,
        user: UserRecord,
        kind: str,
        data: bytes,
        *,
        filename: str | None,
        mime_type: str | None,
        caption: str | None,
        media_group_id: str | None,
        chat_id: int | None,
        reply_to: int | None,
        thread_id: int | None,
        duration: int,
    ) -> JSON:
        if not data:
            raise _bad("the file is empty")
        caption = (caption or "").strip() or None
        if caption and len(caption) > MAX_CAPTION_LENGTH:
            raise _bad("caption is longer than 1024 characters")
        chat = self.chat_for(user, chat_id)
        content: JSON = {
            "caption": caption,
            "caption_entities": detect_entities(caption, []) if caption else [],
            "media_group_id": media_group_id,
        }
        if kind == "photo":
            info = image_info(data)
            if info is None:
                raise _bad("the photo is not a PNG, JPEG, GIF, WebP or BMP image")
            mime, width, height = info
            record = self.world.store_file(
                "photo", data, mime_type=mime, width=width, height=height
            )
            content["photo"] = self.world.photo_sizes(record)
        elif kind in ("document", "voice", "audio"):
            if kind == "voice":
                mime_type = mime_type or "audio/ogg"
            content[kind] = self.world.store_file(
                kind,
                data,
                mime_type=mime_type or "application/octet-stream",
                file_name=filename if kind != "voice" else None,
                duration=duration,
            )
        else:
            raise _bad(f"unknown media kind {kind!r}")
        return self._user_message(user, chat, reply_to, thread_id, **content)

    def press(
        self, user: UserRecord, message_id: int, callback_data: str, *, chat_id: int | None
    ) -> JSON:
        chat = self.chat_for(user, chat_id)
        message = chat.messages.get(message_id)
        if message is None or message.deleted:
            raise SimError(404, f"message {message_id} not found in chat {chat.id}")
        if callback_data not in inline_callback_data(message.reply_markup):
            raise _bad(f"message {message_id} has no button with callback_data {callback_data!r}")
        query_id = str(secrets.randbits(62))
        self.world.callback_queries[query_id] = CallbackQueryRecord(
            id=query_id,
            chat_id=chat.id,
            message_id=message_id,
            user_id=user.id,
            data=callback_data,
            created=self.world.clock(),
        )
        update_id = self.world.enqueue_update(
            "callback_query",
            {
                "id": query_id,
                "from": user.to_api(),
                "message": self.world.message_api(message),
                "chat_instance": self.world.chat_instance(chat.id),
                "data": callback_data,
            },
        )
        return {"callback_query_id": query_id, "update_id": update_id}

    def new_topic(self, user: UserRecord, chat_id: int, name: str, color: int) -> JSON:
        chat = self.chat_for(user, chat_id)
        if not chat.is_forum:
            raise _bad(f"chat {chat_id} is not a forum")
        if not name.strip():
            raise _bad("topic name is empty")
        topic = create_topic(self.world, chat, user.to_api(), name.strip(), color)
        created = chat.messages[topic["message_thread_id"]]
        self.world.enqueue_update("message", self.world.message_api(created))
        return topic

    # ---- views -----------------------------------------------------------------------

    def chat_state(self, chat: ChatRecord) -> JSON:
        action = chat.chat_action
        if action and action["until"] < self.world.now():
            action = None
        return {
            "chat": chat.to_api(),
            "blocked": chat.blocked,
            "members": {str(uid): status for uid, status in chat.members.items()},
            "reply_keyboard": chat.reply_keyboard,
            "force_reply": chat.force_reply,
            "chat_action": action,
            "topics": [
                {**topic.to_api(), "closed": topic.closed} for topic in chat.topics.values()
            ],
            "menu_button": chat.menu_button or self.world.default_menu_button,
        }

    def commands_for(self, user: UserRecord, chat: ChatRecord) -> list[JSON]:
        """The command menu a Telegram client would show `user` in `chat`."""
        lang = (user.language_code or "")[:2]
        admin = chat.members.get(user.id) in ("creator", "administrator")
        if chat.is_group:
            scopes = [f"chat_member:{chat.id}:{user.id}"]
            if admin:
                scopes.append(f"chat_administrators:{chat.id}")
            scopes.append(f"chat:{chat.id}")
            if admin:
                scopes.append("all_chat_administrators")
            scopes += ["all_group_chats", "default"]
        else:
            scopes = [f"chat:{chat.id}", "all_private_chats", "default"]
        for scope in scopes:
            for code in (lang, ""):
                commands = self.world.commands.get((scope, code))
                if commands:
                    return commands
        return []


# ---- HTTP layer ------------------------------------------------------------------------


def _int_or_none(value: Any, name: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise _bad(f"{name} must be an integer") from None


def _wait(request: web.Request) -> float:
    raw = request.query.get("wait", "0")
    try:
        return min(max(float(raw), 0.0), MAX_WAIT)
    except ValueError:
        raise _bad("wait must be a number of seconds") from None


async def _json_body(request: web.Request) -> JSON:
    try:
        body = await request.json()
    except ValueError:
        raise _bad("the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise _bad("the body must be a JSON object")
    return body


def _chat_id(request: web.Request) -> int:
    value = _int_or_none(request.match_info["chat_id"], "chat_id")
    assert value is not None
    return value


@web.middleware
async def sim_errors(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        response: web.StreamResponse = await handler(request)
        return response
    except SimError as exc:
        return web.json_response({"error": exc.message}, status=exc.status)


class SimRoutes:
    """aiohttp handlers of /sim, bound to one world."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.sim = Simulator(world)

    def add_to(self, app: web.Application) -> None:
        r = app.router
        r.add_get("/sim/bot", self.get_bot)
        r.add_get("/sim/ui", self.get_ui)
        r.add_get("/sim/users", self.get_users)
        r.add_get("/sim/personas", self.get_personas)
        r.add_post("/sim/users", self.post_user)
        r.add_get("/sim/chats", self.get_chats)
        r.add_get("/sim/chats/{chat_id}", self.get_chat)
        r.add_get("/sim/chats/{chat_id}/messages", self.get_messages)
        r.add_get("/sim/chats/{chat_id}/changes", self.get_changes)
        r.add_get("/sim/chats/{chat_id}/commands", self.get_commands)
        r.add_post("/sim/chats/{chat_id}/block", self.post_block)
        r.add_post("/sim/chats/{chat_id}/topics", self.post_topic)
        r.add_post("/sim/chats/{chat_id}/migrate", self.post_migrate)
        r.add_post("/sim/messages", self.post_message)
        r.add_post("/sim/media", self.post_media)
        r.add_post("/sim/press", self.post_press)
        r.add_get("/sim/callback_answers", self.get_callback_answers)
        r.add_post("/sim/groups", self.post_group)
        r.add_get("/sim/faults", self.get_faults)
        r.add_post("/sim/faults", self.post_fault)
        r.add_delete("/sim/faults", self.delete_faults)
        r.add_get("/sim/stats", self.get_stats)
        r.add_get("/sim/updates", self.get_updates)
        r.add_get("/sim/files/{file_id}", self.get_file)

    async def get_bot(self, request: web.Request) -> web.Response:
        hook = self.world.webhook
        return web.json_response(
            {"bot": self.world.bot.to_api(), "webhook_url": hook.url if hook else None}
        )

    async def get_ui(self, request: web.Request) -> web.Response:
        locale = request.query.get("locale", "el")
        code, strings = ui_strings(locale)
        return web.json_response({"locale": code, "strings": strings})

    async def get_users(self, request: web.Request) -> web.Response:
        users = [u.to_api() for u in self.world.users.values()]
        for user in users:
            user.setdefault("language_code", None)
        return web.json_response({"users": users})

    async def get_personas(self, request: web.Request) -> web.Response:
        """The people the page offers to be: `{user, role, detail, chats}` each."""
        return web.json_response({"personas": self.world.personas})

    async def post_user(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        if not str(body.get("first_name") or "").strip() and body.get("id") is None:
            raise _bad("first_name is required")
        user = self.sim.user(body)
        return web.json_response({"user": user.to_api()})

    async def get_chats(self, request: web.Request) -> web.Response:
        user_id = _int_or_none(request.query.get("user_id"), "user_id")
        chats = []
        for chat in self.world.chats.values():
            if user_id is not None and chat.members.get(user_id) not in MEMBER_STATUSES:
                continue
            chats.append({**chat.to_api(), "blocked": chat.blocked})
        return web.json_response({"chats": chats})

    async def get_chat(self, request: web.Request) -> web.Response:
        chat = self.sim.existing_chat(_chat_id(request))
        return web.json_response(
            {**self.sim.chat_state(chat), "version": self.world.changes.version}
        )

    def _transcript(
        self, chat: ChatRecord, after: int, from_bot: bool | None
    ) -> list[MessageRecord]:
        return [
            m
            for m in chat.messages.values()
            if m.message_id > after and (from_bot is None or m.from_bot == from_bot)
        ]

    async def get_messages(self, request: web.Request) -> web.Response:
        """Transcript; with `wait`, hold until `count` matching messages exist after `after`.

        `after` defaults to 0; `after=last_user` means "after the last message a user sent".
        """
        chat_id = _chat_id(request)
        query = request.query
        chat = self.world.chats.get(chat_id)
        raw_after = query.get("after", "0")
        from_bot = {"1": True, "true": True, "0": False, "false": False}.get(
            query.get("from_bot", "").lower()
        )
        count = _int_or_none(query.get("count"), "count") or 1
        wait = _wait(request)
        # `after=last_user` is resolved once, so that the bot's answers stay "after" it.
        after = self._after(self.world.chats.get(chat_id), raw_after)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        while True:
            chat = self.world.chats.get(chat_id)
            found = self._transcript(chat, after, from_bot) if chat else []
            remaining = deadline - loop.time()
            if len(found) >= count or remaining <= 0:
                break
            await self.world.changes.wait_past(self.world.changes.version, remaining)
        if chat is None and wait == 0:
            raise SimError(404, f"chat {chat_id} not found")
        return web.json_response(
            {
                "messages": [message_view(self.world, m) for m in found],
                "version": self.world.changes.version,
                "after": after,
            }
        )

    @staticmethod
    def _after(chat: ChatRecord | None, raw: str) -> int:
        if raw == "last_user":
            if chat is None:
                return 0
            users = [m.message_id for m in chat.messages.values() if not m.from_bot]
            return max(users, default=0)
        value = _int_or_none(raw, "after")
        return value or 0

    async def get_changes(self, request: web.Request) -> web.Response:
        """What changed in one chat since `since` (a version): the web page's long poll.

        Answers as soon as anything in the world changed (chat-level state such as the
        typing status or the custom keyboard has no version of its own), or after `wait`.
        """
        chat_id = _chat_id(request)
        since = _int_or_none(request.query.get("since"), "since") or 0
        await self.world.changes.wait_past(since, _wait(request))
        chat = self.world.chats.get(chat_id)
        changed = [m for m in chat.messages.values() if m.version > since] if chat else []
        body: JSON = {
            "version": self.world.changes.version,
            "messages": [message_view(self.world, m) for m in changed],
            "callback_answers": [
                a
                for a in self.world.callback_answers
                if a["chat_id"] == chat_id and a["version"] > since
            ],
        }
        if chat is not None:
            body.update(self.sim.chat_state(chat))
        return web.json_response(body)

    async def get_commands(self, request: web.Request) -> web.Response:
        chat = self.sim.existing_chat(_chat_id(request))
        user_id = _int_or_none(request.query.get("user_id"), "user_id")
        user = self.world.users.get(user_id) if user_id is not None else None
        if user is None:
            raise _bad("user_id of a known user is required")
        return web.json_response({"commands": self.sim.commands_for(user, chat)})

    async def post_block(self, request: web.Request) -> web.Response:
        chat = self.sim.existing_chat(_chat_id(request))
        body = await _json_body(request)
        self.sim.set_blocked(chat, bool(body.get("blocked", True)))
        return web.json_response({"chat_id": chat.id, "blocked": chat.blocked})

    async def post_migrate(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        new_id = _int_or_none(body.get("new_chat_id"), "new_chat_id")
        chat = self.sim.migrate_group(_chat_id(request), new_id)
        return web.json_response({"chat": chat.to_api()})

    async def post_topic(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        user = self.sim.user(body.get("user"))
        topic = self.sim.new_topic(
            user,
            _chat_id(request),
            str(body.get("name") or ""),
            _int_or_none(body.get("icon_color"), "icon_color") or 0x6FB9F0,
        )
        return web.json_response({"topic": topic})

    async def post_message(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        user = self.sim.user(body.get("user"))
        result = self.sim.send_text(
            user,
            str(body.get("text") or ""),
            chat_id=_int_or_none(body.get("chat_id"), "chat_id"),
            reply_to=_int_or_none(body.get("reply_to"), "reply_to"),
            thread_id=_int_or_none(body.get("thread_id"), "thread_id"),
        )
        return web.json_response(result)

    async def post_media(self, request: web.Request) -> web.Response:
        if request.content_type != "multipart/form-data":
            raise _bad("send media as multipart/form-data with a 'file' part")
        fields: dict[str, str] = {}
        upload: tuple[str | None, str | None, bytes] | None = None
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader) or not part.name:
                continue
            data = bytes(await part.read(decode=True))
            if part.name == "file":
                upload = (part.filename, part.headers.get("Content-Type"), data)
            else:
                fields[part.name] = data.decode("utf-8")
        if upload is None:
            raise _bad("no 'file' part in the request")
        try:
            user_data = json.loads(fields.get("user", "null"))
        except ValueError:
            raise _bad("user must be a JSON object") from None
        user = self.sim.user(user_data)
        filename, content_type, data = upload
        result = self.sim.send_media(
            user,
            fields.get("kind", "document"),
            data,
            filename=fields.get("filename") or filename,
            mime_type=fields.get("mime_type") or content_type,
            caption=fields.get("caption"),
            media_group_id=fields.get("media_group_id") or None,
            chat_id=_int_or_none(fields.get("chat_id"), "chat_id"),
            reply_to=_int_or_none(fields.get("reply_to"), "reply_to"),
            thread_id=_int_or_none(fields.get("thread_id"), "thread_id"),
            duration=_int_or_none(fields.get("duration"), "duration") or 0,
        )
        return web.json_response(result)

    async def post_press(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        user = self.sim.user(body.get("user"))
        message_id = _int_or_none(body.get("message_id"), "message_id")
        data = body.get("callback_data")
        if message_id is None or not isinstance(data, str):
            raise _bad("message_id and callback_data are required")
        result = self.sim.press(
            user, message_id, data, chat_id=_int_or_none(body.get("chat_id"), "chat_id")
        )
        return web.json_response(result)

    async def get_callback_answers(self, request: web.Request) -> web.Response:
        """Answers to button presses; with `query_id` and `wait`, hold until it is answered."""
        chat_id = _int_or_none(request.query.get("chat_id"), "chat_id")
        query_id = request.query.get("query_id")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + _wait(request)
        while True:
            answers = [
                a
                for a in self.world.callback_answers
                if (chat_id is None or a["chat_id"] == chat_id)
                and (query_id is None or a["callback_query_id"] == query_id)
            ]
            remaining = deadline - loop.time()
            if answers or query_id is None or remaining <= 0:
                break
            await self.world.changes.wait_past(self.world.changes.version, remaining)
        return web.json_response({"answers": answers})

    async def post_group(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        user = self.sim.user(body.get("user"))
        chat_id = _int_or_none(body.get("chat_id"), "chat_id")
        if chat_id is None:
            raise _bad("chat_id is required")
        chat = self.sim.add_to_group(
            user,
            chat_id,
            str(body.get("title") or ""),
            is_forum=bool(body.get("is_forum", False)),
            status=str(body["status"]) if body.get("status") else None,
        )
        return web.json_response({"chat": chat.to_api()})

    async def get_faults(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "faults": {
                    method: [vars(f) for f in queue]
                    for method, queue in self.world.faults.items()
                    if queue
                }
            }
        )

    async def post_fault(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        method = str(body.get("method") or "")
        found = lookup(method)
        if found is None:
            raise _bad(f"unknown Bot API method {method!r}")
        kind = str(body.get("kind") or "")
        if kind not in FAULT_KINDS:
            raise _bad(f"kind must be one of {', '.join(FAULT_KINDS)}")
        count = _int_or_none(body.get("count"), "count") or 1
        retry_after = _int_or_none(body.get("retry_after"), "retry_after") or 1
        hang = float(body.get("hang_seconds") or 30.0)
        queue = self.world.faults.setdefault(found[0], deque())
        queue.extend(Fault(kind, retry_after, hang) for _ in range(count))
        return web.json_response({"method": found[0], "pending": len(queue)})

    async def delete_faults(self, request: web.Request) -> web.Response:
        self.world.faults.clear()
        return web.json_response({"faults": {}})

    async def get_stats(self, request: web.Request) -> web.Response:
        return web.json_response(self.world.stats.to_json())

    async def get_updates(self, request: web.Request) -> web.Response:
        return web.json_response({"pending": list(self.world.updates)})

    async def get_file(self, request: web.Request) -> web.Response:
        record = self.world.files.get(request.match_info["file_id"])
        if record is None:
            raise SimError(404, "file not found")
        headers = {}
        if record.file_name:
            headers["Content-Disposition"] = (
                f"inline; filename*=UTF-8''{quote(record.file_name, safe='')}"
            )
        return web.Response(
            body=record.data,
            content_type=record.mime_type or "application/octet-stream",
            headers=headers,
        )
