"""A teacher's tickets in Teams: "My tickets", a ticket with its history, a message or
photos to the centre, close / reopen / «Solved» (`handlers/helpdesk/teacher.py` for Teams).

The same screens (`bot.dialogs.helpdesk.screens`) and services. The ticket id in a card's
data is input: every press is authorised again (`ticket_access.authorise`) for the
person pressing, so another teacher's ticket id, or a ticket closed meanwhile, changes
nothing and says why. «Reply / add photos» puts the conversation in "message for ticket
N" (the state's "ticket_reply"): the next text or images go to that ticket, once. The
staff hear of it through the outbox, as from Telegram; their post is refreshed through
the runtime's `refresh_staff_post` (set by the Telegram side at start).
"""

from __future__ import annotations

import logging
from typing import Final

from bot.dialogs.helpdesk import actions as act
from bot.dialogs.helpdesk import notices, planning, screens
from bot.dialogs.helpdesk import text as helpdesk_text
from bot.services.helpdesk import outbox as outbox_service
from bot.services.helpdesk import schools as schools_service
from bot.services.helpdesk import ticket_access, ticket_changes, ticket_queries, tickets
from bot.services.helpdesk.outbox import PENDING, SENT, OutboxKind
from bot.services.helpdesk.ticket_access import Need
from bot.services.helpdesk.ticket_changes import MessageKind
from bot.services.helpdesk.ticket_types import (
    Actor,
    Change,
    InvalidTicket,
    NewAttachment,
    NotAuthorised,
    NotFound,
    TicketError,
    TicketView,
)
from bot.services.helpdesk.ticket_workflow import Action, TransitionRefused
from bot.services.text_clean import clean_text
from bot.services.transaction import Transaction
from bot.ui import Action as UiAction
from bot.ui import Screen, escape
from teams.turn import Turn

log = logging.getLogger(__name__)

PER_PAGE: Final = 5
REPLY: Final = "ticket_reply"


def replying(turn: Turn) -> int | None:
    """The ticket the next message goes to, if «Reply / add photos» was pressed."""
    value = turn.state.get(REPLY)
    return value if isinstance(value, int) else None


async def my_tickets(turn: Turn, page: int = 0, *, replace: bool = False) -> None:
    turn.state.pop(REPLY, None)
    async with turn.runtime.sessions() as session:
        found = await ticket_queries.tickets_of_teacher(
            session, turn.user_id, page=page, per_page=PER_PAGE
        )
    await turn.show(screens.my_tickets(turn.tr, found, turn.runtime.settings.tz), replace=replace)


def refusal(turn: Turn, error: TicketError | TransitionRefused) -> str:
    """Why a teacher's button did nothing (as `handlers.helpdesk.shared.refuse` says it)."""
    _ = turn.tr.gettext
    if isinstance(error, TransitionRefused):
        reopen_days = turn.runtime.settings.ticket_reopen_days
        return helpdesk_text.refusal(turn.tr, error.reason, error.status, reopen_days)
    if isinstance(error, NotAuthorised):
        return _("This ticket is not yours. Nothing changed.")
    return _("This button is no longer active.")


async def pressed(turn: Turn, action: UiAction) -> None:
    """A button of the teacher's codec ("tk:…"), authorised on this press."""
    if isinstance(action, act.MyTickets):
        await my_tickets(turn, action.page, replace=True)
        return
    if not isinstance(action, act.TicketAction):
        await turn.say(turn.tr.gettext("This button is no longer active."))
        return
    need = Need.SEE if isinstance(action, act.ViewTicket) else Need.TEACHER
    try:
        async with turn.runtime.sessions() as session:
            await ticket_access.authorise(session, action.ticket_id, turn.user_id, need)
    except TicketError as error:
        await turn.say(refusal(turn, error))
        return
    if isinstance(action, act.ViewTicket):
        await show_ticket(turn, action.ticket_id, replace=True)
    elif isinstance(action, act.TeacherReply):
        await _ask_message(turn, action.ticket_id)
    else:
        closing = isinstance(action, act.CloseTicket)
        await _status(turn, action.ticket_id, Action.CLOSE if closing else Action.REOPEN)


async def show_ticket(turn: Turn, ticket_id: int, *, replace: bool = False) -> None:
    async with turn.runtime.sessions() as session:
        ticket = await tickets.get_ticket(session, ticket_id)
        events = await ticket_queries.history(session, ticket_id, include_internal=False)
    screen = screens.teacher_view(turn.tr, ticket, events, turn.runtime.settings.tz)
    await turn.show(screen, replace=replace)


async def _ask_message(turn: Turn, ticket_id: int) -> None:
    try:
        async with turn.runtime.sessions() as session:
            ticket = await ticket_access.open_for_messages(session, ticket_id)
    except (TransitionRefused, TicketError) as error:
        await turn.say(refusal(turn, error))
        return
    turn.state[REPLY] = ticket_id
    text = turn.tr.gettext(
        "✍️ Write your message for {ref}, or send photos: your next message goes to the "
        "support centre. /cancel if you change your mind."
    ).format(ref=escape(ticket.reference))
    await turn.show(Screen(text, markup=True))


async def flush(turn: Turn, ticket_id: int) -> None:
    if turn.runtime.outbox is None:
        return
    try:
        await turn.runtime.outbox.flush(ticket_ids=[ticket_id], skip=(OutboxKind.MAIL_COPY,))
    except Exception:  # stored: the dispatcher's next pass sends it
        log.warning("teams: the outbox could not be flushed now", exc_info=True)


async def _states(turn: Turn, ids: list[int]) -> list[str]:
    async with turn.runtime.sessions() as session:
        return [s.status for s in await outbox_service.states(session, ids)]


async def _refresh_post(turn: Turn, ticket: TicketView) -> None:
    refresh = turn.runtime.refresh_staff_post
    if refresh is None:
        return
    try:
        await refresh(ticket)
    except Exception:  # the post shows the old status until the next change
        log.warning("teams: the staff post of %s was not refreshed", ticket.reference)


async def message(turn: Turn, text: str, attachments: list[NewAttachment]) -> None:
    """The teacher's message (text and/or photos) for the ticket «Reply» was pressed for."""
    ticket_id = replying(turn)
    if ticket_id is None:
        return
    turn.state.pop(REPLY, None)
    _ = turn.tr.gettext
    runtime = turn.runtime
    settings = runtime.settings
    actor = Actor(turn.user_id, turn.name)
    body = clean_text(text)
    planned: list[int] = []

    async def plan(session: Transaction, change: Change) -> None:
        await planning.plan_teacher_notices(
            session, runtime, change, actor_id=actor.user_id, attachments=attachments
        )
        notice = notices.teacher_wrote(
            planning.staff_tr(settings),
            change.ticket,
            actor.name,
            body,
            status_changed=change.status_changed,
        )
        row = await planning.plan_staff_notice(
            session, runtime, change.ticket, notice, attachments=attachments
        )
        planned.extend([row] if row is not None else [])

    try:
        async with runtime.sessions() as session:
            await ticket_access.authorise(session, ticket_id, turn.user_id, Need.TEACHER)
            change = await ticket_changes.add_message(
                session,
                ticket_id,
                actor,
                MessageKind.TEACHER,
                body,
                attachments=attachments,
                now=runtime.clock(),
                max_chars=settings.ticket_description_max,
                outbox=plan,
            )
    except TransitionRefused:
        await turn.say(_("This ticket is closed. Reopen it from /mytickets to add more."))
        return
    except InvalidTicket:
        turn.state[REPLY] = ticket_id  # nothing lost: they may write it shorter
        limit = settings.ticket_description_max
        await turn.say(
            _("Please write at most {n} characters, or send a photo or file.").format(n=limit)
        )
        return
    except (NotAuthorised, NotFound) as error:
        await turn.say(refusal(turn, error))
        return
    await flush(turn, ticket_id)
    await _refresh_post(turn, change.ticket)
    await turn.show(Screen(await _told(turn, change.ticket, planned), markup=True))


async def _told(turn: Turn, ticket: TicketView, planned: list[int]) -> str:
    """Where the teacher's message is: with the centre, on its way, or stuck."""
    _ = turn.tr.gettext
    ref = escape(ticket.reference)
    status = await _states(turn, planned)
    if status == [SENT]:
        return _("✓ Sent to the support centre ({ref}).").format(ref=ref)
    if status == [PENDING]:
        return _(
            "✓ Saved on {ref}; it will reach the support centre as soon as Telegram lets me."
        ).format(ref=ref)
    async with turn.runtime.sessions() as session:
        centre = await schools_service.get_centre(session, ticket.centre_id)
    return _(
        "⚠️ Saved on {ref}, but I cannot pass it on to {centre} now. The administrators "
        "know. Please also contact the centre: {contacts}"
    ).format(
        ref=ref,
        centre=escape(ticket.centre_name),
        contacts=planning.contacts_text(turn.tr, centre),
    )


async def _status(turn: Turn, ticket_id: int, action: Action) -> None:
    runtime = turn.runtime
    settings = runtime.settings
    actor = Actor(turn.user_id, turn.name)
    planned: list[int] = []

    async def plan(session: Transaction, change: Change) -> None:
        notice = notices.closed_or_reopened(
            planning.staff_tr(settings), change.ticket, actor.name, closed=action is Action.CLOSE
        )
        row = await planning.plan_staff_notice(session, runtime, change.ticket, notice)
        planned.extend([row] if row is not None else [])
        await planning.plan_teacher_notices(session, runtime, change, actor_id=actor.user_id)

    try:
        async with runtime.sessions() as session:
            change = await ticket_changes.apply_action(
                session,
                ticket_id,
                actor,
                action,
                now=runtime.clock(),
                reopen_days=settings.ticket_reopen_days,
                outbox=plan,
            )
    except (TicketError, TransitionRefused) as error:
        await turn.say(refusal(turn, error))
        return
    _ = turn.tr.gettext
    ticket = change.ticket
    await flush(turn, ticket.id)
    told = await _states(turn, planned) == [SENT]
    if action is Action.CLOSE:
        done = _("🔒 {ref} is closed. Thank you! If the fault comes back, press «Reopen».")
    elif told:
        done = _("🔁 {ref} is open again; the support centre has been told.")
    else:
        done = _("🔁 {ref} is open again.")
    rows = screens.teacher_view_buttons(turn.tr, ticket)
    screen = Screen.of(done.format(ref=escape(ticket.reference)), rows, markup=True)
    await turn.show(screen, replace=True)
    await _refresh_post(turn, ticket)
