"""Which commits make the per-update path forget what it remembers (`bot.services.known`),
and `users.note_seen` answering from memory, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services import known, users
from bot.services.helpdesk import schools
from bot.services.users import Seen, SeenUsers

NOW = datetime(2025, 9, 1, 8, 30, tzinfo=UTC)
TEACHER = 5_000_000_001


class NoDatabase:
    """A session that fails on any statement: the caller must not need one."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the database was used: session.{name}")


async def seen(
    session: AsyncSession | NoDatabase, remembered: SeenUsers, *, name: str = "Γιώργος"
) -> str | None:
    return await users.note_seen(
        session,  # type: ignore[arg-type]
        telegram_id=TEACHER,
        first_name=name,
        language_code="el",
        now=NOW,
        remembered=remembered,
    )


async def test_an_unchanged_user_is_answered_from_memory(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    remembered: SeenUsers = known.Remembered()
    async with sessions() as session:
        assert await seen(session, remembered) is None  # new: written
    assert remembered.get(TEACHER) == (True, Seen(("Γιώργος", None, None, "el"), False, NOW, None))
    assert await seen(NoDatabase(), remembered) is None  # no statement at all

    async with sessions() as session:  # a new name is written, and remembered
        await seen(session, remembered, name="Γιώργης")
    assert await seen(NoDatabase(), remembered, name="Γιώργης") is None

    async with sessions() as session:  # the language chosen: forgotten at its commit
        await users.set_locale(session, TEACHER, "en")
    assert remembered.get(TEACHER) == (False, None)
    async with sessions() as session:
        assert await seen(session, remembered, name="Γιώργης") == "en"
    assert await seen(NoDatabase(), remembered, name="Γιώργης") == "en"


async def test_which_commits_count_as_changes(sessions: async_sessionmaker[AsyncSession]) -> None:
    before = known.generation()
    async with sessions() as session:  # the per-update upsert is no change of what is kept
        await users.touch_user(session, telegram_id=TEACHER, first_name="Γιώργος", now=NOW)
        await users.touch_user(
            session, telegram_id=TEACHER, first_name="Γ.", now=NOW + timedelta(hours=1)
        )
    assert known.generation() == before

    async with sessions() as session:
        await users.set_locale(session, TEACHER, "en")
        assert known.generation() == before + 1
        await schools.upsert_centre(session, "athens", name="ΚΕ.ΠΛΗ.ΝΕ.Τ. Αθήνας")
        assert known.generation() == before + 2
    async with sessions() as session:
        await users.mark_blocked(session, TEACHER, True)
    assert known.generation() == before + 3
    async with sessions() as session:
        centre = await schools.centre_by_slug(session, "athens")
        assert centre is not None
        await schools.upsert_centre(session, "athens", phone="2100000000")
    assert known.generation() == before + 4

    async with sessions() as session:  # a change rolled back is no change
        user = await users.get_user(session, TEACHER)
        assert user is not None
        user.locale = "el"
        await session.flush()
        await session.rollback()
    assert known.generation() == before + 4

    async with sessions() as session:
        await users.delete_user_data(session, TEACHER)
    assert known.generation() == before + 5
