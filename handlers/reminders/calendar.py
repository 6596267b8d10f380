"""/calendar on Telegram: the screen of `bot.dialogs.reminders.calendar` ("cal:…" buttons).

The feed itself is served by `bot.calendar_feed`.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.dialogs.reminders.actions import (
    CalendarFile,
    RenewLink,
    RevokeLink,
    ShowCalendar,
    calendar,
)
from bot.dialogs.reminders.calendar import calendar_screen, feed_file
from bot.i18n import N_
from bot.services.reminders import calendar as service
from handlers import render
from handlers.common import PRIVATE, answer_query, edit_text
from handlers.context import CommandSpec, Context, KepliApp


def _user_id(update: Update) -> int:
    user = update.effective_user
    assert user is not None
    return user.id


async def _refresh(update: Update, context: Context) -> None:
    """The calendar screen in place of the pressed message (the query is answered)."""
    query = update.callback_query
    assert query is not None
    screen = await calendar_screen(context.tr, context.runtime, _user_id(update))
    await edit_text(context, query, screen.text, reply_markup=render.markup(screen))


async def show(update: Update, context: Context) -> None:
    screen = await calendar_screen(context.tr, context.runtime, _user_id(update))
    await render.show(update, context, screen)


async def send_file(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    user_id = _user_id(update)
    screen = await feed_file(context.runtime, user_id, context.tr)
    await answer_query(query)
    await render.send(context, user_id, screen)


async def renew(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    async with context.runtime.sessions() as session:
        await service.renew_token(session, _user_id(update), context.runtime.clock())
    await answer_query(
        query, context.tr.gettext("A new link is ready; the old one no longer works.")
    )
    await _refresh(update, context)


async def revoke(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    async with context.runtime.sessions() as session:
        await service.revoke_token(session, _user_id(update), context.runtime.clock())
    await answer_query(query, context.tr.gettext("The link no longer works."))
    await _refresh(update, context)


def register(app: KepliApp) -> None:
    app.bot_data.commands.add(
        CommandSpec("calendar", N_("The deadlines you follow in your calendar"), order=42)
    )
    app.add_handler(CommandHandler("calendar", show, filters=PRIVATE))
    for callback, action in (
        (show, ShowCalendar),
        (send_file, CalendarFile),
        (renew, RenewLink),
        (revoke, RevokeLink),
    ):
        app.add_handler(CallbackQueryHandler(callback, pattern=calendar.verb_pattern(action)))
