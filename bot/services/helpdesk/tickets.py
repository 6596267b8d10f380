"""Tickets: opening (references, checks, duplicates), joining, reading one; the helpers
every change uses. No Telegram types here.

Beside it: `ticket_types` (values, errors), `ticket_queries` (who sees what, lists,
history), `ticket_changes` (actions and messages), `ticket_links` (the bot's messages
about a ticket), `ticket_summary` (the weekly numbers, the export).

Every function that changes a ticket appends to its event log and commits
before it returns, so the caller may tell people about the change at once.
Authorisation is done here, not in the handlers: staff actions need staff of
the ticket's centre, teacher actions need the reporter or a watcher.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import (
    School,
    SupportCentre,
    Ticket,
    TicketAttachment,
    TicketCounter,
    TicketEvent,
    TicketWatcher,
)
from bot.services.helpdesk.schools import centre_of_school
from bot.services.helpdesk.staff import is_staff

# The fault report catches it as `tickets.TicketError` (the lead moves that import at merge).
from bot.services.helpdesk.ticket_types import (
    MAX_ATTACHMENTS,
    MAX_EQUIPMENT_CHARS,
    MAX_FILE_BYTES,
    MAX_LAB_CHARS,
    MAX_NAME_CHARS,
    Actor,
    AlreadySent,
    AttachmentKind,
    AttachmentView,
    Category,
    Change,
    EventKind,
    EventView,
    InvalidTicket,
    NewAttachment,
    NewTicket,
    NoCentre,
    NotAuthorised,
    NotFound,
    PlanChange,
    PlanNew,
    TicketError,  # noqa: F401
    TicketView,
    TooManyTickets,
    Urgency,
)
from bot.services.helpdesk.ticket_workflow import (
    OPEN_STATUSES,
    Action,
    Refusal,
    Role,
    Status,
    TransitionRefused,
)
from bot.services.text_clean import clean_file_name, clean_line, clean_optional, clean_text

# --- reading ------------------------------------------------------------------


def _attachment_view(a: TicketAttachment) -> AttachmentView:
    return AttachmentView(
        a.id, AttachmentKind(a.kind), a.file_id, a.caption, a.file_name, a.internal
    )


def event_view(e: TicketEvent) -> EventView:
    return EventView(
        id=e.id,
        at=e.at,
        actor_id=e.actor_id,
        actor_name=e.actor_name,
        role=e.role,
        kind=EventKind(e.kind),
        from_status=Status(e.from_status) if e.from_status else None,
        to_status=Status(e.to_status) if e.to_status else None,
        text=e.text,
        internal=e.internal,
    )


async def view_of(session: AsyncSession, ticket: Ticket) -> TicketView:
    school = await session.get(School, ticket.school_id)
    centre = await session.get(SupportCentre, ticket.centre_id)
    # Foreign keys restrict deleting a school or centre that has tickets.
    assert school is not None
    assert centre is not None
    attachments = await session.scalars(
        select(TicketAttachment)
        .where(TicketAttachment.ticket_id == ticket.id)
        .order_by(TicketAttachment.id)
    )
    watchers = await session.scalars(
        select(TicketWatcher.user_id)
        .where(TicketWatcher.ticket_id == ticket.id)
        .order_by(TicketWatcher.added_at)
    )
    return TicketView(
        id=ticket.id,
        reference=ticket.reference,
        status=Status(ticket.status),
        category=Category(ticket.category),
        urgency=Urgency(ticket.urgency),
        lab=ticket.lab,
        equipment=ticket.equipment,
        description=ticket.description,
        school_id=school.id,
        school_code=school.code,
        school_name=school.name,
        centre_id=centre.id,
        centre_name=centre.name,
        reporter_id=ticket.reporter_id,
        reporter_name=ticket.reporter_name,
        reporter_locale=ticket.reporter_locale,
        assignee_id=ticket.assignee_id,
        assignee_name=ticket.assignee_name,
        created_at=ticket.created_at,
        updated_at=ticket.updated_at,
        first_response_at=ticket.first_response_at,
        resolved_at=ticket.resolved_at,
        closed_at=ticket.closed_at,
        staff_chat_id=ticket.staff_chat_id,
        staff_message_id=ticket.staff_message_id,
        attachments=tuple(_attachment_view(a) for a in attachments),
        watcher_ids=tuple(watchers),
    )


async def get_ticket(session: AsyncSession, ticket_id: int) -> TicketView:
    ticket = await session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound(str(ticket_id))
    return await view_of(session, ticket)


async def ticket_by_reference(session: AsyncSession, reference: str) -> TicketView:
    ticket = await session.scalar(
        select(Ticket).where(Ticket.reference == reference.strip().upper())
    )
    if ticket is None:
        raise NotFound(reference)
    return await view_of(session, ticket)


async def follows(session: AsyncSession, ticket: Ticket, user_id: int) -> bool:
    if ticket.reporter_id == user_id:
        return True
    watcher = await session.get(TicketWatcher, (ticket.id, user_id))
    return watcher is not None


# --- opening ------------------------------------------------------------------


def reference_for(prefix: str, year: int, number: int) -> str:
    return f"{prefix}-{year}-{number:05d}"


async def next_reference(session: AsyncSession, prefix: str, year: int) -> str:
    """The next reference of `year`, counted in the caller's transaction.

    The counter row is created if missing (a no-op for a concurrent creator)
    and incremented with UPDATE ... RETURNING, which takes the row lock: on
    PostgreSQL concurrent creators queue on that lock until the first commits,
    on SQLite the database write lock does the same. A rolled-back ticket gives
    its number back; the reference's unique constraint is the last guard.
    """
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    await session.execute(
        insert(TicketCounter)
        .values(year=year, last=0)
        .on_conflict_do_nothing(index_elements=["year"])
    )
    number = await session.scalar(
        update(TicketCounter)
        .where(TicketCounter.year == year)
        .values(last=TicketCounter.last + 1)
        .returning(TicketCounter.last)
    )
    assert number is not None
    return reference_for(prefix, year, number)


def clean_actor(actor: Actor) -> Actor:
    """The actor with a name fit to store (no control characters, within the column)."""
    return Actor(actor.user_id, clean_line(actor.name, MAX_NAME_CHARS))


def clean_draft(draft: NewTicket) -> NewTicket:
    """The draft's free text without control characters (PostgreSQL refuses NUL)."""
    return replace(
        draft,
        lab=clean_text(draft.lab),
        description=clean_text(draft.description),
        equipment=clean_optional(draft.equipment),
    )


def validate(draft: NewTicket, *, description_max: int) -> None:
    """Raise InvalidTicket naming the first field that breaks a limit."""
    if len(draft.description) > description_max:
        raise InvalidTicket("description")
    if len(draft.lab) > MAX_LAB_CHARS:
        raise InvalidTicket("lab")
    if draft.equipment is not None and len(draft.equipment) > MAX_EQUIPMENT_CHARS:
        raise InvalidTicket("equipment")
    if len(draft.attachments) > MAX_ATTACHMENTS:
        raise InvalidTicket("attachments")
    if any((a.file_size or 0) > MAX_FILE_BYTES for a in draft.attachments):
        raise InvalidTicket("file_size")
    if not draft.description.strip() and not draft.attachments:
        raise InvalidTicket("description")


async def check_rate(
    session: AsyncSession, reporter_id: int, *, now: datetime, per_hour: int
) -> None:
    """Raise TooManyTickets if the teacher opened `per_hour` tickets in the last hour."""
    window_start = now - timedelta(hours=1)
    recent = list(
        await session.scalars(
            select(Ticket.created_at)
            .where(Ticket.reporter_id == reporter_id, Ticket.created_at > window_start)
            .order_by(Ticket.created_at)
        )
    )
    if len(recent) >= per_hour:
        raise TooManyTickets(recent[len(recent) - per_hour] + timedelta(hours=1))


def add_attachments(
    session: AsyncSession,
    ticket_id: int,
    attachments: Sequence[NewAttachment],
    *,
    added_by: int,
    internal: bool,
    now: datetime,
) -> None:
    for a in attachments:
        session.add(
            TicketAttachment(
                ticket_id=ticket_id,
                kind=a.kind.value,
                file_id=a.file_id,
                file_unique_id=a.file_unique_id,
                caption=clean_optional(a.caption),
                file_name=clean_file_name(a.file_name),
                mime_type=clean_line(a.mime_type, 100) if a.mime_type else None,
                file_size=a.file_size,
                added_by=added_by,
                internal=internal,
                created_at=now,
            )
        )


async def create_ticket(
    session: AsyncSession,
    draft: NewTicket,
    reporter: Actor,
    *,
    reporter_locale: str | None,
    now: datetime,
    prefix: str = "KPL",
    per_hour: int = 5,
    description_max: int = 2000,
    tz: ZoneInfo | None = None,
    outbox: PlanNew | None = None,
    draft_id: str | None = None,
) -> TicketView:
    """Open a ticket, routed to the centre of the school. Commits before returning.

    The reference's year is the local year (`tz`) of `now`. `outbox` plans the
    messages about the new ticket in the same transaction. `draft_id` names the
    report draft: if a ticket was already made from it, AlreadySent (with that
    ticket) is raised and nothing is stored, also when two submits race (the
    column is unique).
    """
    if draft_id is not None:
        existing = await ticket_of_draft(session, draft_id)
        if existing is not None:
            raise AlreadySent(existing)
    draft = clean_draft(draft)
    reporter = clean_actor(reporter)
    validate(draft, description_max=description_max)
    await check_rate(session, reporter.user_id, now=now, per_hour=per_hour)
    school = await session.get(School, draft.school_id)
    if school is None:
        raise NotFound(f"school {draft.school_id}")
    centre = await centre_of_school(session, school)
    if centre is None:
        raise NoCentre(school.code)
    year = (now.astimezone(tz) if tz else now).year
    reference = await next_reference(session, prefix, year)
    ticket = Ticket(
        reference=reference,
        reporter_id=reporter.user_id,
        reporter_name=reporter.name,
        reporter_locale=reporter_locale,
        school_id=school.id,
        centre_id=centre.id,
        lab=draft.lab.strip(),
        category=draft.category.value,
        equipment=(draft.equipment or "").strip() or None,
        description=draft.description.strip(),
        urgency=draft.urgency.value,
        status=Status.NEW.value,
        created_at=now,
        updated_at=now,
        draft_id=draft_id,
    )
    session.add(ticket)
    try:
        await session.flush()
    except IntegrityError:
        # Another submit of the same draft committed first (the reference is unique too,
        # but next_reference's row lock orders those).
        await session.rollback()
        if draft_id is not None:
            existing = await ticket_of_draft(session, draft_id)
            if existing is not None:
                raise AlreadySent(existing) from None
        raise
    add_attachments(
        session, ticket.id, draft.attachments, added_by=reporter.user_id, internal=False, now=now
    )
    session.add(
        TicketEvent(
            ticket_id=ticket.id,
            at=now,
            actor_id=reporter.user_id,
            actor_name=reporter.name,
            role=Role.REPORTER.value,
            kind=EventKind.CREATED.value,
            to_status=Status.NEW.value,
            text=ticket.description or None,
        )
    )
    await session.flush()
    view = await view_of(session, ticket)
    if outbox is not None:
        await outbox(session, view)
    await session.commit()
    return view


async def ticket_of_draft(session: AsyncSession, draft_id: str) -> TicketView | None:
    """The ticket made from the report draft `draft_id`, or that it was added to, if any."""
    ticket = await session.scalar(select(Ticket).where(Ticket.draft_id == draft_id))
    if ticket is None:
        added_to = await session.scalar(
            select(TicketEvent.ticket_id).where(TicketEvent.draft_id == draft_id)
        )
        ticket = None if added_to is None else await session.get(Ticket, added_to)
    return None if ticket is None else await view_of(session, ticket)


def _same_equipment(a: str | None, b: str | None) -> bool:
    return " ".join((a or "").casefold().split()) == " ".join((b or "").casefold().split())


async def find_duplicate(
    session: AsyncSession,
    *,
    school_id: int,
    category: Category,
    equipment: str | None,
    now: datetime,
    days: int,
) -> TicketView | None:
    """The newest open ticket of the same school, category and equipment from the last `days`."""
    candidates = await session.scalars(
        select(Ticket)
        .where(
            Ticket.school_id == school_id,
            Ticket.category == category.value,
            Ticket.status.in_([s.value for s in OPEN_STATUSES]),
            Ticket.created_at >= now - timedelta(days=days),
        )
        .order_by(Ticket.created_at.desc())
    )
    for ticket in candidates:
        if _same_equipment(ticket.equipment, equipment):
            return await view_of(session, ticket)
    return None


# --- working ------------------------------------------------------------------


async def locked_ticket(session: AsyncSession, ticket_id: int) -> Ticket:
    """The ticket, row-locked on PostgreSQL so that two staff pressing at once queue."""
    ticket = await session.scalar(select(Ticket).where(Ticket.id == ticket_id).with_for_update())
    if ticket is None:
        raise NotFound(str(ticket_id))
    return ticket


def record_event(
    ticket: Ticket,
    actor: Actor,
    role: Role,
    kind: EventKind,
    now: datetime,
    *,
    from_status: str | None = None,
    to_status: str | None = None,
    text: str | None = None,
    internal: bool = False,
) -> TicketEvent:
    return TicketEvent(
        ticket_id=ticket.id,
        at=now,
        actor_id=actor.user_id,
        actor_name=actor.name,
        role=role.value,
        kind=kind.value,
        from_status=from_status,
        to_status=to_status,
        text=text,
        internal=internal,
    )


def finish_time(ticket: Ticket) -> datetime | None:
    return ticket.closed_at or ticket.resolved_at


def set_status(ticket: Ticket, target: Status, now: datetime) -> None:
    ticket.status = target.value
    if target is Status.RESOLVED:
        ticket.resolved_at = now
    elif target is Status.CLOSED:
        ticket.closed_at = now
    elif target is Status.IN_PROGRESS:
        # Reopened: the resolution did not hold; time to resolution counts from the next one.
        ticket.resolved_at = None
        ticket.closed_at = None


async def authorise_actor(session: AsyncSession, ticket: Ticket, actor: Actor, role: Role) -> None:
    if role is Role.STAFF:
        if not await is_staff(session, actor.user_id, ticket.centre_id):
            raise NotAuthorised(ticket.reference)
    elif not await follows(session, ticket, actor.user_id):
        raise NotAuthorised(ticket.reference)


STAFF_ACTIONS: Final = frozenset({Action.TAKE, Action.START, Action.WAIT, Action.RESOLVE})


async def commit_change(
    session: AsyncSession,
    ticket: Ticket,
    events: list[TicketEvent],
    outbox: PlanChange | None = None,
) -> Change:
    session.add_all(events)
    await session.flush()
    change = Change(await view_of(session, ticket), tuple(event_view(e) for e in events))
    if outbox is not None:
        await outbox(session, change)
    await session.commit()
    return change


def checked_text(
    text: str, attachments: Sequence[NewAttachment], *, max_chars: int, required: bool
) -> str:
    """`text` stripped; InvalidTicket when it is too long, or empty with no files when
    `required`, or when a file is over Telegram's limit."""
    text = clean_text(text).strip()
    if len(text) > max_chars or (required and not text and not attachments):
        raise InvalidTicket("text")
    if any((a.file_size or 0) > MAX_FILE_BYTES for a in attachments):
        raise InvalidTicket("file_size")
    return text


async def add_to_ticket(
    session: AsyncSession,
    ticket_id: int,
    actor: Actor,
    text: str,
    *,
    school_id: int,
    attachments: Sequence[NewAttachment] = (),
    now: datetime,
    max_chars: int = 2000,
    outbox: PlanChange | None = None,
    draft_id: str | None = None,
) -> Change:
    """Add a new report of the same fault to an open ticket instead of a duplicate. Commits.

    `school_id` is the school of the teacher's report: only a ticket of that school can be
    joined (NotAuthorised otherwise). A teacher who is not the reporter becomes a watcher
    and hears of every change; the ADDED event records who joined, and when, and the
    report draft (`draft_id`): the same draft again raises AlreadySent.
    """
    if draft_id is not None:
        existing = await ticket_of_draft(session, draft_id)
        if existing is not None:
            raise AlreadySent(existing)
    text = checked_text(text, attachments, max_chars=max_chars, required=False)
    actor = clean_actor(actor)
    ticket = await locked_ticket(session, ticket_id)
    reference, status = ticket.reference, Status(ticket.status)  # a rollback expires them
    if ticket.school_id != school_id:
        await session.rollback()
        raise NotAuthorised(reference)
    if status not in OPEN_STATUSES:
        await session.rollback()
        raise TransitionRefused(Refusal.FROM_STATUS, status)
    if not await follows(session, ticket, actor.user_id):
        session.add(
            TicketWatcher(
                ticket_id=ticket.id, user_id=actor.user_id, name=actor.name, added_at=now
            )
        )
    add_attachments(
        session, ticket.id, attachments, added_by=actor.user_id, internal=False, now=now
    )
    ticket.updated_at = now
    added = record_event(ticket, actor, Role.REPORTER, EventKind.ADDED, now, text=text or None)
    added.draft_id = draft_id
    try:
        return await commit_change(session, ticket, [added], outbox)
    except IntegrityError:  # the same draft, added at the same moment by another submit
        await session.rollback()
        existing = await ticket_of_draft(session, draft_id) if draft_id else None
        if existing is None:
            raise
        raise AlreadySent(existing) from None
