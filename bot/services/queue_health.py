"""The delivery queues at a glance (reminders and the helpdesk outbox), for `keplibot doctor`."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import ReminderDelivery
from bot.services.helpdesk.outbox import QueueHealth
from bot.services.helpdesk.outbox import queue_health as outbox_health
from bot.services.reminders import FAILED, PENDING, SENDING, UNKNOWN

__all__ = ["QueueHealth", "outbox_health", "reminder_health"]


async def reminder_health(
    session: AsyncSession, *, now: datetime, recent: timedelta = timedelta(days=7)
) -> QueueHealth:
    """Reminders due and not yet sent (how many, how late the oldest), and those failed or
    of unknown fate among the ones due in the last `recent`."""
    rd = ReminderDelivery
    waiting, oldest = (
        await session.execute(
            select(func.count(), func.min(rd.due_at)).where(
                rd.status.in_([PENDING, SENDING]), rd.due_at <= now
            )
        )
    ).one()
    counts = dict(
        (
            await session.execute(
                select(rd.status, func.count())
                .where(rd.status.in_([FAILED, UNKNOWN]), rd.due_at >= now - recent)
                .group_by(rd.status)
            )
        ).all()
    )
    age = (now - oldest).total_seconds() if oldest is not None else None
    return QueueHealth(int(waiting or 0), age, counts.get(FAILED, 0), counts.get(UNKNOWN, 0))
