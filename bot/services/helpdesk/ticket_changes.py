"""Working on a ticket: staff and teacher actions, and messages on it (replies, notes).

Each change appends to the event log and commits before it returns; authorisation
is done here, not in the handlers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import (
    TicketEvent,
)
from bot.services.helpdesk.ticket_types import (
    Actor,
    AlreadyAssigned,
    Change,
    EventKind,
    NewAttachment,
    PlanChange,
    TicketError,
)
from bot.services.helpdesk.ticket_workflow import (
    Action,
    Refusal,
    Role,
    Status,
    TransitionRefused,
    transition,
)
from bot.services.helpdesk.tickets import (
    STAFF_ACTIONS,
    add_attachments,
    authorise_actor,
    checked_text,
    clean_actor,
    commit_change,
    finish_time,
    locked_ticket,
    record_event,
    set_status,
)


async def apply_action(
    session: AsyncSession,
    ticket_id: int,
    actor: Actor,
    action: Action,
    *,
    now: datetime,
    reopen_days: int = 14,
    outbox: PlanChange | None = None,
) -> Change:
    """Do a status action (take, in progress, waiting, resolved, close, reopen). Commits.

    Raises NotFound, NotAuthorised, TransitionRefused (with its reason) or
    AlreadyAssigned; nothing is changed when it raises.
    """
    if action is Action.TEACHER_REPLY:
        raise ValueError("teacher replies go through add_message")
    role = Role.STAFF if action in STAFF_ACTIONS else Role.REPORTER
    actor = clean_actor(actor)
    ticket = await locked_ticket(session, ticket_id)
    try:
        await authorise_actor(session, ticket, actor, role)
        before = Status(ticket.status)
        target = transition(
            before,
            action,
            role,
            now=now,
            finished_at=finish_time(ticket),
            reopen_days=reopen_days,
        )
        if action is Action.TAKE and ticket.assignee_id == actor.user_id:
            raise AlreadyAssigned(ticket.reference)
    except (TicketError, TransitionRefused):
        await session.rollback()  # releases the row lock
        raise
    events: list[TicketEvent] = []
    take = action is Action.TAKE or (action is Action.START and ticket.assignee_id is None)
    if take:
        previous = ticket.assignee_name
        ticket.assignee_id = actor.user_id
        ticket.assignee_name = actor.name
        events.append(record_event(ticket, actor, role, EventKind.ASSIGNED, now, text=previous))
    if target is not before:
        kind = {
            Action.CLOSE: EventKind.CLOSED,
            Action.REOPEN: EventKind.REOPENED,
        }.get(action, EventKind.STATUS)
        set_status(ticket, target, now)
        events.append(
            record_event(
                ticket, actor, role, kind, now, from_status=before.value, to_status=target.value
            )
        )
    if role is Role.STAFF and ticket.first_response_at is None:
        ticket.first_response_at = now
    ticket.updated_at = now
    return await commit_change(session, ticket, events, outbox)


class MessageKind(StrEnum):
    REPLY = "reply"  # staff → teacher
    NOTE = "note"  # staff only
    TEACHER = "teacher"  # teacher → staff


async def add_message(
    session: AsyncSession,
    ticket_id: int,
    actor: Actor,
    kind: MessageKind,
    text: str,
    *,
    attachments: Sequence[NewAttachment] = (),
    now: datetime,
    max_chars: int = 2000,
    outbox: PlanChange | None = None,
) -> Change:
    """A staff reply, an internal note, or a teacher's reply (text and/or files). Commits.

    A teacher's reply to a ticket waiting for the school hands it back to staff
    (in progress). A closed ticket takes no more messages (reopen it first).
    """
    text = checked_text(text, attachments, max_chars=max_chars, required=True)
    actor = clean_actor(actor)
    role = Role.REPORTER if kind is MessageKind.TEACHER else Role.STAFF
    ticket = await locked_ticket(session, ticket_id)
    try:
        await authorise_actor(session, ticket, actor, role)
        before = Status(ticket.status)
        if role is Role.REPORTER:
            target = transition(before, Action.TEACHER_REPLY, role)
        elif before is Status.CLOSED:
            raise TransitionRefused(Refusal.FROM_STATUS, before)
        else:
            target = before
    except (TicketError, TransitionRefused):
        await session.rollback()
        raise
    internal = kind is MessageKind.NOTE
    event_kind = {
        MessageKind.REPLY: EventKind.REPLY,
        MessageKind.NOTE: EventKind.NOTE,
        MessageKind.TEACHER: EventKind.TEACHER_REPLY,
    }[kind]
    add_attachments(
        session, ticket.id, attachments, added_by=actor.user_id, internal=internal, now=now
    )
    events = [
        record_event(ticket, actor, role, event_kind, now, text=text or None, internal=internal)
    ]
    if target is not before:
        set_status(ticket, target, now)
        events.append(
            record_event(
                ticket,
                actor,
                role,
                EventKind.STATUS,
                now,
                from_status=before.value,
                to_status=target.value,
            )
        )
    if kind is MessageKind.REPLY and ticket.first_response_at is None:
        ticket.first_response_at = now
    ticket.updated_at = now
    return await commit_change(session, ticket, events, outbox)
