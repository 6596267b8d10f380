"""The helpdesk's delivery you can trust: a failed staff post is retried and posted once, the
teacher hears that the centre has the report only when it does, an unroutable report is
said so and raised to the administrators, a staff group that became a supergroup is
followed, and the weekly summary goes out once a week whatever restarts happen."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, update

from bot.models import OutboxMessage, SupportCentre
from bot.services.helpdesk import schools as schools_service
from bot.services.helpdesk import ticket_links, ticket_types, tickets
from bot.services.helpdesk.outbox import FAILED, PENDING, SENT, OutboxKind
from handlers.helpdesk.outbox import deliver_now
from handlers.helpdesk.summary import SUMMARY_JOB
from tests.e2e.conftest import JSON, Launch
from tests.e2e.helpdesk_e2e import (
    ADMIN,
    TEACHER,
    THESSALONIKI_STAFF,
    Desk,
    database,
    open_desk,
    report_fault,
)
from tests.helpdesk_world import ATHENS_STAFF_CHAT

REF = "KPL-2026-00001"
CENTRE = "ΚΕ.ΠΛΗ.ΝΕ.Τ. Α' Αθήνας"
REGISTERED = f"✅ Η δήλωσή σας καταχωρίστηκε με αριθμό {REF}. Θα σας ενημερώσω εδώ μόλις τη λάβει"
REACHED = f"📨 Το {REF} έφτασε στο {CENTRE}."


async def posts(desk: Desk, chat_id: int, reference: str = REF) -> list[JSON]:
    return [
        m
        for m in await desk.chat(chat_id)
        if (m["text"] or "").startswith(f"🎫 {reference}") and m["reply_markup"]
    ]


async def texts(desk: Desk, chat_id: int) -> list[str]:
    return [m["text"] or m.get("caption") or "" for m in await desk.chat(chat_id)]


async def outbox_rows(database_url: str, kind: OutboxKind) -> list[OutboxMessage]:
    async with database(database_url) as sessions, sessions() as session:
        rows = await session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.kind == kind.value)
            .order_by(OutboxMessage.id)
        )
        return list(rows)


async def deliver(desk: Desk) -> None:
    """What the outbox job does every OUTBOX_POLL_SECONDS, now."""
    assert desk.bot.app is not None
    await deliver_now(desk.bot.app)


async def refused(desk: Desk) -> dict[str, Any]:
    stats = await desk.sim.stats()
    # setMyCommands for people who have not opened the bot yet: see tests/e2e/conftest.py.
    return {m: c for m, c in stats["errors"].items() if c and m != "setMyCommands"}


@pytest.mark.refusals("sendMessage")  # the faults this test makes
async def test_a_staff_post_that_fails_with_500_is_posted_once_and_only_then_the_teacher_told(
    launch: Launch, database_url: str
) -> None:
    desk = await open_desk(launch, database_url)

    async def fail_once() -> None:
        await desk.sim.inject_fault("sendMessage", "5xx")

    done = await report_fault(desk, photos=1, before_send=fail_once)

    # Registered, and honest: the centre does not have it yet.
    assert done["text"].startswith(REGISTERED), done["text"]
    assert await posts(desk, ATHENS_STAFF_CHAT) == []
    assert not any(REACHED in t for t in await texts(desk, TEACHER.id))
    [row] = await outbox_rows(database_url, OutboxKind.STAFF_POST)
    assert (row.status, row.attempts) == (PENDING, 1)
    assert "Bad Gateway" in (row.last_error or "")

    # Not due yet: the backoff holds it back.
    await deliver(desk)
    assert await posts(desk, ATHENS_STAFF_CHAT) == []

    desk.clock.advance(seconds=11)
    await deliver(desk)
    await deliver(desk)  # a second pass sends nothing again
    [post] = await posts(desk, ATHENS_STAFF_CHAT)
    photos = [m for m in await desk.chat(ATHENS_STAFF_CHAT) if m.get("photo")]
    assert [p["reply_to_message_id"] for p in photos] == [post["message_id"]]
    told = [t for t in await texts(desk, TEACHER.id) if REACHED in t]
    assert len(told) == 1
    # The ticket↔post link is in the database.
    async with database(database_url) as sessions, sessions() as session:
        ticket = await tickets.ticket_by_reference(session, REF)
        linked = await ticket_links.ticket_of_message(
            session, ATHENS_STAFF_CHAT, post["message_id"]
        )
    assert (ticket.staff_chat_id, ticket.staff_message_id) == (
        ATHENS_STAFF_CHAT,
        post["message_id"],
    )
    assert linked == (ticket.id, ticket_types.MessagePurpose.POST)
    [row] = await outbox_rows(database_url, OutboxKind.STAFF_POST)
    assert (row.status, row.attempts, row.message_id) == (SENT, 2, post["message_id"])
    assert await refused(desk) == {"sendMessage": {"502": 1}}


@pytest.mark.refusals("sendMessage")  # the faults this test makes
async def test_a_staff_post_that_never_goes_is_raised_to_the_teacher_and_the_administrators(
    launch: Launch, database_url: str
) -> None:
    desk = await open_desk(launch, database_url, outbox_max_attempts=2)
    await desk.send(ADMIN, "/start")

    async def fail_twice() -> None:
        await desk.sim.inject_fault("sendMessage", "5xx", count=2)

    await report_fault(desk, photos=0, before_send=fail_twice)
    desk.clock.advance(seconds=11)
    await deliver(desk)

    assert await posts(desk, ATHENS_STAFF_CHAT) == []
    [row] = await outbox_rows(database_url, OutboxKind.STAFF_POST)
    assert (row.status, row.attempts) == (FAILED, 2)
    [warning] = [t for t in await texts(desk, TEACHER.id) if t.startswith("⚠️")]
    assert f"Το {REF} δεν μπόρεσε να παραδοθεί στο {CENTRE}" in warning
    assert "☎️ 2100000000 · ✉️ keplinet@dide-a-athin.att.sch.gr" in warning
    assert not any(REACHED in t for t in await texts(desk, TEACHER.id))
    [alert] = [t for t in await texts(desk, ADMIN.id) if REF in t]
    assert "δεν αναρτήθηκε στην ομάδα προσωπικού" in alert
    assert "(2 προσπάθειες)" in alert


async def test_a_report_no_staff_chat_can_receive_is_said_so_and_raised_at_once(
    launch: Launch, database_url: str
) -> None:
    desk = await open_desk(launch, database_url)
    await desk.send(ADMIN, "/start")
    async with database(database_url) as sessions, sessions() as session:
        await session.execute(
            update(SupportCentre)
            .where(SupportCentre.id == desk.world.thessaloniki.id)
            .values(staff_chat_id=None)
        )
        await session.commit()

    done = await report_fault(desk, school_query="1951010", school_label="1951010", photos=0)

    text = done["text"]
    assert text.startswith(f"✅ Η δήλωσή σας καταχωρίστηκε με αριθμό {REF}, αλλά")
    assert "κανείς εκεί δεν την έχει δει" in text
    assert "Ενημερώθηκαν οι διαχειριστές" in text
    assert "δεν έχει καταχωριστεί τηλέφωνο ή e-mail του κέντρου" in text
    [alert] = [t for t in await texts(desk, ADMIN.id) if REF in t]
    assert "δεν φτάνει σε κανέναν" in alert
    assert "1ο Γυμνάσιο Καλαμαριάς" in alert or "1951010" in alert
    assert await outbox_rows(database_url, OutboxKind.STAFF_POST) == []

    # The teacher's later message is saved, and they are told it cannot be passed on.
    [confirmation] = [m for m in await desk.chat(TEACHER.id) if m["text"] == text]
    [ack] = await desk.reply(TEACHER, confirmation, "Ακόμη δεν δουλεύει.")
    assert ack["text"].startswith(f"⚠️ Αποθηκεύτηκε στο {REF}, αλλά δεν μπορώ")
    assert await refused(desk) == {}


@pytest.mark.refusals("sendMessage")  # the faults this test makes
async def test_a_staff_group_that_becomes_a_supergroup_is_followed(
    launch: Launch, database_url: str
) -> None:
    desk = await open_desk(launch, database_url)
    group = -5001
    centre_id = desk.world.thessaloniki.id
    async with database(database_url) as sessions, sessions() as session:
        await schools_service.set_staff_chat(session, centre_id, group, None)
    await desk.sim.add_to_group(THESSALONIKI_STAFF, group, "ΚΕΠΛΗΝΕΤ Θεσ/νίκης (ομάδα)")
    await desk.bot.idle()
    kalamaria: dict[str, Any] = {"school_query": "1951010", "school_label": "1951010", "photos": 0}

    await report_fault(desk, **kalamaria)
    assert len(await posts(desk, group)) == 1

    # Turning on Topics upgrades the group: the bot follows the service message.
    supergroup = int((await desk.sim.migrate_group(group))["id"])
    await desk.bot.idle()
    async with database(database_url) as sessions, sessions() as session:
        centre = await schools_service.get_centre(session, centre_id)
    assert centre is not None
    assert centre.staff_chat_id == supergroup

    await report_fault(desk, **kalamaria, equipment="PC-02")
    assert len(await posts(desk, supergroup, "KPL-2026-00002")) == 1

    # A stale id (say STAFF_CHAT_ID of an old .env) is corrected by Telegram's answer.
    async with database(database_url) as sessions, sessions() as session:
        await schools_service.set_staff_chat(session, centre_id, group, None)
    await report_fault(desk, **kalamaria, equipment="PC-03")
    assert len(await posts(desk, supergroup, "KPL-2026-00003")) == 1
    async with database(database_url) as sessions, sessions() as session:
        centre = await schools_service.get_centre(session, centre_id)
        third = await tickets.ticket_by_reference(session, "KPL-2026-00003")
    assert centre is not None
    assert centre.staff_chat_id == supergroup
    assert third.staff_chat_id == supergroup
    assert [m for m in await desk.chat(group) if "KPL-2026-0000" in (m["text"] or "")][1:] == []
    assert await refused(desk) == {"sendMessage": {"400": 1}}
    reached = [t for t in await texts(desk, TEACHER.id) if t.startswith("📨")]
    assert len(reached) == 3


async def test_the_weekly_summary_goes_out_once_a_week_whatever_restarts_happen(
    launch: Launch, database_url: str
) -> None:
    desk = await open_desk(launch, database_url)
    await report_fault(desk, photos=0)

    async def summaries() -> list[str]:
        return [t for t in await texts(desk, ATHENS_STAFF_CHAT) if t.startswith("📊")]

    async def run_job() -> None:
        app = desk.bot.app
        assert app is not None
        assert app.job_queue is not None
        [job] = app.job_queue.get_jobs_by_name(SUMMARY_JOB)
        await job.run(app)

    await run_job()
    assert len(await summaries()) == 1
    await run_job()
    await desk.bot.restart()
    await run_job()
    assert len(await summaries()) == 1  # this week's is on record in the database

    # The bot is down at next Monday's 08:00 and back an hour later: it catches up, once.
    await desk.bot.stop()
    desk.clock.advance(days=7, minutes=30)
    await desk.bot.start()  # plans the missed week; the outbox worker sends it
    await deliver(desk)
    assert len(await summaries()) == 2
    await run_job()
    await desk.bot.restart()
    await deliver(desk)
    assert len(await summaries()) == 2
    rows = await outbox_rows(database_url, OutboxKind.WEEKLY_SUMMARY)
    assert {r.dedupe_key for r in rows} == {
        f"weekly:{c.id}:{day}"
        for c in (desk.world.athens, desk.world.thessaloniki)
        for day in ("2026-03-02", "2026-03-09")
    }
