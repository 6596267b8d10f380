"""The area of a teacher's reminders comes from the school they set for fault reports.

"Your centre comes from the school you set for fault reports, else it is asked":
choosing the school in the report flow is enough (no report needs to be sent),
a changed school changes the area, and a teacher with no school is asked.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.models import ReminderDelivery, TeacherSchool
from bot.services import users
from bot.services.reminders import deadlines as deadlines_service
from bot.services.reminders.deadlines import DeadlineDraft
from handlers.reminders import rules_of
from tests.e2e.conftest import JSON, Launch, labels
from tests.e2e.helpdesk_e2e import OTHER_TEACHER, TEACHER, Desk, database, open_desk
from tests.helpdesk_world import ATHENS_DIRECTORATE, THESSALONIKI_DIRECTORATE

ATHENS_DATE = "Συνέλευση συλλόγου — Α' Αθήνας"
THESSALONIKI_DATE = "Συνέλευση συλλόγου — Αν. Θεσσαλονίκης"
FROM_SCHOOL = "(από το σχολείο που δηλώσατε για τις βλάβες)"


async def add_directorate_deadlines(desk: Desk) -> dict[str, int]:
    assert desk.bot.app is not None
    runtime = desk.bot.app.bot_data.runtime
    ids = {}
    async with runtime.sessions() as session:
        for day, title, directorate in (
            (10, ATHENS_DATE, ATHENS_DIRECTORATE),
            (11, THESSALONIKI_DATE, THESSALONIKI_DIRECTORATE),
        ):
            deadline = await deadlines_service.create_deadline(
                session,
                DeadlineDraft(
                    kind="meeting",
                    title_el=title,
                    due_at=datetime(2026, 3, day, 12, 0, tzinfo=UTC),
                    scope="directorate",
                    directorate=directorate,
                ),
                rules_of(runtime),
                desk.clock.now(),
            )
            ids[directorate] = deadline.id
    return ids


async def choose_school_and_cancel(desk: Desk, code: str) -> None:
    """Set the school in the report flow, then give up: no report is sent."""
    [question] = await desk.send(TEACHER, "/report")
    if "Είναι εκεί η βλάβη" in question["text"]:
        await desk.press(TEACHER, question, "Άλλο σχολείο")
    [choices] = await desk.send(TEACHER, code)
    await desk.press(TEACHER, choices, code)
    await desk.send(TEACHER, "/cancel")


async def planned(desk: Desk) -> set[int]:
    assert desk.bot.app is not None
    async with desk.bot.app.bot_data.runtime.sessions() as session:
        rows = await session.scalars(
            select(ReminderDelivery.deadline_id).where(ReminderDelivery.user_id == TEACHER.id)
        )
        return set(rows)


async def reminders_screen(desk: Desk) -> JSON:
    [screen] = await desk.send(TEACHER, "/reminders")
    return screen


async def test_the_school_set_in_a_report_gives_the_area_without_asking(
    launch: Launch, database_url: str
) -> None:
    desk = await open_desk(launch, database_url)
    ids = await add_directorate_deadlines(desk)
    await choose_school_and_cancel(desk, "0551010")  # 1ο Γυμνάσιο Αθηνών

    followed = (await desk.bot.press(TEACHER, await reminders_screen(desk), "rem:follow")).message
    assert "Πού υπηρετείτε;" not in followed["text"]  # nothing to ask
    assert f"Περιοχή: {ATHENS_DIRECTORATE} {FROM_SCHOOL}" in followed["text"]
    assert ATHENS_DATE in followed["text"]
    assert THESSALONIKI_DATE not in followed["text"]
    assert await planned(desk) == {ids[ATHENS_DIRECTORATE]}

    # The next report offers the same school; another one changes the area too.
    [question] = await desk.send(TEACHER, "/report")
    assert "1ο Γυμνάσιο Αθηνών (0551010)" in question["text"]
    await desk.send(TEACHER, "/cancel")
    await choose_school_and_cancel(desk, "1951010")  # a school in Eastern Thessaloniki
    screen = await reminders_screen(desk)
    assert f"Περιοχή: {THESSALONIKI_DIRECTORATE} {FROM_SCHOOL}" in screen["text"]
    assert THESSALONIKI_DATE in screen["text"]
    assert ATHENS_DATE not in screen["text"]


async def test_without_a_school_the_area_is_asked(launch: Launch, database_url: str) -> None:
    desk = await open_desk(launch, database_url)
    await add_directorate_deadlines(desk)
    [screen] = await desk.send(OTHER_TEACHER, "/reminders")
    followed = (await desk.bot.press(OTHER_TEACHER, screen, "rem:follow")).message
    assert "Πού υπηρετείτε; Επιλέξτε τη Διεύθυνσή σας" in followed["text"]
    assert ATHENS_DIRECTORATE in labels(followed)
    assert THESSALONIKI_DIRECTORATE in labels(followed)


async def test_the_school_goes_with_the_teachers_data(launch: Launch, database_url: str) -> None:
    desk = await open_desk(launch, database_url)
    await choose_school_and_cancel(desk, "0551010")
    async with database(database_url) as sessions, sessions() as session:
        assert await session.get(TeacherSchool, TEACHER.id) is not None
        assert await users.delete_user_data(session, TEACHER.id)
    async with database(database_url) as sessions, sessions() as session:
        assert await session.get(TeacherSchool, TEACHER.id) is None
