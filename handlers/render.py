"""Screens on Telegram: the one place where a channel-neutral `Screen` becomes Telegram calls.

A `bot.ui.Screen` carries text in the small markup subset (sent with
`parse_mode=HTML`, which takes it as it is), rows of buttons with typed actions
(packed into callback data by their feature's codec) or links, and files. The
helpers of `handlers.common` do the sending: long texts are split, a blocked
user is noted, an edit that would change nothing is skipped.
"""

from __future__ import annotations

from io import BytesIO

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.constants import ParseMode

from bot.ui import Button, Screen
from bot.ui.actions import pack
from handlers.common import answer_query, edit_text, reply, send_text
from handlers.context import Context


def button(b: Button) -> InlineKeyboardButton:
    """A Telegram inline button for `b` (its action packed, ≤ 64 bytes checked by the codec)."""
    if b.url is not None:
        return InlineKeyboardButton(b.label, url=b.url)
    assert b.action is not None  # a Button has one or the other
    return InlineKeyboardButton(b.label, callback_data=pack(b.action))


def markup(screen: Screen) -> InlineKeyboardMarkup | None:
    """The inline keyboard of `screen`, or None when it has no buttons."""
    if not screen.buttons:
        return None
    return InlineKeyboardMarkup([[button(b) for b in row] for row in screen.buttons])


def parse_mode(screen: Screen) -> str | None:
    return ParseMode.HTML if screen.markup else None


async def send_files(context: Context, chat_id: int, screen: Screen) -> None:
    """Send the files of `screen` (photos as photos, the rest as documents)."""
    for f in screen.files:
        document = f.ref if f.ref is not None else InputFile(BytesIO(f.data), filename=f.name)
        caption = f.caption or None
        if f.kind == "photo":
            await context.bot.send_photo(chat_id, document, caption=caption)
        else:
            await context.bot.send_document(chat_id, document, caption=caption)


async def send(context: Context, chat_id: int, screen: Screen) -> None:
    """Send `screen` as a new message (then its files) to `chat_id`."""
    if screen.text:
        await send_text(
            context,
            chat_id,
            screen.text,
            reply_markup=markup(screen),
            parse_mode=parse_mode(screen),
        )
    await send_files(context, chat_id, screen)


async def show(update: Update, context: Context, screen: Screen) -> None:
    """Show `screen` in answer to `update`.

    Opened by a command or a message it is a new message; opened by a button it
    replaces the message whose button was pressed (one message per screen).
    """
    query = update.callback_query
    chat = update.effective_chat
    if query is None:
        if screen.text:
            await reply(
                update,
                context,
                screen.text,
                reply_markup=markup(screen),
                parse_mode=parse_mode(screen),
            )
    else:
        await answer_query(query)
        if screen.text:
            await edit_text(
                context,
                query,
                screen.text,
                reply_markup=markup(screen),
                parse_mode=parse_mode(screen),
            )
    if screen.files and chat is not None:
        await send_files(context, chat.id, screen)
