"""Managing deadlines (administrators and centre staff): the screens of the /deadlines flow.

The flow's "Cancel" button is the flow machinery's own: the channel adapter adds
it under the screens that have one (`cancel` in the handler).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Final
from zoneinfo import ZoneInfo

from bot.dialogs.reminders.actions import (
    AddDeadline,
    ConfirmDelete,
    DeadlineList,
    DeleteDeadline,
    EditField,
    EditKind,
    MoveDeadline,
    OpenDeadline,
    PickKind,
    PickScope,
    SameTitle,
    SaveDeadline,
)
from bot.dialogs.reminders.wording import deadline_line, kind_label, long_when
from bot.i18n import N_, Translator
from bot.services.reminders import KINDS
from bot.services.reminders.deadline_view import DeadlineView
from bot.services.reminders.deadlines import (
    DeadlineDraft,
    DeadlineError,
    ScopeChoice,
    title_of,
)
from bot.ui import Button, Screen

LIST_LIMIT: Final = 20
MAX_SCOPES: Final = 40  # area buttons on one screen

# Why a deadline could not be saved, by DeadlineError code.
PROBLEMS: Final = {
    "bad_date": N_("I could not read that date. Write it like 15/9/2027 14:00 (Greek time)."),
    "past": N_("That moment has already passed. Please give a future date."),
    "title_missing": N_("The title cannot be empty."),
    "title_too_long": N_("That is too long: a title has at most 200 characters."),
    "notes_too_long": N_("That is too long: notes have at most 2000 characters."),
    "bad_link": N_("That is not a web link. It must start with https://"),
    "bad_centre": N_("That support centre no longer exists."),
    "bad_directorate": N_("That directorate is not on the list."),
    "not_found": N_("That deadline no longer exists."),
}
# The text fields one can edit, and what to send for each.
FIELDS: Final = {
    "title_el": N_("Send the new title in Greek."),
    "title_en": N_("Send the new title in English."),
    "notes_el": N_("Send the notes in Greek (a dash - removes them)."),
    "notes_en": N_("Send the notes in English (a dash - removes them)."),
    "link": N_("Send the link, starting with https:// (a dash - removes it)."),
}
CLEARABLE: Final = frozenset({"notes_el", "notes_en", "link"})


def problem(tr: Translator, error: DeadlineError) -> str:
    return tr.gettext(PROBLEMS.get(error.code, N_("That cannot be saved.")))


def cleared(field: str, text: str) -> str | None:
    """The value typed for `field`: a lone dash clears notes ("") and the link (None)."""
    value = text.strip()
    if field in CLEARABLE and value in ("-", "–"):
        return "" if field != "link" else None
    return value


def refusal(tr: Translator) -> str:
    return tr.gettext("Deadlines are managed by administrators and support centre staff.")


def list_screen(
    tr: Translator, found: Sequence[DeadlineView], now: datetime, tz: ZoneInfo, notice: str = ""
) -> Screen:
    """The upcoming deadlines one may manage, a button each, and "New deadline"."""
    lines = [notice, ""] if notice else []
    lines.append("📅 " + tr.gettext("Upcoming deadlines"))
    if not found:
        lines.append(tr.gettext("There are no upcoming deadlines."))
    for deadline in found[:LIST_LIMIT]:
        lines.append(deadline_line(tr, deadline, now, tz))
    if len(found) > LIST_LIMIT:
        lines.append(tr.gettext("… and {n} more.").format(n=len(found) - LIST_LIMIT))
    rows = [[Button(title_of(d, tr.locale)[:60], OpenDeadline(d.id))] for d in found[:LIST_LIMIT]]
    rows.append([Button("➕ " + tr.gettext("New deadline"), AddDeadline())])
    return Screen.of("\n".join(lines), rows)


def scope_text(tr: Translator, deadline: DeadlineView, centre_name: str | None) -> str:
    if deadline.scope == "directorate" and deadline.directorate:
        return deadline.directorate
    if deadline.scope == "centre":
        return centre_name or tr.gettext("a support centre")
    return tr.gettext("Everyone")


def detail_screen(
    tr: Translator,
    deadline: DeadlineView,
    *,
    followers: int,
    centre_name: str | None,
    tz: ZoneInfo,
    notice: str = "",
) -> Screen:
    """One deadline in both languages, who follows it, and what can be changed."""
    _ = tr.gettext
    lines = [notice, ""] if notice else []
    lines += [
        f"🇬🇷 {deadline.title_el}",
        f"🇬🇧 {deadline.title_en}",
        kind_label(tr, deadline.kind),
        "🗓 " + long_when(tr, deadline.due_at, tz),
        "📍 " + scope_text(tr, deadline, centre_name),
    ]
    if deadline.notes_el:
        lines.append(f"📝 🇬🇷 {deadline.notes_el}")
    if deadline.notes_en:
        lines.append(f"📝 🇬🇧 {deadline.notes_en}")
    if deadline.link:
        lines.append(f"🔗 {deadline.link}")
    lines.append(
        tr.ngettext("{n} person follows it.", "{n} people follow it.", followers).format(
            n=followers
        )
    )
    rows = [
        [Button("✏️ " + _("Title (el)"), EditField("title_el")),
         Button("✏️ " + _("Title (en)"), EditField("title_en"))],
        [Button("📝 " + _("Notes (el)"), EditField("notes_el")),
         Button("📝 " + _("Notes (en)"), EditField("notes_en"))],
        [Button("🔗 " + _("Link"), EditField("link")), Button("🏷 " + _("Kind"), EditKind())],
        [Button("📆 " + _("Move the date"), MoveDeadline()),
         Button("🗑 " + _("Delete"), DeleteDeadline())],
        [Button("« " + _("All deadlines"), DeadlineList())],
    ]  # fmt: skip
    return Screen.of("\n".join(lines), rows)


def with_back(tr: Translator, text: str, deadline_id: int) -> Screen:
    """`text` with a "Back" button to the deadline."""
    return Screen.of(text, [[Button("« " + tr.gettext("Back"), OpenDeadline(deadline_id))]])


def field_prompt(tr: Translator, field: str, deadline_id: int) -> Screen:
    return with_back(tr, tr.gettext(FIELDS[field]), deadline_id)


def kinds_screen(tr: Translator, text: str, back_to: int | None) -> Screen:
    """The kinds as buttons; "Back" to deadline `back_to`, or none (the flow's Cancel)."""
    rows = [[Button(kind_label(tr, kind), PickKind(kind))] for kind in KINDS]
    if back_to is not None:
        rows.append([Button("« " + tr.gettext("Back"), OpenDeadline(back_to))])
    return Screen.of(text, rows)


def kind_question(tr: Translator) -> str:
    return tr.gettext("What kind of date is it?")


def date_hint(tr: Translator) -> str:
    return tr.gettext("Write the date and time in Greek time, e.g. 15/9/2027 14:00.")


def move_prompt(tr: Translator, deadline_id: int) -> Screen:
    text = "\n".join(
        [
            tr.gettext("When is the new date?"),
            date_hint(tr),
            tr.gettext("Everyone who follows it will be told once."),
        ]
    )
    return with_back(tr, text, deadline_id)


def delete_prompt(tr: Translator, deadline_id: int) -> Screen:
    return Screen.of(
        tr.gettext("Delete this deadline? Its reminders will not be sent."),
        [
            [Button("🗑 " + tr.gettext("Yes, delete it"), ConfirmDelete())],
            [Button("« " + tr.gettext("No, keep it"), OpenDeadline(deadline_id))],
        ],
    )


def add_kind_prompt(tr: Translator) -> Screen:
    return kinds_screen(tr, tr.gettext("New deadline (1/4). What kind of date is it?"), None)


def add_title_el_prompt(tr: Translator) -> Screen:
    return Screen(tr.gettext("New deadline (2/4). Send its title in Greek."))


def add_title_en_prompt(tr: Translator) -> Screen:
    return Screen.of(
        tr.gettext("And the title in English?"),
        [[Button(tr.gettext("Same as the Greek"), SameTitle())]],
    )


def add_when_prompt(tr: Translator) -> Screen:
    return Screen(tr.gettext("New deadline (3/4). When is it?") + "\n" + date_hint(tr))


def scope_screen(tr: Translator, choices: Sequence[ScopeChoice]) -> Screen:
    rows = [
        [Button(c.label or tr.gettext("Everyone"), PickScope(index))]
        for index, c in enumerate(choices[:MAX_SCOPES])
    ]
    return Screen.of(tr.gettext("New deadline (4/4). Who is it for?"), rows)


def confirm_screen(tr: Translator, draft: DeadlineDraft, scope: str, tz: ZoneInfo) -> Screen:
    """The new deadline as it will be saved; `scope` None-free: "Everyone" or the area."""
    assert draft.due_at is not None
    text = "\n".join(
        [
            tr.gettext("Save this deadline?"),
            "",
            f"🇬🇷 {draft.title_el}",
            f"🇬🇧 {draft.title_en}",
            kind_label(tr, draft.kind),
            "🗓 " + long_when(tr, draft.due_at, tz),
            "📍 " + scope,
            "",
            tr.gettext("Notes and a link can be added after saving."),
        ]
    )
    return Screen.of(text, [[Button("✅ " + tr.gettext("Save"), SaveDeadline())]])


def everyone(tr: Translator) -> str:
    return tr.gettext("Everyone")
