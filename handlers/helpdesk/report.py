"""The teacher's fault report on Telegram: a persistent, named conversation (it survives restarts).

School (asked once, then remembered, and changeable; by 7-digit code or words of
its name, chosen from buttons) → lab/room → category → equipment (optional) →
[an open report of the same fault is offered instead of a duplicate] →
description (text, or a voice note, or a photo's caption) → photos and files
(optional, several, albums) → urgency → summary to confirm or edit → the ticket
is stored, and only then is its reference told (`handlers.helpdesk.report_send`).

This module is the Telegram adapter only: it unpacks an update (text, a photo or
file or voice note, a button's typed action) into the input of a step of
`bot.dialogs.helpdesk.report`, asks the services what a step needs, stores the
typed draft (`bot.services.helpdesk_draft`) in `user_data`, which the persistence
keeps with the conversation state, and shows the step's screen.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Final, TypeVar

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.dialogs.helpdesk.report import steps
from bot.dialogs.helpdesk.report.actions import (
    REPORT,
    AttachmentsDone,
    Back,
    BackToSummary,
    ChooseCategory,
    ChooseSchool,
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
from bot.dialogs.helpdesk.report.screens import Env, Result, Step
from bot.i18n import N_
from bot.services.helpdesk import draft as helpdesk_draft
from bot.services.helpdesk import report as helpdesk_report
from bot.services.helpdesk import schools as schools_service
from bot.services.helpdesk.draft import ReportDraft
from bot.services.helpdesk.ticket_types import NotFound, TicketError
from bot.ui.actions import Action
from handlers.common import PRIVATE, answer_query
from handlers.context import CommandSpec, Context, KepliApp
from handlers.durable import FLUSH_GROUP, flush_requested
from handlers.flows import HandlerList, flow
from handlers.helpdesk import report_send
from handlers.helpdesk import shared as ticket_handlers
from handlers.helpdesk.report_common import apply, env_of, load_draft

log = logging.getLogger(__name__)

MAX_SEARCH_BUTTONS: Final = 8

COMMAND: Final = CommandSpec("report", N_("Report a fault in the school lab"), order=30)

MEDIA: Final = filters.PHOTO | filters.Document.ALL | filters.VOICE
TEXT: Final = filters.TEXT & ~filters.COMMAND

State = Step | int | None
A = TypeVar("A", bound=Action)
Callback = Callable[[Update, Context], Coroutine[Any, Any, State]]


def step(fn: Callable[[Env, ReportDraft], Result]) -> Callback:
    """A handler running the dialog's step `fn` on the stored draft."""

    async def handler(update: Update, context: Context) -> State:
        draft = await load_draft(update, context)
        if draft is None:
            return ConversationHandler.END
        env = env_of(context)
        return await apply(update, context, env, fn(env, draft))

    return handler


def typed(fn: Callable[[Env, ReportDraft, str], Result]) -> Callback:
    """A handler for a text answer: the dialog's `fn(env, draft, text)`."""

    async def handler(update: Update, context: Context) -> State:
        message = update.effective_message
        assert message is not None
        assert message.text is not None
        value = message.text
        return await step(lambda env, draft: fn(env, draft, value))(update, context)

    return handler


def media_of(update: Update) -> steps.Media:
    """The photo, file or voice note of the update's message, as the dialog's input."""
    message = update.effective_message
    assert message is not None
    found = ticket_handlers.attachments_of(message)
    return steps.Media(
        found[0] if found else None,
        message.caption or "",
        message.media_group_id,
        message.voice is not None,
    )


def sent_media(fn: Callable[[Env, ReportDraft, steps.Media], Result]) -> Callback:
    """A handler for a photo, file or voice note: the dialog's `fn(env, draft, media)`."""

    async def handler(update: Update, context: Context) -> State:
        media = media_of(update)
        return await step(lambda env, draft: fn(env, draft, media))(update, context)

    return handler


def media_at(at: Step) -> Callback:
    """A photo or file at step `at`, which asks something else: kept, `at` asked again."""
    return sent_media(lambda env, draft, media: steps.media_elsewhere(env, draft, media, at))


def wrong_kind(at: Step) -> Callback:
    """Text where buttons were expected: said so, asked again."""
    return step(lambda env, draft: steps.wrong_kind(env, draft, at))


def pressed(kind: type[A], fn: Callable[[Env, ReportDraft, A], Result]) -> Callback:
    """A handler for a button of `kind`: the dialog's `fn(env, draft, action)`; a button whose
    data do not parse (forged, or of an older version) is "no longer active"."""

    async def handler(update: Update, context: Context) -> State:
        query = update.callback_query
        assert query is not None
        action = REPORT.parse_as(query.data, kind)
        if not isinstance(action, kind):
            await ticket_handlers.inactive(update, context)
            return None
        return await step(lambda env, draft: fn(env, draft, action))(update, context)

    return handler


# --- entry ---------------------------------------------------------------------------------------


async def _remembered(update: Update, context: Context) -> schools_service.SchoolInfo | None:
    user = update.effective_user
    assert user is not None
    async with context.runtime.sessions() as session:
        return await schools_service.remembered_school(session, user.id)


async def start_report(update: Update, context: Context) -> State:
    school = await _remembered(update, context)
    env = env_of(context)
    return await apply(update, context, env, steps.start(env, school))


async def start_with_media(update: Update, context: Context) -> State:
    """A photo, file or voice note sent outside any flow starts a report that keeps it."""
    media = media_of(update)
    if media.attachment is None:
        return None
    env = env_of(context)
    refusal = steps.refuse_first_file(env, media)
    if refusal is not None:
        message = update.effective_message
        assert message is not None
        await message.reply_text(refusal)
        return None
    school = await _remembered(update, context)
    return await apply(update, context, env, steps.start_with_media(env, school, media))


# --- steps that ask the services -----------------------------------------------------------------


async def school_text(update: Update, context: Context) -> State:
    message = update.effective_message
    assert message is not None
    assert message.text is not None
    typed_text = message.text
    async with context.runtime.sessions() as session:
        found = await schools_service.search_schools(session, typed_text, limit=MAX_SEARCH_BUTTONS)
    return await step(lambda env, draft: steps.school_found(env, draft, typed_text, found))(
        update, context
    )


async def school_chosen(update: Update, context: Context) -> State:
    query = update.callback_query
    assert query is not None
    action = REPORT.parse_as(query.data, ChooseSchool)
    school = None
    if isinstance(action, ChooseSchool):
        user = update.effective_user
        assert user is not None
        async with context.runtime.sessions() as session:  # also the area of the reminders
            school = await helpdesk_report.choose_school(
                session, user.id, action.school_id, context.runtime.clock()
            )
    return await step(lambda env, draft: steps.school_chosen(env, draft, school))(update, context)


async def duplicate_follow(update: Update, context: Context) -> State:
    """«Follow this ticket»: only an open ticket of this report's school, on every press."""
    query = update.callback_query
    assert query is not None
    draft = await load_draft(update, context)
    if draft is None:
        return ConversationHandler.END
    action = REPORT.parse_as(query.data, FollowDuplicate)
    user = update.effective_user
    assert user is not None
    try:
        if not isinstance(action, FollowDuplicate):
            raise NotFound(query.data or "")
        async with context.runtime.sessions() as session:
            ticket = await helpdesk_report.duplicate_to_follow(
                session, action.ticket_id, user.id, draft
            )
    except TicketError as error:
        await ticket_handlers.refuse(update, context, error, staff_action=False)
        return Step.DUPLICATE
    env = env_of(context)
    return await apply(update, context, env, steps.duplicate_followed(env, draft, ticket))


# --- back, keep going, leave ---------------------------------------------------------------------


async def go_back(update: Update, context: Context) -> State:
    """« Back»: the step before this one again, with its answer kept."""
    draft = await load_draft(update, context)
    if draft is None:
        return ConversationHandler.END
    env = env_of(context)
    result = steps.back(env, draft)
    if result is None:
        query = update.callback_query
        assert query is not None
        await answer_query(query, context.tr.gettext("This is the first question."))
        return None
    return await apply(update, context, env, result)


async def resume(update: Update, context: Context, state: object) -> State:
    """«Keep going» after a question about leaving the report: the current step again."""
    draft = await load_draft(update, context)
    if draft is None:
        return ConversationHandler.END
    env = env_of(context)
    result = steps.resume(env, draft, state)
    return None if result is None else await apply(update, context, env, result)


async def leave(update: Update, context: Context) -> None:
    """The report ends unsent (/cancel, /start, or leaving it for another flow)."""
    helpdesk_draft.drop(context.user_data)


# --- registration --------------------------------------------------------------------------------


def _button(kind: type[Action], callback: Callback) -> CallbackQueryHandler[Context, State]:
    return CallbackQueryHandler(callback, pattern=REPORT.verb_pattern(kind))


def _press(
    kind: type[A], fn: Callable[[Env, ReportDraft, A], Result]
) -> CallbackQueryHandler[Context, State]:
    """The handler of a button of `kind`, running the dialog's `fn(env, draft, action)`."""
    return _button(kind, pressed(kind, fn))


def _simple(fn: Callable[[Env, ReportDraft], Result]) -> Callable[[Env, ReportDraft, Any], Result]:
    """A step that needs nothing of its button but the press."""
    return lambda env, draft, _action: fn(env, draft)


@dataclass(frozen=True)
class _Asks:
    """What a step of the report takes: its buttons, what a text does there (by default:
    buttons were expected, said so, asked again) and what a photo, file or voice note does
    (by default: kept, the step asked again)."""

    buttons: tuple[CallbackQueryHandler[Context, State], ...] = ()
    text: Callback | None = None
    media: Callback | None = None
    media_filter: filters.BaseFilter = MEDIA

    def handlers(self, at: Step) -> HandlerList:
        return [
            *self.buttons,
            MessageHandler(TEXT, self.text or wrong_kind(at)),
            MessageHandler(self.media_filter, self.media or media_at(at)),
        ]


def _steps() -> dict[Step, _Asks]:
    """Each step of the report, and what it takes (the table the conversation is built of)."""
    return {
        Step.SCHOOL_CONFIRM: _Asks(
            (
                _press(KeepSchool, _simple(steps.keep_school)),
                _press(OtherSchool, _simple(steps.ask_school)),
            ),
            text=school_text,  # text instead of Yes/Another school: a search for another school
        ),
        Step.SCHOOL: _Asks(
            (_button(ChooseSchool, school_chosen),), text=school_text, media_filter=MEDIA & PRIVATE
        ),
        Step.LAB: _Asks((_press(LastLab, _simple(steps.lab_last)),), text=typed(steps.lab_text)),
        Step.CATEGORY: _Asks((_press(ChooseCategory, steps.choose_category),)),
        Step.EQUIPMENT: _Asks(
            (_press(Skip, _simple(steps.equipment_skip)),), text=typed(steps.equipment_text)
        ),
        Step.DUPLICATE: _Asks(
            (
                _button(FollowDuplicate, duplicate_follow),
                _press(NewFault, _simple(steps.duplicate_declined)),
            )
        ),
        Step.DESCRIPTION: _Asks(
            (_press(Skip, _simple(steps.description_skip)),),
            text=typed(steps.description_text),
            media=sent_media(steps.description_media),
        ),
        Step.ATTACHMENTS: _Asks(
            (
                _press(AttachmentsDone, _simple(steps.attachments_done)),
                _press(ClearAttachments, _simple(steps.attachments_clear)),
            ),
            text=typed(steps.attachments_text),
            media=sent_media(steps.attachment_received),
        ),
        Step.URGENCY: _Asks((_press(ChooseUrgency, steps.choose_urgency),)),
        Step.CONFIRM: _Asks(
            (
                CallbackQueryHandler(report_send.send, pattern=report_send.SEND_PATTERN),
                CallbackQueryHandler(report_send.edit_button, pattern=report_send.EDIT_PATTERN),
            )
        ),
        Step.EDIT: _Asks(
            (
                _press(EditField, steps.choose_field),
                _press(BackToSummary, _simple(steps.show_summary)),
            )
        ),
    }


def build(app: KepliApp) -> ConversationHandler[Context]:
    del app
    return flow(
        "report",
        entry_points=[
            CommandHandler("report", start_report, filters=PRIVATE),
            CallbackQueryHandler(start_report, pattern=r"^menu:report$"),
            # A photo sent inside another flow asks first whether to leave it (handlers.flows).
            MessageHandler(PRIVATE & MEDIA & ~filters.REPLY, start_with_media),
        ],
        states={at: asks.handlers(at) for at, asks in _steps().items()},
        # /report or the menu entry during a report starts it afresh. Not allow_reentry:
        # that would test the entry points first, and a photo sent while collecting
        # photos would start a new report instead of joining this one.
        fallbacks=[
            CommandHandler("report", start_report, filters=PRIVATE),
            CallbackQueryHandler(start_report, pattern=r"^menu:report$"),
            _button(Back, go_back),
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
    app.add_handler(
        CallbackQueryHandler(report_send.stale_summary, pattern=REPORT.verb_pattern(Send, Edit))
    )
    app.add_handler(TypeHandler(Update, flush_requested), group=FLUSH_GROUP)
