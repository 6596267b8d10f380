"""Who may do what to which ticket: the one place every button and command asks.

Every callback and command that names a ticket calls `authorise` on every press
(a button may be old, forwarded or forged: its data proves nothing). The rules:

- a teacher acts only on tickets they reported or explicitly follow;
- the duplicate offer of a report (joining someone else's ticket) names only an
  OPEN ticket of the school chosen in that report;
- staff act only on the tickets of their own centre (staff win when a person is
  both: a staff member who reported a fault sees the internal notes).

Refusals are `NotFound` (the id names nothing) or `NotAuthorised`; nothing is
changed. Services that change tickets check again in their own transaction.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import Ticket, TicketWatcher
from bot.services.helpdesk.staff import is_staff, staff_centre_ids
from bot.services.helpdesk.ticket_types import NotAuthorised, NotFound, TicketView
from bot.services.helpdesk.ticket_workflow import (
    OPEN_STATUSES,
    Refusal,
    Role,
    Status,
    TransitionRefused,
)
from bot.services.helpdesk.tickets import get_ticket

# Ids of the integer primary keys (tickets, schools, centres, deadlines): 32-bit signed.
MAX_ROW_ID = 2**31 - 1
# Telegram user and chat ids: 64-bit signed (BigInteger columns).
MAX_TELEGRAM_ID = 2**63 - 1


def parse_id(raw: str, *, minimum: int = 1, maximum: int = MAX_ROW_ID) -> int | None:
    """The id written in `raw`, or None when it is not one that a column can hold.

    Only ASCII digits, no sign, no spaces, at most as many digits as `maximum` has: a
    20-digit, negative, zero or non-ASCII ("١٢") id names nothing and is never converted
    into something the database would refuse with an error. (`minimum=0` for page numbers.)
    """
    if not raw or not raw.isascii() or not raw.isdigit() or len(raw) > len(str(maximum)):
        return None
    value = int(raw)
    return value if minimum <= value <= maximum else None


class Need(StrEnum):
    SEE = "see"  # the ticket's details: its teachers or its centre's staff
    TEACHER = "teacher"  # reply, close, reopen: the reporter or a follower
    STAFF = "staff"  # take, in progress, waiting, resolved, reply, note, history
    JOIN = "join"  # follow it from the duplicate offer: an open ticket of the same school


async def _follows(session: AsyncSession, ticket: Ticket, user_id: int) -> bool:
    if ticket.reporter_id == user_id:
        return True
    return await session.get(TicketWatcher, (ticket.id, user_id)) is not None


async def authorise(
    session: AsyncSession,
    ticket_id: int,
    user_id: int,
    need: Need,
    *,
    school_id: int | None = None,
) -> Role:
    """The role in which `user_id` may do `need` to the ticket; raise NotFound or NotAuthorised.

    `school_id` is the school of the report being written (for `Need.JOIN`).
    """
    ticket = await session.get(Ticket, ticket_id) if 0 < ticket_id <= MAX_ROW_ID else None
    if ticket is None:
        raise NotFound(str(ticket_id))
    if need is Need.JOIN:
        if (
            school_id is None
            or ticket.school_id != school_id
            or Status(ticket.status) not in OPEN_STATUSES
        ):
            raise NotAuthorised(ticket.reference)
        return Role.REPORTER
    staff = await is_staff(session, user_id, ticket.centre_id)
    if need is Need.STAFF:
        if not staff:
            elsewhere = bool(await staff_centre_ids(session, user_id))
            raise NotAuthorised(ticket.reference, staff_elsewhere=elsewhere)
        return Role.STAFF
    if need is Need.SEE and staff:
        return Role.STAFF
    if await _follows(session, ticket, user_id):
        return Role.REPORTER
    raise NotAuthorised(ticket.reference)


async def open_for_messages(session: AsyncSession, ticket_id: int) -> TicketView:
    """The ticket, if it still takes messages (a reply, a note); raise TransitionRefused
    when it is closed (it must be reopened first)."""
    ticket = await get_ticket(session, ticket_id)
    if ticket.status is Status.CLOSED:
        raise TransitionRefused(Refusal.FROM_STATUS, ticket.status)
    return ticket
