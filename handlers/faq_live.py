"""What the chat shows under an FAQ answer that has a `live` part (see `LIVE_PARTS`).

`deadlines`: the next dates the bot knows for the asker (read-only, from the
reminders' data), or that it knows none yet; the answer's own button leads to
the reminders.
"""

from __future__ import annotations

import html

from telegram import Update

from bot.dialogs.reminders.wording import deadline_line
from bot.services.faq import FaqEntry
from bot.services.faq.deadlines import known_deadlines
from handlers.context import Context


async def live_text(update: Update, context: Context, entry: FaqEntry) -> str:
    """The entry's live part as Telegram HTML ("" when it has none)."""
    if entry.live == "deadlines":
        return await deadlines_text(update, context)
    return ""


async def deadlines_text(update: Update, context: Context) -> str:
    tr = context.tr
    _ = tr.gettext
    runtime = context.runtime
    now = runtime.clock()
    user = update.effective_user
    async with runtime.sessions() as session:
        known = await known_deadlines(session, user.id if user else None, now)
    if known.deadlines:
        lines = ["📅 <b>" + html.escape(_("The next dates I know of:")) + "</b>"]
        lines += [
            html.escape(deadline_line(tr, d, now, runtime.settings.tz)) for d in known.deadlines
        ]
    else:
        lines = [
            "📅 "
            + html.escape(
                _(
                    "I know of no upcoming dates yet. With reminders on, I will remind you of "
                    "each date as soon as it is entered."
                )
            )
        ]
    if known.elsewhere:
        lines.append(
            html.escape(
                tr.ngettext(
                    "{n} more date concerns particular directorates: choose your area in "
                    "Reminders to see yours.",
                    "{n} more dates concern particular directorates: choose your area in "
                    "Reminders to see yours.",
                    known.elsewhere,
                ).format(n=known.elsewhere)
            )
        )
    return "\n".join(lines)
