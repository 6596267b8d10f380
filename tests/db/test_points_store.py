"""Kept points declarations on SQLite and PostgreSQL: consent first, one per teacher, deletable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.models import PointsDeclaration
from bot.services import users
from bot.services.points import store as points_store
from scoring import CURRENT_RULESET, parse_declaration, score

TEACHER = 7_000_000_001  # Telegram ids exceed 32 bits
MONDAY = datetime(2025, 9, 1, 8, 30, tzinfo=UTC)

MASTER_AND_TWO_YEARS = parse_declaration(
    {
        "titles": [{"kind": "master", "related": True}],
        "lab_manager_effective_years": 2,
        "eligibility": {"branch": "ΠΕ86"},
    }
)
ENGLISH_C2 = parse_declaration({"languages": [{"language": "en", "level": "C2"}]})


async def new_teacher(session: AsyncSession, telegram_id: int = TEACHER) -> None:
    await users.touch_user(session, telegram_id=telegram_id, first_name="Μαρία", now=MONDAY)


async def rows(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(PointsDeclaration)) or 0)


async def test_nothing_is_kept_before_the_teacher_is_asked(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        await new_teacher(session)
        assert await points_store.consent(session, TEACHER) is None
        with pytest.raises(points_store.ConsentMissing):
            await points_store.save(session, TEACHER, MASTER_AND_TWO_YEARS, CURRENT_RULESET)
        assert (
            await points_store.save_if_agreed(
                session, TEACHER, MASTER_AND_TWO_YEARS, CURRENT_RULESET
            )
            is False
        )
        assert await rows(session) == 0
        assert await points_store.load(session, TEACHER) is None


async def test_agreeing_keeps_the_declaration_and_it_loads_back_equal(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        await new_teacher(session)
        await points_store.agree(
            session, TEACHER, MASTER_AND_TWO_YEARS, CURRENT_RULESET, now=MONDAY
        )
    async with sessions() as session:
        kept = await points_store.load(session, TEACHER)
        assert kept is not None
        assert kept.declaration == MASTER_AND_TWO_YEARS
        assert score(kept.declaration).total == 6  # γ 4 + ια 2
        assert kept.ruleset == CURRENT_RULESET.name
        assert kept.updated_at == MONDAY
        assert await points_store.consent(session, TEACHER) is True
        stored = await session.scalar(select(PointsDeclaration.declaration))
        assert stored is not None
        assert stored["schema"] == "ysepehy-declaration/1"


async def test_only_the_last_declaration_is_kept(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    later = MONDAY + timedelta(days=2)
    async with sessions() as session:
        await new_teacher(session)
        await points_store.agree(
            session, TEACHER, MASTER_AND_TWO_YEARS, CURRENT_RULESET, now=MONDAY
        )
        assert await points_store.save_if_agreed(
            session, TEACHER, ENGLISH_C2, CURRENT_RULESET, now=later
        )
    async with sessions() as session:
        assert await rows(session) == 1
        kept = await points_store.load(session, TEACHER)
        assert kept is not None
        assert (kept.declaration, kept.updated_at) == (ENGLISH_C2, later)


async def test_saying_no_drops_what_was_kept_and_keeps_nothing_new(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        await new_teacher(session)
        await points_store.agree(session, TEACHER, MASTER_AND_TWO_YEARS, CURRENT_RULESET)
        await points_store.delete_kept(session, TEACHER)
    async with sessions() as session:
        assert await points_store.consent(session, TEACHER) is False
        assert await rows(session) == 0
        assert (
            await points_store.save_if_agreed(session, TEACHER, ENGLISH_C2, CURRENT_RULESET)
            is False
        )
        assert await rows(session) == 0


async def test_deleting_removes_the_declaration_and_stops_keeping(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        await new_teacher(session)
        await new_teacher(session, TEACHER + 1)
        await points_store.agree(session, TEACHER, MASTER_AND_TWO_YEARS, CURRENT_RULESET)
        await points_store.agree(session, TEACHER + 1, ENGLISH_C2, CURRENT_RULESET)
        assert await points_store.delete_kept(session, TEACHER) is True
    async with sessions() as session:
        assert await points_store.load(session, TEACHER) is None
        assert await points_store.consent(session, TEACHER) is False
        # another teacher's declaration is untouched
        other = await points_store.load(session, TEACHER + 1)
        assert other is not None
        assert other.declaration == ENGLISH_C2
        assert await points_store.delete_kept(session, TEACHER) is False


async def test_forgetting_the_user_removes_the_declaration(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        await new_teacher(session)
        await points_store.agree(session, TEACHER, MASTER_AND_TWO_YEARS, CURRENT_RULESET)
        assert await users.delete_user_data(session, TEACHER)
    async with sessions() as session:
        assert await rows(session) == 0


async def test_a_kept_row_that_no_longer_parses_is_not_shown_nor_deleted(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        await new_teacher(session)
        await points_store.agree(session, TEACHER, ENGLISH_C2, CURRENT_RULESET)
        await session.execute(
            update(PointsDeclaration).values(declaration={"schema": "ysepehy-declaration/9"})
        )
        await session.commit()
    async with sessions() as session:
        assert await points_store.load(session, TEACHER) is None
        assert await rows(session) == 1
