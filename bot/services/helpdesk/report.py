"""The fault report's questions to the helpdesk: what a report may name, on every press.

The rules a report step depends on, kept out of the conversation layer: a school
chosen is remembered (the reminders find the teacher's area there too); an open
report offered as a duplicate may be followed only if it is of this report's
school and still open; a draft id on a button names a ticket only for its own
teacher (a button is proof of nothing).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.asyncio import AsyncSession as Session

from bot.services.helpdesk import schools, ticket_access, tickets
from bot.services.helpdesk.draft import ReportDraft
from bot.services.helpdesk.schools import SchoolInfo
from bot.services.helpdesk.ticket_access import Need
from bot.services.helpdesk.ticket_types import TicketView

__all__ = [
    "Session",
    "choose_school",
    "duplicate_to_follow",
    "find_duplicate",
    "own_ticket_of_draft",
]


async def choose_school(
    session: AsyncSession, user_id: int, school_id: int, now: datetime
) -> SchoolInfo | None:
    """The school `school_id`, now remembered as `user_id`'s; None if there is no such school."""
    school = await schools.get_school(session, school_id)
    if school is not None:
        await schools.remember_school(session, user_id, school.id, now)
    return school


async def find_duplicate(
    session: AsyncSession, draft: ReportDraft, now: datetime, days: int
) -> TicketView | None:
    """An open report of the same fault (school, category, device) from the last `days`."""
    if draft.school_id is None or draft.category is None:
        return None
    return await tickets.find_duplicate(
        session,
        school_id=draft.school_id,
        category=draft.category,
        equipment=draft.equipment,
        now=now,
        days=days,
    )


async def duplicate_to_follow(
    session: AsyncSession, ticket_id: int, user_id: int, draft: ReportDraft
) -> TicketView:
    """The ticket `user_id` may follow from this draft: only an open ticket of the school
    chosen in it. Raises `tickets.TicketError` (NotFound, NotAuthorised …) otherwise."""
    await ticket_access.authorise(
        session, ticket_id, user_id, Need.JOIN, school_id=draft.school_id
    )
    return await tickets.get_ticket(session, ticket_id)


async def own_ticket_of_draft(
    session: AsyncSession, draft_id: str, user_id: int
) -> TicketView | None:
    """The ticket draft `draft_id` became, if `user_id` may see it as its teacher (another
    user's draft id names nothing for them)."""
    ticket = await tickets.ticket_of_draft(session, draft_id)
    if ticket is None:
        return None
    try:
        await ticket_access.authorise(session, ticket.id, user_id, Need.TEACHER)
    except tickets.TicketError:
        return None
    return ticket
