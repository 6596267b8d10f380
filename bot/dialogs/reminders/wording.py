"""How the reminders word kinds, times and dates, in the reader's language and local time."""

from __future__ import annotations

from datetime import datetime
from typing import Final
from zoneinfo import ZoneInfo

from babel.lists import format_list

from bot.i18n import N_, Translator
from bot.services.reminders import ReminderRules
from bot.services.reminders.deadline_view import DeadlineView
from bot.services.reminders.deadlines import days_until, title_of
from bot.services.reminders.schedule import Offset

KIND_LABELS: Final = {
    "interest": N_("Expression of interest"),
    "meeting": N_("Teachers' association meeting"),
    "proposal": N_("Proposal to the directorate (ΔΔΕ)"),
    "other": N_("Other date"),
}
KIND_ICONS: Final = {"interest": "✋", "meeting": "👥", "proposal": "📨", "other": "📌"}


def kind_name(tr: Translator, kind: str) -> str:
    """`Expression of interest`, without its icon (the calendar's category)."""
    return tr.gettext(KIND_LABELS.get(kind, KIND_LABELS["other"]))


def kind_label(tr: Translator, kind: str) -> str:
    return f"{KIND_ICONS.get(kind, '')} {kind_name(tr, kind)}"


def offset_label(tr: Translator, offset: Offset) -> str:
    """`7 days before`, `the morning of the day`, `2 hours before`."""
    if offset.is_morning:
        return tr.gettext("on the morning of the day")
    if offset.days:
        return tr.ngettext("{n} day before", "{n} days before", offset.days).format(n=offset.days)
    return tr.ngettext("{n} hour before", "{n} hours before", offset.hours).format(n=offset.hours)


def long_when(tr: Translator, when: datetime, tz: ZoneInfo) -> str:
    """`Wednesday 15 September 2027, 14:00` in the reader's language and local time."""
    return tr.datetime(when, "EEEE d MMMM y, HH:mm", tzinfo=tz)


def short_when(tr: Translator, when: datetime, tz: ZoneInfo) -> str:
    """`Wed 15 Sep, 14:00`."""
    return tr.datetime(when, "EEE d MMM, HH:mm", tzinfo=tz)


def relative_when(tr: Translator, deadline: datetime, now: datetime, tz: ZoneInfo) -> str:
    """`Today at 14:00`, `Tomorrow at 14:00` or `In 7 days: Wednesday 15 September 2027, 14:00`."""
    days = (deadline.astimezone(tz).date() - now.astimezone(tz).date()).days
    at = tr.datetime(deadline, "HH:mm", tzinfo=tz)
    if days <= 0:
        return tr.gettext("Today at {time}").format(time=at)
    if days == 1:
        return tr.gettext("Tomorrow at {time}").format(time=at)
    return tr.ngettext("In {n} day: {when}", "In {n} days: {when}", days).format(
        n=days, when=long_when(tr, deadline, tz)
    )


def quiet_text(rules: ReminderRules) -> str:
    """`21:00–08:00`, or a dash when there are no quiet hours."""
    quiet = rules.schedule.quiet
    return str(quiet).replace("-", "–") if quiet else "—"


def default_times_text(tr: Translator, rules: ReminderRules) -> str:
    """When a new follower is reminded, from the settings (REMINDER_OFFSETS, REMINDER_MORNING,
    QUIET_HOURS): "By default 7 days before, 1 day before and on the morning of the day
    (08:00). No reminders in the quiet hours (21:00–08:00)."."""
    times = format_list(
        [
            tr.gettext("on the morning of the day ({time})").format(
                time=tr.time(rules.schedule.morning, "HH:mm")
            )
            if offset.is_morning
            else offset_label(tr, offset)
            for offset in rules.default_offsets
        ],
        locale=tr.locale,
    )
    text = tr.gettext("By default I remind you {times}.").format(times=times)
    if rules.schedule.quiet is not None:
        text += " " + tr.gettext("No reminders in the quiet hours ({quiet}).").format(
            quiet=quiet_text(rules)
        )
    return text


def deadline_line(tr: Translator, deadline: DeadlineView, now: datetime, tz: ZoneInfo) -> str:
    """`• Wed 15 Sep, 14:00 — title (in 5 days)` for lists."""
    days = days_until(deadline, now, tz)
    when = short_when(tr, deadline.due_at, tz)
    left = (
        tr.gettext("today")
        if days <= 0
        else tr.ngettext("in {n} day", "in {n} days", days).format(n=days)
    )
    return f"• {when} — {title_of(deadline, tr.locale)} ({left})"
