"""A teacher's tickets: /mytickets (paged), a ticket's details, reply, close, reopen.

Callback data: the `teacher` codec of bot.dialogs.helpdesk.actions ("tk:...")."""

from __future__ import annotations

from html import escape

from telegram import Update

from bot.dialogs.helpdesk import actions as act
from bot.dialogs.helpdesk import notices, planning, screens
from bot.services.helpdesk import ticket_queries
from bot.services.helpdesk.outbox import SENT
from bot.services.helpdesk.ticket_access import Need
from bot.services.helpdesk.ticket_types import Change, MessagePurpose
from bot.services.helpdesk.ticket_workflow import Action, Role
from bot.services.transaction import Transaction
from bot.ui import Screen
from handlers.common import answer_query
from handlers.context import Context
from handlers.helpdesk import outbox as helpdesk_outbox
from handlers.helpdesk import shared
from handlers.render import show


async def _my_page(context: Context, user_id: int, page: int) -> Screen:
    async with context.runtime.sessions() as session:
        found = await ticket_queries.tickets_of_teacher(
            session, user_id, page=page, per_page=shared.PER_PAGE
        )
    return screens.my_tickets(context.tr, found, context.runtime.settings.tz)


async def my_tickets(update: Update, context: Context) -> None:
    user = update.effective_user
    assert user is not None
    await show(update, context, await _my_page(context, user.id, 0))


async def teacher_button(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    action = act.teacher.parse(query.data)
    if action is None:
        await shared.inactive(update, context)
        return
    if isinstance(action, act.MyTickets):
        assert update.effective_user is not None
        await show(update, context, await _my_page(context, update.effective_user.id, action.page))
        return
    if not isinstance(action, act.TicketAction):
        await shared.inactive(update, context)
        return
    ticket_id = action.ticket_id
    need = Need.SEE if isinstance(action, act.ViewTicket) else Need.TEACHER
    role = await shared.authorised(update, context, ticket_id, need, staff_action=False)
    if role is None:
        return
    if isinstance(action, act.ViewTicket):
        await _show_ticket(update, context, ticket_id, role)
    elif isinstance(action, act.TeacherReply):
        await _ask_teacher_reply(update, context, ticket_id)
    else:
        closing = isinstance(action, act.CloseTicket)
        await _teacher_action(
            update, context, ticket_id, Action.CLOSE if closing else Action.REOPEN
        )


async def _show_ticket(update: Update, context: Context, ticket_id: int, role: Role) -> None:
    query = update.callback_query
    assert query is not None
    await answer_query(query)
    for_staff = role is Role.STAFF
    ticket, events = await shared.with_history(context, ticket_id, include_internal=for_staff)
    tz = context.runtime.settings.tz
    screen = (
        screens.staff_view(context.tr, ticket, events, tz, back=False)
        if for_staff
        else screens.teacher_view(context.tr, ticket, events, tz)
    )
    message = await shared.edit_to(context, query, screen)
    if not for_staff:
        await shared.link(context, ticket_id, message, MessagePurpose.TEACHER)


async def _ask_teacher_reply(update: Update, context: Context, ticket_id: int) -> None:
    query = update.callback_query
    assert query is not None
    _ = context.tr.gettext
    ticket = await shared.open_for_messages(update, context, ticket_id, staff_action=False)
    if ticket is None:
        return
    await answer_query(query)
    prompt = await shared.force_reply(
        context,
        query.from_user.id,
        _(
            "✍️ Write your message for {ref}, or send photos or files, as a reply to this "
            "message. It goes to the support centre."
        ).format(ref=escape(ticket.reference)),
        placeholder=ticket.reference,
    )
    await shared.link(context, ticket_id, prompt, MessagePurpose.TEACHER)


async def _teacher_action(
    update: Update, context: Context, ticket_id: int, action: Action
) -> None:
    query = update.callback_query
    assert query is not None
    settings = context.runtime.settings
    actor = shared.actor_of(update)
    planned: list[int] = []

    async def plan(session: Transaction, change: Change) -> None:
        tr = planning.staff_tr(settings)
        notice = notices.closed_or_reopened(
            tr, change.ticket, actor.name, closed=action is Action.CLOSE
        )
        row = await planning.plan_staff_notice(session, context.runtime, change.ticket, notice)
        planned.extend([row] if row is not None else [])
        await planning.plan_teacher_notices(
            session, context.runtime, change, actor_id=actor.user_id
        )

    change = await shared.apply_action(
        update, context, ticket_id, action, staff_action=False, outbox=plan
    )
    if change is None:
        return
    _ = context.tr.gettext
    ticket = change.ticket
    await answer_query(query, _("Done."))
    await helpdesk_outbox.flush(context, ticket_ids=[ticket.id])
    told = [s.status for s in await helpdesk_outbox.outcome(context, planned)] == [SENT]
    if action is Action.CLOSE:
        done = _("🔒 {ref} is closed. Thank you! If the fault comes back, press «Reopen».")
    elif told:
        done = _("🔁 {ref} is open again; the support centre has been told.")
    else:
        done = _("🔁 {ref} is open again.")
    buttons = screens.teacher_view_buttons(context.tr, ticket)
    message = await shared.edit_to(
        context, query, Screen.of(done.format(ref=escape(ticket.reference)), buttons)
    )
    await shared.link(context, ticket.id, message, MessagePurpose.TEACHER)
    await shared.refresh_post(context, ticket)
