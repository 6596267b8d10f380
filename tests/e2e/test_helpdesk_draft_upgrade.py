"""A fault report half written before an upgrade: the draft stored by the untyped code of
before (a plain dict in `user_data`, no "version") goes on after the restart and is sent
with its id; a draft the bot cannot read is dropped with a clear message, never a crash."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.db import create_engine
from bot.models import Ticket
from bot.persistence import SQLAlchemyPersistence
from tests.e2e.conftest import Launch, labels
from tests.e2e.helpdesk_e2e import TEACHER, Desk, database, open_desk
from tests.e2e.points_chat import flows_of

OLD_DRAFT_ID = "0123456789abcdef0123456789abcdef"


async def to_description(desk: Desk) -> dict[str, Any]:
    """Walk the report to the description question; the teacher's user_data then."""
    [question] = await desk.send(TEACHER, "/report")
    if "Είναι εκεί η βλάβη" in question["text"]:
        await desk.press(TEACHER, question, "Άλλο σχολείο")
    [choices] = await desk.send(TEACHER, "0551010")
    await desk.press(TEACHER, choices, "0551010")
    [category_q] = await desk.send(TEACHER, "Εργαστήριο 1")
    await desk.press(TEACHER, category_q, "Υπολογιστής")
    [description_q] = await desk.send(TEACHER, "PC-07")
    assert "Περιγράψτε" in description_q["text"]
    assert desk.bot.app is not None
    return dict(desk.bot.app.user_data[TEACHER.id])


async def stored_while_stopped(desk: Desk, user_data: dict[str, Any]) -> None:
    """Stop the bot, store `user_data` for the teacher as an older version would have, start."""
    await desk.bot.stop()
    engine = create_engine(desk.bot.database_url)
    try:
        await SQLAlchemyPersistence(engine).update_user_data(TEACHER.id, user_data)
    finally:
        await engine.dispose()
    await desk.bot.start()
    assert flows_of(desk.bot, TEACHER) == {"report"}


async def test_a_draft_saved_before_drafts_were_typed_is_finished_and_sent_with_its_id(
    launch: Launch, database_url: str
) -> None:
    desk = await open_desk(launch, database_url)
    now = await to_description(desk)
    school_id = now["report"]["school_id"]
    # Exactly what the untyped report handler kept in user_data at this step.
    now["report"] = {
        "id": OLD_DRAFT_ID,
        "school_id": school_id,
        "school_name": now["report"]["school_name"],
        "school_code": "0551010",
        "lab": "Εργαστήριο 1",
        "category": "pc",
        "equipment": "PC-07",
        "description": "",
        "attachments": [],
        "urgency": None,
        "duplicate_of": None,
        "duplicate_ref": None,
        "editing": False,
        "album": None,
        "trail": ["school", "lab", "category", "equipment", "description"],
    }
    await stored_while_stopped(desk, now)

    [attachments_q] = await desk.send(TEACHER, "Δεν ανοίγει καθόλου.")
    assert attachments_q["text"].startswith("📷")
    # « Back» follows the old trail: the description question again, its answer kept.
    back = (await desk.press(TEACHER, attachments_q, "« Πίσω")).message
    assert "Δεν ανοίγει καθόλου." in back["text"]
    attachments_q = (await desk.press(TEACHER, back, "✔ Συνέχεια")).message
    urgency_q = (await desk.press(TEACHER, attachments_q, "Χωρίς φωτογραφίες")).message
    summary = (await desk.press(TEACHER, urgency_q, "εν μέρει")).message
    assert "Εργαστήριο 1" in summary["text"]
    assert "PC-07" in summary["text"]
    assert f"rp:send:{OLD_DRAFT_ID}" in [
        b["callback_data"] for row in summary["reply_markup"]["inline_keyboard"] for b in row
    ]
    done = (await desk.press(TEACHER, summary, "Αποστολή")).message
    assert "KPL-2026-00001" in done["text"]
    async with database(database_url) as sessions, sessions() as session:
        ticket = (await session.scalars(select(Ticket))).one()
    assert (ticket.draft_id, ticket.lab, ticket.equipment) == (
        OLD_DRAFT_ID,
        "Εργαστήριο 1",
        "PC-07",
    )
    assert flows_of(desk.bot, TEACHER) == set()


async def test_a_draft_the_bot_cannot_read_is_dropped_with_a_message(
    launch: Launch, database_url: str
) -> None:
    desk = await open_desk(launch, database_url)
    now = await to_description(desk)
    now["report"] = {**now["report"], "version": 99}  # written by a newer bot, say
    await stored_while_stopped(desk, now)

    [said] = await desk.send(TEACHER, "Δεν ανοίγει καθόλου.")
    assert said["text"] == (
        "Δεν μπόρεσα να διαβάσω τη μισοτελειωμένη δήλωση βλάβης σας (η εφαρμογή "
        "ενημερώθηκε), οπότε απορρίφθηκε. Λυπάμαι: ξεκινήστε ξανά με /report."
    )
    assert labels(said) == []
    assert flows_of(desk.bot, TEACHER) == set()
    assert desk.bot.app is not None
    assert "report" not in desk.bot.app.user_data[TEACHER.id]
    # And /report starts a new one as usual.
    [question] = await desk.send(TEACHER, "/report")
    assert question["text"].startswith("🏫")
