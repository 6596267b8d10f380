"""The FAQ's answers shown, counted in memory and written in batches (`ViewLog`)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.models import FaqView
from bot.services.faq.log import Source, ViewLog

MONDAY = datetime(2025, 9, 1, 8, 30, tzinfo=UTC)


async def stored(sessions: async_sessionmaker[AsyncSession]) -> list[tuple[str, str, str]]:
    async with sessions() as session:
        rows = await session.scalars(select(FaqView).order_by(FaqView.id))
        return [(row.entry_id, row.locale, row.source) for row in rows]


async def test_views_wait_in_memory_and_are_written_in_one_batch(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    views = ViewLog(sessions, every=3600, batch=1000)
    views.add(entry_id="upgrades", locale="el", source=Source.SEARCH, now=MONDAY)
    views.add(entry_id="support-request", locale="en", source=Source.MENU, now=MONDAY)
    assert len(views) == 2
    assert await stored(sessions) == []  # nothing written per answer

    assert await views.flush() == 2
    assert await stored(sessions) == [
        ("upgrades", "el", "search"),
        ("support-request", "en", "menu"),
    ]
    assert await views.flush() == 0  # each view is written once


async def test_a_full_batch_is_written_at_once(sessions: async_sessionmaker[AsyncSession]) -> None:
    views = ViewLog(sessions, every=3600, batch=3)
    for _ in range(3):
        views.add(entry_id="upgrades", locale="el", source=Source.SEARCH, now=MONDAY)
    for _ in range(100):  # the write started by the third view
        if len(await stored(sessions)) == 3:
            break
        await asyncio.sleep(0.02)
    assert len(await stored(sessions)) == 3
    assert len(views) == 0
    await views.stop()


async def test_the_timer_writes_and_a_clean_stop_loses_nothing(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    views = ViewLog(sessions, every=0.05, batch=1000)
    views.start()
    views.add(entry_id="upgrades", locale="el", source=Source.SEARCH, now=MONDAY)
    for _ in range(100):
        if await stored(sessions):
            break
        await asyncio.sleep(0.02)
    assert await stored(sessions) == [("upgrades", "el", "search")]

    views.add(entry_id="support-request", locale="el", source=Source.RELATED, now=MONDAY)
    await views.stop()
    assert [entry for entry, _, _ in await stored(sessions)] == ["upgrades", "support-request"]


async def test_a_failed_write_keeps_the_views_for_the_next_one(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    class Refusing:
        """A session factory whose sessions fail to write, as a full disk would."""

        def __call__(self) -> AsyncSession:
            raise OperationalError("INSERT", {}, Exception("disk full"))

    views = ViewLog(Refusing(), every=3600)  # type: ignore[arg-type]
    views.add(entry_id="upgrades", locale="el", source=Source.SEARCH, now=MONDAY)
    try:
        await views.flush()
    except OperationalError:
        pass
    else:  # pragma: no cover - the write must fail
        raise AssertionError("the write did not fail")
    views.add(entry_id="faq-bot", locale="en", source=Source.MENU, now=MONDAY)
    assert len(views) == 2

    views._sessions = sessions  # the database takes writes again
    assert await views.flush() == 2
    assert [entry for entry, _, _ in await stored(sessions)] == ["upgrades", "faq-bot"]
