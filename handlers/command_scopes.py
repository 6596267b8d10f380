"""Which commands each chat's menu shows (setMyCommands): everyone's commands everywhere, staff
and administrator commands only in the chats of the people who have those roles.

- At start (`publish_commands`): everyone's commands for every private chat and every group,
  in each locale; then each administrator's and staff member's own list
  (`BotCommandScopeChat` of their private chat), and the staff groups' lists.
- When a person becomes staff (an invite), stops being staff (removed), or chooses a
  language: that person's list again (`sync_user`).
- Telegram refuses a list for a chat that does not exist yet (an administrator who has not
  opened the bot): such people get theirs on their first message (`catch_up`).

A person's own list comes in their chosen language; with no choice, one list per locale
(Telegram shows the one of the app's language) and the default locale's for the rest.
"""

from __future__ import annotations

import logging
from typing import Any, Final, Literal

from telegram import (
    Bot,
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    Update,
)
from telegram.error import TelegramError
from telegram.ext import Application, TypeHandler

from bot.i18n import LOCALES, get_translator
from bot.runtime import Runtime
from bot.services import roles as roles_service
from bot.services import users
from bot.services.roles import Roles
from handlers.context import BotData, CommandRegistry, Context, KepliApp

log = logging.getLogger(__name__)

NOBODY: Roles = frozenset()
# user_data: the roles whose commands this person's chat was given (so that the list is
# taken back at start from someone who stopped being staff while the bot was not running).
ROLES_KEY: Final = "command_roles"

AnyApp = Application[Any, Any, Any, Any, BotData, Any]


def command_list(
    registry: CommandRegistry,
    locale: str,
    chat_type: Literal["private", "group"] = "private",
    roles: Roles = NOBODY,
) -> list[BotCommand]:
    """The commands of a chat type for `roles`, described in `locale`, for setMyCommands."""
    tr = get_translator(locale)
    return [
        BotCommand(c.name, tr.gettext(c.description)) for c in registry.for_chat(chat_type, roles)
    ]


async def roles_of(runtime: Runtime, user_id: int) -> Roles:
    async with runtime.sessions() as session:
        return await roles_service.roles_of(session, runtime.settings, user_id)


async def _set_chat(
    bot: Bot,
    registry: CommandRegistry,
    chat_id: int,
    chat_type: Literal["private", "group"],
    roles: Roles,
    chosen: str | None,
    default: str,
) -> None:
    """The command lists of one chat: per locale (or one in the chosen language), or none."""
    scope = BotCommandScopeChat(chat_id)
    own = bool(roles) or chosen is not None
    for locale in LOCALES:
        if own and chosen is None:
            commands = command_list(registry, locale, chat_type, roles)
            await bot.set_my_commands(commands, scope=scope, language_code=locale)
        else:
            await bot.delete_my_commands(scope=scope, language_code=locale)
    if own:
        commands = command_list(registry, chosen or default, chat_type, roles)
        await bot.set_my_commands(commands, scope=scope)
    else:
        await bot.delete_my_commands(scope=scope)


async def _sync(app: AnyApp, user_id: int, waiting: set[int]) -> None:
    runtime = app.bot_data.runtime
    async with runtime.sessions() as session:
        roles = await roles_service.roles_of(session, runtime.settings, user_id)
        chosen = await users.get_locale(session, user_id)
    default = runtime.settings.default_locale
    registry = app.bot_data.commands
    try:
        await _set_chat(app.bot, registry, user_id, "private", roles, chosen, default)
    except TelegramError as exc:
        log.info("commands of chat %s not set (yet): %s", user_id, exc)
        if roles:
            waiting.add(user_id)
        return
    waiting.discard(user_id)
    data = app.user_data[user_id]
    if roles:
        data[ROLES_KEY] = sorted(roles)
    elif data.pop(ROLES_KEY, None) is None:
        return
    app.mark_data_for_update_persistence(user_ids=user_id)


async def sync_user(context: Context, user_id: int) -> None:
    """Publish `user_id`'s own command list (after a role or language change)."""
    await _sync(context.application, user_id, context.bot_data.commands_waiting)


async def sync_staff_chat(context: Context, chat_id: int) -> None:
    """A group became a centre's staff chat: its members see the staff commands there."""
    runtime = context.runtime
    try:
        await _set_chat(
            context.bot,
            context.bot_data.commands,
            chat_id,
            "group",
            frozenset({roles_service.STAFF}),
            None,
            runtime.settings.default_locale,
        )
    except TelegramError as exc:
        log.warning("could not set the commands of staff chat %s: %s", chat_id, exc)


async def publish_commands(app: KepliApp) -> None:
    """At start: everyone's lists, then the administrators', staff's and staff groups' own.

    Telegram shows the list of the user's app language; other languages get the
    default list, in DEFAULT_LOCALE. A failure is logged: the bot works without it.
    """
    registry = app.bot_data.commands
    runtime = app.bot_data.runtime
    default = runtime.settings.default_locale
    scopes: list[tuple[BotCommandScope, Literal["private", "group"]]] = [
        (BotCommandScopeAllPrivateChats(), "private"),
        (BotCommandScopeAllGroupChats(), "group"),
    ]
    try:
        await app.bot.set_my_commands(
            command_list(registry, default), scope=BotCommandScopeDefault()
        )
        for scope, kind in scopes:
            await app.bot.set_my_commands(command_list(registry, default, kind), scope=scope)
            for locale in LOCALES:
                await app.bot.set_my_commands(
                    command_list(registry, locale, kind), scope=scope, language_code=locale
                )
    except TelegramError as exc:
        log.warning("could not publish the command list: %s", exc)
        return
    async with runtime.sessions() as session:
        people = await roles_service.privileged_users(session, runtime.settings)
        groups = await roles_service.staff_chats(session)
    waiting = app.bot_data.commands_waiting
    # And those who had a privileged list and lost the role while the bot was not running.
    former = {user_id for user_id, data in app.user_data.items() if data.get(ROLES_KEY)}
    async with runtime.sessions() as session:
        # Someone who never wrote to the bot has no private chat with it yet: Telegram
        # would refuse their list ("chat not found"), so it waits for their first message.
        met = await users.existing_ids(session, set(people) | former)
    for user_id in sorted(set(people) | former):
        if user_id in met:
            await _sync(app, user_id, waiting)
        elif user_id in people:
            waiting.add(user_id)
    staff = frozenset({roles_service.STAFF})
    for chat_id in groups:
        try:
            await _set_chat(app.bot, registry, chat_id, "group", staff, None, default)
        except TelegramError as exc:
            log.warning("could not set the commands of staff chat %s: %s", chat_id, exc)


async def catch_up(update: object, context: Context) -> None:
    """The first message of a privileged person whose chat did not exist at start."""
    if not isinstance(update, Update) or update.effective_user is None:
        return
    waiting = context.bot_data.commands_waiting
    user_id = update.effective_user.id
    chat = update.effective_chat
    # Only from their private chat, which then exists (not e.g. from a group they are in).
    if user_id in waiting and chat is not None and chat.id == user_id:
        waiting.discard(user_id)  # tried once more: a failure again is only logged
        await _sync(context.application, user_id, set())


def register(app: KepliApp) -> None:
    """Group -3 (every middleware needs a group of its own: in one group only the first
    matching handler runs): after the replay guard (-10), before the audit's author (-2)
    and the locale middleware (-1)."""
    app.add_handler(TypeHandler(Update, catch_up), group=-3)
