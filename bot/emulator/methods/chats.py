"""Chats: getChat, members and administrators, leaving, pins and forum topics."""

from __future__ import annotations

from bot.emulator.errors import bad_request
from bot.emulator.methods.base import (
    BotApi,
    api_method,
)
from bot.emulator.params import Params
from bot.emulator.state import (
    JSON,
    ChatRecord,
    MessageRecord,
    TopicRecord,
    World,
)

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
