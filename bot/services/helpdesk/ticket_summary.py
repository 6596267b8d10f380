"""A centre's week in numbers, and the CSV export of tickets."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import (
    Ticket,
)
from bot.services.helpdesk.ticket_types import Category, TicketView
from bot.services.helpdesk.ticket_workflow import (
    OPEN_STATUSES,
    Status,
)
from bot.services.helpdesk.tickets import view_of

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
    return [await view_of(session, t) for t in rows]
