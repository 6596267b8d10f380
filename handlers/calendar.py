"""/calendar: a personal iCalendar feed URL of the followed deadlines, and the .ics file.

The URL (PUBLIC_BASE_URL/calendar/<token>.ics, served by `bot.calendar_feed`)
can be renewed (a new URL; the old one stops) or revoked. Without
PUBLIC_BASE_URL the bot offers the file only.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Final

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.i18n import N_, Translator, get_translator, pick_locale
from bot.services import reminders as reminder_service
from bot.services import users
from bot.services.reminders import calendar as service
from bot.services.reminders.calendar import CalendarEvent
from bot.services.reminders.deadlines import notes_of, title_of
from handlers.common import PRIVATE, answer_query, edit_text, menu_button, show_screen
from handlers.context import CommandSpec, Context, KepliApp, Runtime
from handlers.reminders import KIND_LABELS, rules_of

log = logging.getLogger(__name__)

FILE_NAME: Final = "keplibot-deadlines.ics"
# Past deadlines stay in the feed this long, so a calendar keeps the recent ones.
KEEP_PAST: Final = timedelta(days=30)


async def render_feed(runtime: Runtime, user_id: int, tr: Translator | None = None) -> bytes:
    """The .ics of what `user_id` follows, in their language (as the chat picks it)."""
    if tr is None:
        async with runtime.sessions() as session:
            user = await users.get_user(session, user_id)
        stored, telegram = (user.locale, user.telegram_language) if user else (None, None)
        tr = get_translator(pick_locale(stored, telegram, runtime.settings.default_locale))
    now = runtime.clock()
    async with runtime.sessions() as session:
        followed = await reminder_service.followed_deadlines(
            session, user_id, rules_of(runtime), since=now - KEEP_PAST
        )
    events = []
    for item in followed:
        d = item.deadline
        kind = tr.gettext(KIND_LABELS.get(d.kind, KIND_LABELS["other"]))
        notes = notes_of(d, tr.locale)
        events.append(
            CalendarEvent(
                uid=f"deadline-{d.id}@keplibot",
                start=d.due_at,
                summary=title_of(d, tr.locale),
                description="\n\n".join(p for p in (kind, notes, d.link or "") if p),
                categories=kind,
                url=d.link,
                sequence=d.revision - 1,
                modified=d.updated_at,
            )
        )
    name = tr.gettext("keplibot: deadlines")
    return service.build_ics(events, name=name, tz=runtime.settings.tz, now=now)


async def _screen(context: Context, user_id: int) -> tuple[str, InlineKeyboardMarkup]:
    tr = context.tr
    _ = tr.gettext
    runtime = context.runtime
    base = runtime.settings.public_base_url
    lines = [
        "📅 " + _("Your calendar"),
        "",
        _("The deadlines you follow can appear in your phone's calendar."),
    ]
    rows: list[list[InlineKeyboardButton]] = [
        [InlineKeyboardButton("📥 " + _("Download the .ics file"), callback_data="cal:file")]
    ]
    async with runtime.sessions() as session:
        subscription = await reminder_service.get_subscription(session, user_id, rules_of(runtime))
    if subscription is None or not subscription.active:
        # Else the link (or file) opens an empty calendar with no word why.
        lines += [
            "",
            _(
                "You follow no deadlines at the moment: follow them under Reminders, and "
                "they will appear here."
            ),
        ]
        rows.insert(0, [InlineKeyboardButton("⏰ " + _("Reminders"), callback_data="rem:show")])
    if base:
        async with runtime.sessions() as session:
            token = await service.active_token(session, user_id)
            if token is None and not await service.ever_had_token(session, user_id):
                token = await service.ensure_token(session, user_id, runtime.clock())
        if token is not None:
            lines += [
                "",
                _("Subscribe to this link in your calendar app, and it stays up to date:"),
                service.feed_url(base, token),
                "",
                _("The link is personal. If someone else got it, make a new one."),
            ]
            rows.append([InlineKeyboardButton("🔄 " + _("New link"), callback_data="cal:renew")])
            rows.append(
                [InlineKeyboardButton("⛔ " + _("Stop the link"), callback_data="cal:revoke")]
            )
        else:
            lines += ["", _("Your calendar link is stopped.")]
            rows.append(
                [InlineKeyboardButton("🔗 " + _("Make a link"), callback_data="cal:renew")]
            )
    else:
        lines += ["", _("Open the file to add the dates to your calendar.")]
    rows.append([menu_button(tr)])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


async def show(update: Update, context: Context) -> None:
    user = update.effective_user
    assert user is not None
    text, markup = await _screen(context, user.id)
    await show_screen(update, context, text, markup)


async def send_file(update: Update, context: Context) -> None:
    query = update.callback_query
    user = update.effective_user
    assert query is not None
    assert user is not None
    data = await render_feed(context.runtime, user.id, context.tr)
    await answer_query(query)
    await context.bot.send_document(
        user.id,
        InputFile(data, filename=FILE_NAME),
        caption=context.tr.gettext("Open it to add the dates to your calendar."),
    )


async def renew(update: Update, context: Context) -> None:
    query = update.callback_query
    user = update.effective_user
    assert query is not None
    assert user is not None
    async with context.runtime.sessions() as session:
        await service.renew_token(session, user.id, context.runtime.clock())
    await answer_query(
        query, context.tr.gettext("A new link is ready; the old one no longer works.")
    )
    text, markup = await _screen(context, user.id)
    await edit_text(context, query, text, reply_markup=markup)


async def revoke(update: Update, context: Context) -> None:
    query = update.callback_query
    user = update.effective_user
    assert query is not None
    assert user is not None
    async with context.runtime.sessions() as session:
        await service.revoke_token(session, user.id, context.runtime.clock())
    await answer_query(query, context.tr.gettext("The link no longer works."))
    text, markup = await _screen(context, user.id)
    await edit_text(context, query, text, reply_markup=markup)


def register(app: KepliApp) -> None:
    app.bot_data.commands.add(
        CommandSpec("calendar", N_("The deadlines you follow in your calendar"), order=42)
    )
    app.add_handler(CommandHandler("calendar", show, filters=PRIVATE))
    app.add_handler(CallbackQueryHandler(show, pattern=r"^cal:show$"))
    app.add_handler(CallbackQueryHandler(send_file, pattern=r"^cal:file$"))
    app.add_handler(CallbackQueryHandler(renew, pattern=r"^cal:renew$"))
    app.add_handler(CallbackQueryHandler(revoke, pattern=r"^cal:revoke$"))
