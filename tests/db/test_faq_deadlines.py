"""The dates under the FAQ's deadlines answer, on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.models import School
from bot.services import reminders
from bot.services.faq.deadlines import known_deadlines
from bot.services.helpdesk import schools as schools_service
from tests.reminders_world import RULES, START, add_deadline, add_users, athens, new_clock

ATHENS_A = "Δ/νση Δ.Ε. Α' Αθήνας"
PIRAEUS = "Δ/νση Δ.Ε. Πειραιά"
TEACHER, OTHER = 9_101, 9_102


async def two_centres(sessions: async_sessionmaker[AsyncSession]) -> tuple[int, int]:
    async with sessions() as session:
        athens_centre = await schools_service.upsert_centre(
            session, "athens", name="ΚΕ.ΠΛΗ.ΝΕ.Τ. Αθήνας", directorates=[ATHENS_A]
        )
        piraeus = await schools_service.upsert_centre(
            session, "piraeus", name="ΚΕ.ΠΛΗ.ΝΕ.Τ. Πειραιά", directorates=[PIRAEUS]
        )
        return athens_centre.id, piraeus.id


async def set_school(session: AsyncSession, user_id: int, directorate: str, centre: int) -> None:
    school = School(
        code=f"{user_id:07d}", name="1ο ΓΕΛ", name_key="1ο γελ", directorate=directorate,
        centre_id=centre,
    )  # fmt: skip
    session.add(school)
    await session.flush()
    await schools_service.remember_school(session, user_id, school.id, START)


async def test_only_dates_ahead_soonest_first_of_every_kind(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = new_clock()
    await add_users(sessions, [TEACHER])
    meeting = await add_deadline(
        sessions, clock, athens(2027, 9, 20, 12), kind="meeting", title_el="Συνεδρίαση"
    )
    interest = await add_deadline(sessions, clock, athens(2027, 9, 10, 14))
    passed = await add_deadline(sessions, clock, athens(2027, 9, 2, 14), title_el="Χθεσινή")
    async with sessions() as session:
        known = await known_deadlines(session, TEACHER, athens(2027, 9, 5))
        assert [d.id for d in known.deadlines] == [interest.id, meeting.id]
        assert passed.id not in [d.id for d in known.deadlines]
        assert known.elsewhere == 0
        assert [
            d.id for d in (await known_deadlines(session, None, START, limit=1)).deadlines
        ] == [passed.id]


async def test_a_directorates_dates_reach_only_those_of_that_area(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = new_clock()
    athens_id, piraeus_id = await two_centres(sessions)
    await add_users(sessions, [TEACHER, OTHER])
    for_all = await add_deadline(sessions, clock, athens(2027, 9, 15, 14), title_el="Όλοι")
    for_athens = await add_deadline(
        sessions, clock, athens(2027, 9, 16, 14), scope="directorate", directorate=ATHENS_A
    )
    async with sessions() as session:
        # Nobody knows OTHER's area yet: the dates for everyone, and a count of the rest.
        unknown = await known_deadlines(session, OTHER, START)
        assert [d.id for d in unknown.deadlines] == [for_all.id]
        assert unknown.elsewhere == 1
        # TEACHER's school (set for fault reports) is in Athens A.
        await set_school(session, TEACHER, ATHENS_A, athens_id)
        await session.commit()
        mine = await known_deadlines(session, TEACHER, START)
        assert [d.id for d in mine.deadlines] == [for_all.id, for_athens.id]
        assert (mine.elsewhere, mine.area.source) == (0, "school")
    async with sessions() as session:
        # OTHER chooses Piraeus in Reminders (even with reminders then stopped, the choice stays).
        await reminders.subscribe(session, OTHER, RULES, START)
        await reminders.set_area(
            session, OTHER, RULES, START, centre_id=piraeus_id, directorate=None
        )
        await reminders.stop(session, OTHER, START)
        chosen = await known_deadlines(session, OTHER, START)
        assert [d.id for d in chosen.deadlines] == [for_all.id]
        assert (chosen.elsewhere, chosen.area.source) == (0, "chosen")
