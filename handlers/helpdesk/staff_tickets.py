"""Staff on tickets: the post's buttons (take, in progress, waiting, resolved, reply,
note, history) and /tickets (mine, unassigned, all; paged).

Callback data: the `staff` ("hd:...") and `staff_list` ("st:...") codecs of
bot.dialogs.helpdesk.actions. Every press is authorised by the service."""

from __future__ import annotations

from html import escape

from telegram import CallbackQuery, Message, Update
from telegram.constants import ChatType

from bot.dialogs.helpdesk import actions as act
from bot.dialogs.helpdesk import planning, screens, text
from bot.services.helpdesk import staff as staff_service
from bot.services.helpdesk import ticket_queries, tickets
from bot.services.helpdesk.ticket_access import Need
from bot.services.helpdesk.ticket_types import Change, ListScope, MessagePurpose
from bot.services.helpdesk.ticket_workflow import Action
from bot.services.transaction import Transaction
from bot.ui import Screen
from handlers.common import answer_query, reply
from handlers.context import Context
from handlers.helpdesk import outbox as helpdesk_outbox
from handlers.helpdesk import shared
from handlers.render import show

# --- staff: buttons and /tickets ------------------------------------------------------------


async def staff_button(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    action = act.staff.parse(query.data)
    if not isinstance(action, act.StaffAction):
        await shared.inactive(update, context)
        return
    ticket_id = action.ticket_id
    if await shared.authorised(update, context, ticket_id, Need.STAFF, staff_action=True) is None:
        return
    transition = act.TRANSITIONS.get(type(action))
    if transition is not None:
        await _staff_action(update, context, ticket_id, transition)
    elif isinstance(action, act.ReplyToTeacher | act.InternalNote):
        await _ask_staff_message(update, context, ticket_id, isinstance(action, act.InternalNote))
    else:
        await _staff_history(update, context, ticket_id)


async def _staff_action(update: Update, context: Context, ticket_id: int, action: Action) -> None:
    query = update.callback_query
    assert query is not None
    actor = shared.actor_of(update)

    async def plan(session: Transaction, change: Change) -> None:
        await planning.plan_teacher_notices(
            session, context.runtime, change, actor_id=actor.user_id
        )

    change = await shared.apply_action(
        update, context, ticket_id, action, staff_action=True, outbox=plan
    )
    if change is None:
        async with context.runtime.sessions() as session:
            current = await tickets.get_ticket(session, ticket_id)
        await shared.refresh_post(context, current)  # a stale post shows the truth again
        return
    ticket = change.ticket
    await answer_query(
        query,
        context.tr.gettext("Done: {status}").format(status=text.status(context.tr, ticket.status)),
    )
    await helpdesk_outbox.flush(context, ticket_ids=[ticket.id])
    await shared.refresh_post(context, ticket)
    pressed = query.message
    is_post = isinstance(pressed, Message) and (pressed.chat_id, pressed.message_id) == (
        ticket.staff_chat_id,
        ticket.staff_message_id,
    )
    if isinstance(pressed, Message) and not is_post:
        await _staff_view(context, query, ticket_id)  # the /tickets view in a private chat


async def _ask_staff_message(
    update: Update, context: Context, ticket_id: int, internal: bool
) -> None:
    query = update.callback_query
    assert query is not None
    pressed = query.message
    _ = context.tr.gettext
    ticket = await shared.open_for_messages(update, context, ticket_id, staff_action=True)
    if ticket is None:
        return
    await answer_query(query)
    user = query.from_user
    mention = f'<a href="tg://user?id={user.id}">{escape(user.first_name)}</a>'
    if internal:
        prompt = _("✍️ {name}, write the internal note on {ref} as a reply to this message.")
    else:
        prompt = _(
            "✍️ {name}, write your reply to the teacher on {ref} as a reply to this message "
            "(text, photo or file)."
        )
    chat_id = pressed.chat.id if pressed is not None else user.id
    thread = pressed.message_thread_id if isinstance(pressed, Message) else None
    in_topic = isinstance(pressed, Message) and pressed.is_topic_message
    message = await shared.force_reply(
        context,
        chat_id,
        prompt.format(name=mention, ref=escape(ticket.reference)),
        placeholder=ticket.reference,
        selective=True,
        thread_id=thread if in_topic else None,
    )
    purpose = MessagePurpose.NOTE_PROMPT if internal else MessagePurpose.REPLY_PROMPT
    await shared.link(context, ticket_id, message, purpose)


async def _staff_history(update: Update, context: Context, ticket_id: int) -> None:
    query = update.callback_query
    assert query is not None
    await answer_query(query)
    pressed = query.message
    if isinstance(pressed, Message) and pressed.chat.type == ChatType.PRIVATE:
        await _staff_view(context, query, ticket_id)
        return
    ticket, events = await shared.with_history(context, ticket_id, include_internal=True)
    tr = shared.staff_tr(context)
    lines = [f"📜 <b>{escape(ticket.reference)}</b>"]
    lines += [text.event_line(tr, e, context.runtime.settings.tz) for e in events]
    await shared.staff_notice(context, ticket, "\n".join(lines))


async def _staff_view(context: Context, query: CallbackQuery, ticket_id: int) -> None:
    ticket, events = await shared.with_history(context, ticket_id, include_internal=True)
    screen = screens.staff_view(context.tr, ticket, events, context.runtime.settings.tz, back=True)
    await shared.edit_to(context, query, screen)


async def _staff_page(
    context: Context, user_id: int, scope: ListScope, page: int
) -> Screen | None:
    async with context.runtime.sessions() as session:
        centre_ids = await staff_service.staff_centre_ids(session, user_id)
        if not centre_ids:
            return None
        found = await ticket_queries.tickets_of_centres(
            session, centre_ids, scope, user_id=user_id, page=page, per_page=shared.PER_PAGE
        )
    return screens.staff_tickets(context.tr, found, scope, context.runtime.settings.tz)


async def tickets_command(update: Update, context: Context) -> None:
    user = update.effective_user
    assert user is not None
    page = await _staff_page(context, user.id, ListScope.ALL, 0)
    if page is None:
        await reply(
            update,
            context,
            context.tr.gettext(
                "/tickets is for support-centre staff. To follow your own reports, use /mytickets."
            ),
        )
        return
    await show(update, context, page)


async def staff_list_button(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    action = act.staff_list.parse(query.data)
    if isinstance(action, act.StaffView):
        if await shared.authorised(
            update, context, action.ticket_id, Need.STAFF, staff_action=True
        ):
            await answer_query(query)
            await _staff_view(context, query, action.ticket_id)
        return
    if not isinstance(action, act.StaffPage):
        await shared.inactive(update, context)
        return
    page = await _staff_page(context, query.from_user.id, action.scope, action.page)
    if page is None:
        await answer_query(
            query, context.tr.gettext("Only support-centre staff can see this."), alert=True
        )
        return
    await show(update, context, page)
