"""Deadlines on a real database: validation, who may manage them, areas, YAML in and out."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import load_settings
from bot.models import Deadline, ReminderDelivery, School
from bot.services import reminders
from bot.services.helpdesk import schools as schools_service
from bot.services.helpdesk import staff as staff_service
from bot.services.helpdesk.schools import CentreInfo
from bot.services.reminders import deadline_files
from bot.services.reminders import deadlines as service
from bot.services.reminders.deadline_files import DeadlineFileError
from bot.services.reminders.deadlines import DeadlineDraft, DeadlineError
from tests.reminders_world import (
    ATHENS,
    RULES,
    START,
    add_deadline,
    add_users,
    athens,
    deliveries,
    new_clock,
)

ATHENS_A = "Δ/νση Δ.Ε. Α' Αθήνας"
ATHENS_B = "Δ/νση Δ.Ε. Β' Αθήνας"
PIRAEUS = "Δ/νση Δ.Ε. Πειραιά"
ADMIN, STAFF, TEACHER, OTHER = 9_001, 9_002, 9_003, 9_004


async def two_centres(session: AsyncSession) -> tuple[CentreInfo, CentreInfo]:
    athens_centre = await schools_service.upsert_centre(
        session, "athens", name="ΚΕ.ΠΛΗ.ΝΕ.Τ. Αθήνας", directorates=[ATHENS_A, ATHENS_B]
    )
    piraeus = await schools_service.upsert_centre(
        session, "piraeus", name="ΚΕ.ΠΛΗ.ΝΕ.Τ. Πειραιά", directorates=[PIRAEUS]
    )
    return athens_centre, piraeus


async def report_from_school(
    session: AsyncSession, user_id: int, directorate: str, centre_id: int
) -> None:
    """`user_id` set a school of `directorate` for their fault reports."""
    school = School(
        code=f"{user_id % 10_000_000:07d}",
        name="1ο Γυμνάσιο",
        name_key="1ο γυμνασιο",
        directorate=directorate,
        centre_id=centre_id,
    )
    session.add(school)
    await session.flush()
    await schools_service.remember_school(session, user_id, school.id, START)


async def test_what_a_deadline_needs(sessions: async_sessionmaker[AsyncSession]) -> None:
    now = START
    good = DeadlineDraft(kind="interest", title_el="Αίτηση", due_at=athens(2027, 9, 20, 14))
    cases = {
        "past": DeadlineDraft(kind="interest", title_el="Α", due_at=athens(2027, 8, 31)),
        "bad_kind": DeadlineDraft(kind="party", title_el="Α", due_at=good.due_at),
        "title_missing": DeadlineDraft(kind="other", title_el="  ", due_at=good.due_at),
        "title_too_long": DeadlineDraft(kind="other", title_el="α" * 201, due_at=good.due_at),
        "bad_link": DeadlineDraft(kind="other", title_el="Α", due_at=good.due_at, link="ftp://x"),
        "bad_centre": DeadlineDraft(
            kind="other", title_el="Α", due_at=good.due_at, scope="centre", centre_id=999
        ),
        "bad_scope": DeadlineDraft(kind="other", title_el="Α", due_at=good.due_at, scope="x"),
    }
    async with sessions() as session:
        for code, draft in cases.items():
            with pytest.raises(DeadlineError) as caught:
                await service.validate(session, draft, now)
            assert caught.value.code == code
        clean = await service.validate(session, good, now)
    assert (clean.title_el, clean.title_en) == ("Αίτηση", "Αίτηση")  # one title serves both


async def test_who_may_manage_which_deadlines(sessions: async_sessionmaker[AsyncSession]) -> None:
    settings = load_settings(admin_ids=[ADMIN])
    async with sessions() as session:
        athens_centre, piraeus = await two_centres(session)
        await staff_service.add_staff(session, athens_centre.id, STAFF, name="Staff", now=START)
        admin = await service.manager_of(session, settings, ADMIN)
        staff = await service.manager_of(session, settings, STAFF)
        assert await service.manager_of(session, settings, TEACHER) is None
        assert admin is not None
        assert staff is not None
        staff_choices = await service.scope_choices(session, staff)
        admin_choices = await service.scope_choices(session, admin)
    assert [(c.scope, c.label) for c in staff_choices] == [
        ("centre", "ΚΕ.ΠΛΗ.ΝΕ.Τ. Αθήνας"),
        ("directorate", ATHENS_A),
        ("directorate", ATHENS_B),
    ]
    assert admin_choices[0].scope == "everyone"
    assert {c.label for c in admin_choices} >= {PIRAEUS, "ΚΕ.ΠΛΗ.ΝΕ.Τ. Πειραιά"}
    everyone = DeadlineDraft(scope="everyone")
    theirs = DeadlineDraft(scope="directorate", centre_id=athens_centre.id, directorate=ATHENS_B)
    others = DeadlineDraft(scope="centre", centre_id=piraeus.id)
    assert [staff.may_manage(d) for d in (everyone, theirs, others)] == [False, True, False]
    assert [admin.may_manage(d) for d in (everyone, theirs, others)] == [True, True, True]


async def test_area_deadlines_reach_only_that_area(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = new_clock()
    await add_users(sessions, [TEACHER, OTHER, STAFF])
    async with sessions() as session:
        athens_centre, piraeus = await two_centres(session)
        # TEACHER's area comes from the school of their fault reports, OTHER chose theirs.
        await report_from_school(session, TEACHER, "ΔΙΕΥΘΥΝΣΗ Δ.Ε. Β΄ ΑΘΗΝΑΣ", athens_centre.id)
        for user in (TEACHER, OTHER, STAFF):
            await reminders.subscribe(session, user, RULES, clock.now())
        [piraeus_choice] = [c for c in await reminders.area_choices(session) if c.label == PIRAEUS]
        view = await reminders.choose_area(session, OTHER, piraeus_choice, RULES, clock.now())
        assert (view.area.directorate, view.area.centre_id) == (PIRAEUS, piraeus.id)
        teacher = await reminders.get_subscription(session, TEACHER, RULES)
        assert teacher is not None
        assert (teacher.area.source, teacher.area.centre_id) == ("school", athens_centre.id)
    athens_b = await add_deadline(
        sessions, clock, athens(2027, 9, 20, 14), scope="directorate", directorate=ATHENS_B
    )
    piraeus_only = await add_deadline(
        sessions, clock, athens(2027, 9, 21, 14), scope="centre", centre_id=piraeus.id
    )
    everyone = await add_deadline(sessions, clock, athens(2027, 9, 22, 14))
    async with sessions() as session:
        rows = await session.execute(
            select(ReminderDelivery.user_id, ReminderDelivery.deadline_id)
        )
        reached: dict[int, set[int]] = {}
        for user, deadline_id in rows:
            reached.setdefault(user, set()).add(deadline_id)
    assert reached == {
        TEACHER: {athens_b.id, everyone.id},  # Athens B from the school's directorate
        OTHER: {piraeus_only.id, everyone.id},  # the centre of the chosen directorate
        STAFF: {everyone.id},  # area unknown in a two-centre deployment
    }


async def test_a_new_kind_or_scope_replans_and_deleting_drops_pending_reminders(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = new_clock()
    await add_users(sessions, [TEACHER])
    async with sessions() as session:
        await reminders.subscribe(session, TEACHER, RULES, clock.now(), kinds=["interest"])
    deadline = await add_deadline(sessions, clock, athens(2027, 9, 20, 14), kind="interest")
    assert len(await deliveries(sessions)) == 3
    async with sessions() as session:
        await service.edit_deadline(session, deadline.id, RULES, clock.now(), kind="meeting")
    assert await deliveries(sessions) == []
    async with sessions() as session:
        await service.edit_deadline(session, deadline.id, RULES, clock.now(), kind="interest")
        await service.edit_deadline(
            session, deadline.id, RULES, clock.now(), title_en="Interest", link="https://x.gr/a"
        )
    assert len(await deliveries(sessions)) == 3
    async with sessions() as session:
        assert await service.delete_deadline(session, deadline.id)
        assert not await service.delete_deadline(session, deadline.id)
    assert await deliveries(sessions) == []


FILE = """
deadlines:
  - key: interest-2027
    kind: interest
    title:
      el: Εκδήλωση ενδιαφέροντος
      en: Expression of interest
    notes: {el: Αίτηση στη Διεύθυνση του σχολείου., en: Apply to the head of school.}
    at: "2027-09-15 14:00"
    link: https://www.minedu.gov.gr/
  - key: meeting-2027
    kind: meeting
    title: Σύλλογος διδασκόντων
    at: 2027-09-24
    scope: {centre: athens}
  - key: proposal-2027
    kind: proposal
    title: {el: Πρόταση στη Δ.Δ.Ε., en: Proposal to the directorate}
    at: 2027-09-30 12:00:00
    scope: {directorate: "ΔΙΕΥΘΥΝΣΗ ΔΕΥΤΕΡΟΒΑΘΜΙΑΣ ΕΚΠΑΙΔΕΥΣΗΣ Α΄ ΑΘΗΝΑΣ"}
"""


async def test_import_export_round_trip_and_a_moved_date_on_reimport(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = new_clock()
    await add_users(sessions, [TEACHER])
    async with sessions() as session:
        await two_centres(session)
        await reminders.subscribe(session, TEACHER, RULES, clock.now())
        drafts = await deadline_files.parse_file(session, FILE, ATHENS, clock.now())
        dry = await deadline_files.import_drafts(session, drafts, RULES, clock.now(), dry_run=True)
        assert dry.created == ["interest-2027", "meeting-2027", "proposal-2027"]
        assert await session.scalar(select(func.count(Deadline.id))) == 0
        report = await deadline_files.import_drafts(session, drafts, RULES, clock.now())
        assert report.created == dry.created
        exported = await deadline_files.export_file(session, ATHENS, since=None)
    assert "at: 2027-09-24 23:59" in exported
    assert "directorate: Δ/νση Δ.Ε. Α' Αθήνας" in exported  # the name on record
    assert "centre: athens" in exported

    async with sessions() as session:
        again = await deadline_files.parse_file(session, exported, ATHENS, clock.now())
        report = await deadline_files.import_drafts(session, again, RULES, clock.now())
    assert report.unchanged == ["interest-2027", "meeting-2027", "proposal-2027"]

    moved_file = exported.replace("2027-09-15 14:00", "2027-09-17 14:00")
    async with sessions() as session:
        drafts = await deadline_files.parse_file(session, moved_file, ATHENS, clock.now())
        moved = await deadline_files.import_drafts(session, drafts, RULES, clock.now())
    assert moved.moved == ["interest-2027"]
    notices = [r for r in await deliveries(sessions, TEACHER) if r[1] == "moved"]
    assert len(notices) == 1


async def test_a_bad_file_lists_every_problem_and_imports_nothing(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    text = """
deadlines:
  - key: a
    kind: interest
    title: Α
    at: 31/2/2027
  - kind: meeting
    title: Β
    at: 2027-09-24
  - key: c
    kind: holiday
    title: Γ
    at: 2027-09-24
    colour: red
  - key: a
    kind: other
    title: Δ
    at: 2027-09-24
    scope: {centre: nowhere}
"""
    async with sessions() as session:
        with pytest.raises(DeadlineFileError) as caught:
            await deadline_files.parse_file(session, text, ATHENS, START)
        assert await session.scalar(select(func.count(Deadline.id))) == 0
    assert [(n, key, e.code) for n, key, e in caught.value.problems] == [
        (1, "a", "bad_date"),
        (2, None, "key_missing"),
        (3, "c", "unknown_fields"),
        (4, "a", "bad_centre"),
    ]
    async with sessions() as session:
        for broken, code in (("deadlines: 3", "no_list"), ("[a, b", "bad_yaml")):
            with pytest.raises(DeadlineFileError) as caught:
                await deadline_files.parse_file(session, broken, ATHENS, START)
            assert caught.value.problems[0][2].code == code
