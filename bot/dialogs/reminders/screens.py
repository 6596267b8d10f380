"""The reminders' screens: what one follows, kinds, times, area; and a reminder itself.

Every screen is one message that changes as its buttons are pressed; every reminder
carries a one-tap "Stop these reminders" button.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Final
from zoneinfo import ZoneInfo

from bot.dialogs.menu import menu_button
from bot.dialogs.reminders import Sessions
from bot.dialogs.reminders.actions import (
    AreaFromSchool,
    AreaPage,
    ChooseArea,
    Follow,
    Kinds,
    ShowCalendar,
    ShowReminders,
    StopFromReminder,
    StopReminders,
    Times,
    ToggleKind,
    ToggleTime,
)
from bot.dialogs.reminders.wording import (
    KIND_LABELS,
    default_times_text,
    kind_label,
    long_when,
    offset_label,
    quiet_text,
    relative_when,
    short_when,
)
from bot.i18n import Translator
from bot.services import reminders as service
from bot.services.reminders import AreaChoice, ReminderRules, SubscriptionView
from bot.services.reminders.deadlines import notes_of, title_of
from bot.services.reminders.delivery import DueReminder
from bot.ui import Button, Screen

AREA_PAGE: Final = 8  # area buttons per screen


# --- a reminder -------------------------------------------------------------------------


def reminder_text(tr: Translator, reminder: DueReminder, tz: ZoneInfo) -> str:
    d = reminder.deadline
    title = title_of(d, tr.locale)
    if reminder.is_move_notice:
        lines = [
            "📅 " + tr.gettext("New date: {title}").format(title=title),
            tr.gettext("Now: {when}").format(when=long_when(tr, d.due_at, tz)),
        ]
        if d.previous_due_at is not None:
            lines.append(
                tr.gettext("Before: {when}").format(when=long_when(tr, d.previous_due_at, tz))
            )
    else:
        lines = [
            "⏰ " + tr.gettext("Reminder: {title}").format(title=title),
            relative_when(tr, d.due_at, reminder.now, tz),
        ]
    lines += ["", kind_label(tr, d.kind)]
    notes = notes_of(d, tr.locale)
    if notes:
        lines.append(notes)
    if d.link:
        lines.append(d.link)
    return "\n".join(lines)


def reminder_screen(tr: Translator, reminder: DueReminder, tz: ZoneInfo) -> Screen:
    """The reminder as sent: plain text (titles and notes are the staff's own words)."""
    stop = Button("🔕 " + tr.gettext("Stop these reminders"), StopFromReminder())
    return Screen.of(reminder_text(tr, reminder, tz), [[stop]])


def stopped_from_reminder(tr: Translator, reminder_text: str) -> Screen:
    """The reminder whose stop button was pressed, with the way back."""
    return Screen.of(
        f"{reminder_text}\n\n🔕 " + tr.gettext("You will get no more reminders."),
        [[Button("🔔 " + tr.gettext("Follow again"), Follow())]],
    )


# --- what one follows ------------------------------------------------------------------


def _kinds_text(tr: Translator, view: SubscriptionView) -> str:
    if view.all_kinds:
        return tr.gettext("all the deadlines that concern you")
    return ", ".join(tr.gettext(KIND_LABELS[k]) for k in service.KINDS if k in view.kinds)


def _not_following(tr: Translator, rules: ReminderRules) -> Screen:
    _ = tr.gettext
    text = "\n".join(
        [
            "⏰ " + _("Reminders"),
            "",
            _(
                "I can remind you of the dates of the lab manager selection: the "
                "expression of interest, the teachers' association meeting and the "
                "proposal to the directorate."
            ),
            default_times_text(tr, rules),
        ]
    )
    return Screen.of(
        text,
        [
            [Button("🔔 " + _("Follow all deadlines"), Follow())],
            [Button(_("Choose which kinds"), Kinds())],
            [menu_button(tr)],
        ],
    )


async def status_screen(
    tr: Translator,
    sessions: Sessions,
    rules: ReminderRules,
    user_id: int,
    now: datetime,
) -> Screen:
    """What `user_id` follows and the next dates, or the offer to follow."""
    _ = tr.gettext
    async with sessions() as session:
        view = await service.get_subscription(session, user_id, rules)
        if view is None or not view.active:
            return _not_following(tr, rules)
        followed = await service.followed_deadlines(session, user_id, rules, since=now, limit=5)
        label = await service.area_label(session, view.area)
        has_choices = bool(await service.area_choices(session))
    lines = [
        "⏰ " + _("Your reminders"),
        "",
        _("You follow: {what}").format(what=_kinds_text(tr, view)),
        _("Reminder times: {times}").format(
            times=", ".join(offset_label(tr, o) for o in view.offsets)
        ),
    ]
    if label and view.area.source == "school":
        lines.append(
            _("Area: {area} (from the school you set for fault reports)").format(area=label)
        )
    elif label and view.area.source == "chosen":
        lines.append(_("Area: {area}").format(area=label))
    elif has_choices:
        lines.append(_("Area: not set, so only the dates for everyone reach you."))
    lines.append("")
    if followed:
        lines.append(_("Next dates:"))
        for item in followed:
            d = item.deadline
            lines.append(f"• {short_when(tr, d.due_at, rules.tz)} — {title_of(d, tr.locale)}")
    else:
        lines.append(_("No upcoming dates yet. I will tell you as soon as there are."))
    return Screen.of(
        "\n".join(lines),
        [
            [Button("🏷 " + _("Kinds"), Kinds()), Button("🕗 " + _("Times"), Times())],
            [Button("📍 " + _("Area"), AreaPage(0))] if has_choices else [],
            [Button("📅 " + _("Calendar"), ShowCalendar())],
            [Button("🔕 " + _("Stop reminders"), StopReminders())],
            [menu_button(tr)],
        ],
    )


def with_notice(notice: str, screen: Screen) -> Screen:
    """`screen` with `notice` and a blank line above its text."""
    return Screen(f"{notice}\n\n{screen.text}", screen.buttons, screen.files, screen.markup)


# --- kinds, times, area -------------------------------------------------------------------


def kinds_screen(tr: Translator, view: SubscriptionView | None) -> Screen:
    """The kinds to follow; `view` None: not following yet (a tap follows that kind)."""
    if view is None:
        followed: set[str] = set()
    else:
        followed = set(service.KINDS) if view.all_kinds else set(view.kinds)
    rows = [
        [Button(("✅ " if kind in followed else "▫️ ") + kind_label(tr, kind), ToggleKind(kind))]
        for kind in service.KINDS
    ]
    rows.append([Button("« " + tr.gettext("Done"), ShowReminders())])
    return Screen.of(tr.gettext("Which deadlines should I remind you of? Tap to change."), rows)


def times_screen(tr: Translator, view: SubscriptionView, rules: ReminderRules) -> Screen:
    _ = tr.gettext
    text = _("When should I remind you? Tap to change.")
    if rules.schedule.quiet is not None:  # QUIET_HOURS=off: no night to wait through
        text += "\n" + _(
            "At night ({quiet}) I wait until the morning, unless that would be too late."
        ).format(quiet=quiet_text(rules))
    chosen = {o.code for o in view.offsets}
    rows = [
        [Button(("✅ " if o.code in chosen else "▫️ ") + offset_label(tr, o), ToggleTime(o.code))]
        for o in service.choosable_offsets()
    ]
    rows.append([Button("« " + _("Done"), ShowReminders())])
    return Screen.of(text, rows)


def area_question(tr: Translator) -> str:
    return tr.gettext(
        "Where do you work? Choose your directorate, so that the dates your support "
        "centre announces reach you too."
    )


def area_buttons(
    tr: Translator, choices: Sequence[AreaChoice], page: int, from_school: bool
) -> list[list[Button]]:
    start = page * AREA_PAGE
    rows = [
        [Button(choice.label, ChooseArea(choice.kind, choice.id))]
        for choice in choices[start : start + AREA_PAGE]
    ]
    nav = []
    if page > 0:
        nav.append(Button("‹ " + tr.gettext("Previous"), AreaPage(page - 1)))
    if start + AREA_PAGE < len(choices):
        nav.append(Button(tr.gettext("Next") + " ›", AreaPage(page + 1)))
    rows.append(nav)
    if from_school:
        rows.append([Button("🏫 " + tr.gettext("From my school"), AreaFromSchool())])
    rows.append([Button("« " + tr.gettext("Skip"), ShowReminders())])
    return rows


def area_screen(
    tr: Translator, choices: Sequence[AreaChoice], page: int, from_school: bool
) -> Screen:
    return Screen.of(area_question(tr), area_buttons(tr, choices, page, from_school))


def after_follow(
    tr: Translator, status: Screen, view: SubscriptionView, choices: Sequence[AreaChoice]
) -> Screen:
    """The status after following; with the area question when the area is unknown."""
    if view.area.known or not choices:
        return status
    return Screen.of(
        status.text + "\n\n" + area_question(tr), area_buttons(tr, choices, 0, from_school=False)
    )
