"""Who may see a ticket, its history, and the paged lists of teachers and staff."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import (
    Ticket,
    TicketEvent,
    TicketWatcher,
)
from bot.services.helpdesk.staff import is_staff
from bot.services.helpdesk.ticket_types import EventView, ListScope, NotAuthorised, NotFound, Page
from bot.services.helpdesk.ticket_workflow import (
    OPEN_STATUSES,
    Role,
)
from bot.services.helpdesk.tickets import event_view, follows, view_of


async def is_participant(session: AsyncSession, ticket_id: int, user_id: int) -> bool:
    """Whether `user_id` reported the ticket or follows it. Raises NotFound."""
    ticket = await session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound(str(ticket_id))
    return await follows(session, ticket, user_id)


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
    if await follows(session, ticket, user_id):
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
    return [event_view(e) for e in rows]


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
    return Page(tuple([await view_of(session, t) for t in rows]), page, pages, total)


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
