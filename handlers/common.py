"""Helpers every handler module shares: the locale middleware, safe sending, buttons.

- `remember_user` (group -1): records the user and picks their translator, so a
  handler just uses `context.tr`.
- `send_text` / `reply` / `edit_text`: split texts over Telegram's 4096
  characters, survive "message is not modified" and blocked users.
- `keyboard`, `cancel_button`, `menu_button`, `show_screen`: the shared buttons
  and screens. Multi-step flows are `handlers.flows.flow(...)`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Final

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ChatType, MessageLimit
from telegram.error import BadRequest, Forbidden
from telegram.ext import filters

from bot.dialogs.common import CancelFlow
from bot.dialogs.menu import MainMenu
from bot.i18n import Translator, get_translator, pick_locale
from bot.runtime import Runtime
from bot.services import users
from bot.services.storage import is_storage_failure
from bot.ui.actions import pack
from handlers.context import Context
from handlers.shown import digest

log = logging.getLogger(__name__)

# Teacher flows run in private chats only; groups get a pointer to the private chat.
PRIVATE: Final = filters.ChatType.PRIVATE

CANCEL_DATA: Final = pack(CancelFlow())
MENU_DATA: Final = pack(MainMenu())
TEXT_LIMIT: Final = int(MessageLimit.MAX_TEXT_LENGTH)

# --- the user's language ----------------------------------------------------------


async def remember_user(update: object, context: Context) -> None:
    """Locale middleware: record the user and choose the translator of this update.

    Private chats and button presses create or refresh the user's row (name,
    Telegram language, last seen: written only when one changed, last seen at most
    every few minutes; read only when not remembered, `bot.services.known`); in groups
    the bot only reads a stored choice, so that a staff group's members are not enrolled
    as users by chatting.
    """
    if not isinstance(update, Update):
        return
    user = update.effective_user
    settings = context.runtime.settings
    if user is None or user.is_bot:
        context.use_locale(settings.default_locale)
        return
    chat = update.effective_chat
    try:
        async with context.runtime.sessions() as session:
            if chat is None or chat.type == ChatType.PRIVATE:
                # A read, and a write only when something changed (users.note_seen).
                stored = await users.note_seen(
                    session,
                    telegram_id=user.id,
                    first_name=user.first_name,
                    last_name=user.last_name,
                    username=user.username,
                    language_code=user.language_code,
                    remembered=context.runtime.seen_users,
                )
            else:
                stored = await users.get_locale(session, user.id)
    except Exception as exc:
        if not is_storage_failure(exc):
            raise
        # The database cannot be written (or reached): answer anyway, in Telegram's
        # language; a handler that must store something says it could not.
        log.warning("could not record user %s: %s", user.id, exc)
        stored = None
    context.use_locale(pick_locale(stored, user.language_code, settings.default_locale))


async def translator_for_user(runtime: Runtime, telegram_id: int) -> Translator:
    """The translator of a user outside an update (jobs, notifications to others).

    Uses the stored choice, else the default locale (Telegram's language code is
    only known while the user is talking to the bot).
    """
    async with runtime.sessions() as session:
        stored = await users.get_locale(session, telegram_id)
    return get_translator(pick_locale(stored, None, runtime.settings.default_locale))


# --- sending ------------------------------------------------------------------------


def text_length(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji may count as two)."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Split `text` into chunks of at most `limit` characters (Telegram's count).

    Cuts between paragraphs if it can, else between lines, else between words, and
    only as a last resort inside a word. HTML callers keep each tag within a line.
    """
    if text_length(text) <= limit:
        return [text]
    chunks: list[str] = []
    rest = text
    while text_length(rest) > limit:
        cut = _cut_point(rest, limit)
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n ")
    if rest:
        chunks.append(rest)
    return [c for c in chunks if c]


def _cut_point(text: str, limit: int) -> int:
    # The longest prefix that fits, in Python characters.
    size = 0
    fit = 0
    for fit, char in enumerate(text):  # noqa: B007 - fit is used after the loop
        size += 2 if ord(char) > 0xFFFF else 1
        if size > limit:
            break
    window = text[:fit]
    for separator in ("\n\n", "\n", " "):
        position = window.rfind(separator)
        if position > limit // 4:  # a cut too early would make many tiny messages
            return position + len(separator)
    return fit


async def _note_blocked(context: Context, chat_id: int | str) -> None:
    if isinstance(chat_id, int) and chat_id > 0:
        async with context.runtime.sessions() as session:
            await users.mark_blocked(session, chat_id, True)
    log.info("chat %s has blocked the bot or is gone: message not delivered", chat_id)


def remember_shown(
    context: Context,
    message: Message | None,
    text: str,
    parse_mode: str | None,
    markup: InlineKeyboardMarkup | None,
) -> None:
    """Note what a message just sent or edited shows (see handlers.shown)."""
    if message is not None:
        context.runtime.shown.remember(
            message.chat_id, message.message_id, digest(text, parse_mode, markup)
        )


async def send_text(
    context: Context,
    chat_id: int | str,
    text: str,
    *,
    reply_markup: InlineKeyboardMarkup | None = None,
    parse_mode: str | None = None,
    **kwargs: Any,
) -> Message | None:
    """Send `text` (split if longer than Telegram allows; buttons on the last part).

    Returns the last message sent, or None when the user has blocked the bot (then
    the user is marked as blocked, and nothing is raised).
    """
    chunks = split_text(text)
    message: Message | None = None
    try:
        for index, chunk in enumerate(chunks):
            last = index == len(chunks) - 1
            markup = reply_markup if last else None
            message = await context.bot.send_message(
                chat_id, chunk, reply_markup=markup, parse_mode=parse_mode, **kwargs
            )
            remember_shown(context, message, chunk, parse_mode, markup)
    except Forbidden:
        await _note_blocked(context, chat_id)
        return None
    return message


async def reply(
    update: Update,
    context: Context,
    text: str,
    *,
    reply_markup: InlineKeyboardMarkup | None = None,
    parse_mode: str | None = None,
) -> Message | None:
    """Answer in the chat of `update` (see `send_text`)."""
    chat = update.effective_chat
    if chat is None:
        return None
    return await send_text(
        context, chat.id, text, reply_markup=reply_markup, parse_mode=parse_mode
    )


async def edit_text(
    context: Context,
    message: Message | CallbackQuery,
    text: str,
    *,
    reply_markup: InlineKeyboardMarkup | None = None,
    parse_mode: str | None = None,
) -> Message | None:
    """Replace the text of a bot message (e.g. the one whose button was pressed).

    Identical content ("message is not modified") is not an error; a message that
    can no longer be edited gets the text as a new message instead; a text over
    the limit fills the edited message and continues in new ones.
    """
    target = message.message if isinstance(message, CallbackQuery) else message
    if target is None or not isinstance(target, Message):
        # An inline-mode or too old message: nothing to edit, answer in a new one.
        chat_id = message.from_user.id if isinstance(message, CallbackQuery) else None
        if chat_id is None:
            return None
        return await send_text(
            context, chat_id, text, reply_markup=reply_markup, parse_mode=parse_mode
        )
    chunks = split_text(text)
    first_markup = reply_markup if len(chunks) == 1 else None
    content = digest(chunks[0], parse_mode, first_markup)
    shown = context.runtime.shown
    if len(chunks) == 1 and shown.unchanged(target.chat_id, target.message_id, content):
        return target  # it shows exactly this already: Telegram would refuse the edit
    try:
        edited = await context.bot.edit_message_text(
            chunks[0],
            chat_id=target.chat_id,
            message_id=target.message_id,
            reply_markup=first_markup,
            parse_mode=parse_mode,
        )
    except BadRequest as exc:
        reason = exc.message.lower()
        if "message is not modified" in reason:
            edited = target
        elif any(
            why in reason for why in ("can't be edited", "not found", "no text in the message")
        ):
            return await send_text(
                context, target.chat_id, text, reply_markup=reply_markup, parse_mode=parse_mode
            )
        else:
            raise
    except Forbidden:
        await _note_blocked(context, target.chat_id)
        return None
    shown.remember(target.chat_id, target.message_id, content)
    if len(chunks) > 1:
        return await send_text(
            context,
            target.chat_id,
            "\n\n".join(chunks[1:]),
            reply_markup=reply_markup,
            parse_mode=parse_mode,
        )
    return edited if isinstance(edited, Message) else target


async def answer_query(query: CallbackQuery, text: str | None = None, alert: bool = False) -> None:
    """Stop the button's spinner; a query already answered or too old is no error."""
    try:
        await query.answer(text=text, show_alert=alert)
    except BadRequest as exc:
        log.debug("callback query %s not answered: %s", query.id, exc.message)


# --- keyboards and flows -------------------------------------------------------------


def keyboard(rows: Sequence[Sequence[tuple[str, str]]]) -> InlineKeyboardMarkup:
    """An inline keyboard from rows of (label, callback_data)."""
    for row in rows:
        for _label, data in row:
            if len(data.encode()) > 64:
                raise ValueError(f"callback_data over 64 bytes: {data!r}")
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


def cancel_button(tr: Translator) -> InlineKeyboardButton:
    """The "Cancel" button of a flow; every `handlers.flows.Flow` handles it."""
    return InlineKeyboardButton("✖ " + tr.gettext("Cancel"), callback_data=CANCEL_DATA)


def menu_button(tr: Translator) -> InlineKeyboardButton:
    """A button that shows the main menu again."""
    return InlineKeyboardButton("« " + tr.gettext("Main menu"), callback_data=MENU_DATA)


async def show_screen(
    update: Update, context: Context, text: str, markup: InlineKeyboardMarkup | None
) -> None:
    """A screen opened by a command is a new message; opened by a button, it replaces the
    message whose button was pressed (one message per screen, not a growing chat)."""
    query = update.callback_query
    if query is None:
        await reply(update, context, text, reply_markup=markup)
        return
    await answer_query(query)
    await edit_text(context, query, text, reply_markup=markup)
