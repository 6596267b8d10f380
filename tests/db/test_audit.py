"""The audit log: changes to staff, invites, centres, schools and deadlines, with their author."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.models import AuditEntry
from bot.services import audit
from bot.services.audit import Actor
from bot.services.helpdesk import school_import, staff
from bot.services.helpdesk import schools as schools_service
from bot.services.reminders import deadlines as deadlines_service
from bot.services.reminders.deadlines import DeadlineDraft
from tests.helpdesk_world import DATA, T0, build_world
from tests.reminders_world import RULES, START

ADMIN = Actor("telegram", 9001, "Διαχειριστής")
NEW_MEMBER = Actor("telegram", 4242, "Άννα")


async def log(sessions: async_sessionmaker[AsyncSession]) -> list[AuditEntry]:
    async with sessions() as session:
        return list(await session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


async def test_staff_and_invites_are_recorded_with_who_did_it(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    world = await build_world(sessions)
    before = len(await log(sessions))
    async with sessions() as session:
        with audit.acting_as(ADMIN):
            invite = await staff.create_invite(
                session, world.athens.id, created_by=ADMIN.id, now=T0, valid_days=7
            )
        with audit.acting_as(NEW_MEMBER):
            await staff.redeem_invite(
                session, invite.token, user_id=4242, name="Άννα", now=T0 + timedelta(hours=1)
            )
        with audit.acting_as(ADMIN):
            assert await staff.remove_staff(session, world.athens.id, 4242)
            # Nothing removed: nothing recorded.
            assert not await staff.remove_staff(session, world.athens.id, 4242)
    entries = (await log(sessions))[before:]
    assert [(e.action, e.actor_id) for e in entries] == [
        ("invite.created", 9001),
        ("invite.used", 4242),
        ("staff.created", 4242),
        ("staff.deleted", 9001),
    ]
    created, used, joined, removed = entries
    assert created.actor_name == "Διαχειριστής"
    assert invite.token not in str(created.details)  # the secret is never logged
    assert used.details["changes"]["used_by"] == [None, 4242]
    assert "user_id=4242" in joined.target
    assert removed.details["row"]["user_id"] == 4242
    assert f"centre_id={world.athens.id}" in removed.target


async def test_centres_schools_and_deadlines_are_recorded_and_listed(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    operator = Actor("operator", None, "root")
    with audit.acting_as(operator):
        await build_world(sessions)
    async with sessions() as session:
        with audit.acting_as(ADMIN):
            await schools_service.upsert_centre(session, "athens-a", phone="2101111111")
            deadline = await deadlines_service.create_deadline(
                session,
                DeadlineDraft(
                    kind="interest",
                    title_el="Αιτήσεις",
                    title_en="Applications",
                    due_at=START + timedelta(days=20),
                ),
                RULES,
                START,
            )
            await deadlines_service.edit_deadline(
                session, deadline.id, RULES, START, title_en="Applications (extended)"
            )
            await deadlines_service.move_deadline(
                session, deadline.id, START + timedelta(days=27), RULES, START
            )
            assert await deadlines_service.delete_deadline(session, deadline.id)
    entries = await log(sessions)
    actions = [(e.action, e.actor_kind) for e in entries]
    assert ("centre.created", "operator") in actions
    schools = [e for e in entries if e.action == "school.created"]
    assert any("code=0551010" in e.target for e in schools)
    [phone] = [e for e in entries if e.action == "centre.changed" and e.actor_id == 9001]
    assert phone.details["changes"]["phone"] == ["2100000000", "2101111111"]
    mine = [e.action for e in entries if e.actor_id == 9001 and e.action.startswith("deadline")]
    assert mine == ["deadline.created", "deadline.changed", "deadline.changed", "deadline.deleted"]
    [edit] = [
        e for e in entries if e.action == "deadline.changed" and "title_en" in str(e.details)
    ]
    assert edit.details["changes"]["title_en"] == ["Applications", "Applications (extended)"]

    async with sessions() as session:
        by_admin = await audit.entries(session, actor="9001", limit=100)
        assert {e.actor_id for e in by_admin} == {9001}
        assert by_admin[0].action == "deadline.deleted"  # newest first
        by_name = await audit.entries(session, actor="διαχειρ", limit=100)
        assert len(by_name) == len(by_admin)
        ops = await audit.entries(session, actor="operator", action="staff", limit=100)
        assert ops
        assert {e.action for e in ops} == {"staff.created"}
        assert len(await audit.entries(session, limit=2)) == 2
        later = await audit.entries(session, since=entries[-1].at + timedelta(seconds=1))
        assert later == []


async def test_a_large_import_is_one_entry_with_a_count(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    header = (DATA / "schools_good.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    rows = [f"{9000000 + i},Σχολείο {i},ΓΕΛ,Δ/νση Δ.Ε. Χανίων,Χανίων,,," for i in range(25)]
    data = "\n".join([header, *(r.rstrip(",") + "," for r in rows)]).encode()
    with audit.acting_as(Actor("operator", None, "root")):
        async with sessions() as session:
            report = await school_import.import_schools(session, data)
    assert report.created == 25
    [entry] = [e for e in await log(sessions) if e.action == "school.created"]
    assert entry.details["count"] == 25
    assert len(entry.details["sample"]) == audit.SAMPLE
    assert (entry.actor_kind, entry.actor_name) == ("operator", "root")
