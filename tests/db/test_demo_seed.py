"""The demo's sample data: what a fresh demo database gets, that a second start adds
nothing, and that a database holding anything else is never touched."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.commands.demo import DEMO_TOKEN
from bot.config import Settings, load_settings
from bot.db import create_engine, session_factory
from bot.demo.cast import ATHENS, MARIA, NIKOS, PERSONAS, STAFF, TEACHERS, THESSALONIKI
from bot.demo.seed import (
    SAMPLE_DEADLINES,
    SHOWCASE_KEY,
    DemoDatabase,
    NotADemoDatabase,
    demo_database_state,
    demo_settings,
    seed_demo,
)
from bot.emulator.sim import SimClient
from bot.models import Deadline, ReminderDelivery, School, Staff, SupportCentre, User
from bot.services import users
from bot.services.helpdesk import school_import, schools, staff
from bot.services.reminders import deadlines
from tests.e2e.demo_support import running_demo

NOW = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)


def settings_for(url: str) -> Settings:
    return load_settings(telegram_token=DEMO_TOKEN, database_url=url, **demo_settings())


async def counts(session: AsyncSession) -> dict[str, int]:
    found = {}
    for model in (SupportCentre, School, Staff, User, Deadline):
        found[model.__tablename__] = int(
            await session.scalar(select(func.count()).select_from(model)) or 0
        )
    return found


async def test_a_fresh_database_gets_the_whole_cast_and_a_second_start_adds_nothing(
    sessions: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    settings = settings_for(database_url)
    async with sessions() as session:
        assert await demo_database_state(session) is DemoDatabase.FRESH
        first = await seed_demo(session, settings, NOW)
        assert (first.state, first.schools_added) == (DemoDatabase.FRESH, 9)
        after_first = await counts(session)

        centres = {c.slug: c for c in await schools.list_centres(session)}
        assert set(centres) == {ATHENS.slug, THESSALONIKI.slug}
        assert centres[ATHENS.slug].is_default
        for sample in (ATHENS, THESSALONIKI):
            centre = centres[sample.slug]
            assert (centre.name, centre.staff_chat_id) == (sample.name, sample.staff_chat_id)
            assert list(centre.directorates) == [sample.directorate]
            members = {m.user_id for m in await staff.list_staff(session, centre.id)}
            assert members == {p.user_id for p in STAFF if p.centre == sample}
            assert len(members) == 2
        # The bot's own example school, and schools of both directorates, each its centre's.
        found = await schools.search_schools(session, "1ο γυμνάσιο αθηνών")
        assert [s.code for s in found.schools] == ["0551010"]
        kalamaria = await schools.school_by_code(session, "1951010")
        assert kalamaria is not None
        assert kalamaria.centre_id == centres[THESSALONIKI.slug].id
        for teacher in TEACHERS:
            school = await schools.remembered_school(session, teacher.user_id)
            assert school is not None
            assert school.code == teacher.school_code
        assert after_first["users"] == len(PERSONAS)
        assert after_first["helpdesk_staff"] == 4

        # Dates of the selection process around today: one within days, others later.
        upcoming = {d.key: d for d in await deadlines.upcoming(session, NOW)}
        assert set(upcoming) == {s.key for s in SAMPLE_DEADLINES} | {SHOWCASE_KEY}
        days = sorted(deadlines.days_until(d, NOW, settings.tz) for d in upcoming.values())
        assert days[0] <= 3
        assert days[-1] >= 20
        # Maria follows them: her "1 day before" reminder of the showcase date is due in a
        # minute.
        due = await session.scalars(
            select(ReminderDelivery.due_at).where(
                ReminderDelivery.user_id == MARIA.user_id,
                ReminderDelivery.deadline_id == upcoming[SHOWCASE_KEY].id,
            )
        )
        assert min(due) == NOW + timedelta(minutes=1)

        second = await seed_demo(session, settings, NOW + timedelta(hours=2))
        assert (second.state, second.schools_added) == (DemoDatabase.SEEDED, 0)
        assert second.deadlines_added == 1  # the showcase date only, due again soon
        assert await counts(session) == after_first
        assert await staff.staff_centre_ids(session, NIKOS.user_id) == [centres[ATHENS.slug].id]


async def test_past_sample_dates_move_to_around_today(
    sessions: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    settings = settings_for(database_url)
    later = NOW + timedelta(days=60)
    async with sessions() as session:
        await seed_demo(session, settings, NOW)
        report = await seed_demo(session, settings, later)
        assert report.deadlines_added == len(SAMPLE_DEADLINES) + 1
        upcoming = await deadlines.upcoming(session, later)
        assert len(upcoming) == len(SAMPLE_DEADLINES) + 1
        assert (await counts(session))["deadlines"] == len(SAMPLE_DEADLINES) + 1


@pytest.mark.parametrize("what", ["user", "school", "centre"])
async def test_a_database_with_other_data_is_never_touched(
    sessions: async_sessionmaker[AsyncSession], database_url: str, what: str
) -> None:
    settings = settings_for(database_url)
    async with sessions() as session:
        if what == "user":
            await users.touch_user(session, telegram_id=42, first_name="Πραγματικός", now=NOW)
            await session.commit()
        elif what == "school":
            data = "school_code,school_name,school_district\n0101010,Σχολείο,Δ/νση\n".encode()
            await school_import.import_schools(session, data)
        else:
            await schools.upsert_centre(session, "patras", name="ΚΕ.ΠΛΗ.ΝΕ.Τ. Πάτρας")
        before = await counts(session)
        assert await demo_database_state(session) is DemoDatabase.FOREIGN
        with pytest.raises(NotADemoDatabase):
            await seed_demo(session, settings, NOW)
        await session.rollback()
        assert await counts(session) == before


async def test_the_demo_seeds_a_fresh_directory_but_not_an_empty_one_nor_foreign_data(
    tmp_path: Path,
) -> None:
    async def personas_and_schools(data_dir: Path, **options: Any) -> tuple[int, int]:
        async with running_demo(data_dir, **options) as url, SimClient(url.rstrip("/")) as sim:
            personas = await sim.personas()
        engine = create_engine(f"sqlite+aiosqlite:///{data_dir / 'keplibot.sqlite3'}")
        try:
            async with session_factory(engine)() as session:
                count = await session.scalar(select(func.count()).select_from(School))
        finally:
            await engine.dispose()
        return len(personas), int(count or 0)

    assert await personas_and_schools(tmp_path / "bare", empty=True) == (0, 0)
    # A bare demo someone has used holds data of its own: it is not seeded later either.
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'bare' / 'keplibot.sqlite3'}")
    try:
        async with session_factory(engine)() as session:
            await users.touch_user(session, telegram_id=1000001, first_name="Αλίκη", now=NOW)
            await session.commit()
    finally:
        await engine.dispose()
    assert await personas_and_schools(tmp_path / "bare") == (0, 0)
    assert await personas_and_schools(tmp_path / "fresh") == (len(PERSONAS), 9)
