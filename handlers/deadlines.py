"""/deadlines: administrators and centre staff list, add, edit, move and delete deadlines.

A persistent flow (it survives a restart). Administrators manage every
deadline; staff of a support centre manage those of their centre and its
directorates. Dates are typed in local time (Europe/Athens), e.g. `15/9/2027 14:00`.
Adding is short: kind (buttons), Greek title, English title (or "same"),
date, area (buttons, skipped when there is one choice), save.
"""

from __future__ import annotations

import logging
from typing import Any, Final

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.i18n import N_, Translator
from bot.models import Deadline
from bot.services import reminders as reminder_service
from bot.services import roles
from bot.services.reminders import KINDS
from bot.services.reminders import deadlines as service
from bot.services.reminders.deadlines import DeadlineDraft, DeadlineError, Manager, ScopeChoice
from handlers.callback_ids import last_id, parse_id
from handlers.common import PRIVATE, answer_query, cancel_button, edit_text, reply
from handlers.context import CommandSpec, Context, KepliApp
from handlers.flows import flow
from handlers.reminders import deadline_line, kind_label, long_when, rules_of

log = logging.getLogger(__name__)

FLOW: Final = "deadlines"
LIST, DETAIL, EDIT_TEXT, EDIT_KIND, MOVE, DELETE = (
    "list", "detail", "edit_text", "edit_kind", "move", "delete"
)  # fmt: skip
ADD_KIND, ADD_TITLE_EL, ADD_TITLE_EN, ADD_WHEN, ADD_SCOPE, ADD_CONFIRM = (
    "add_kind", "add_title_el", "add_title_en", "add_when", "add_scope", "add_confirm"
)  # fmt: skip
LIST_LIMIT: Final = 20
TEXT: Final = filters.TEXT & ~filters.COMMAND

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
FIELDS: Final = {
    "title_el": N_("Send the new title in Greek."),
    "title_en": N_("Send the new title in English."),
    "notes_el": N_("Send the notes in Greek (a dash - removes them)."),
    "notes_en": N_("Send the notes in English (a dash - removes them)."),
    "link": N_("Send the link, starting with https:// (a dash - removes it)."),
}
CLEARABLE: Final = {"notes_el", "notes_en", "link"}


def _state(context: Context) -> dict[Any, Any]:
    """The flow's working data (persisted with the conversation, so JSON values only)."""
    data = context.user_data
    assert data is not None  # private-chat updates always have a user
    return data


def problem(tr: Translator, error: DeadlineError) -> str:
    return tr.gettext(PROBLEMS.get(error.code, N_("That cannot be saved.")))


def _button(label: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=data)


async def _manager(update: Update, context: Context) -> Manager | None:
    user = update.effective_user
    if user is None:
        return None
    async with context.runtime.sessions() as session:
        return await service.manager_of(session, context.runtime.settings, user.id)


async def _show(update: Update, context: Context, text: str, markup: InlineKeyboardMarkup) -> None:
    """Edit the pressed message, or answer a typed one with a new message."""
    query = update.callback_query
    if query is not None:
        await answer_query(query)
        await edit_text(context, query, text, reply_markup=markup)
    else:
        await reply(update, context, text, reply_markup=markup)


# --- list -----------------------------------------------------------------------------


async def refuse(update: Update, context: Context) -> int:
    """Not (or no longer: rights can change mid-flow) allowed to manage deadlines."""
    text = context.tr.gettext("Deadlines are managed by administrators and support centre staff.")
    _state(context).pop("dl_draft", None)
    query = update.callback_query
    if query is not None:
        await answer_query(query, text, alert=True)
    else:
        await reply(update, context, text)
    return ConversationHandler.END


async def open_list(update: Update, context: Context) -> str | int:
    manager = await _manager(update, context)
    if manager is None:
        return await refuse(update, context)
    return await show_list(update, context, manager)


async def show_list(
    update: Update, context: Context, manager: Manager | None = None, notice: str = ""
) -> str | int:
    manager = manager or await _manager(update, context)
    if manager is None:
        return await refuse(update, context)
    tr = context.tr
    runtime = context.runtime
    now = runtime.clock()
    async with runtime.sessions() as session:
        found = await service.upcoming(session, now, manager=manager)
    lines = [notice, ""] if notice else []
    lines.append("📅 " + tr.gettext("Upcoming deadlines"))
    if not found:
        lines.append(tr.gettext("There are no upcoming deadlines."))
    for deadline in found[:LIST_LIMIT]:
        lines.append(deadline_line(tr, deadline, now, runtime.settings.tz))
    if len(found) > LIST_LIMIT:
        lines.append(tr.gettext("… and {n} more.").format(n=len(found) - LIST_LIMIT))
    rows = [
        [_button(service.title_of(d, tr.locale)[:60], f"dl:o:{d.id}")] for d in found[:LIST_LIMIT]
    ]
    rows.append([_button("➕ " + tr.gettext("New deadline"), "dl:add")])
    rows.append([cancel_button(tr)])
    await _show(update, context, "\n".join(lines), InlineKeyboardMarkup(rows))
    return LIST


async def back_to_list(update: Update, context: Context) -> str | int:
    return await show_list(update, context)


# --- one deadline ------------------------------------------------------------------------


def _scope_text(tr: Translator, deadline: Deadline, centre_name: str | None) -> str:
    if deadline.scope == "directorate" and deadline.directorate:
        return deadline.directorate
    if deadline.scope == "centre":
        return centre_name or tr.gettext("a support centre")
    return tr.gettext("Everyone")


async def _detail(
    update: Update, context: Context, deadline_id: int, notice: str = ""
) -> str | int:
    tr = context.tr
    runtime = context.runtime
    manager = await _manager(update, context)
    async with runtime.sessions() as session:
        deadline = await service.get_deadline(session, deadline_id)
        if deadline is None or manager is None or not manager.may_manage(deadline):
            return await show_list(
                update, context, manager, problem(tr, DeadlineError("not_found"))
            )
        followers = await reminder_service.followers_of(session, deadline)
        centre = await reminder_service.area_label(
            session, reminder_service.Area(deadline.centre_id, None)
        )
    _state(context)["dl_id"] = deadline_id
    _ = tr.gettext
    lines = [notice, ""] if notice else []
    lines += [
        f"🇬🇷 {deadline.title_el}",
        f"🇬🇧 {deadline.title_en}",
        kind_label(tr, deadline.kind),
        "🗓 " + long_when(tr, deadline.due_at, runtime.settings.tz),
        "📍 " + _scope_text(tr, deadline, centre),
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
    markup = InlineKeyboardMarkup(
        [
            [_button("✏️ " + _("Title (el)"), "dl:e:title_el"),
             _button("✏️ " + _("Title (en)"), "dl:e:title_en")],
            [_button("📝 " + _("Notes (el)"), "dl:e:notes_el"),
             _button("📝 " + _("Notes (en)"), "dl:e:notes_en")],
            [_button("🔗 " + _("Link"), "dl:e:link"), _button("🏷 " + _("Kind"), "dl:kind")],
            [_button("📆 " + _("Move the date"), "dl:move"),
             _button("🗑 " + _("Delete"), "dl:del")],
            [_button("« " + _("All deadlines"), "dl:list")],
        ]
    )  # fmt: skip
    await _show(update, context, "\n".join(lines), markup)
    return DETAIL


async def open_detail(update: Update, context: Context) -> str | int:
    query = update.callback_query
    assert query is not None
    # An id no column holds names no deadline: "not found", like a deleted one.
    return await _detail(update, context, last_id(query.data, "dl:o:") or 0)


def _current(context: Context) -> int | None:
    value = _state(context).get("dl_id")
    return value if isinstance(value, int) else None


async def _may_change(update: Update, context: Context, deadline_id: int | None) -> bool:
    """Whether the person may still change this deadline (rights can change mid-flow)."""
    if deadline_id is None:
        return False
    manager = await _manager(update, context)
    async with context.runtime.sessions() as session:
        deadline = await service.get_deadline(session, deadline_id)
    return deadline is not None and manager is not None and manager.may_manage(deadline)


def _back(tr: Translator, deadline_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_button("« " + tr.gettext("Back"), f"dl:o:{deadline_id}")]])


# --- edit a text field ---------------------------------------------------------------------


async def edit_prompt(update: Update, context: Context) -> str | int:
    query = update.callback_query
    assert query is not None
    assert query.data is not None
    field = query.data.removeprefix("dl:e:")
    deadline_id = _current(context)
    if field not in FIELDS or deadline_id is None:
        return await show_list(update, context)
    _state(context)["dl_field"] = field
    await _show(update, context, context.tr.gettext(FIELDS[field]), _back(context.tr, deadline_id))
    return EDIT_TEXT


async def edit_save(update: Update, context: Context) -> str | int:
    message = update.effective_message
    deadline_id = _current(context)
    field = _state(context).get("dl_field")
    if (
        message is None
        or field not in FIELDS
        or not await _may_change(update, context, deadline_id)
    ):
        return await show_list(update, context)
    assert deadline_id is not None
    value: str | None = (message.text or "").strip()
    if field in CLEARABLE and value in ("-", "–"):
        value = "" if field != "link" else None
    runtime = context.runtime
    try:
        async with runtime.sessions() as session:
            await service.edit_deadline(
                session, deadline_id, rules_of(runtime), runtime.clock(), **{str(field): value}
            )
    except DeadlineError as exc:
        await reply(
            update, context, problem(context.tr, exc), reply_markup=_back(context.tr, deadline_id)
        )
        return EDIT_TEXT
    return await _detail(update, context, deadline_id, "✅ " + context.tr.gettext("Saved."))


# --- kind -------------------------------------------------------------------------------------


def kinds_markup(tr: Translator, back: str | None) -> InlineKeyboardMarkup:
    rows = [[_button(kind_label(tr, kind), f"dl:k:{kind}")] for kind in KINDS]
    rows.append([_button("« " + tr.gettext("Back"), back)] if back else [cancel_button(tr)])
    return InlineKeyboardMarkup(rows)


async def kind_prompt(update: Update, context: Context) -> str | int:
    deadline_id = _current(context)
    if deadline_id is None:
        return await show_list(update, context)
    text = context.tr.gettext("What kind of date is it?")
    await _show(update, context, text, kinds_markup(context.tr, f"dl:o:{deadline_id}"))
    return EDIT_KIND


async def kind_save(update: Update, context: Context) -> str | int:
    query = update.callback_query
    assert query is not None
    assert query.data is not None
    deadline_id = _current(context)
    kind = query.data.removeprefix("dl:k:")
    if kind not in KINDS or not await _may_change(update, context, deadline_id):
        return await show_list(update, context)
    assert deadline_id is not None
    runtime = context.runtime
    async with runtime.sessions() as session:
        await service.edit_deadline(
            session, deadline_id, rules_of(runtime), runtime.clock(), kind=kind
        )
    return await _detail(update, context, deadline_id, "✅ " + context.tr.gettext("Saved."))


# --- move -------------------------------------------------------------------------------------


def _date_hint(tr: Translator) -> str:
    return tr.gettext("Write the date and time in Greek time, e.g. 15/9/2027 14:00.")


async def move_prompt(update: Update, context: Context) -> str | int:
    deadline_id = _current(context)
    if deadline_id is None:
        return await show_list(update, context)
    text = context.tr.gettext("When is the new date?") + "\n" + _date_hint(context.tr)
    text += "\n" + context.tr.gettext("Everyone who follows it will be told once.")
    await _show(update, context, text, _back(context.tr, deadline_id))
    return MOVE


async def move_save(update: Update, context: Context) -> str | int:
    message = update.effective_message
    deadline_id = _current(context)
    if message is None or not await _may_change(update, context, deadline_id):
        return await show_list(update, context)
    assert deadline_id is not None
    runtime = context.runtime
    tr = context.tr
    try:
        when = service.parse_when(message.text or "", runtime.settings.tz)
        async with runtime.sessions() as session:
            await service.move_deadline(
                session, deadline_id, when, rules_of(runtime), runtime.clock()
            )
    except DeadlineError as exc:
        await reply(update, context, problem(tr, exc), reply_markup=_back(tr, deadline_id))
        return MOVE
    notice = "✅ " + tr.gettext("Moved. Its followers will be told of the new date once.")
    return await _detail(update, context, deadline_id, notice)


# --- delete -----------------------------------------------------------------------------------


async def delete_prompt(update: Update, context: Context) -> str | int:
    deadline_id = _current(context)
    if deadline_id is None:
        return await show_list(update, context)
    tr = context.tr
    markup = InlineKeyboardMarkup(
        [
            [_button("🗑 " + tr.gettext("Yes, delete it"), "dl:delyes")],
            [_button("« " + tr.gettext("No, keep it"), f"dl:o:{deadline_id}")],
        ]
    )
    text = tr.gettext("Delete this deadline? Its reminders will not be sent.")
    await _show(update, context, text, markup)
    return DELETE


async def delete_confirmed(update: Update, context: Context) -> str | int:
    deadline_id = _current(context)
    manager = await _manager(update, context)
    if deadline_id is not None and manager is not None:
        async with context.runtime.sessions() as session:
            deadline = await service.get_deadline(session, deadline_id)
            allowed = deadline is not None and manager.may_manage(deadline)
        if allowed:
            async with context.runtime.sessions() as session:
                await service.delete_deadline(session, deadline_id)
    _state(context).pop("dl_id", None)
    return await show_list(update, context, manager, "🗑 " + context.tr.gettext("Deleted."))


# --- add ----------------------------------------------------------------------------------------


def _draft(context: Context) -> DeadlineDraft:
    data = _state(context).get("dl_draft")
    return DeadlineDraft.from_dict(data) if isinstance(data, dict) else DeadlineDraft()


def _keep(context: Context, draft: DeadlineDraft) -> None:
    _state(context)["dl_draft"] = draft.to_dict()


async def add_start(update: Update, context: Context) -> str | int:
    _keep(context, DeadlineDraft())
    text = context.tr.gettext("New deadline (1/4). What kind of date is it?")
    await _show(update, context, text, kinds_markup(context.tr, None))
    return ADD_KIND


async def add_kind(update: Update, context: Context) -> str | int:
    query = update.callback_query
    assert query is not None
    assert query.data is not None
    kind = query.data.removeprefix("dl:k:")
    if kind not in KINDS:
        return ADD_KIND
    draft = _draft(context)
    draft.kind = kind
    _keep(context, draft)
    text = context.tr.gettext("New deadline (2/4). Send its title in Greek.")
    await _show(update, context, text, InlineKeyboardMarkup([[cancel_button(context.tr)]]))
    return ADD_TITLE_EL


async def add_title_el(update: Update, context: Context) -> str | int:
    message = update.effective_message
    assert message is not None
    try:
        title = service.clean_title(message.text or "")
    except DeadlineError as exc:
        await reply(update, context, problem(context.tr, exc))
        return ADD_TITLE_EL
    draft = _draft(context)
    draft.title_el = title
    _keep(context, draft)
    tr = context.tr
    markup = InlineKeyboardMarkup(
        [[_button(tr.gettext("Same as the Greek"), "dl:same")], [cancel_button(tr)]]
    )
    await reply(update, context, tr.gettext("And the title in English?"), reply_markup=markup)
    return ADD_TITLE_EN


async def add_title_en(update: Update, context: Context) -> str | int:
    draft = _draft(context)
    if update.callback_query is not None:
        draft.title_en = draft.title_el
        await answer_query(update.callback_query)
    else:
        message = update.effective_message
        assert message is not None
        try:
            draft.title_en = service.clean_title(message.text or "")
        except DeadlineError as exc:
            await reply(update, context, problem(context.tr, exc))
            return ADD_TITLE_EN
    _keep(context, draft)
    tr = context.tr
    text = tr.gettext("New deadline (3/4). When is it?") + "\n" + _date_hint(tr)
    await reply(update, context, text, reply_markup=InlineKeyboardMarkup([[cancel_button(tr)]]))
    return ADD_WHEN


async def _scopes(update: Update, context: Context) -> list[ScopeChoice]:
    manager = await _manager(update, context)
    if manager is None:
        return []
    async with context.runtime.sessions() as session:
        return await service.scope_choices(session, manager)


async def add_when(update: Update, context: Context) -> str | int:
    message = update.effective_message
    assert message is not None
    runtime = context.runtime
    tr = context.tr
    try:
        when = service.parse_when(message.text or "", runtime.settings.tz)
        if when <= runtime.clock():
            raise DeadlineError("past")
    except DeadlineError as exc:
        await reply(update, context, problem(tr, exc))
        return ADD_WHEN
    draft = _draft(context)
    draft.due_at = when
    choices = await _scopes(update, context)
    if not choices:
        return await refuse(update, context)
    if len(choices) == 1:
        _apply_scope(draft, choices[0])
        _keep(context, draft)
        return await _confirm(update, context)
    _keep(context, draft)
    _state(context)["dl_scopes"] = [
        {"scope": c.scope, "centre_id": c.centre_id, "directorate": c.directorate} for c in choices
    ]
    rows = [
        [_button(c.label or tr.gettext("Everyone"), f"dl:s:{index}")]
        for index, c in enumerate(choices[:40])
    ]
    rows.append([cancel_button(tr)])
    await reply(
        update,
        context,
        tr.gettext("New deadline (4/4). Who is it for?"),
        reply_markup=InlineKeyboardMarkup(rows),
    )
    return ADD_SCOPE


def _apply_scope(draft: DeadlineDraft, choice: ScopeChoice) -> None:
    draft.scope = choice.scope
    draft.centre_id = choice.centre_id
    draft.directorate = choice.directorate


async def add_scope(update: Update, context: Context) -> str | int:
    query = update.callback_query
    assert query is not None
    assert query.data is not None
    stored: Any = _state(context).get("dl_scopes") or []
    index = parse_id(query.data.removeprefix("dl:s:"), minimum=0)
    if not isinstance(stored, list) or index is None or index >= len(stored):
        return ADD_SCOPE
    draft = _draft(context)
    _apply_scope(draft, ScopeChoice(**stored[index]))
    _keep(context, draft)
    return await _confirm(update, context)


async def _confirm(update: Update, context: Context) -> str:
    tr = context.tr
    draft = _draft(context)
    assert draft.due_at is not None
    if draft.scope == "everyone":
        scope = tr.gettext("Everyone")
    else:
        async with context.runtime.sessions() as session:
            scope = (
                draft.directorate
                or await reminder_service.area_label(
                    session, reminder_service.Area(draft.centre_id, None)
                )
                or ""
            )
    text = "\n".join(
        [
            tr.gettext("Save this deadline?"),
            "",
            f"🇬🇷 {draft.title_el}",
            f"🇬🇧 {draft.title_en}",
            kind_label(tr, draft.kind),
            "🗓 " + long_when(tr, draft.due_at, context.runtime.settings.tz),
            "📍 " + scope,
            "",
            tr.gettext("Notes and a link can be added after saving."),
        ]
    )
    markup = InlineKeyboardMarkup(
        [[_button("✅ " + tr.gettext("Save"), "dl:save")], [cancel_button(tr)]]
    )
    await _show(update, context, text, markup)
    return ADD_CONFIRM


async def add_save(update: Update, context: Context) -> str | int:
    manager = await _manager(update, context)
    draft = _draft(context)
    if manager is None or not manager.may_manage(draft):
        return await refuse(update, context)
    runtime = context.runtime
    try:
        async with runtime.sessions() as session:
            deadline = await service.create_deadline(
                session, draft, rules_of(runtime), runtime.clock(), by=manager.user_id
            )
    except DeadlineError as exc:
        return await show_list(update, context, manager, problem(context.tr, exc))
    _state(context).pop("dl_draft", None)
    _state(context).pop("dl_scopes", None)
    notice = "✅ " + context.tr.gettext("Saved. Its followers will be reminded in time.")
    return await _detail(update, context, deadline.id, notice)


# --- registration -------------------------------------------------------------------------------


def build_flow() -> ConversationHandler[Context]:
    open_one = CallbackQueryHandler(open_detail, pattern=r"^dl:o:\d+$")
    to_list = CallbackQueryHandler(back_to_list, pattern=r"^dl:list$")
    return flow(
        FLOW,
        entry_points=[CommandHandler("deadlines", open_list, filters=PRIVATE)],
        states={
            LIST: [open_one, CallbackQueryHandler(add_start, pattern=r"^dl:add$")],
            DETAIL: [
                CallbackQueryHandler(edit_prompt, pattern=r"^dl:e:\w+$"),
                CallbackQueryHandler(kind_prompt, pattern=r"^dl:kind$"),
                CallbackQueryHandler(move_prompt, pattern=r"^dl:move$"),
                CallbackQueryHandler(delete_prompt, pattern=r"^dl:del$"),
                to_list,
                open_one,
            ],
            EDIT_TEXT: [MessageHandler(TEXT, edit_save), open_one],
            EDIT_KIND: [CallbackQueryHandler(kind_save, pattern=r"^dl:k:\w+$"), open_one],
            MOVE: [MessageHandler(TEXT, move_save), open_one],
            DELETE: [CallbackQueryHandler(delete_confirmed, pattern=r"^dl:delyes$"), open_one],
            ADD_KIND: [CallbackQueryHandler(add_kind, pattern=r"^dl:k:\w+$")],
            ADD_TITLE_EL: [MessageHandler(TEXT, add_title_el)],
            ADD_TITLE_EN: [
                MessageHandler(TEXT, add_title_en),
                CallbackQueryHandler(add_title_en, pattern=r"^dl:same$"),
            ],
            ADD_WHEN: [MessageHandler(TEXT, add_when)],
            ADD_SCOPE: [CallbackQueryHandler(add_scope, pattern=r"^dl:s:\d+$")],
            ADD_CONFIRM: [CallbackQueryHandler(add_save, pattern=r"^dl:save$")],
        },
        # /deadlines again restarts from the list.
        allow_reentry=True,
        title=N_("managing deadlines"),
        leave_question=N_("Leave managing deadlines?"),
        resume=_resume,
        on_leave=_leave,
        admits=_may_manage,
    )


async def _may_manage(update: Update, context: Context) -> bool:
    return await _manager(update, context) is not None


async def _resume(update: Update, context: Context, state: object) -> str | int:
    """«Keep going» after a question about leaving: back to the list of deadlines."""
    return await open_list(update, context)


async def _leave(update: Update, context: Context) -> None:
    _state(context).pop("dl_draft", None)
    _state(context).pop("dl_scopes", None)


def register(app: KepliApp) -> None:
    app.bot_data.commands.add(
        CommandSpec(
            "deadlines",
            N_("Manage deadlines (administrators and centre staff)"),
            order=41,
            audience=frozenset({roles.ADMIN, roles.STAFF}),
        )
    )
    app.add_handler(build_flow())
