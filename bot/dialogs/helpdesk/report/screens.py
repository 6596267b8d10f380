"""The fault report's screens: each question as a `Screen`, with « Back» and «✖ Cancel».

Every function here is pure: it takes the draft and what the screen needs to say
(`Env`) and returns an `Outcome` (the draft with the step recorded on its trail,
the step the conversation is in, the screen to show). Nothing is sent or stored.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from bot.dialogs.common import CancelFlow
from bot.dialogs.helpdesk.report.actions import (
    AttachmentsDone,
    Back,
    BackToSummary,
    ChooseCategory,
    ChooseUrgency,
    ClearAttachments,
    Edit,
    EditField,
    FollowDuplicate,
    KeepSchool,
    LastLab,
    NewFault,
    OtherSchool,
    Send,
    Skip,
)
from bot.i18n import N_, Translator
from bot.services.helpdesk.draft import ReportDraft
from bot.services.helpdesk.ticket_types import Category, TicketView, Urgency
from bot.ui import Button, Screen, escape


class Step(StrEnum):
    """The report's conversation states (their values are persisted: never rename)."""

    SCHOOL_CONFIRM = "school_confirm"
    SCHOOL = "school"
    LAB = "lab"
    CATEGORY = "category"
    EQUIPMENT = "equipment"
    DUPLICATE = "duplicate"
    DESCRIPTION = "description"
    ATTACHMENTS = "attachments"
    URGENCY = "urgency"
    CONFIRM = "confirm"
    EDIT = "edit"


@dataclass(frozen=True)
class Env:
    """What the report's screens need besides the draft: the teacher's translator, the
    helpdesk's labels (bound to that translator), the limits, the lab given last time."""

    tr: Translator
    category: Callable[[Category], str]
    urgency: Callable[[Urgency], str]
    duplicate_card: Callable[[TicketView], str]  # someone else's ticket, minimal
    too_large: Callable[[int | None], str]  # a file over the limit, its size in bytes
    description_max: int
    last_lab: str | None = None
    # Whether the channel has voice messages to offer (Teams' chats with a bot do not).
    voice: bool = True


@dataclass(frozen=True)
class Outcome:
    """The draft after a step, the conversation's state, and what to show (None: nothing,
    e.g. the rest of an album). `lab` is a lab/room to remember for next time."""

    draft: ReportDraft
    step: Step
    screen: Screen | None = None
    lab: str | None = None


@dataclass(frozen=True)
class FindDuplicate:
    """The next screen depends on whether an open report of this fault exists: the caller
    looks (`tickets.find_duplicate`) and calls `steps.after_equipment` with what it found."""

    draft: ReportDraft


Result = Outcome | FindDuplicate


def _rows(buttons: Sequence[Button], per_row: int) -> list[list[Button]]:
    return [list(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row)]


def question(
    env: Env,
    draft: ReportDraft,
    step: Step,
    text: str,
    rows: Sequence[Sequence[Button]] = (),
    *,
    back: bool = True,
) -> Outcome:
    """`step` on screen: its buttons, then « Back» (from the second step on) and «✖ Cancel»."""
    draft = draft.visit(step)
    _ = env.tr.gettext
    nav = []
    if back and len(draft.trail) > 1:
        nav.append(Button("« " + _("Back"), Back()))
    nav.append(Button("✖ " + _("Cancel"), CancelFlow()))
    return Outcome(draft, step, Screen.of(text, [*rows, nav], markup=True))


# --- the questions -------------------------------------------------------------------------------


def ask_school(env: Env, draft: ReportDraft, prefix: str = "") -> Outcome:
    _ = env.tr.gettext
    body = prefix + _(
        "🏫 Which school is the fault in? Send the school's 7-digit ministry code, "
        "or a few words of its name (e.g. «1ο γυμνάσιο αθηνών»)."
    )
    return question(env, draft, Step.SCHOOL, body)


def ask_school_confirm(env: Env, draft: ReportDraft, prefix: str = "") -> Outcome:
    _ = env.tr.gettext
    body = prefix + _("🏫 Your school: <b>{name}</b> ({code}). Is the fault there?").format(
        name=escape(draft.school_name), code=escape(draft.school_code)
    )
    row = [
        Button("✔ " + _("Yes"), KeepSchool()),
        Button("🏫 " + _("Another school"), OtherSchool()),
    ]
    return question(env, draft, Step.SCHOOL_CONFIRM, body, [row])


def ask_lab(env: Env, draft: ReportDraft, prefix: str = "") -> Outcome:
    _ = env.tr.gettext
    body = prefix + _("📍 Which lab or room? (e.g. «Εργαστήριο Πληροφορικής 1», «Αίθουσα 12»)")
    rows = [[Button("↩ " + env.last_lab[:40], LastLab())]] if env.last_lab else []
    return question(env, draft, Step.LAB, body, rows)


def ask_category(env: Env, draft: ReportDraft, prefix: str = "") -> Outcome:
    _ = env.tr.gettext
    buttons = [Button(env.category(c), ChooseCategory(c.value)) for c in Category]
    return question(
        env, draft, Step.CATEGORY, prefix + _("🧰 What is not working?"), _rows(buttons, 2)
    )


def ask_equipment(env: Env, draft: ReportDraft, prefix: str = "") -> Outcome:
    _ = env.tr.gettext
    body = prefix + _(
        "🔢 Which device is it? Write its number or asset tag (e.g. «PC-07»), "
        "or press «Skip» if it is not one device."
    )
    return question(env, draft, Step.EQUIPMENT, body, [[Button("⏭ " + _("Skip"), Skip())]])


def offer_duplicate(env: Env, draft: ReportDraft, duplicate: TicketView) -> Outcome:
    """An open report of the same fault: follow it instead? (a minimal card: never its
    description, names or history)."""
    _ = env.tr.gettext
    body = (
        _("There is already an open report of this fault:")
        + "\n\n"
        + env.duplicate_card(duplicate)
        + "\n\n"
        + _(
            "Follow it and add what you see, instead of opening a new one? You will then "
            "hear of every change to it."
        )
    )
    rows = [
        [Button("➕ " + _("Follow this ticket / add my report"), FollowDuplicate(duplicate.id))],
        [Button("🆕 " + _("No, this is a new fault"), NewFault())],
    ]
    return question(env, draft, Step.DUPLICATE, body, rows)


def ask_description(env: Env, draft: ReportDraft, prefix: str = "") -> Outcome:
    _ = env.tr.gettext
    rows = []
    so_far = escape(draft.description)
    if so_far and draft.editing:
        body = _("📝 Your description now: «{text}». Send the new description.").format(
            text=so_far
        )
    elif so_far:
        # Given already (a photo's caption, or before going back): offer to add, not ask again.
        body = _(
            "📝 Your description so far: «{text}». Send more to add to it, or press «Continue»."
        ).format(text=so_far)
        rows.append([Button("✔ " + _("Continue"), Skip())])
    elif draft.duplicate_of:
        if env.voice:
            body = _("📝 What would you like to add to {ref}? Write it, or send a voice message.")
        else:
            body = _("📝 What would you like to add to {ref}? Write it, or send a photo.")
        body = body.format(ref=escape(draft.duplicate_ref or ""))
    elif env.voice:
        body = _(
            "📝 Describe the fault in a few words: what happens, since when, what you tried. "
            "You can also send a voice message, or a photo with a caption."
        )
    else:
        body = _(
            "📝 Describe the fault in a few words: what happens, since when, what you tried. "
            "You can also send a photo."
        )
    if draft.attachments and not so_far:
        rows.append([Button("⏭ " + _("Skip: the photo says it all"), Skip())])
    return question(env, draft, Step.DESCRIPTION, prefix + body, rows)


def done_button(env: Env, draft: ReportDraft) -> Button:
    if draft.attachments:
        return Button("✔ " + env.tr.gettext("Done"), AttachmentsDone())
    return Button("⏭ " + env.tr.gettext("No photos"), AttachmentsDone())


def ask_attachments(env: Env, draft: ReportDraft, prefix: str = "") -> Outcome:
    _ = env.tr.gettext
    body = prefix + _(
        "📷 Send photos or files of the fault, if you have any (several are fine). "
        "When you are done, press «Done»."
    )
    rows = [[done_button(env, draft)]]
    if draft.editing and draft.attachments:
        rows.append([Button("🗑 " + _("Remove all photos and files"), ClearAttachments())])
    return question(env, draft, Step.ATTACHMENTS, body, rows)


def ask_urgency(env: Env, draft: ReportDraft, prefix: str = "") -> Outcome:
    _ = env.tr.gettext
    rows = [[Button(env.urgency(u), ChooseUrgency(u.value))] for u in Urgency]
    body = prefix + _("🚦 How much does it affect the lab?")
    return question(env, draft, Step.URGENCY, body, rows)


def summary_text(env: Env, draft: ReportDraft) -> str:
    tr = env.tr
    _ = tr.gettext
    lines = [
        _("<b>Please check your report</b>")
        if not draft.duplicate_of
        else _("<b>This will be added to {ref}</b>").format(ref=escape(draft.duplicate_ref or "")),
        f"🏫 {escape(draft.school_name)} ({escape(draft.school_code)})",
    ]
    place = [escape(draft.lab)] if draft.lab else []
    if draft.category:
        place.append(env.category(draft.category))
    if draft.equipment:
        place.append(escape(draft.equipment))
    lines.append("📍 " + " · ".join(place))
    if draft.urgency and not draft.duplicate_of:
        lines.append(env.urgency(draft.urgency))
    lines.append("📝 " + (escape(draft.description) or _("(no text)")))
    count = len(draft.attachments)
    if count:
        lines.append(tr.ngettext("📎 {n} attachment", "📎 {n} attachments", count).format(n=count))
    return "\n".join(lines)


def show_summary(env: Env, draft: ReportDraft, prefix: str = "") -> Outcome:
    _ = env.tr.gettext
    draft = draft.replace(editing=False)
    send = (
        "✅ " + _("Send")
        if not draft.duplicate_of
        else "✅ " + _("Add to {ref}").format(ref=draft.duplicate_ref)
    )
    # The draft's id rides on the buttons: pressed after the draft was sent (a double tap,
    # a restart), they find its ticket instead of doing nothing or sending it again.
    rows = [
        [Button(send, Send(draft.id))],
        [Button("✏️ " + _("Change something"), Edit(draft.id))],
    ]
    return question(env, draft, Step.CONFIRM, prefix + summary_text(env, draft), rows)


# key → (label, the question that changes it)
EDIT_FIELDS: Final[dict[str, tuple[str, Callable[[Env, ReportDraft, str], Outcome]]]] = {
    "school": (N_("School"), ask_school),
    "lab": (N_("Lab / room"), ask_lab),
    "category": (N_("Category"), ask_category),
    "equipment": (N_("Device"), ask_equipment),
    "description": (N_("Description"), ask_description),
    "photos": (N_("Photos and files"), ask_attachments),
    "urgency": (N_("Urgency"), ask_urgency),
}


def edit_menu(env: Env, draft: ReportDraft, prefix: str = "") -> Outcome:
    del prefix  # the menu is its own question
    _ = env.tr.gettext
    fields = [
        Button(_(label), EditField(key))
        for key, (label, _ask) in EDIT_FIELDS.items()
        if not (key == "urgency" and draft.duplicate_of)
    ]
    rows = [*_rows(fields, 2), [Button("« " + _("Back to the summary"), BackToSummary())]]
    # Its own «Back to the summary» instead of « Back».
    return question(env, draft, Step.EDIT, _("✏️ What would you like to change?"), rows, back=False)


Ask = Callable[[Env, ReportDraft, str], Outcome]

ASKS: Final[dict[Step, Ask]] = {
    Step.SCHOOL_CONFIRM: ask_school_confirm,
    Step.SCHOOL: ask_school,
    Step.LAB: ask_lab,
    Step.CATEGORY: ask_category,
    Step.EQUIPMENT: ask_equipment,
    Step.DESCRIPTION: ask_description,
    Step.ATTACHMENTS: ask_attachments,
    Step.URGENCY: ask_urgency,
    Step.CONFIRM: show_summary,
    Step.EDIT: edit_menu,
}


def ask(env: Env, draft: ReportDraft, step: Step, prefix: str = "") -> Result:
    """The question of `step` again (the duplicate offer is looked up again, as it was)."""
    if step is Step.DUPLICATE:
        return FindDuplicate(draft)
    return ASKS[step](env, draft, prefix)


def next_question(env: Env, draft: ReportDraft, step: Step, prefix: str = "") -> Result:
    """The next question, or back to the summary when a field was being changed."""
    if draft.editing:
        return show_summary(env, draft, prefix)
    return ask(env, draft, step, prefix)


def kept_text(env: Env, draft: ReportDraft) -> str:
    count = len(draft.attachments)
    return env.tr.ngettext(
        "📎 Kept ({n} photo or file so far).", "📎 Kept ({n} photos and files so far).", count
    ).format(n=count)


def unreadable_draft(tr: Translator) -> str:
    """A stored draft this version cannot read (`helpdesk_draft.Unreadable`): it is dropped."""
    return tr.gettext(
        "I could not read your unfinished fault report (the bot was updated), so it was "
        "dropped. Sorry: please start again with /report."
    )
