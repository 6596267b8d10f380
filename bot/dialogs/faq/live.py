"""What the chat shows under an FAQ answer that has a `live` part (see `LIVE_PARTS`).

`deadlines`: the next dates the bot knows for the asker (read-only, from the
reminders' data), or that it knows none yet; the answer's own button leads to
the reminders.
"""

from __future__ import annotations

import html
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.dialogs.reminders import Sessions
from bot.dialogs.reminders.wording import deadline_line
from bot.i18n import Translator
from bot.services.faq import FaqEntry
from bot.services.faq.deadlines import known_deadlines


async def live_text(
    tr: Translator,
    sessions: Sessions,
    entry: FaqEntry,
    user_id: int | None,
    now: datetime,
    tz: ZoneInfo,
) -> str:
    """The entry's live part, marked up ("" when it has none)."""
    if entry.live == "deadlines":
        return await deadlines_text(tr, sessions, user_id, now, tz)
    return ""


async def deadlines_text(
    tr: Translator, sessions: Sessions, user_id: int | None, now: datetime, tz: ZoneInfo
) -> str:
    _ = tr.gettext
    async with sessions() as session:
        known = await known_deadlines(session, user_id, now)
    if known.deadlines:
        lines = ["📅 <b>" + html.escape(_("The next dates I know of:")) + "</b>"]
        lines += [html.escape(deadline_line(tr, d, now, tz)) for d in known.deadlines]
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
