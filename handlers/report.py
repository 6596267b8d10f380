"""The teacher's fault report: a persistent, named conversation (it survives restarts).

School (asked once, then remembered in the database, where the reminders find the
teacher's area too, and changeable; by 7-digit code or words of its name, chosen
from buttons) → lab/room → category → equipment (optional) →
[an open report of the same fault is offered instead of a duplicate] →
description (text, or a voice note, or a photo's caption) → photos and files
(optional, several, albums) → urgency → summary to confirm or edit → the ticket
is stored, and only then is its reference told.

A photo, file or voice note sent at any step is kept (a photo with no text
still makes a report); a bad answer is explained and the question asked again,
and what was entered is never thrown away. The draft lives in `user_data`,
which the persistence stores with the conversation state.

Callback data: "rp:<verb>[:<value>]".
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from enum import StrEnum
from html import escape
from typing import Any, Final
from uuid import uuid4

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.dialogs.helpdesk import text
from bot.i18n import N_, Translator
from bot.services.helpdesk import schools as schools_service
from bot.services.helpdesk import ticket_access, tickets
from bot.services.helpdesk.schools import SearchOutcome
from bot.services.helpdesk.ticket_access import Need
from bot.services.helpdesk.ticket_types import (
    Actor,
    AttachmentKind,
    Category,
    MessagePurpose,
    NewAttachment,
    NewTicket,
    Urgency,
)
from bot.services.helpdesk.ticket_workflow import TransitionRefused
from bot.services.text_clean import clean_file_name, clean_optional, clean_text
from handlers import report_nav
from handlers.callback_ids import last_id
from handlers.common import PRIVATE, answer_query, edit_text, reply
from handlers.context import CommandSpec, Context, KepliApp
from handlers.durable import FLUSH_GROUP, flush_requested, save_after, save_now
from handlers.flows import flow
from handlers.helpdesk import outbox as helpdesk_outbox
from handlers.helpdesk import shared as ticket_handlers

log = logging.getLogger(__name__)

DRAFT: Final = "report"  # user_data: the report being written
LAB: Final = "helpdesk_lab"  # user_data: the last lab/room given
MAX_SEARCH_BUTTONS: Final = 8

COMMAND: Final = CommandSpec("report", N_("Report a fault in the school lab"), order=30)

MEDIA: Final = filters.PHOTO | filters.Document.ALL | filters.VOICE
TEXT: Final = filters.TEXT & ~filters.COMMAND


class Step(StrEnum):
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


# --- the draft (JSON in user_data) ---------------------------------------------------------------


def _new_draft() -> dict[str, Any]:
    return {
        # The draft's id: the ticket records it, so the same draft never opens two tickets.
        "id": uuid4().hex,
        "school_id": None,
        "school_name": "",
        "school_code": "",
        "lab": "",
        "category": None,
        "equipment": None,
        "description": "",
        "attachments": [],
        "urgency": None,
        "duplicate_of": None,
        "duplicate_ref": None,
        "editing": False,
        "album": None,
    }


def draft_of(context: Context) -> dict[str, Any]:
    data = context.user_data
    assert data is not None
    draft = data.get(DRAFT)
    if not isinstance(draft, dict):
        draft = data[DRAFT] = _new_draft()
    draft.setdefault("id", uuid4().hex)  # a draft saved before drafts had ids
    return draft


def _attachment_dict(a: NewAttachment) -> dict[str, Any]:
    return {
        "kind": a.kind.value,
        "file_id": a.file_id,
        "file_unique_id": a.file_unique_id,
        "caption": clean_optional(a.caption),
        "file_name": clean_file_name(a.file_name),
        "mime_type": a.mime_type,
        "file_size": a.file_size,
    }


def _attachments(draft: dict[str, Any]) -> tuple[NewAttachment, ...]:
    return tuple(
        NewAttachment(
            AttachmentKind(a["kind"]),
            a["file_id"],
            a.get("file_unique_id"),
            a.get("caption"),
            a.get("file_name"),
            a.get("mime_type"),
            a.get("file_size"),
        )
        for a in draft["attachments"]
    )


# --- saying things -------------------------------------------------------------------------------


async def _say(
    update: Update, context: Context, body: str, markup: InlineKeyboardMarkup | None = None
) -> Message | None:
    """Answer a button by editing its message, a message by a new one (HTML)."""
    query = update.callback_query
    if query is not None:
        await answer_query(query)
        return await edit_text(
            context, query, body, reply_markup=markup, parse_mode=ParseMode.HTML
        )
    return await reply(update, context, body, reply_markup=markup, parse_mode=ParseMode.HTML)


def _nav(
    context: Context, step: Step, rows: list[list[tuple[str, str]]], *, back: bool = True
) -> InlineKeyboardMarkup:
    """The step's buttons with « Back» and «✖ Cancel» under them (`handlers.report_nav`)."""
    return report_nav.nav_markup(context.tr, draft_of(context), step, rows, back=back)


# --- the questions -------------------------------------------------------------------------------


async def ask_school(update: Update, context: Context, prefix: str = "") -> Step:
    _ = context.tr.gettext
    body = prefix + _(
        "🏫 Which school is the fault in? Send the school's 7-digit ministry code, "
        "or a few words of its name (e.g. «1ο γυμνάσιο αθηνών»)."
    )
    await _say(update, context, body, _nav(context, Step.SCHOOL, []))
    return Step.SCHOOL


async def ask_school_confirm(update: Update, context: Context, prefix: str = "") -> Step:
    _ = context.tr.gettext
    draft = draft_of(context)
    body = prefix + _("🏫 Your school: <b>{name}</b> ({code}). Is the fault there?").format(
        name=escape(draft["school_name"]), code=draft["school_code"]
    )
    rows = [[("✔ " + _("Yes"), "rp:keep"), ("🏫 " + _("Another school"), "rp:other")]]
    await _say(update, context, body, _nav(context, Step.SCHOOL_CONFIRM, rows))
    return Step.SCHOOL_CONFIRM


async def ask_lab(update: Update, context: Context, prefix: str = "") -> Step:
    _ = context.tr.gettext
    body = prefix + _("📍 Which lab or room? (e.g. «Εργαστήριο Πληροφορικής 1», «Αίθουσα 12»)")
    rows = []
    last = (context.user_data or {}).get(LAB)
    if isinstance(last, str) and last:
        rows.append([("↩ " + last[:40], "rp:lab")])
    await _say(update, context, body, _nav(context, Step.LAB, rows))
    return Step.LAB


async def ask_category(update: Update, context: Context, prefix: str = "") -> Step:
    _ = context.tr.gettext
    buttons = [(text.category(context.tr, c), f"rp:cat:{c.value}") for c in Category]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    await _say(
        update, context, prefix + _("🧰 What is not working?"), _nav(context, Step.CATEGORY, rows)
    )
    return Step.CATEGORY


async def ask_equipment(update: Update, context: Context, prefix: str = "") -> Step:
    _ = context.tr.gettext
    body = prefix + _(
        "🔢 Which device is it? Write its number or asset tag (e.g. «PC-07»), "
        "or press «Skip» if it is not one device."
    )
    await _say(
        update, context, body, _nav(context, Step.EQUIPMENT, [[("⏭ " + _("Skip"), "rp:skip")]])
    )
    return Step.EQUIPMENT


async def ask_description(update: Update, context: Context, prefix: str = "") -> Step:
    _ = context.tr.gettext
    draft = draft_of(context)
    rows = []
    so_far = escape(draft["description"])
    if so_far and draft["editing"]:
        body = _("📝 Your description now: «{text}». Send the new description.").format(
            text=so_far
        )
    elif so_far:
        # Given already (a photo's caption, or before going back): offer to add, not ask again.
        body = _(
            "📝 Your description so far: «{text}». Send more to add to it, or press «Continue»."
        ).format(text=so_far)
        rows.append([("✔ " + _("Continue"), "rp:skip")])
    elif draft["duplicate_of"]:
        body = _("📝 What would you like to add to {ref}? Write it, or send a voice message.")
        body = body.format(ref=draft["duplicate_ref"])
    else:
        body = _(
            "📝 Describe the fault in a few words: what happens, since when, what you tried. "
            "You can also send a voice message, or a photo with a caption."
        )
    if draft["attachments"] and not so_far:
        rows.append([("⏭ " + _("Skip: the photo says it all"), "rp:skip")])
    await _say(update, context, prefix + body, _nav(context, Step.DESCRIPTION, rows))
    return Step.DESCRIPTION


def _done_button(tr: Translator, draft: dict[str, Any]) -> tuple[str, str]:
    if draft["attachments"]:
        return ("✔ " + tr.gettext("Done"), "rp:done")
    return ("⏭ " + tr.gettext("No photos"), "rp:done")


async def ask_attachments(update: Update, context: Context, prefix: str = "") -> Step:
    _ = context.tr.gettext
    draft = draft_of(context)
    body = prefix + _(
        "📷 Send photos or files of the fault, if you have any (several are fine). "
        "When you are done, press «Done»."
    )
    rows = [[_done_button(context.tr, draft)]]
    if draft["editing"] and draft["attachments"]:
        rows.append([("🗑 " + _("Remove all photos and files"), "rp:clear")])
    await _say(update, context, body, _nav(context, Step.ATTACHMENTS, rows))
    return Step.ATTACHMENTS


async def ask_urgency(update: Update, context: Context, prefix: str = "") -> Step:
    _ = context.tr.gettext
    rows = [[(text.urgency(context.tr, u), f"rp:urg:{u.value}")] for u in Urgency]
    body = prefix + _("🚦 How much does it affect the lab?")
    await _say(update, context, body, _nav(context, Step.URGENCY, rows))
    return Step.URGENCY


def summary_text(tr: Translator, draft: dict[str, Any]) -> str:
    _ = tr.gettext
    lines = [
        _("<b>Please check your report</b>")
        if not draft["duplicate_of"]
        else _("<b>This will be added to {ref}</b>").format(ref=draft["duplicate_ref"]),
        f"🏫 {escape(draft['school_name'])} ({draft['school_code']})",
    ]
    place = [escape(draft["lab"])] if draft["lab"] else []
    if draft["category"]:
        place.append(text.category(tr, Category(draft["category"])))
    if draft["equipment"]:
        place.append(escape(draft["equipment"]))
    lines.append("📍 " + " · ".join(place))
    if draft["urgency"] and not draft["duplicate_of"]:
        lines.append(text.urgency(tr, Urgency(draft["urgency"])))
    lines.append("📝 " + (escape(draft["description"]) or _("(no text)")))
    count = len(draft["attachments"])
    if count:
        lines.append(tr.ngettext("📎 {n} attachment", "📎 {n} attachments", count).format(n=count))
    return "\n".join(lines)


async def show_summary(update: Update, context: Context, prefix: str = "") -> Step:
    _ = context.tr.gettext
    draft = draft_of(context)
    draft["editing"] = False
    send = (
        "✅ " + _("Send")
        if not draft["duplicate_of"]
        else "✅ " + _("Add to {ref}").format(ref=draft["duplicate_ref"])
    )
    # The draft's id rides on the buttons: pressed after the draft was sent (a double tap,
    # a restart), they find its ticket instead of doing nothing or sending it again.
    rows = [
        [(send, f"rp:send:{draft['id']}")],
        [("✏️ " + _("Change something"), f"rp:edit:{draft['id']}")],
    ]
    await _say(
        update,
        context,
        prefix + summary_text(context.tr, draft),
        _nav(context, Step.CONFIRM, rows),
    )
    return Step.CONFIRM


Ask = Callable[[Update, Context, str], Coroutine[Any, Any, Step]]
HandlerFn = Callable[[Update, Context], Coroutine[Any, Any, Step]]


async def _next(update: Update, context: Context, ask: Ask, prefix: str = "") -> Step:
    """The next question, or back to the summary when a field was being changed."""
    if draft_of(context)["editing"]:
        return await show_summary(update, context, prefix)
    return await ask(update, context, prefix)


# --- entry ---------------------------------------------------------------------------------------


async def _begin(update: Update, context: Context) -> bool:
    """A fresh draft, with the remembered school if there is one (then True)."""
    data = context.user_data
    assert data is not None
    data[DRAFT] = draft = _new_draft()
    user = update.effective_user
    assert user is not None
    async with context.runtime.sessions() as session:
        school = await schools_service.remembered_school(session, user.id)
    if school is not None:
        draft.update(school_id=school.id, school_name=school.name, school_code=school.code)
        return True
    return False


async def start_report(update: Update, context: Context) -> Step:
    if await _begin(update, context):
        return await ask_school_confirm(update, context)
    return await ask_school(update, context)


async def start_with_media(update: Update, context: Context) -> Step | None:
    """A photo, file or voice note sent outside any flow starts a report that keeps it."""
    message = update.effective_message
    assert message is not None
    attachments = ticket_handlers.attachments_of(message)
    if not attachments:
        return None
    _ = context.tr.gettext
    if not _size_ok(attachments[0]):
        await message.reply_text(
            ticket_handlers.too_large_text(context.tr, attachments[0].file_size)
        )
        return None
    remembered = await _begin(update, context)
    draft = draft_of(context)
    draft["attachments"].append(_attachment_dict(attachments[0]))
    draft["album"] = message.media_group_id
    if message.caption:
        draft["description"] = clean_text(message.caption).strip()[
            : context.runtime.settings.ticket_description_max
        ]
    if draft["description"]:
        kept = _("📎 I kept it, and its caption as the description. Let us report the fault.")
    else:
        kept = _("📎 I kept it. Let us report the fault.")
    prefix = kept + "\n\n"
    if remembered:
        return await ask_school_confirm(update, context, prefix)
    return await ask_school(update, context, prefix)


# --- school --------------------------------------------------------------------------------------


async def keep_school(update: Update, context: Context) -> Step:
    return await _next(update, context, ask_lab)


async def other_school(update: Update, context: Context) -> Step:
    return await ask_school(update, context)


async def school_text(update: Update, context: Context) -> Step:
    message = update.effective_message
    assert message is not None
    assert message.text is not None
    _ = context.tr.gettext
    async with context.runtime.sessions() as session:
        result = await schools_service.search_schools(
            session, message.text, limit=MAX_SEARCH_BUTTONS
        )
    problems = {
        SearchOutcome.BAD_CODE: _("A school code has 7 digits (e.g. 0551010). Please check it."),
        SearchOutcome.UNKNOWN_CODE: _(
            "I do not know a school with code {code}. Check the code, or send words of the "
            "school's name instead."
        ).format(code=escape(message.text.strip())),
        SearchOutcome.NO_MATCH: _(
            "No school name contains «{words}». Try fewer or other words, or the 7-digit code."
        ).format(words=escape(message.text.strip())),
        SearchOutcome.TOO_SHORT: _("Please write at least 3 letters of the name, or the code."),
        SearchOutcome.TOO_MANY: _(
            "{n} schools match. Add a word (e.g. the area) or send the 7-digit code."
        ).format(n=result.total),
    }
    if result.outcome is not SearchOutcome.FOUND:
        await reply(
            update, context, problems[result.outcome], reply_markup=_nav(context, Step.SCHOOL, [])
        )
        return Step.SCHOOL
    rows = [[(f"{s.name[:48]} ({s.code})", f"rp:sch:{s.id}")] for s in result.schools]
    question = (
        _("Is this your school?")
        if len(result.schools) == 1
        else _("Choose your school (or send other words to search again):")
    )
    await reply(update, context, question, reply_markup=_nav(context, Step.SCHOOL, rows))
    return Step.SCHOOL


async def school_chosen(update: Update, context: Context) -> Step:
    query = update.callback_query
    assert query is not None
    _ = context.tr.gettext
    school_id = last_id(query.data, "rp:sch:")
    school = None
    if school_id is not None:
        async with context.runtime.sessions() as session:
            school = await schools_service.get_school(session, school_id)
    if school is None:
        return await ask_school(update, context, _("That school is not in the list.") + "\n")
    draft = draft_of(context)
    draft.update(school_id=school.id, school_name=school.name, school_code=school.code)
    user = update.effective_user
    assert user is not None
    async with context.runtime.sessions() as session:  # also the area of the reminders
        await schools_service.remember_school(session, user.id, school.id, context.runtime.clock())
    return await _next(update, context, ask_lab)


# --- lab, category, equipment --------------------------------------------------------------------


def _typed(update: Update, context: Context, limit: int) -> tuple[str, str | None]:
    """The typed text with its spaces tidied, and a warning line if it is over `limit`."""
    message = update.effective_message
    assert message is not None
    assert message.text is not None
    value = " ".join(clean_text(message.text).split())
    if len(value) <= limit:
        return value, None
    return value, context.tr.gettext("Please write at most {n} characters.").format(n=limit) + "\n"


async def lab_text(update: Update, context: Context) -> Step:
    value, warning = _typed(update, context, tickets.MAX_LAB_CHARS)
    if warning is not None:
        return await ask_lab(update, context, warning)
    return await _set_lab(update, context, value)


async def lab_last(update: Update, context: Context) -> Step:
    last = (context.user_data or {}).get(LAB)
    if not isinstance(last, str) or not last:
        return await ask_lab(update, context)
    return await _set_lab(update, context, last)


async def _set_lab(update: Update, context: Context, value: str) -> Step:
    draft_of(context)["lab"] = value
    data = context.user_data
    assert data is not None
    data[LAB] = value
    return await _next(update, context, ask_category)


async def category_chosen(update: Update, context: Context) -> Step:
    query = update.callback_query
    assert query is not None
    value = (query.data or "").rsplit(":", 1)[-1]
    if value not in {c.value for c in Category}:
        return await ask_category(update, context)
    draft_of(context)["category"] = value
    return await _next(update, context, ask_equipment)


async def equipment_text(update: Update, context: Context) -> Step:
    value, warning = _typed(update, context, tickets.MAX_EQUIPMENT_CHARS)
    if warning is not None:
        return await ask_equipment(update, context, warning)
    draft_of(context)["equipment"] = value
    return await _after_equipment(update, context)


async def equipment_skip(update: Update, context: Context) -> Step:
    draft_of(context)["equipment"] = None
    return await _after_equipment(update, context)


async def _after_equipment(update: Update, context: Context) -> Step:
    draft = draft_of(context)
    if draft["editing"]:
        return await show_summary(update, context)
    settings = context.runtime.settings
    async with context.runtime.sessions() as session:
        duplicate = await tickets.find_duplicate(
            session,
            school_id=draft["school_id"],
            category=Category(draft["category"]),
            equipment=draft["equipment"],
            now=context.runtime.clock(),
            days=settings.ticket_duplicate_days,
        )
    if duplicate is None:
        return await ask_description(update, context)
    _ = context.tr.gettext
    # Someone else's ticket: a minimal card, never its description, names or history.
    card = text.duplicate_card(context.tr, duplicate, context.runtime.clock())
    body = (
        _("There is already an open report of this fault:")
        + "\n\n"
        + card
        + "\n\n"
        + _(
            "Follow it and add what you see, instead of opening a new one? You will then "
            "hear of every change to it."
        )
    )
    rows = [
        [("➕ " + _("Follow this ticket / add my report"), f"rp:dup:{duplicate.id}")],
        [("🆕 " + _("No, this is a new fault"), "rp:new")],
    ]
    await _say(update, context, body, _nav(context, Step.DUPLICATE, rows))
    return Step.DUPLICATE


async def duplicate_add(update: Update, context: Context) -> Step:
    query = update.callback_query
    assert query is not None
    draft = draft_of(context)
    ticket_id = last_id(query.data, "rp:dup:")
    try:
        if ticket_id is None:
            raise tickets.NotFound(query.data or "")
        async with context.runtime.sessions() as session:
            # Only an open ticket of the school chosen in this report, on every press.
            await ticket_access.authorise(
                session, ticket_id, _actor(update).user_id, Need.JOIN, school_id=draft["school_id"]
            )
            ticket = await tickets.get_ticket(session, ticket_id)
    except tickets.TicketError as error:
        await ticket_handlers.refuse(update, context, error, staff_action=False)
        return Step.DUPLICATE
    draft["duplicate_of"] = ticket.id
    draft["duplicate_ref"] = ticket.reference
    return await ask_description(update, context)


async def duplicate_new(update: Update, context: Context) -> Step:
    draft = draft_of(context)
    draft["duplicate_of"] = None
    draft["duplicate_ref"] = None
    return await ask_description(update, context)


# --- description and attachments -----------------------------------------------------------------


def _size_ok(attachment: NewAttachment) -> bool:
    return (attachment.file_size or 0) <= tickets.MAX_FILE_BYTES


async def description_text(update: Update, context: Context) -> Step:
    message = update.effective_message
    assert message is not None
    assert message.text is not None
    draft = draft_of(context)
    value = clean_text(message.text).strip()
    if draft["description"] and not draft["editing"]:  # "send more to add to it"
        value = "\n".join((draft["description"], value))
    limit = context.runtime.settings.ticket_description_max
    if len(value) > limit:
        warning = context.tr.gettext(
            "Your description has {n} characters; please keep it under {max}."
        ).format(n=len(value), max=limit)
        return await ask_description(update, context, warning + "\n\n")
    draft_of(context)["description"] = value
    return await _next(update, context, ask_attachments)


async def description_skip(update: Update, context: Context) -> Step:
    draft = draft_of(context)
    if not draft["attachments"] and not draft["description"]:
        return await ask_description(update, context)
    return await _next(update, context, ask_attachments)


async def _keep_media(update: Update, context: Context) -> str | None:
    """Add the message's file to the draft; None if kept, else why not (translated)."""
    message = update.effective_message
    assert message is not None
    found = ticket_handlers.attachments_of(message)
    if not found:
        return context.tr.gettext("I can keep photos, files and voice messages.")
    attachment = found[0]
    if not _size_ok(attachment):
        return ticket_handlers.too_large_text(context.tr, attachment.file_size)
    draft = draft_of(context)
    if len(draft["attachments"]) >= tickets.MAX_ATTACHMENTS:
        return context.tr.gettext(
            "A report can have up to {n} photos and files; this one was not added."
        ).format(n=tickets.MAX_ATTACHMENTS)
    draft["attachments"].append(_attachment_dict(attachment))
    caption = clean_text(message.caption or "").strip()
    limit = context.runtime.settings.ticket_description_max
    if caption and not draft["description"] and len(caption) <= limit:
        draft["description"] = caption
    return None


def _new_album(context: Context, message: Message) -> bool:
    """True unless the message belongs to an album already acknowledged."""
    draft = draft_of(context)
    group = message.media_group_id
    if group is not None and draft.get("album") == group:
        return False
    draft["album"] = group
    return True


async def description_media(update: Update, context: Context) -> Step:
    problem = await _keep_media(update, context)
    if problem:
        return await ask_description(update, context, problem + "\n\n")
    message = update.effective_message
    assert message is not None
    if not _new_album(context, message):
        return Step.ATTACHMENTS
    draft = draft_of(context)
    if message.voice and not draft["description"]:
        prefix = context.tr.gettext("🎤 Voice message kept as the description.") + "\n\n"
    else:
        prefix = _kept_text(context) + "\n\n"
    if draft["editing"]:
        return await show_summary(update, context, prefix)
    return await ask_attachments(update, context, prefix)


def _kept_text(context: Context) -> str:
    count = len(draft_of(context)["attachments"])
    return context.tr.ngettext(
        "📎 Kept ({n} photo or file so far).", "📎 Kept ({n} photos and files so far).", count
    ).format(n=count)


async def attachment_received(update: Update, context: Context) -> Step:
    message = update.effective_message
    assert message is not None
    problem = await _keep_media(update, context)
    if problem:
        await reply(update, context, problem)
        return Step.ATTACHMENTS
    if _new_album(context, message):
        tr = context.tr
        body = _kept_text(context) + " " + tr.gettext("Send more, or press «Done».")
        await reply(
            update,
            context,
            body,
            reply_markup=_nav(context, Step.ATTACHMENTS, [[_done_button(tr, draft_of(context))]]),
        )
    return Step.ATTACHMENTS


async def attachments_text(update: Update, context: Context) -> Step:
    """Text while collecting photos: it belongs to the description, not lost."""
    message = update.effective_message
    assert message is not None
    assert message.text is not None
    draft = draft_of(context)
    limit = context.runtime.settings.ticket_description_max
    combined = "\n".join(p for p in (draft["description"], clean_text(message.text).strip()) if p)
    _ = context.tr.gettext
    if len(combined) > limit:
        await reply(
            update,
            context,
            _("Your description has {n} characters; please keep it under {max}.").format(
                n=len(combined), max=limit
            ),
        )
        return Step.ATTACHMENTS
    draft["description"] = combined
    await reply(
        update,
        context,
        _("📝 Added to the description. Send photos, or press «Done»."),
        reply_markup=_nav(context, Step.ATTACHMENTS, [[_done_button(context.tr, draft)]]),
    )
    return Step.ATTACHMENTS


async def attachments_done(update: Update, context: Context) -> Step:
    draft = draft_of(context)
    if not draft["description"] and not draft["attachments"]:
        note = context.tr.gettext("Please describe the fault, or send a photo of it.")
        return await ask_description(update, context, note + "\n\n")
    if draft["editing"] or draft["duplicate_of"]:
        return await show_summary(update, context)
    return await ask_urgency(update, context)


async def attachments_clear(update: Update, context: Context) -> Step:
    draft = draft_of(context)
    draft["attachments"] = []
    draft["album"] = None
    note = context.tr.gettext("🗑 Removed.") + "\n\n"
    return await ask_attachments(update, context, note)


async def urgency_chosen(update: Update, context: Context) -> Step:
    query = update.callback_query
    assert query is not None
    value = (query.data or "").rsplit(":", 1)[-1]
    if value not in {u.value for u in Urgency}:
        return await ask_urgency(update, context)
    draft_of(context)["urgency"] = value
    return await show_summary(update, context)


# --- summary, edit, send -------------------------------------------------------------------------

EDIT_FIELDS: Final[dict[str, tuple[str, Ask]]] = {
    "school": (N_("School"), ask_school),
    "lab": (N_("Lab / room"), ask_lab),
    "category": (N_("Category"), ask_category),
    "equipment": (N_("Device"), ask_equipment),
    "description": (N_("Description"), ask_description),
    "photos": (N_("Photos and files"), ask_attachments),
    "urgency": (N_("Urgency"), ask_urgency),
}


async def edit_menu(update: Update, context: Context, prefix: str = "") -> Step:
    _ = context.tr.gettext
    fields = [
        (_(label), f"rp:ef:{key}")
        for key, (label, _ask) in EDIT_FIELDS.items()
        if not (key == "urgency" and draft_of(context)["duplicate_of"])
    ]
    rows = [fields[i : i + 2] for i in range(0, len(fields), 2)]
    rows.append([("« " + _("Back to the summary"), "rp:sum")])
    await _say(
        update,
        context,
        _("✏️ What would you like to change?"),
        _nav(context, Step.EDIT, rows, back=False),  # its own «Back to the summary»
    )
    return Step.EDIT


async def edit_field(update: Update, context: Context) -> Step:
    query = update.callback_query
    assert query is not None
    key = (query.data or "").rsplit(":", 1)[-1]
    if key not in EDIT_FIELDS:
        return await edit_menu(update, context)
    draft_of(context)["editing"] = True
    return await EDIT_FIELDS[key][1](update, context, "")


async def back_to_summary(update: Update, context: Context) -> Step:
    return await show_summary(update, context)


SEND_PATTERN: Final = r"^rp:send(:[0-9a-f]{32})?$"
EDIT_PATTERN: Final = r"^rp:edit(:[0-9a-f]{32})?$"


def _pressed_draft(update: Update) -> str | None:
    """The draft id on the pressed «Send» / «Change something» button (None on old ones)."""
    query = update.callback_query
    parts = ((query.data if query else None) or "").split(":")
    return parts[2] if len(parts) == 3 else None


async def _own_ticket_of_draft(
    update: Update, context: Context, draft_id: str
) -> tickets.TicketView | None:
    """The ticket the draft became, if the presser may see it as its teacher (a button is
    proof of nothing: another user's draft id names nothing for them)."""
    user = update.effective_user
    async with context.runtime.sessions() as session:
        ticket = await tickets.ticket_of_draft(session, draft_id)
        if ticket is None or user is None:
            return None
        try:
            await ticket_access.authorise(session, ticket.id, user.id, Need.TEACHER)
        except tickets.TicketError:
            return None
    return ticket


async def _sent_already(update: Update, context: Context) -> Step | int | None:
    """If the pressed button's draft (or the current one) already became a ticket: say so,
    show its reference, finish what a crash may have cut short, and end (None when the
    button was another draft's: the conversation stays where it is). Else None, and the
    caller goes on unless the button was another draft's."""
    draft = draft_of(context)
    draft_id = _pressed_draft(update) or draft["id"]
    ticket = await _own_ticket_of_draft(update, context, draft_id)
    if ticket is None:
        if draft_id != draft["id"]:  # a summary of another draft, which was never sent
            await ticket_handlers.inactive(update, context)
        return None
    await _tell_already_sent(update, context, ticket)
    if draft_id == draft["id"]:
        _finish(context)
        save_after(update)
        return ConversationHandler.END
    return None  # an older draft's summary: this one goes on where it is


async def _tell_already_sent(update: Update, context: Context, ticket: tickets.TicketView) -> None:
    body = context.tr.gettext(
        "✅ This report was already sent: it is registered as <b>{ref}</b>. You will hear of "
        "every change here. Reply to this message to add something."
    ).format(ref=escape(ticket.reference))
    message = await _say(update, context, body, ticket_handlers.teacher_markup(context.tr, ticket))
    await ticket_handlers.link(context, ticket.id, message, MessagePurpose.TEACHER)
    # Stored with its messages in the outbox: if the process died before they went out,
    # they go now (one that was being sent at the crash is `unknown`, never sent twice).
    await helpdesk_outbox.flush(context, ticket_ids=[ticket.id])


async def edit_button(update: Update, context: Context) -> Step | int | None:
    sent = await _sent_already(update, context)
    if sent is not None or _pressed_draft(update) not in (None, draft_of(context)["id"]):
        return sent
    return await edit_menu(update, context)


async def stale_summary(update: Update, context: Context) -> None:
    """«Send» / «Change something» of a draft whose conversation is over (sent, cancelled,
    or lost in a crash): the reference if it was sent, else "no longer active"."""
    draft_id = _pressed_draft(update)
    ticket = None
    if draft_id is not None:
        ticket = await _own_ticket_of_draft(update, context, draft_id)
    if ticket is None:
        await ticket_handlers.inactive(update, context)
        return
    await _tell_already_sent(update, context, ticket)


async def send(update: Update, context: Context) -> Step | int | None:
    sent = await _sent_already(update, context)
    if sent is not None or _pressed_draft(update) not in (None, draft_of(context)["id"]):
        return sent
    draft = draft_of(context)
    if draft["school_id"] is None:
        return await ask_school(update, context)
    if not draft["description"] and not draft["attachments"]:
        draft["editing"] = True
        note = context.tr.gettext("Please describe the fault, or send a photo of it.")
        return await ask_description(update, context, note + "\n\n")
    if draft["duplicate_of"]:
        return await _send_addition(update, context, draft)
    if draft["category"] is None:
        return await ask_category(update, context)
    if draft["urgency"] is None:
        return await ask_urgency(update, context)
    return await _send_new(update, context, draft)


def _actor(update: Update) -> Actor:
    return ticket_handlers.actor_of(update)


async def _send_new(update: Update, context: Context, draft: dict[str, Any]) -> Step | int:
    settings = context.runtime.settings
    _ = context.tr.gettext
    new = NewTicket(
        school_id=draft["school_id"],
        lab=draft["lab"],
        category=Category(draft["category"]),
        urgency=Urgency(draft["urgency"]),
        description=draft["description"],
        equipment=draft["equipment"],
        attachments=_attachments(draft),
    )
    plan = helpdesk_outbox.NewTicketPlan(context.runtime)
    # The draft (with its id) and this step on disk before the ticket is: a crash from here
    # on brings back a draft whose «Send» finds the ticket instead of opening a second one.
    await save_now(update, context)
    try:
        async with context.runtime.sessions() as session:
            ticket = await tickets.create_ticket(
                session,
                new,
                _actor(update),
                reporter_locale=context.locale,
                now=context.runtime.clock(),
                prefix=settings.ticket_prefix,
                per_hour=settings.tickets_per_hour,
                description_max=settings.ticket_description_max,
                tz=settings.tz,
                outbox=plan,
                draft_id=draft["id"],
            )
    except tickets.AlreadySent as error:
        await _tell_already_sent(update, context, error.ticket)
        _finish(context)
        save_after(update)
        return ConversationHandler.END
    except tickets.TooManyTickets as error:
        when = context.tr.time(error.retry_at.astimezone(settings.tz))
        body = context.tr.ngettext(
            "You have sent {n} report in the last hour, the most I accept. You can send "
            "this one from {time}: it is kept until then, just press «Send» again.",
            "You have sent {n} reports in the last hour, the most I accept. You can send "
            "this one from {time}: it is kept until then, just press «Send» again.",
            settings.tickets_per_hour,
        ).format(n=settings.tickets_per_hour, time=when)
        return await show_summary(update, context, "⏳ " + body + "\n\n")
    except tickets.NoCentre:
        await helpdesk_outbox.alert_no_centre(context, draft["school_name"], draft["school_code"])
        body = _(
            "No support centre is set up for your school yet, so I cannot send this. "
            "The administrators have been told; your report is kept."
        )
        return await show_summary(update, context, "⚠️ " + body + "\n\n")
    except tickets.NotFound:
        return await ask_school(update, context, _("That school is not in the list.") + "\n")
    except tickets.InvalidTicket:
        draft["editing"] = True
        note = _("Please describe the fault, or send a photo of it.")
        return await ask_description(update, context, note + "\n\n")
    # Stored and committed, with its messages in the outbox: now the teacher may be told
    # the reference, and that the centre has it only once the staff post is out.
    if plan.routable:
        body = _(
            "✅ Your report is registered as <b>{ref}</b>. I will tell you here as soon as "
            "{centre} has it. Reply to this message to add something."
        ).format(ref=escape(ticket.reference), centre=escape(ticket.centre_name))
    else:
        body = _(
            "✅ Your report is registered as <b>{ref}</b>, but {centre} cannot receive reports "
            "through me yet, so no one there has seen it. The administrators have been told. "
            "Please also contact the centre: {contacts}"
        ).format(
            ref=escape(ticket.reference),
            centre=escape(ticket.centre_name),
            contacts=helpdesk_outbox.contacts_text(context.tr, plan.centre),
        )
    message = await _say(update, context, body, ticket_handlers.teacher_markup(context.tr, ticket))
    await ticket_handlers.link(context, ticket.id, message, MessagePurpose.TEACHER)
    _finish(context)
    save_after(update)
    await helpdesk_outbox.flush(context, ticket_ids=[ticket.id])
    if plan.mailed:
        helpdesk_outbox.kick(context)
    return ConversationHandler.END


async def _send_addition(update: Update, context: Context, draft: dict[str, Any]) -> Step | int:
    _ = context.tr.gettext
    settings = context.runtime.settings
    attachments = _attachments(draft)
    await save_now(update, context)  # as for a new ticket: the draft on disk first
    actor = _actor(update)

    async def plan(session: AsyncSession, change: tickets.Change) -> None:
        tr = helpdesk_outbox.staff_tr(settings)
        notice = tr.gettext("➕ {name} reported the same fault on {ref}:").format(
            name=escape(actor.name), ref=escape(change.ticket.reference)
        )
        if draft["description"]:
            notice += "\n" + escape(draft["description"])
        await helpdesk_outbox.plan_staff_notice(
            session, context.runtime, change.ticket, notice, attachments=attachments
        )
        await helpdesk_outbox.plan_teacher_notices(
            session, context.runtime, change, actor_id=actor.user_id
        )

    try:
        async with context.runtime.sessions() as session:
            change = await tickets.add_to_ticket(
                session,
                draft["duplicate_of"],
                actor,
                draft["description"],
                school_id=draft["school_id"],
                attachments=attachments,
                now=context.runtime.clock(),
                max_chars=settings.ticket_description_max,
                outbox=plan,
                draft_id=draft["id"],
            )
    except tickets.AlreadySent as error:
        await _tell_already_sent(update, context, error.ticket)
        _finish(context)
        save_after(update)
        return ConversationHandler.END
    except (TransitionRefused, tickets.NotFound, tickets.NotAuthorised):
        draft["duplicate_of"] = None
        draft["duplicate_ref"] = None
        note = _("That report was closed in the meantime, so this will be a new one.")
        return await ask_urgency(update, context, note + "\n\n")
    ticket = change.ticket
    body = _(
        "➕ Added to <b>{ref}</b>. You will hear of every change here. "
        "Reply to this message to add something."
    ).format(ref=escape(ticket.reference))
    message = await _say(update, context, body, ticket_handlers.teacher_markup(context.tr, ticket))
    await ticket_handlers.link(context, ticket.id, message, MessagePurpose.TEACHER)
    _finish(context)
    save_after(update)
    await helpdesk_outbox.flush(context, ticket_ids=[ticket.id])
    await ticket_handlers.refresh_post(context, ticket)
    return ConversationHandler.END


def _finish(context: Context) -> None:
    data = context.user_data
    if data is not None:
        data.pop(DRAFT, None)


# --- answers that do not fit the question --------------------------------------------------------


def _reask(ask: Ask) -> HandlerFn:
    """Text where buttons were expected: say so and ask again (nothing is lost)."""

    async def handler(update: Update, context: Context) -> Step:
        note = context.tr.gettext("Please choose with the buttons.") + "\n\n"
        return await ask(update, context, note)

    return handler


def _media_then(ask: Ask) -> HandlerFn:
    """A photo or file at a step that asks something else: keep it, ask again."""

    async def handler(update: Update, context: Context) -> Step:
        problem = await _keep_media(update, context)
        message = update.effective_message
        assert message is not None
        if problem is None and not _new_album(context, message):
            return _current(ask)
        note = problem or _kept_text(context)
        return await ask(update, context, note + "\n\n")

    return handler


def _current(ask: Ask) -> Step:
    """The state of `ask` without asking (the rest of an album)."""
    states: dict[Ask, Step] = {
        ask_school: Step.SCHOOL,
        ask_school_confirm: Step.SCHOOL_CONFIRM,
        ask_lab: Step.LAB,
        ask_category: Step.CATEGORY,
        ask_equipment: Step.EQUIPMENT,
        ask_urgency: Step.URGENCY,
        show_summary: Step.CONFIRM,
        edit_menu: Step.EDIT,
        _duplicate_reask: Step.DUPLICATE,
    }
    return states.get(ask, Step.ATTACHMENTS)


async def _school_confirm_text(update: Update, context: Context) -> Step:
    """Text instead of Yes/Another school: take it as a search for another school."""
    return await school_text(update, context)


async def _duplicate_reask(update: Update, context: Context, prefix: str = "") -> Step:
    del prefix  # the duplicate offer is shown again as it was
    return await _after_equipment(update, context)


# --- back, keep going, leave ---------------------------------------------------------------------

ASKS: Final[dict[Step, Ask]] = {
    Step.SCHOOL_CONFIRM: ask_school_confirm,
    Step.SCHOOL: ask_school,
    Step.LAB: ask_lab,
    Step.CATEGORY: ask_category,
    Step.EQUIPMENT: ask_equipment,
    Step.DUPLICATE: _duplicate_reask,
    Step.DESCRIPTION: ask_description,
    Step.ATTACHMENTS: ask_attachments,
    Step.URGENCY: ask_urgency,
    Step.CONFIRM: show_summary,
    Step.EDIT: edit_menu,
}


async def go_back(update: Update, context: Context) -> Step | None:
    """« Back»: the step before this one again, with its answer kept."""
    step = report_nav.previous(draft_of(context))
    if step is None or step not in ASKS:
        query = update.callback_query
        assert query is not None
        await answer_query(query, context.tr.gettext("This is the first question."))
        return None
    return await ASKS[Step(step)](update, context, "")


async def resume(update: Update, context: Context, state: object) -> Step | None:
    """«Keep going» after a question about leaving the report: the current step again."""
    if not isinstance(state, str) or state not in ASKS:
        return None
    return await ASKS[Step(state)](update, context, "")


async def leave(update: Update, context: Context) -> None:
    """The report ends unsent (/cancel, /start, or leaving it for another flow)."""
    _finish(context)


# --- registration --------------------------------------------------------------------------------


def build(app: KepliApp) -> ConversationHandler[Context]:
    def cb(pattern: str, callback: Callable[[Update, Context], Coroutine[Any, Any, Any]]) -> Any:
        return CallbackQueryHandler(callback, pattern=pattern)

    media = MessageHandler(MEDIA & PRIVATE, _media_then(ask_school))
    return flow(
        "report",
        entry_points=[
            CommandHandler("report", start_report, filters=PRIVATE),
            cb(r"^menu:report$", start_report),
            # A photo sent inside another flow asks first whether to leave it (handlers.flows).
            MessageHandler(PRIVATE & MEDIA & ~filters.REPLY, start_with_media),
        ],
        states={
            Step.SCHOOL_CONFIRM: [
                cb(r"^rp:keep$", keep_school),
                cb(r"^rp:other$", other_school),
                MessageHandler(TEXT, _school_confirm_text),
                MessageHandler(MEDIA, _media_then(ask_school_confirm)),
            ],
            Step.SCHOOL: [
                cb(r"^rp:sch:\d+$", school_chosen),
                MessageHandler(TEXT, school_text),
                media,
            ],
            Step.LAB: [
                cb(r"^rp:lab$", lab_last),
                MessageHandler(TEXT, lab_text),
                MessageHandler(MEDIA, _media_then(ask_lab)),
            ],
            Step.CATEGORY: [
                cb(r"^rp:cat:\w+$", category_chosen),
                MessageHandler(TEXT, _reask(ask_category)),
                MessageHandler(MEDIA, _media_then(ask_category)),
            ],
            Step.EQUIPMENT: [
                cb(r"^rp:skip$", equipment_skip),
                MessageHandler(TEXT, equipment_text),
                MessageHandler(MEDIA, _media_then(ask_equipment)),
            ],
            Step.DUPLICATE: [
                cb(r"^rp:dup:\d+$", duplicate_add),
                cb(r"^rp:new$", duplicate_new),
                MessageHandler(TEXT, _reask(_duplicate_reask)),
                MessageHandler(MEDIA, _media_then(_duplicate_reask)),
            ],
            Step.DESCRIPTION: [
                cb(r"^rp:skip$", description_skip),
                MessageHandler(TEXT, description_text),
                MessageHandler(MEDIA, description_media),
            ],
            Step.ATTACHMENTS: [
                cb(r"^rp:done$", attachments_done),
                cb(r"^rp:clear$", attachments_clear),
                MessageHandler(MEDIA, attachment_received),
                MessageHandler(TEXT, attachments_text),
            ],
            Step.URGENCY: [
                cb(r"^rp:urg:\w+$", urgency_chosen),
                MessageHandler(TEXT, _reask(ask_urgency)),
                MessageHandler(MEDIA, _media_then(ask_urgency)),
            ],
            Step.CONFIRM: [
                cb(SEND_PATTERN, send),
                cb(EDIT_PATTERN, edit_button),
                MessageHandler(TEXT, _reask(show_summary)),
                MessageHandler(MEDIA, _media_then(show_summary)),
            ],
            Step.EDIT: [
                cb(r"^rp:ef:\w+$", edit_field),
                cb(r"^rp:sum$", back_to_summary),
                MessageHandler(TEXT, _reask(edit_menu)),
                MessageHandler(MEDIA, _media_then(edit_menu)),
            ],
        },
        # /report or the menu entry during a report starts it afresh. Not allow_reentry:
        # that would test the entry points first, and a photo sent while collecting
        # photos would start a new report instead of joining this one.
        fallbacks=[
            CommandHandler("report", start_report, filters=PRIVATE),
            cb(r"^menu:report$", start_report),
            cb(f"^{report_nav.BACK_DATA}$", go_back),
        ],
        title=N_("the fault report"),
        leave_question=N_("Leave the fault report?"),
        resume=resume,
        on_leave=leave,
    )


def register(app: KepliApp) -> None:
    app.bot_data.commands.add(COMMAND)
    app.add_handler(build(app))
    # «Send» / «Change something» of a draft whose conversation is over (after the flow,
    # which handles them while the draft is being written).
    app.add_handler(CallbackQueryHandler(stale_summary, pattern=r"^rp:(send|edit):[0-9a-f]{32}$"))
    app.add_handler(TypeHandler(Update, flush_requested), group=FLUSH_GROUP)
