"""Helpers for the reminder tests: a fake clock start, teachers, deadlines and a fake sender."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.models import Deadline, ReminderDelivery, User
from bot.services.clock import FakeClock
from bot.services.reminders import ReminderRules
from bot.services.reminders import deadlines as deadlines_service
from bot.services.reminders.deadlines import DeadlineDraft
from bot.services.reminders.delivery import DueReminder, Pacer, ReminderDispatcher
from bot.ui import Delivered
from bot.ui.notifier import DeliveryError

ATHENS = ZoneInfo("Europe/Athens")
RULES = ReminderRules.build()
# Wednesday 1 September 2027, 09:00 in Athens: the school year is starting.
START = datetime(2027, 9, 1, 9, 0, tzinfo=ATHENS)


def athens(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ATHENS)


def local(when: datetime) -> str:
    return when.astimezone(ATHENS).strftime("%Y-%m-%d %H:%M")


def new_clock(start: datetime = START) -> FakeClock:
    return FakeClock(start)


async def add_users(
    sessions: async_sessionmaker[AsyncSession], ids: Iterable[int], locale: str | None = "el"
) -> None:
    async with sessions() as session:
        session.add_all(
            User(
                id=i,
                first_name=f"Teacher {i}",
                locale=locale,
                first_seen=START,
                last_seen=START,
            )
            for i in ids
        )
        await session.commit()


async def add_deadline(
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    due: datetime,
    *,
    kind: str = "interest",
    title_el: str = "Εκδήλωση ενδιαφέροντος για Υ.Σ.Ε.Π.Ε.Η.Υ.",
    title_en: str = "Expression of interest for lab manager",
    **fields: Any,
) -> Deadline:
    async with sessions() as session:
        return await deadlines_service.create_deadline(
            session,
            DeadlineDraft(kind=kind, title_el=title_el, title_en=title_en, due_at=due, **fields),
            RULES,
            clock.now(),
        )


@dataclass
class FakeSender:
    """Records every reminder; `fail[user_id]` lists errors to raise before succeeding."""

    sent: list[DueReminder] = field(default_factory=list)
    fail: dict[int, list[DeliveryError]] = field(default_factory=dict)
    delay: float = 0.0  # seconds each send takes (real time), for in-flight overlap
    next_id: int = 1
    on_send: Callable[[DueReminder], None] | None = None

    async def __call__(self, reminder: DueReminder) -> Delivered:
        if self.delay:
            await asyncio.sleep(self.delay)
        errors = self.fail.get(reminder.user_id)
        if errors:
            raise errors.pop(0)
        self.sent.append(reminder)
        if self.on_send is not None:
            self.on_send(reminder)
        self.next_id += 1
        return Delivered(str(self.next_id))

    def of(self, user_id: int) -> list[tuple[str, str]]:
        """(offset, deadline title in Greek) of each reminder `user_id` got, in order."""
        return [(r.offset_code, r.deadline.title_el) for r in self.sent if r.user_id == user_id]

    def duplicates(self) -> dict[tuple[int, int, int, str], int]:
        """(user, deadline, date revision, offset) sent more than once."""
        counts = Counter(
            (r.user_id, r.deadline.id, r.deadline.revision, r.offset_code) for r in self.sent
        )
        return {k: n for k, n in counts.items() if n > 1}


def dispatcher(
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    sender: FakeSender,
    **kwargs: Any,
) -> ReminderDispatcher:
    """A dispatcher with a fast pacer: these tests check what is sent, not the pace."""
    kwargs.setdefault("pacer", Pacer(2000.0))
    return ReminderDispatcher(sessions, sender, now=clock.now, **kwargs)


async def deliveries(
    sessions: async_sessionmaker[AsyncSession], user_id: int | None = None
) -> list[tuple[int, str, str, str]]:
    """(user, offset, local due time, status) of every delivery row, by due time."""
    async with sessions() as session:
        query = select(ReminderDelivery).order_by(
            ReminderDelivery.due_at, ReminderDelivery.user_id, ReminderDelivery.offset_code
        )
        if user_id is not None:
            query = query.where(ReminderDelivery.user_id == user_id)
        return [
            (r.user_id, r.offset_code, local(r.due_at), r.status)
            for r in await session.scalars(query)
        ]


def utc(when: datetime) -> datetime:
    return when.astimezone(UTC)
