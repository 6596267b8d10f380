"""«Send» and «Change something» of the fault report's summary, on Telegram.

Sending is idempotent: the draft's id rides on the summary's buttons and is
recorded on the ticket, so a double tap, a replayed update or a restart after a
crash at any moment gives one ticket, and the buttons always do something
sensible (finish the submit, or say it was already sent and show the reference).
The draft and its step are saved before the ticket is stored (`save_now`), the
end of the conversation as soon as the update is handled (`save_after`).

The words are `bot.dialogs.helpdesk.report.sent`; the outbox plans the staff post
and the notices in the same transaction as the ticket (`handlers.helpdesk.outbox`).
"""

from __future__ import annotations

from typing import Final

from telegram import Message, Update
from telegram.constants import ParseMode
from telegram.ext import ConversationHandler

from bot.dialogs.helpdesk import planning
from bot.dialogs.helpdesk.report import sent, steps
from bot.dialogs.helpdesk.report.actions import REPORT, Edit, Send, summary_press
from bot.dialogs.helpdesk.report.screens import Env, Step, edit_menu
from bot.services.helpdesk import draft as helpdesk_draft
from bot.services.helpdesk import report as helpdesk_report
from bot.services.helpdesk import tickets
from bot.services.helpdesk.draft import ReportDraft
from bot.services.helpdesk.ticket_types import MessagePurpose, TicketView
from bot.services.helpdesk.ticket_workflow import TransitionRefused
from handlers import helpdesk_outbox
from handlers.common import answer_query, edit_text, reply
from handlers.context import Context
from handlers.durable import save_after, save_now
from handlers.helpdesk import report_common as report_handlers
from handlers.helpdesk import shared as ticket_handlers

SEND_PATTERN: Final = REPORT.verb_pattern(Send)
EDIT_PATTERN: Final = REPORT.verb_pattern(Edit)

State = Step | int | None


async def _say(update: Update, context: Context, body: str, ticket: TicketView) -> Message | None:
    """The teacher's message about `ticket` (its buttons; a reply to it reaches the ticket)."""
    markup = ticket_handlers.teacher_markup(context.tr, ticket)
    query = update.callback_query
    if query is not None:
        await answer_query(query)
        return await edit_text(
            context, query, body, reply_markup=markup, parse_mode=ParseMode.HTML
        )
    return await reply(update, context, body, reply_markup=markup, parse_mode=ParseMode.HTML)


async def _tell(update: Update, context: Context, body: str, ticket: TicketView) -> None:
    message = await _say(update, context, body, ticket)
    await ticket_handlers.link(context, ticket.id, message, MessagePurpose.TEACHER)


def _finish(update: Update, context: Context) -> int:
    """The draft is gone and the conversation over, saved as soon as the update is handled."""
    helpdesk_draft.drop(context.user_data)
    save_after(update)
    return ConversationHandler.END


async def _own_ticket_of_draft(
    update: Update, context: Context, draft_id: str
) -> TicketView | None:
    user = update.effective_user
    if user is None:
        return None
    async with context.runtime.sessions() as session:
        return await helpdesk_report.own_ticket_of_draft(session, draft_id, user.id)


async def _tell_already_sent(update: Update, context: Context, ticket: TicketView) -> None:
    env = report_handlers.env_of(context)
    await _tell(update, context, sent.already_sent(env, ticket.reference), ticket)
    # Stored with its messages in the outbox: if the process died before they went out,
    # they go now (one that was being sent at the crash is `unknown`, never sent twice).
    await helpdesk_outbox.flush(context, ticket_ids=[ticket.id])


GO_ON: Final = -2  # `_pressed`: nothing was done yet, the press is the current draft's


async def _pressed(update: Update, context: Context) -> tuple[ReportDraft, State] | None:
    """The draft, and the state to return at once (GO_ON: the caller goes on).

    If the pressed button's draft (or the current one) already became a ticket: say so,
    show its reference, finish what a crash may have cut short, and end (stay where the
    conversation is when the button was an older draft's). A button of another draft that
    was never sent, or forged data, is "no longer active". None: the draft cannot be read.
    """
    draft = await report_handlers.load_draft(update, context)
    if draft is None:
        return None
    query = update.callback_query
    assert query is not None
    press = summary_press(query.data)
    if press is None:
        await ticket_handlers.inactive(update, context)
        return draft, None
    draft_id = press[1] or draft.id
    ticket = await _own_ticket_of_draft(update, context, draft_id)
    if ticket is None:
        if draft_id != draft.id:  # a summary of another draft, which was never sent
            await ticket_handlers.inactive(update, context)
            return draft, None
        return draft, GO_ON
    await _tell_already_sent(update, context, ticket)
    if draft_id == draft.id:
        return draft, _finish(update, context)
    return draft, None  # an older draft's summary: this one goes on where it is


async def edit_button(update: Update, context: Context) -> State:
    found = await _pressed(update, context)
    if found is None:
        return ConversationHandler.END
    draft, state = found
    if state != GO_ON:
        return state
    env = report_handlers.env_of(context)
    return await report_handlers.apply(update, context, env, edit_menu(env, draft))


async def stale_summary(update: Update, context: Context) -> None:
    """«Send» / «Change something» of a draft whose conversation is over (sent, cancelled,
    or lost in a crash): the reference if it was sent, else "no longer active"."""
    query = update.callback_query
    assert query is not None
    press = summary_press(query.data)
    ticket = None
    if press is not None and press[1] is not None:
        ticket = await _own_ticket_of_draft(update, context, press[1])
    if ticket is None:
        await ticket_handlers.inactive(update, context)
        return
    await _tell_already_sent(update, context, ticket)


async def send(update: Update, context: Context) -> State:
    found = await _pressed(update, context)
    if found is None:
        return ConversationHandler.END
    draft, state = found
    if state != GO_ON:
        return state
    env = report_handlers.env_of(context)
    missing = steps.before_send(env, draft)
    if missing is not None:
        return await report_handlers.apply(update, context, env, missing)
    if draft.duplicate_of is not None:
        return await _send_addition(update, context, env, draft)
    return await _send_new(update, context, env, draft)


async def _send_new(update: Update, context: Context, env: Env, draft: ReportDraft) -> State:
    settings = context.runtime.settings
    plan = planning.NewTicketPlan(context.runtime)
    # The draft (with its id) and this step on disk before the ticket is: a crash from here
    # on brings back a draft whose «Send» finds the ticket instead of opening a second one.
    report_handlers.store(context, draft)
    await save_now(update, context)
    try:
        async with context.runtime.sessions() as session:
            ticket = await tickets.create_ticket(
                session,
                draft.new_ticket(),
                ticket_handlers.actor_of(update),
                reporter_locale=context.locale,
                now=context.runtime.clock(),
                prefix=settings.ticket_prefix,
                per_hour=settings.tickets_per_hour,
                description_max=settings.ticket_description_max,
                tz=settings.tz,
                outbox=plan,
                draft_id=draft.id,
            )
    except tickets.AlreadySent as error:
        await _tell_already_sent(update, context, error.ticket)
        return _finish(update, context)
    except tickets.TooManyTickets as error:
        when = context.tr.time(error.retry_at.astimezone(settings.tz))
        outcome = sent.too_many(env, draft, settings.tickets_per_hour, when)
        return await report_handlers.apply(update, context, env, outcome)
    except tickets.NoCentre:
        await helpdesk_outbox.alert_no_centre(context, draft.school_name, draft.school_code)
        return await report_handlers.apply(update, context, env, sent.no_centre(env, draft))
    except tickets.NotFound:
        return await report_handlers.apply(update, context, env, sent.unknown_school(env, draft))
    except tickets.InvalidTicket:
        return await report_handlers.apply(update, context, env, sent.invalid(env, draft))
    # Stored and committed, with its messages in the outbox: now the teacher may be told
    # the reference, and that the centre has it only once the staff post is out.
    body = sent.registered(
        env,
        ticket.reference,
        ticket.centre_name,
        routable=plan.routable,
        contacts=planning.contacts_text(context.tr, plan.centre),
    )
    await _tell(update, context, body, ticket)
    state = _finish(update, context)
    await helpdesk_outbox.flush(context, ticket_ids=[ticket.id])
    if plan.mailed:
        helpdesk_outbox.kick(context)
    return state


async def _send_addition(update: Update, context: Context, env: Env, draft: ReportDraft) -> State:
    settings = context.runtime.settings
    assert draft.duplicate_of is not None
    assert draft.school_id is not None
    report_handlers.store(context, draft)
    await save_now(update, context)  # as for a new ticket: the draft on disk first
    actor = ticket_handlers.actor_of(update)

    async def plan(session: helpdesk_report.Session, change: tickets.Change) -> None:
        staff = planning.staff_tr(settings)
        notice = sent.addition_notice(
            staff, actor.name, change.ticket.reference, draft.description
        )
        await planning.plan_staff_notice(
            session, context.runtime, change.ticket, notice, attachments=draft.attachments
        )
        await planning.plan_teacher_notices(
            session, context.runtime, change, actor_id=actor.user_id
        )

    try:
        async with context.runtime.sessions() as session:
            change = await tickets.add_to_ticket(
                session,
                draft.duplicate_of,
                actor,
                draft.description,
                school_id=draft.school_id,
                attachments=draft.attachments,
                now=context.runtime.clock(),
                max_chars=settings.ticket_description_max,
                outbox=plan,
                draft_id=draft.id,
            )
    except tickets.AlreadySent as error:
        await _tell_already_sent(update, context, error.ticket)
        return _finish(update, context)
    except (TransitionRefused, tickets.NotFound, tickets.NotAuthorised):
        outcome = sent.closed_meanwhile(env, draft)
        return await report_handlers.apply(update, context, env, outcome)
    ticket = change.ticket
    await _tell(update, context, sent.added(env, ticket.reference), ticket)
    state = _finish(update, context)
    await helpdesk_outbox.flush(context, ticket_ids=[ticket.id])
    await ticket_handlers.refresh_post(context, ticket)
    return state
