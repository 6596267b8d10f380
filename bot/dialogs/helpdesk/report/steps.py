"""The fault report's steps: (draft, what the teacher sent) → (new draft, state, screen).

Channel-neutral and pure: the caller (the Telegram adapter, `handlers.helpdesk.report`)
unpacks a message or a button into the typed input (`Media`, text, an action),
looks up what a step needs from the services (a school search, an open report
of the same fault), calls the step here and shows the outcome's screen. A bad
answer is explained and the question asked again; nothing entered is lost.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.dialogs.helpdesk.report.actions import (
    ChooseCategory,
    ChooseSchool,
    ChooseUrgency,
    EditField,
    category_of,
    urgency_of,
)
from bot.dialogs.helpdesk.report.screens import (
    ASKS,
    EDIT_FIELDS,
    Env,
    FindDuplicate,
    Outcome,
    Result,
    Step,
    ask,
    ask_attachments,
    ask_category,
    ask_description,
    ask_equipment,
    ask_lab,
    ask_school,
    ask_school_confirm,
    ask_urgency,
    done_button,
    edit_menu,
    kept_text,
    next_question,
    offer_duplicate,
    question,
    show_summary,
)
from bot.services.helpdesk.draft import FileProblem, Missing, ReportDraft
from bot.services.helpdesk.schools import SchoolInfo, SearchOutcome, SearchResult
from bot.services.helpdesk.ticket_types import (
    MAX_ATTACHMENTS,
    MAX_EQUIPMENT_CHARS,
    MAX_LAB_CHARS,
    Category,
    NewAttachment,
    TicketView,
    Urgency,
)
from bot.services.text_clean import clean_text
from bot.ui import Button, Screen, escape


@dataclass(frozen=True)
class Media:
    """A photo, file or voice note the teacher sent (`attachment` None: something the
    helpdesk cannot keep, e.g. a sticker). `album`: its media group, if any."""

    attachment: NewAttachment | None
    caption: str = ""
    album: str | None = None
    voice: bool = False


def _note(text: str) -> str:
    return text + "\n\n"


# --- entry ---------------------------------------------------------------------------------------


def start(env: Env, school: SchoolInfo | None, prefix: str = "") -> Outcome:
    """A fresh draft, with the remembered school if there is one (then asked to confirm)."""
    draft = ReportDraft()
    if school is None:
        return ask_school(env, draft, prefix)
    draft = draft.replace(school_id=school.id, school_name=school.name, school_code=school.code)
    return ask_school_confirm(env, draft, prefix)


def refuse_first_file(env: Env, media: Media) -> str | None:
    """Why a file sent outside any flow does not start a report (None: it does)."""
    if media.attachment is None:
        return None
    if ReportDraft().file_problem(media.attachment) is FileProblem.TOO_LARGE:
        return env.too_large(media.attachment.file_size)
    return None


def start_with_media(env: Env, school: SchoolInfo | None, media: Media) -> Outcome:
    """A photo, file or voice note sent outside any flow starts a report that keeps it."""
    assert media.attachment is not None
    _ = env.tr.gettext
    draft = ReportDraft().with_attachment(media.attachment).replace(album=media.album)
    if media.caption:
        draft = draft.replace(description=clean_text(media.caption).strip()[: env.description_max])
    if draft.description:
        kept = _("📎 I kept it, and its caption as the description. Let us report the fault.")
    else:
        kept = _("📎 I kept it. Let us report the fault.")
    if school is not None:
        draft = draft.replace(
            school_id=school.id, school_name=school.name, school_code=school.code
        )
        return ask_school_confirm(env, draft, _note(kept))
    return ask_school(env, draft, _note(kept))


# --- school --------------------------------------------------------------------------------------


def keep_school(env: Env, draft: ReportDraft) -> Result:
    return next_question(env, draft, Step.LAB)


def school_found(env: Env, draft: ReportDraft, typed: str, result: SearchResult) -> Outcome:
    """The schools found for what the teacher typed, as buttons, or why none were."""
    _ = env.tr.gettext
    problems = {
        SearchOutcome.BAD_CODE: _("A school code has 7 digits (e.g. 0551010). Please check it."),
        SearchOutcome.UNKNOWN_CODE: _(
            "I do not know a school with code {code}. Check the code, or send words of the "
            "school's name instead."
        ).format(code=escape(typed.strip())),
        SearchOutcome.NO_MATCH: _(
            "No school name contains «{words}». Try fewer or other words, or the 7-digit code."
        ).format(words=escape(typed.strip())),
        SearchOutcome.TOO_SHORT: _("Please write at least 3 letters of the name, or the code."),
        SearchOutcome.TOO_MANY: _(
            "{n} schools match. Add a word (e.g. the area) or send the 7-digit code."
        ).format(n=result.total),
    }
    if result.outcome is not SearchOutcome.FOUND:
        return question(env, draft, Step.SCHOOL, problems[result.outcome])
    rows = [[Button(f"{s.name[:48]} ({s.code})", ChooseSchool(s.id))] for s in result.schools]
    text = (
        _("Is this your school?")
        if len(result.schools) == 1
        else _("Choose your school (or send other words to search again):")
    )
    return question(env, draft, Step.SCHOOL, escape(text), rows)


def school_chosen(env: Env, draft: ReportDraft, school: SchoolInfo | None) -> Result:
    if school is None:
        return ask_school(env, draft, env.tr.gettext("That school is not in the list.") + "\n")
    draft = draft.replace(school_id=school.id, school_name=school.name, school_code=school.code)
    return next_question(env, draft, Step.LAB)


# --- lab, category, equipment --------------------------------------------------------------------


def _typed(env: Env, typed: str, limit: int) -> tuple[str, str | None]:
    """The typed text with its spaces tidied, and a warning line if it is over `limit`."""
    value = " ".join(clean_text(typed).split())
    if len(value) <= limit:
        return value, None
    return value, env.tr.gettext("Please write at most {n} characters.").format(n=limit) + "\n"


def lab_text(env: Env, draft: ReportDraft, typed: str) -> Result:
    value, warning = _typed(env, typed, MAX_LAB_CHARS)
    if warning is not None:
        return ask_lab(env, draft, warning)
    return _set_lab(env, draft, value)


def lab_last(env: Env, draft: ReportDraft) -> Result:
    if not env.last_lab:
        return ask_lab(env, draft)
    return _set_lab(env, draft, env.last_lab)


def _set_lab(env: Env, draft: ReportDraft, value: str) -> Result:
    result = next_question(env, draft.replace(lab=value), Step.CATEGORY)
    assert isinstance(result, Outcome)  # the category question, or the summary
    return Outcome(result.draft, result.step, result.screen, lab=value)


def category_chosen(env: Env, draft: ReportDraft, category: Category | None) -> Result:
    if category is None:
        return ask_category(env, draft)
    return next_question(env, draft.replace(category=category), Step.EQUIPMENT)


def choose_category(env: Env, draft: ReportDraft, action: ChooseCategory) -> Result:
    return category_chosen(env, draft, category_of(action))


def equipment_text(env: Env, draft: ReportDraft, typed: str) -> Result:
    value, warning = _typed(env, typed, MAX_EQUIPMENT_CHARS)
    if warning is not None:
        return ask_equipment(env, draft, warning)
    return _after_equipment(env, draft.replace(equipment=value))


def equipment_skip(env: Env, draft: ReportDraft) -> Result:
    return _after_equipment(env, draft.replace(equipment=None))


def _after_equipment(env: Env, draft: ReportDraft) -> Result:
    if draft.editing:
        return show_summary(env, draft)
    return FindDuplicate(draft)


def after_equipment(env: Env, draft: ReportDraft, duplicate: TicketView | None) -> Outcome:
    """An open report of the same fault is offered; else the description is asked."""
    if duplicate is None:
        return ask_description(env, draft)
    return offer_duplicate(env, draft, duplicate)


def duplicate_followed(env: Env, draft: ReportDraft, ticket: TicketView) -> Outcome:
    """The teacher may follow `ticket` (the caller checked, on this press): add to it."""
    draft = draft.replace(duplicate_of=ticket.id, duplicate_ref=ticket.reference)
    return ask_description(env, draft)


def duplicate_declined(env: Env, draft: ReportDraft) -> Outcome:
    return ask_description(env, draft.replace(duplicate_of=None, duplicate_ref=None))


# --- description and attachments -----------------------------------------------------------------


def _too_long(env: Env, length: int) -> str:
    return env.tr.gettext(
        "Your description has {n} characters; please keep it under {max}."
    ).format(n=length, max=env.description_max)


def description_text(env: Env, draft: ReportDraft, typed: str) -> Result:
    value = clean_text(typed).strip()
    if draft.description and not draft.editing:  # "send more to add to it"
        value = "\n".join((draft.description, value))
    if len(value) > env.description_max:
        return ask_description(env, draft, _note(_too_long(env, len(value))))
    return next_question(env, draft.replace(description=value), Step.ATTACHMENTS)


def description_skip(env: Env, draft: ReportDraft) -> Result:
    if not draft.attachments and not draft.description:
        return ask_description(env, draft)
    return next_question(env, draft, Step.ATTACHMENTS)


def keep_media(env: Env, draft: ReportDraft, media: Media) -> tuple[ReportDraft, str | None]:
    """The draft with the file added, and None; or the draft as it was and why not."""
    if media.attachment is None:
        return draft, env.tr.gettext("I can keep photos, files and voice messages.")
    problem = draft.file_problem(media.attachment)
    if problem is FileProblem.TOO_LARGE:
        return draft, env.too_large(media.attachment.file_size)
    if problem is FileProblem.TOO_MANY:
        return draft, env.tr.gettext(
            "A report can have up to {n} photos and files; this one was not added."
        ).format(n=MAX_ATTACHMENTS)
    draft = draft.with_attachment(media.attachment)
    caption = clean_text(media.caption).strip()
    if caption and not draft.description and len(caption) <= env.description_max:
        draft = draft.replace(description=caption)
    return draft, None


def _new_album(draft: ReportDraft, media: Media) -> tuple[ReportDraft, bool]:
    """True unless the file belongs to an album already acknowledged."""
    if media.album is not None and draft.album == media.album:
        return draft, False
    return draft.replace(album=media.album), True


def media_elsewhere(env: Env, draft: ReportDraft, media: Media, step: Step) -> Result:
    """A photo or file at a step that asks something else: keep it, ask again."""
    draft, problem = keep_media(env, draft, media)
    if problem is None:
        draft, new = _new_album(draft, media)
        if not new:  # the rest of an album: kept, nothing said
            return Outcome(draft, step)
    if step is Step.DUPLICATE:  # the offer is shown again as it was
        return FindDuplicate(draft)
    return ASKS[step](env, draft, _note(problem or kept_text(env, draft)))


def description_media(env: Env, draft: ReportDraft, media: Media) -> Result:
    draft, problem = keep_media(env, draft, media)
    if problem:
        return ask_description(env, draft, _note(problem))
    draft, new = _new_album(draft, media)
    if not new:
        return Outcome(draft, Step.ATTACHMENTS)
    if media.voice and not draft.description:
        prefix = env.tr.gettext("🎤 Voice message kept as the description.")
    else:
        prefix = kept_text(env, draft)
    if draft.editing:
        return show_summary(env, draft, _note(prefix))
    return ask_attachments(env, draft, _note(prefix))


def attachment_received(env: Env, draft: ReportDraft, media: Media) -> Outcome:
    draft, problem = keep_media(env, draft, media)
    if problem:
        return Outcome(draft, Step.ATTACHMENTS, Screen.of(escape(problem), markup=True))
    draft, new = _new_album(draft, media)
    if not new:
        return Outcome(draft, Step.ATTACHMENTS)
    body = kept_text(env, draft) + " " + env.tr.gettext("Send more, or press «Done».")
    return question(env, draft, Step.ATTACHMENTS, body, [[done_button(env, draft)]])


def attachments_text(env: Env, draft: ReportDraft, typed: str) -> Outcome:
    """Text while collecting photos: it belongs to the description, not lost."""
    combined = "\n".join(p for p in (draft.description, clean_text(typed).strip()) if p)
    if len(combined) > env.description_max:
        text = escape(_too_long(env, len(combined)))
        return Outcome(draft, Step.ATTACHMENTS, Screen.of(text, markup=True))
    draft = draft.replace(description=combined)
    body = env.tr.gettext("📝 Added to the description. Send photos, or press «Done».")
    return question(env, draft, Step.ATTACHMENTS, body, [[done_button(env, draft)]])


def attachments_done(env: Env, draft: ReportDraft) -> Outcome:
    if not draft.description and not draft.attachments:
        note = env.tr.gettext("Please describe the fault, or send a photo of it.")
        return ask_description(env, draft, _note(note))
    if draft.editing or draft.duplicate_of:
        return show_summary(env, draft)
    return ask_urgency(env, draft)


def attachments_clear(env: Env, draft: ReportDraft) -> Outcome:
    draft = draft.replace(attachments=(), album=None)
    return ask_attachments(env, draft, _note(env.tr.gettext("🗑 Removed.")))


def urgency_chosen(env: Env, draft: ReportDraft, urgency: Urgency | None) -> Outcome:
    if urgency is None:
        return ask_urgency(env, draft)
    return show_summary(env, draft.replace(urgency=urgency))


def choose_urgency(env: Env, draft: ReportDraft, action: ChooseUrgency) -> Outcome:
    return urgency_chosen(env, draft, urgency_of(action))


# --- summary, edit -------------------------------------------------------------------------------


def edit_field(env: Env, draft: ReportDraft, key: str) -> Outcome:
    if key not in EDIT_FIELDS:
        return edit_menu(env, draft)
    return EDIT_FIELDS[key][1](env, draft.replace(editing=True), "")


def choose_field(env: Env, draft: ReportDraft, action: EditField) -> Outcome:
    return edit_field(env, draft, action.field)


def before_send(env: Env, draft: ReportDraft) -> Outcome | None:
    """What the draft still needs, asked; None when it can be sent."""
    missing = draft.missing()
    if missing is Missing.SCHOOL:
        return ask_school(env, draft)
    if missing is Missing.DESCRIPTION:
        note = env.tr.gettext("Please describe the fault, or send a photo of it.")
        return ask_description(env, draft.replace(editing=True), _note(note))
    if missing is Missing.CATEGORY:
        return ask_category(env, draft)
    if missing is Missing.URGENCY:
        return ask_urgency(env, draft)
    return None


def wrong_kind(env: Env, draft: ReportDraft, step: Step) -> Result:
    """Text where buttons were expected: say so and ask again (nothing is lost)."""
    return ask(env, draft, step, _note(env.tr.gettext("Please choose with the buttons.")))


def back(env: Env, draft: ReportDraft) -> Result | None:
    """« Back»: the step before this one again, its answer kept (None at the first step)."""
    draft, step = draft.back()
    if step is None or step not in {s.value for s in Step}:
        return None
    return ask(env, draft, Step(step))


def resume(env: Env, draft: ReportDraft, state: object) -> Result | None:
    """«Keep going» after a question about leaving the report: the current step again."""
    if not isinstance(state, str) or state not in {s.value for s in Step}:
        return None
    return ask(env, draft, Step(state))
