"""Tickets: opening, working, replying, listing, statistics. No Telegram types here.

Every function that changes a ticket appends to its event log and commits
before it returns, so the caller may tell people about the change at once.
Authorisation is done here, not in the handlers: staff actions need staff of
the ticket's centre, teacher actions need the reporter or a watcher.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select, update
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
    TicketMessage,
    TicketWatcher,
)
from bot.services.helpdesk.schools import centre_of_school
from bot.services.helpdesk.staff import is_staff
from bot.services.helpdesk.ticket_workflow import (
    OPEN_STATUSES,
    Action,
    Refusal,
    Role,
    Status,
    TransitionRefused,
    transition,
)
from bot.services.text_clean import clean_file_name, clean_line, clean_optional, clean_text

# Telegram's Bot API lets bots download files up to 20 MB: staff could not open larger ones.
MAX_FILE_BYTES: Final = 20 * 1024 * 1024
MAX_ATTACHMENTS: Final = 10
MAX_LAB_CHARS: Final = 100
MAX_EQUIPMENT_CHARS: Final = 100
MAX_NAME_CHARS: Final = 200  # reporter, assignee, actor and watcher names


class Category(StrEnum):
    COMPUTER = "pc"
    PRINTER = "printer"
    NETWORK = "network"  # network / ΠΣΔ internet
    PROJECTOR = "projector"  # projector / interactive board
    SOFTWARE = "software"
    ACCOUNTS = "accounts"  # ΠΣΔ accounts / e-mail
    OTHER = "other"


class Urgency(StrEnum):
    BLOCKING = "blocking"  # the lab cannot be used
    PARTIAL = "partial"  # the lab can be used in part
    MINOR = "minor"


class EventKind(StrEnum):
    CREATED = "created"
    ASSIGNED = "assigned"
    STATUS = "status"
    REPLY = "reply"  # staff → teacher
    TEACHER_REPLY = "teacher_reply"  # teacher → staff
    NOTE = "note"  # staff only
    REOPENED = "reopened"
    CLOSED = "closed"
    ADDED = "added"  # another report of the same fault added to this ticket


class AttachmentKind(StrEnum):
    PHOTO = "photo"
    DOCUMENT = "document"
    VOICE = "voice"


class MessagePurpose(StrEnum):
    TEACHER = "teacher"  # a message in a teacher's chat; a reply to it is a teacher reply
    POST = "post"  # the ticket's post in the staff chat
    REPLY_PROMPT = "reply"  # staff prompt; the answer goes to the teacher
    NOTE_PROMPT = "note"  # staff prompt; the answer stays internal


class ListScope(StrEnum):
    MINE = "mine"
    UNASSIGNED = "unassigned"
    ALL = "all"


# --- values handed to and from callers ------------------------------------------


@dataclass(frozen=True)
class Actor:
    user_id: int
    name: str


@dataclass(frozen=True)
class NewAttachment:
    kind: AttachmentKind
    file_id: str
    file_unique_id: str | None = None
    caption: str | None = None
    file_name: str | None = None
    mime_type: str | None = None
    file_size: int | None = None  # bytes


@dataclass(frozen=True)
class NewTicket:
    school_id: int
    lab: str
    category: Category
    urgency: Urgency
    description: str
    equipment: str | None = None
    attachments: tuple[NewAttachment, ...] = ()


@dataclass(frozen=True)
class AttachmentView:
    id: int
    kind: AttachmentKind
    file_id: str
    caption: str | None
    file_name: str | None
    internal: bool


@dataclass(frozen=True)
class TicketView:
    id: int
    reference: str
    status: Status
    category: Category
    urgency: Urgency
    lab: str
    equipment: str | None
    description: str
    school_id: int
    school_code: str
    school_name: str
    centre_id: int
    centre_name: str
    reporter_id: int
    reporter_name: str
    reporter_locale: str | None
    assignee_id: int | None
    assignee_name: str | None
    created_at: datetime
    updated_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    staff_chat_id: int | None
    staff_message_id: int | None
    attachments: tuple[AttachmentView, ...] = ()
    watcher_ids: tuple[int, ...] = ()

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def participant_ids(self) -> tuple[int, ...]:
        """Teachers told of every change: the reporter, then watchers."""
        return (self.reporter_id, *(w for w in self.watcher_ids if w != self.reporter_id))


@dataclass(frozen=True)
class EventView:
    id: int
    at: datetime
    actor_id: int | None
    actor_name: str
    role: str
    kind: EventKind
    from_status: Status | None
    to_status: Status | None
    text: str | None
    internal: bool


@dataclass(frozen=True)
class Change:
    """What an action did: the ticket after it, and the events it appended."""

    ticket: TicketView
    events: tuple[EventView, ...]

    @property
    def status_changed(self) -> bool:
        return any(
            e.kind in (EventKind.STATUS, EventKind.REOPENED, EventKind.CLOSED) for e in self.events
        )


@dataclass(frozen=True)
class Page:
    items: tuple[TicketView, ...]
    page: int  # 0-based
    pages: int
    total: int


# What the caller plans to send about a change, written in the change's own transaction
# (see bot.services.helpdesk.outbox): called after the change is flushed, before the commit.
PlanNew = Callable[[AsyncSession, "TicketView"], Awaitable[None]]
PlanChange = Callable[[AsyncSession, Change], Awaitable[None]]


# --- errors -------------------------------------------------------------------


class TicketError(Exception):
    """A ticket operation refused; `code` names why (the caller translates it)."""

    code: str = "error"


class NotFound(TicketError):
    code = "not_found"


class NotAuthorised(TicketError):
    """The user is neither staff of the ticket's centre nor (for teacher actions) its reporter.

    `staff_elsewhere`: refused a staff action, the user is staff of another centre."""

    code = "not_authorised"

    def __init__(self, *args: object, staff_elsewhere: bool = False) -> None:
        super().__init__(*args)
        self.staff_elsewhere = staff_elsewhere


class NoCentre(TicketError):
    code = "no_centre"


class TooManyTickets(TicketError):
    code = "too_many"

    def __init__(self, retry_at: datetime) -> None:
        super().__init__(f"limit reached; next ticket possible at {retry_at.isoformat()}")
        self.retry_at = retry_at


class InvalidTicket(TicketError):
    code = "invalid"

    def __init__(self, field_name: str) -> None:
        super().__init__(field_name)
        self.field_name = field_name


class AlreadySent(TicketError):
    """The report draft already became a ticket (a second «Send», a replay, a retry after
    a crash): `ticket` is that ticket, and nothing new was stored."""

    code = "already_sent"

    def __init__(self, ticket: TicketView) -> None:
        super().__init__(ticket.reference)
        self.ticket = ticket


class AlreadyAssigned(TicketError):
    """TAKE by the staff member who already has the ticket (a stale or repeated press)."""

    code = "already_yours"


# --- reading ------------------------------------------------------------------


def _attachment_view(a: TicketAttachment) -> AttachmentView:
    return AttachmentView(
        a.id, AttachmentKind(a.kind), a.file_id, a.caption, a.file_name, a.internal
    )


def _event_view(e: TicketEvent) -> EventView:
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


async def _view(session: AsyncSession, ticket: Ticket) -> TicketView:
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
    return await _view(session, ticket)


async def ticket_by_reference(session: AsyncSession, reference: str) -> TicketView:
    ticket = await session.scalar(
        select(Ticket).where(Ticket.reference == reference.strip().upper())
    )
    if ticket is None:
        raise NotFound(reference)
    return await _view(session, ticket)


async def _is_participant(session: AsyncSession, ticket: Ticket, user_id: int) -> bool:
    if ticket.reporter_id == user_id:
        return True
    watcher = await session.get(TicketWatcher, (ticket.id, user_id))
    return watcher is not None


async def is_participant(session: AsyncSession, ticket_id: int, user_id: int) -> bool:
    """Whether `user_id` reported the ticket or follows it. Raises NotFound."""
    ticket = await session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound(str(ticket_id))
    return await _is_participant(session, ticket, user_id)


async def role_of(session: AsyncSession, ticket_id: int, user_id: int) -> Role:
    """How `user_id` may see the ticket: as staff of its centre, or as its teacher.

    Staff win when someone is both (a staff member who reported a fault sees notes).
    Raises NotFound or NotAuthorised.
    """
    ticket = await session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound(str(ticket_id))
    if await is_staff(session, user_id, ticket.centre_id):
        return Role.STAFF
    if await _is_participant(session, ticket, user_id):
        return Role.REPORTER
    raise NotAuthorised(str(ticket_id))


async def history(
    session: AsyncSession, ticket_id: int, *, include_internal: bool
) -> list[EventView]:
    """The ticket's events, oldest first; notes only when `include_internal`."""
    query = select(TicketEvent).where(TicketEvent.ticket_id == ticket_id)
    if not include_internal:
        query = query.where(TicketEvent.internal.is_(False))
    rows = await session.scalars(query.order_by(TicketEvent.at, TicketEvent.id))
    return [_event_view(e) for e in rows]


def _pages(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))


async def _page(
    session: AsyncSession, query_conditions: Sequence[object], page: int, per_page: int
) -> Page:
    total = await session.scalar(
        select(func.count()).select_from(Ticket).where(*query_conditions)  # type: ignore[arg-type]
    )
    total = total or 0
    pages = _pages(total, per_page)
    page = min(max(page, 0), pages - 1)
    rows = await session.scalars(
        select(Ticket)
        .where(*query_conditions)  # type: ignore[arg-type]
        .order_by(Ticket.updated_at.desc(), Ticket.id.desc())
        .offset(page * per_page)
        .limit(per_page)
    )
    return Page(tuple([await _view(session, t) for t in rows]), page, pages, total)


async def tickets_of_teacher(
    session: AsyncSession, user_id: int, *, page: int = 0, per_page: int = 5
) -> Page:
    """Tickets the teacher reported or follows, most recently changed first."""
    watched = select(TicketWatcher.ticket_id).where(TicketWatcher.user_id == user_id)
    condition = or_(Ticket.reporter_id == user_id, Ticket.id.in_(watched))
    return await _page(session, [condition], page, per_page)


async def tickets_of_centres(
    session: AsyncSession,
    centre_ids: Sequence[int],
    scope: ListScope,
    *,
    user_id: int,
    page: int = 0,
    per_page: int = 5,
) -> Page:
    """Open tickets of the centres: assigned to `user_id`, unassigned, or all."""
    conditions: list[object] = [
        Ticket.centre_id.in_(list(centre_ids)),
        Ticket.status.in_([s.value for s in OPEN_STATUSES]),
    ]
    if scope is ListScope.MINE:
        conditions.append(Ticket.assignee_id == user_id)
    elif scope is ListScope.UNASSIGNED:
        conditions.append(Ticket.assignee_id.is_(None))
    return await _page(session, conditions, page, per_page)


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


def _add_attachments(
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
    _add_attachments(
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
    view = await _view(session, ticket)
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
    return None if ticket is None else await _view(session, ticket)


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
            return await _view(session, ticket)
    return None


# --- working ------------------------------------------------------------------


async def _locked(session: AsyncSession, ticket_id: int) -> Ticket:
    """The ticket, row-locked on PostgreSQL so that two staff pressing at once queue."""
    ticket = await session.scalar(select(Ticket).where(Ticket.id == ticket_id).with_for_update())
    if ticket is None:
        raise NotFound(str(ticket_id))
    return ticket


def _event(
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


def _finished_at(ticket: Ticket) -> datetime | None:
    return ticket.closed_at or ticket.resolved_at


def _set_status(ticket: Ticket, target: Status, now: datetime) -> None:
    ticket.status = target.value
    if target is Status.RESOLVED:
        ticket.resolved_at = now
    elif target is Status.CLOSED:
        ticket.closed_at = now
    elif target is Status.IN_PROGRESS:
        # Reopened: the resolution did not hold; time to resolution counts from the next one.
        ticket.resolved_at = None
        ticket.closed_at = None


async def _authorise(session: AsyncSession, ticket: Ticket, actor: Actor, role: Role) -> None:
    if role is Role.STAFF:
        if not await is_staff(session, actor.user_id, ticket.centre_id):
            raise NotAuthorised(ticket.reference)
    elif not await _is_participant(session, ticket, actor.user_id):
        raise NotAuthorised(ticket.reference)


STAFF_ACTIONS: Final = frozenset({Action.TAKE, Action.START, Action.WAIT, Action.RESOLVE})


async def _commit_change(
    session: AsyncSession,
    ticket: Ticket,
    events: list[TicketEvent],
    outbox: PlanChange | None = None,
) -> Change:
    session.add_all(events)
    await session.flush()
    change = Change(await _view(session, ticket), tuple(_event_view(e) for e in events))
    if outbox is not None:
        await outbox(session, change)
    await session.commit()
    return change


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
    ticket = await _locked(session, ticket_id)
    try:
        await _authorise(session, ticket, actor, role)
        before = Status(ticket.status)
        target = transition(
            before,
            action,
            role,
            now=now,
            finished_at=_finished_at(ticket),
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
        events.append(_event(ticket, actor, role, EventKind.ASSIGNED, now, text=previous))
    if target is not before:
        kind = {
            Action.CLOSE: EventKind.CLOSED,
            Action.REOPEN: EventKind.REOPENED,
        }.get(action, EventKind.STATUS)
        _set_status(ticket, target, now)
        events.append(
            _event(
                ticket, actor, role, kind, now, from_status=before.value, to_status=target.value
            )
        )
    if role is Role.STAFF and ticket.first_response_at is None:
        ticket.first_response_at = now
    ticket.updated_at = now
    return await _commit_change(session, ticket, events, outbox)


class MessageKind(StrEnum):
    REPLY = "reply"  # staff → teacher
    NOTE = "note"  # staff only
    TEACHER = "teacher"  # teacher → staff


def _checked_text(
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
    text = _checked_text(text, attachments, max_chars=max_chars, required=True)
    actor = clean_actor(actor)
    role = Role.REPORTER if kind is MessageKind.TEACHER else Role.STAFF
    ticket = await _locked(session, ticket_id)
    try:
        await _authorise(session, ticket, actor, role)
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
    _add_attachments(
        session, ticket.id, attachments, added_by=actor.user_id, internal=internal, now=now
    )
    events = [_event(ticket, actor, role, event_kind, now, text=text or None, internal=internal)]
    if target is not before:
        _set_status(ticket, target, now)
        events.append(
            _event(
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
    return await _commit_change(session, ticket, events, outbox)


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
    text = _checked_text(text, attachments, max_chars=max_chars, required=False)
    actor = clean_actor(actor)
    ticket = await _locked(session, ticket_id)
    reference, status = ticket.reference, Status(ticket.status)  # a rollback expires them
    if ticket.school_id != school_id:
        await session.rollback()
        raise NotAuthorised(reference)
    if status not in OPEN_STATUSES:
        await session.rollback()
        raise TransitionRefused(Refusal.FROM_STATUS, status)
    if not await _is_participant(session, ticket, actor.user_id):
        session.add(
            TicketWatcher(
                ticket_id=ticket.id, user_id=actor.user_id, name=actor.name, added_at=now
            )
        )
    _add_attachments(
        session, ticket.id, attachments, added_by=actor.user_id, internal=False, now=now
    )
    ticket.updated_at = now
    added = _event(ticket, actor, Role.REPORTER, EventKind.ADDED, now, text=text or None)
    added.draft_id = draft_id
    try:
        return await _commit_change(session, ticket, [added], outbox)
    except IntegrityError:  # the same draft, added at the same moment by another submit
        await session.rollback()
        existing = await ticket_of_draft(session, draft_id) if draft_id else None
        if existing is None:
            raise
        raise AlreadySent(existing) from None


# --- message links ------------------------------------------------------------


class LinkIndex:
    """The (chat, message) pairs of bot messages about tickets, held in memory.

    A message filter asks it, without a database round trip, whether a reply
    is about a ticket; the database (`ticket_of_message`) stays the authority.
    One running bot per database (as for the persistence) keeps it complete.
    """

    def __init__(self) -> None:
        self._pairs: set[tuple[int, int]] = set()

    def add(self, chat_id: int, message_id: int) -> None:
        self._pairs.add((chat_id, message_id))

    def __contains__(self, pair: object) -> bool:
        return pair in self._pairs

    def __len__(self) -> int:
        return len(self._pairs)

    async def load(self, session: AsyncSession, *, since: datetime) -> int:
        """Add the links made since `since`; return how many the index holds."""
        rows = await session.execute(
            select(TicketMessage.chat_id, TicketMessage.message_id).where(
                TicketMessage.created_at >= since
            )
        )
        self._pairs.update((int(c), int(m)) for c, m in rows.all())
        return len(self._pairs)


async def link_message(
    session: AsyncSession,
    ticket_id: int,
    chat_id: int,
    message_id: int,
    purpose: MessagePurpose,
    *,
    now: datetime,
) -> None:
    """Remember that a bot message in `chat_id` is about `ticket_id` (commits)."""
    await add_link(session, ticket_id, chat_id, message_id, purpose, now=now)
    await session.commit()


async def add_link(
    session: AsyncSession,
    ticket_id: int,
    chat_id: int,
    message_id: int,
    purpose: MessagePurpose,
    *,
    now: datetime,
) -> None:
    """`link_message` in the caller's transaction (not committed)."""
    existing = await session.get(TicketMessage, (chat_id, message_id))
    if existing is None:
        session.add(
            TicketMessage(
                chat_id=chat_id,
                message_id=message_id,
                ticket_id=ticket_id,
                purpose=purpose.value,
                created_at=now,
            )
        )
    else:
        existing.ticket_id = ticket_id
        existing.purpose = purpose.value


async def ticket_of_message(
    session: AsyncSession, chat_id: int, message_id: int
) -> tuple[int, MessagePurpose] | None:
    link = await session.get(TicketMessage, (chat_id, message_id))
    return None if link is None else (link.ticket_id, MessagePurpose(link.purpose))


async def set_staff_post(
    session: AsyncSession, ticket_id: int, chat_id: int, message_id: int, *, now: datetime
) -> None:
    """Record the ticket's post in the staff chat (commits)."""
    await record_staff_post(session, ticket_id, chat_id, message_id, now=now)
    await session.commit()


async def record_staff_post(
    session: AsyncSession, ticket_id: int, chat_id: int, message_id: int, *, now: datetime
) -> None:
    """`set_staff_post` in the caller's transaction (not committed)."""
    ticket = await session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound(str(ticket_id))
    ticket.staff_chat_id = chat_id
    ticket.staff_message_id = message_id
    await add_link(session, ticket_id, chat_id, message_id, MessagePurpose.POST, now=now)


# --- statistics and export ------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    """A centre's tickets over a period (times in seconds)."""

    since: datetime
    until: datetime
    opened: int
    by_status: dict[Status, int]  # of the tickets opened in the period, as they stand now
    by_category: dict[Category, int]
    open_now: int  # all open tickets of the centre, whenever opened
    median_first_response: timedelta | None
    median_resolution: timedelta | None
    responded: int = 0
    resolved: int = 0


def _median(values: list[timedelta]) -> timedelta | None:
    if not values:
        return None
    return timedelta(seconds=statistics.median(v.total_seconds() for v in values))


async def summary(
    session: AsyncSession, centre_id: int, *, since: datetime, until: datetime
) -> Summary:
    """Tickets opened in [since, until): counts by status and category, median times.

    Time to resolution runs from opening to the (latest) resolution, or to the
    closing when the teacher closed it without a resolution.
    """
    rows = list(
        await session.scalars(
            select(Ticket).where(
                Ticket.centre_id == centre_id,
                Ticket.created_at >= since,
                Ticket.created_at < until,
            )
        )
    )
    by_status = Counter(Status(t.status) for t in rows)
    by_category = Counter(Category(t.category) for t in rows)
    responses = [t.first_response_at - t.created_at for t in rows if t.first_response_at]
    resolutions = [
        (t.resolved_at or t.closed_at) - t.created_at  # type: ignore[operator]
        for t in rows
        if t.resolved_at or t.closed_at
    ]
    open_now = await session.scalar(
        select(func.count())
        .select_from(Ticket)
        .where(Ticket.centre_id == centre_id, Ticket.status.in_([s.value for s in OPEN_STATUSES]))
    )
    return Summary(
        since=since,
        until=until,
        opened=len(rows),
        by_status=dict(by_status),
        by_category=dict(by_category),
        open_now=open_now or 0,
        median_first_response=_median(responses),
        median_resolution=_median(resolutions),
        responded=len(responses),
        resolved=len(resolutions),
    )


async def tickets_for_export(
    session: AsyncSession, *, centre_id: int | None, since: datetime | None
) -> list[TicketView]:
    """Tickets (of one centre, or all) opened since `since`, oldest first."""
    query = select(Ticket)
    if centre_id is not None:
        query = query.where(Ticket.centre_id == centre_id)
    if since is not None:
        query = query.where(Ticket.created_at >= since)
    rows = await session.scalars(query.order_by(Ticket.created_at, Ticket.id))
    return [await _view(session, t) for t in rows]
