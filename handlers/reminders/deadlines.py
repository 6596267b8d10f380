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

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.dialogs.reminders import deadlines as dialog
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
    deadlines,
)
from bot.i18n import N_
from bot.services import reminders as reminder_service
from bot.services import roles
from bot.services.reminders import KINDS
from bot.services.reminders import deadlines as service
from bot.services.reminders.deadlines import DeadlineDraft, DeadlineError, Manager, ScopeChoice
from bot.ui import Action, Screen
from handlers import render
from handlers.common import PRIVATE, answer_query, cancel_button, edit_text, reply
from handlers.context import CommandSpec, Context, KepliApp
from handlers.flows import flow
from handlers.reminders import rules_of

log = logging.getLogger(__name__)

FLOW: Final = "deadlines"
LIST, DETAIL, EDIT_TEXT, EDIT_KIND, MOVE, DELETE = (
    "list", "detail", "edit_text", "edit_kind", "move", "delete"
)  # fmt: skip
ADD_KIND, ADD_TITLE_EL, ADD_TITLE_EN, ADD_WHEN, ADD_SCOPE, ADD_CONFIRM = (
    "add_kind", "add_title_el", "add_title_en", "add_when", "add_scope", "add_confirm"
)  # fmt: skip
TEXT: Final = filters.TEXT & ~filters.COMMAND


def _state(context: Context) -> dict[Any, Any]:
    """The flow's working data (persisted with the conversation, so JSON values only)."""
    data = context.user_data
    assert data is not None  # private-chat updates always have a user
    return data


async def _manager(update: Update, context: Context) -> Manager | None:
    user = update.effective_user
    if user is None:
        return None
    async with context.runtime.sessions() as session:
        return await service.manager_of(session, context.runtime.settings, user.id)


def _markup(context: Context, screen: Screen, cancel: bool) -> InlineKeyboardMarkup | None:
    """The screen's buttons, and the flow's "Cancel" under them when `cancel`."""
    rows = [
        list(row) for row in (render.markup(screen) or InlineKeyboardMarkup([])).inline_keyboard
    ]
    if cancel:
        rows.append([cancel_button(context.tr)])
    return InlineKeyboardMarkup(rows) if rows else None


async def _show(update: Update, context: Context, screen: Screen, cancel: bool = False) -> None:
    """Edit the pressed message, or answer a typed one with a new message."""
    query = update.callback_query
    markup = _markup(context, screen, cancel)
    if query is not None:
        await answer_query(query)
        await edit_text(context, query, screen.text, reply_markup=markup)
    else:
        await reply(update, context, screen.text, reply_markup=markup)


async def _reply(update: Update, context: Context, screen: Screen, cancel: bool = False) -> None:
    """Answer with a new message (after a typed answer, or under the pressed one)."""
    await reply(update, context, screen.text, reply_markup=_markup(context, screen, cancel))


def _pressed(update: Update) -> object:
    """The action of the pressed button (None when forged or from another feature)."""
    query = update.callback_query
    return deadlines.parse(query.data if query is not None else None)


# --- list -----------------------------------------------------------------------------


async def refuse(update: Update, context: Context) -> int:
    """Not (or no longer: rights can change mid-flow) allowed to manage deadlines."""
    text = dialog.refusal(context.tr)
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
    runtime = context.runtime
    now = runtime.clock()
    async with runtime.sessions() as session:
        found = await service.upcoming(session, now, manager=manager)
    screen = dialog.list_screen(context.tr, found, now, runtime.settings.tz, notice)
    await _show(update, context, screen, cancel=True)
    return LIST


async def back_to_list(update: Update, context: Context) -> str | int:
    return await show_list(update, context)


# --- one deadline ------------------------------------------------------------------------


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
                update, context, manager, dialog.problem(tr, DeadlineError("not_found"))
            )
        followers = await reminder_service.followers_of(session, deadline)
        centre = await reminder_service.area_label(
            session, reminder_service.Area(deadline.centre_id, None)
        )
    _state(context)["dl_id"] = deadline_id
    screen = dialog.detail_screen(
        tr,
        deadline,
        followers=followers,
        centre_name=centre,
        tz=runtime.settings.tz,
        notice=notice,
    )
    await _show(update, context, screen)
    return DETAIL


async def open_detail(update: Update, context: Context) -> str | int:
    action = _pressed(update)
    # A forged id names no deadline: "not found", like a deleted one.
    return await _detail(
        update, context, action.deadline_id if isinstance(action, OpenDeadline) else 0
    )


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


# --- edit a text field ---------------------------------------------------------------------


async def edit_prompt(update: Update, context: Context) -> str | int:
    action = _pressed(update)
    deadline_id = _current(context)
    if (
        not isinstance(action, EditField)
        or action.name not in dialog.FIELDS
        or deadline_id is None
    ):
        return await show_list(update, context)
    _state(context)["dl_field"] = action.name
    await _show(update, context, dialog.field_prompt(context.tr, action.name, deadline_id))
    return EDIT_TEXT


async def edit_save(update: Update, context: Context) -> str | int:
    message = update.effective_message
    deadline_id = _current(context)
    field = _state(context).get("dl_field")
    if (
        message is None
        or field not in dialog.FIELDS
        or not await _may_change(update, context, deadline_id)
    ):
        return await show_list(update, context)
    assert deadline_id is not None
    value = dialog.cleared(str(field), message.text or "")
    runtime = context.runtime
    try:
        async with runtime.sessions() as session:
            await service.edit_deadline(
                session, deadline_id, rules_of(runtime), runtime.clock(), **{str(field): value}
            )
    except DeadlineError as exc:
        tr = context.tr
        await _reply(update, context, dialog.with_back(tr, dialog.problem(tr, exc), deadline_id))
        return EDIT_TEXT
    return await _detail(update, context, deadline_id, "✅ " + context.tr.gettext("Saved."))


# --- kind -------------------------------------------------------------------------------------


async def kind_prompt(update: Update, context: Context) -> str | int:
    deadline_id = _current(context)
    if deadline_id is None:
        return await show_list(update, context)
    tr = context.tr
    await _show(update, context, dialog.kinds_screen(tr, dialog.kind_question(tr), deadline_id))
    return EDIT_KIND


async def kind_save(update: Update, context: Context) -> str | int:
    action = _pressed(update)
    deadline_id = _current(context)
    if (
        not isinstance(action, PickKind)
        or action.kind not in KINDS
        or not await _may_change(update, context, deadline_id)
    ):
        return await show_list(update, context)
    assert deadline_id is not None
    runtime = context.runtime
    async with runtime.sessions() as session:
        await service.edit_deadline(
            session, deadline_id, rules_of(runtime), runtime.clock(), kind=action.kind
        )
    return await _detail(update, context, deadline_id, "✅ " + context.tr.gettext("Saved."))


# --- move -------------------------------------------------------------------------------------


async def move_prompt(update: Update, context: Context) -> str | int:
    deadline_id = _current(context)
    if deadline_id is None:
        return await show_list(update, context)
    await _show(update, context, dialog.move_prompt(context.tr, deadline_id))
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
        await _reply(update, context, dialog.with_back(tr, dialog.problem(tr, exc), deadline_id))
        return MOVE
    notice = "✅ " + tr.gettext("Moved. Its followers will be told of the new date once.")
    return await _detail(update, context, deadline_id, notice)


# --- delete -----------------------------------------------------------------------------------


async def delete_prompt(update: Update, context: Context) -> str | int:
    deadline_id = _current(context)
    if deadline_id is None:
        return await show_list(update, context)
    await _show(update, context, dialog.delete_prompt(context.tr, deadline_id))
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
    await _show(update, context, dialog.add_kind_prompt(context.tr), cancel=True)
    return ADD_KIND


async def add_kind(update: Update, context: Context) -> str | int:
    action = _pressed(update)
    if not isinstance(action, PickKind) or action.kind not in KINDS:
        return ADD_KIND
    draft = _draft(context)
    draft.kind = action.kind
    _keep(context, draft)
    await _show(update, context, dialog.add_title_el_prompt(context.tr), cancel=True)
    return ADD_TITLE_EL


async def add_title_el(update: Update, context: Context) -> str | int:
    message = update.effective_message
    assert message is not None
    try:
        title = service.clean_title(message.text or "")
    except DeadlineError as exc:
        await reply(update, context, dialog.problem(context.tr, exc))
        return ADD_TITLE_EL
    draft = _draft(context)
    draft.title_el = title
    _keep(context, draft)
    await _reply(update, context, dialog.add_title_en_prompt(context.tr), cancel=True)
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
            await reply(update, context, dialog.problem(context.tr, exc))
            return ADD_TITLE_EN
    _keep(context, draft)
    await _reply(update, context, dialog.add_when_prompt(context.tr), cancel=True)
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
        await reply(update, context, dialog.problem(tr, exc))
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
    await _reply(update, context, dialog.scope_screen(tr, choices), cancel=True)
    return ADD_SCOPE


def _apply_scope(draft: DeadlineDraft, choice: ScopeChoice) -> None:
    draft.scope = choice.scope
    draft.centre_id = choice.centre_id
    draft.directorate = choice.directorate


async def add_scope(update: Update, context: Context) -> str | int:
    action = _pressed(update)
    stored: Any = _state(context).get("dl_scopes") or []
    if (
        not isinstance(action, PickScope)
        or not isinstance(stored, list)
        or action.index >= len(stored)
    ):
        return ADD_SCOPE
    draft = _draft(context)
    _apply_scope(draft, ScopeChoice(**stored[action.index]))
    _keep(context, draft)
    return await _confirm(update, context)


async def _confirm(update: Update, context: Context) -> str:
    tr = context.tr
    draft = _draft(context)
    if draft.scope == "everyone":
        scope = dialog.everyone(tr)
    else:
        async with context.runtime.sessions() as session:
            scope = (
                draft.directorate
                or await reminder_service.area_label(
                    session, reminder_service.Area(draft.centre_id, None)
                )
                or ""
            )
    screen = dialog.confirm_screen(tr, draft, scope, context.runtime.settings.tz)
    await _show(update, context, screen, cancel=True)
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
        return await show_list(update, context, manager, dialog.problem(context.tr, exc))
    _state(context).pop("dl_draft", None)
    _state(context).pop("dl_scopes", None)
    notice = "✅ " + context.tr.gettext("Saved. Its followers will be reminded in time.")
    return await _detail(update, context, deadline.id, notice)


# --- registration -------------------------------------------------------------------------------


def _on(action: type[Action]) -> str:
    return deadlines.verb_pattern(action)


def build_flow() -> ConversationHandler[Context]:
    open_one = CallbackQueryHandler(open_detail, pattern=_on(OpenDeadline))
    to_list = CallbackQueryHandler(back_to_list, pattern=_on(DeadlineList))
    return flow(
        FLOW,
        entry_points=[CommandHandler("deadlines", open_list, filters=PRIVATE)],
        states={
            LIST: [open_one, CallbackQueryHandler(add_start, pattern=_on(AddDeadline))],
            DETAIL: [
                CallbackQueryHandler(edit_prompt, pattern=_on(EditField)),
                CallbackQueryHandler(kind_prompt, pattern=_on(EditKind)),
                CallbackQueryHandler(move_prompt, pattern=_on(MoveDeadline)),
                CallbackQueryHandler(delete_prompt, pattern=_on(DeleteDeadline)),
                to_list,
                open_one,
            ],
            EDIT_TEXT: [MessageHandler(TEXT, edit_save), open_one],
            EDIT_KIND: [CallbackQueryHandler(kind_save, pattern=_on(PickKind)), open_one],
            MOVE: [MessageHandler(TEXT, move_save), open_one],
            DELETE: [CallbackQueryHandler(delete_confirmed, pattern=_on(ConfirmDelete)), open_one],
            ADD_KIND: [CallbackQueryHandler(add_kind, pattern=_on(PickKind))],
            ADD_TITLE_EL: [MessageHandler(TEXT, add_title_el)],
            ADD_TITLE_EN: [
                MessageHandler(TEXT, add_title_en),
                CallbackQueryHandler(add_title_en, pattern=_on(SameTitle)),
            ],
            ADD_WHEN: [MessageHandler(TEXT, add_when)],
            ADD_SCOPE: [CallbackQueryHandler(add_scope, pattern=_on(PickScope))],
            ADD_CONFIRM: [CallbackQueryHandler(add_save, pattern=_on(SaveDeadline))],
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
