"""The calendar: a personal iCalendar feed URL of the followed deadlines, and the .ics file.

The URL (PUBLIC_BASE_URL/calendar/<token>.ics, served by `bot.calendar_feed`)
can be renewed (a new URL; the old one stops) or revoked. Without
PUBLIC_BASE_URL the bot offers the file only.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from bot.dialogs.menu import menu_button
from bot.dialogs.reminders.actions import CalendarFile, RenewLink, RevokeLink, ShowReminders
from bot.dialogs.reminders.wording import kind_name
from bot.i18n import Translator, get_translator, pick_locale
from bot.runtime import Runtime
from bot.services import reminders as reminder_service
from bot.services import users
from bot.services.reminders import FollowedDeadline, ReminderRules
from bot.services.reminders import calendar as service
from bot.services.reminders.calendar import CalendarEvent
from bot.services.reminders.deadlines import notes_of, title_of
from bot.ui import Button, File, Screen

FILE_NAME: Final = "keplibot-deadlines.ics"
# Past deadlines stay in the feed this long, so a calendar keeps the recent ones.
KEEP_PAST: Final = timedelta(days=30)


def feed_document(
    tr: Translator, followed: Sequence[FollowedDeadline], tz: ZoneInfo, now: datetime
) -> bytes:
    """The .ics of `followed`, worded for `tr`'s reader."""
    events = []
    for item in followed:
        d = item.deadline
        kind = kind_name(tr, d.kind)
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
    return service.build_ics(events, name=tr.gettext("keplibot: deadlines"), tz=tz, now=now)


async def render_feed(runtime: Runtime, user_id: int, tr: Translator | None = None) -> bytes:
    """The .ics of what `user_id` follows, in their language (as the chat picks it)."""
    settings = runtime.settings
    if tr is None:
        async with runtime.sessions() as session:
            user = await users.get_user(session, user_id)
        stored, telegram = (user.locale, user.telegram_language) if user else (None, None)
        tr = get_translator(pick_locale(stored, telegram, settings.default_locale))
    now = runtime.clock()
    async with runtime.sessions() as session:
        followed = await reminder_service.followed_deadlines(
            session, user_id, ReminderRules.from_settings(settings), since=now - KEEP_PAST
        )
    return feed_document(tr, followed, settings.tz, now)


async def feed_file(runtime: Runtime, user_id: int, tr: Translator) -> Screen:
    """The .ics file, as a screen with one document and no text."""
    data = await render_feed(runtime, user_id, tr)
    caption = tr.gettext("Open it to add the dates to your calendar.")
    return Screen("", files=(File(FILE_NAME, data, "text/calendar", caption),))


async def calendar_screen(tr: Translator, runtime: Runtime, user_id: int) -> Screen:
    """The link to subscribe to (made on first view), the file, renew and stop."""
    _ = tr.gettext
    base = runtime.settings.public_base_url
    lines = [
        "📅 " + _("Your calendar"),
        "",
        _("The deadlines you follow can appear in your phone's calendar."),
    ]
    rows: list[list[Button]] = [[Button("📥 " + _("Download the .ics file"), CalendarFile())]]
    rules = ReminderRules.from_settings(runtime.settings)
    async with runtime.sessions() as session:
        subscription = await reminder_service.get_subscription(session, user_id, rules)
    if subscription is None or not subscription.active:
        # Else the link (or file) opens an empty calendar with no word why.
        lines += [
            "",
            _(
                "You follow no deadlines at the moment: follow them under Reminders, and "
                "they will appear here."
            ),
        ]
        rows.insert(0, [Button("⏰ " + _("Reminders"), ShowReminders())])
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
            rows.append([Button("🔄 " + _("New link"), RenewLink())])
            rows.append([Button("⛔ " + _("Stop the link"), RevokeLink())])
        else:
            lines += ["", _("Your calendar link is stopped.")]
            rows.append([Button("🔗 " + _("Make a link"), RenewLink())])
    else:
        lines += ["", _("Open the file to add the dates to your calendar.")]
    rows.append([menu_button(tr)])
    return Screen.of("\n".join(lines), rows)
