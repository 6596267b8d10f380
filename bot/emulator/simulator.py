"""The simulated users: what the /sim API does to the world (send text and files, press
buttons, join and leave groups, block the bot), and the views of messages it answers with.

The HTTP layer is `bot.emulator.sim_api`; the Python client is `bot.emulator.sim`.
"""

from __future__ import annotations

import secrets
from typing import Any

from bot.emulator.entities import detect_entities
from bot.emulator.markup import inline_callback_data
from bot.emulator.media import image_info
from bot.emulator.methods.base import MAX_CAPTION_LENGTH, MAX_TEXT_LENGTH
from bot.emulator.methods.chats import create_topic
from bot.emulator.state import (
    JSON,
    CallbackQueryRecord,
    ChatRecord,
    FileRecord,
    MessageRecord,
    UserRecord,
    World,
)

MEMBER_STATUSES = ("creator", "administrator", "member")


class SimError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def bad_input(message: str) -> SimError:
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
            raise bad_input("user must be an object with at least an id or a first_name")
        user_id = data.get("id")
        existing = self.world.users.get(user_id) if isinstance(user_id, int) else None
        if existing is None and not data.get("first_name"):
            raise bad_input("unknown user: give first_name to create one")
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
        raise bad_input(f"chat {chat.id} has no members")

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
            raise bad_input("group chat ids are negative")
        chat = self.world.chats.get(chat_id)
        if status is None:
            status = "creator" if chat is None else "member"
        if status not in (*MEMBER_STATUSES, "left", "kicked"):
            raise bad_input(f"unknown member status {status!r}")
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
            raise bad_input(f"chat {chat_id} is not a basic group")
        if new_id is None:
            new_id = int(f"-100{abs(chat_id)}")
        if new_id in self.world.chats or not str(new_id).startswith("-100"):
            raise bad_input(f"{new_id} cannot be the new supergroup's id")
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
                raise bad_input(f"message {reply_to} to reply to not found")
            reply_thread = replied.message_thread_id
        if not chat.is_forum:
            return reply_to, None
        thread = thread_id if thread_id is not None else reply_thread
        if thread is not None:
            topic = chat.topics.get(thread)
            if topic is None:
                raise bad_input(f"topic {thread} not found")
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
            raise bad_input("text is empty")
        if len(text) > MAX_TEXT_LENGTH:
            raise bad_input("text is longer than 4096 characters")
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
            raise bad_input("the file is empty")
        caption = (caption or "").strip() or None
        if caption and len(caption) > MAX_CAPTION_LENGTH:
            raise bad_input("caption is longer than 1024 characters")
        chat = self.chat_for(user, chat_id)
        content: JSON = {
            "caption": caption,
            "caption_entities": detect_entities(caption, []) if caption else [],
            "media_group_id": media_group_id,
        }
        if kind == "photo":
            info = image_info(data)
            if info is None:
                raise bad_input("the photo is not a PNG, JPEG, GIF, WebP or BMP image")
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
            raise bad_input(f"unknown media kind {kind!r}")
        return self._user_message(user, chat, reply_to, thread_id, **content)

    def press(
        self, user: UserRecord, message_id: int, callback_data: str, *, chat_id: int | None
    ) -> JSON:
        chat = self.chat_for(user, chat_id)
        message = chat.messages.get(message_id)
        if message is None or message.deleted:
            raise SimError(404, f"message {message_id} not found in chat {chat.id}")
        if callback_data not in inline_callback_data(message.reply_markup):
            raise bad_input(
                f"message {message_id} has no button with callback_data {callback_data!r}"
            )
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
            raise bad_input(f"chat {chat_id} is not a forum")
        if not name.strip():
            raise bad_input("topic name is empty")
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
