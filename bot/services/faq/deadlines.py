"""The dates an FAQ answer about deadlines shows beside its text (read-only).

The circular sets no dates; the staff enter them (`/deadlines`) for the reminders.
A question such as «πότε λήγει η προθεσμία» gets the FAQ entry whose `live` part
is `deadlines`, and the chat shows under it the next dates that concern the asker,
chosen exactly as the reminders choose them: every kind, in the asker's area
(the area chosen for reminders, else the school set for fault reports, else the
only centre of a single-centre deployment); with no known area, only the dates
for everyone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import Deadline, Subscription
from bot.services.reminders import Area, areas_of, concerns
from bot.services.reminders.deadline_view import DeadlineView

MAX_SHOWN: Final = 5  # a phone screen under the answer


@dataclass(frozen=True)
class KnownDeadlines:
    """The next dates for one person, soonest first, and how many they cannot see.

    `elsewhere`: upcoming dates scoped to a centre or a directorate that the person
    is not shown because their area is unknown (choosing it in Reminders shows them).
    """

    deadlines: tuple[DeadlineView, ...]
    area: Area
    elsewhere: int = 0


async def known_deadlines(
    session: AsyncSession, user_id: int | None, now: datetime, *, limit: int = MAX_SHOWN
) -> KnownDeadlines:
    """The next (after `now`) deadlines that concern `user_id`, at most `limit`."""
    area = Area()
    if user_id is not None:
        # A person without a subscription has the area a new subscription would have.
        sub = await session.get(Subscription, user_id) or Subscription(user_id=user_id)
        area = (await areas_of(session, [sub]))[user_id]
    upcoming = list(
        await session.scalars(
            select(Deadline).where(Deadline.due_at > now).order_by(Deadline.due_at, Deadline.id)
        )
    )
    everything: frozenset[str] = frozenset()  # every kind: the question is about any date
    mine = [d for d in upcoming if concerns(d, area, everything)]
    elsewhere = 0 if area.known else sum(d.scope != "everyone" for d in upcoming)
    return KnownDeadlines(tuple(DeadlineView.of(d) for d in mine[:limit]), area, elsewhere)
