"""/privacy, /mydata and /delete from Microsoft Teams, end to end (SQLite and PostgreSQL):
the export has the Teams identity, the conversation and the photos; erasure removes them,
anonymises the tickets (and their staff posts), and ends the flow on screen."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from bot.channel_models import ChannelConversation, ChannelFile, ChannelUser
from bot.services.channels import user_id_for
from bot.services.helpdesk import tickets
from tests.e2e.conftest import Launch
from tests.e2e.helpdesk_e2e import database
from tests.e2e.test_teams_helpdesk import MARIA, REF, open_desk, walk_to_summary
from tests.helpdesk_world import THESSALONIKI_STAFF_CHAT

MARIA_ID = user_id_for("teams", MARIA.aad_object_id)


async def rows_of(database_url: str) -> dict[str, int]:
    counts = {}
    async with database(database_url) as sessions, sessions() as session:
        for model in (ChannelUser, ChannelConversation, ChannelFile):
            query = select(func.count()).select_from(model).where(model.user_id == MARIA_ID)
            counts[model.__tablename__] = int(await session.scalar(query) or 0)
    return counts


async def test_privacy_export_and_erasure(launch: Launch, database_url: str) -> None:
    async with open_desk(launch, database_url) as desk:
        summary = await walk_to_summary(desk, MARIA)
        await desk.press(MARIA, summary, "Αποστολή")
        notice = await desk.say(MARIA, "/privacy")
        assert "Microsoft Teams" in notice.text
        assert "τις ρυθμίσεις των υπενθυμίσεών σας" in notice.text  # reminders work in Teams
        assert "Υπεύθυνος επεξεργασίας:" in notice.text  # the shared part of the notice
        assert [label[0] for label in notice.labels] == ["📥", "🗑", "«"]
        from_menu = await desk.press(MARIA, await desk.say(MARIA, "/start"), "🔒")
        assert from_menu.text == notice.text
        [exported] = await desk.standin.send(MARIA, "/mydata")
        [file] = exported.files
        document = json.loads(await desk.standin.download(file))
        teams = document["channels"]
        assert teams["external_id"] == MARIA.aad_object_id
        assert [f["mime"] for f in teams["files"]] == ["image/png"]
        assert REF in json.dumps(document, ensure_ascii=False)
        # /delete in the middle of a report: asked, erased, the report ended.
        await desk.say(MARIA, "/report")
        asked = await desk.say(MARIA, "/delete")
        kept = await desk.press(MARIA, asked, "Όχι, να μείνουν")
        assert kept.text == "Δεν διαγράφηκε τίποτα."
        assert (await rows_of(database_url))["channel_files"] == 1
        asked = await desk.say(MARIA, "/delete")
        done = await desk.press(MARIA, asked, "Ναι, διαγραφή όλων")
        assert done.text.startswith("✅"), done.text
        assert await rows_of(database_url) == {
            "channel_users": 0,
            "channel_conversations": 0,
            "channel_files": 0,
        }
        async with database(database_url) as sessions, sessions() as session:
            ticket = await tickets.ticket_by_reference(session, REF)
        assert ticket.reporter_id != MARIA_ID
        assert "Μαρία" not in ticket.reporter_name
        staff = await desk.staff(THESSALONIKI_STAFF_CHAT)
        [post] = [m for m in staff if str(m.get("text") or "").startswith(f"🎫 {REF}")]
        assert "Μαρία Παπαδοπούλου" not in post["text"]
        # Writing again starts afresh: no report on screen any more.
        again = await desk.say(MARIA, "Εργαστήριο 2")
        assert "🏫" not in again.text
