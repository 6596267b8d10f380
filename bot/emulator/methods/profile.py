"""The bot's profile: its commands per scope and language, texts and the menu button."""

from __future__ import annotations

import re

from bot.emulator.errors import bad_request
from bot.emulator.methods.base import (
    BotApi,
    Handler,
    api_method,
)
from bot.emulator.params import Params
from bot.emulator.state import (
    JSON,
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
_LANGUAGE_RE = re.compile(r"^[a-z]{2}$")

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
