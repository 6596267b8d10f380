"""A teacher sees and erases their data from the chat: /privacy, /mydata, /delete."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from bot.emulator.sim import SimUser
from bot.models import Base, Ticket
from bot.services import privacy
from bot.services.clock import FakeClock
from bot.services.helpdesk import ticket_changes, ticket_types, tickets
from bot.services.helpdesk.ticket_workflow import Action
from handlers.privacy import ERASE_DATA, KEEP_DATA, RETENTION_JOB
from tests.e2e.conftest import JSON, BotHarness, Launch, labels
from tests.e2e.helpdesk_e2e import ATHENS_STAFF, database, open_desk, report_fault
from tests.e2e.points_chat import flows_of, json_document
from tests.helpdesk_world import ATHENS_STAFF_CHAT as STAFF_CHAT
from tests.helpdesk_world import T0

# Every marker is something only this teacher gave the bot: none may survive erasure.
TEACHER = SimUser(1101, "Ξανθίππη", "Σημαδάκη", "xanthippi_mrk", language_code="el")
DESCRIPTION = "ΣΗΜΑΔΙ-7731: ο προβολέας σβήνει μόνος του."
QUESTION = "ζχψ ΣΗΜΑΔΙ-8842 ξφγ 6971234567"
MARKERS = ("Ξανθίππη", "Σημαδάκη", "xanthippi_mrk", "ΣΗΜΑΔΙ-7731", "ΣΗΜΑΔΙ-8842", "6971234567")


async def everything_stored(database_url: str) -> list[tuple[str, str, str]]:
    """Every value of every column of every table, as text: (table, column, value)."""
    found: list[tuple[str, str, str]] = []
    async with database(database_url) as sessions, sessions() as session:
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(select(table))).mappings():
                for column, value in row.items():
                    if value is None:
                        continue
                    shown = (
                        value
                        if isinstance(value, str)
                        else json.dumps(value, ensure_ascii=False, default=str)
                    )
                    found.append((table.name, str(column), shown))
    return found


def leftovers(stored: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    return [
        (table, column, value)
        for table, column, value in stored
        for marker in MARKERS
        if marker in value
    ]


async def send_file(bot: BotHarness, user: SimUser, data: bytes) -> list[JSON]:
    sent = await bot.sim.send_document(user, data, "δήλωση.json", "application/json")
    chat_id = int(sent["chat"]["id"])
    await bot.recorder.wait(("message", chat_id, int(sent["message_id"])))
    return await bot.bot_messages(chat_id, after=int(sent["message_id"]))


async def my_data(bot: BotHarness) -> dict[str, Any]:
    [sent] = await bot.send(TEACHER, "/mydata")
    assert sent["document"]["file_name"] == "keplibot-my-data.json"
    assert sent["caption"].startswith("Όλα όσα κρατώ για εσάς, σε JSON.")
    document: dict[str, Any] = json.loads(await bot.sim.download(sent["document"]["file_id"]))
    return document


async def test_a_teacher_exports_then_erases_everything_and_the_ticket_stays_anonymised(
    launch: Launch, database_url: str
) -> None:
    desk = await open_desk(launch, database_url)
    bot = desk.bot
    done = await report_fault(desk, TEACHER, description=DESCRIPTION)
    assert "KPL-2026-00001" in done["text"]
    # A declaration, kept with her consent.
    [result] = await send_file(bot, TEACHER, json_document({"lab_manager_effective_years": 2}))
    await bot.press(TEACHER, result, "p:keep")
    # A question the FAQ cannot answer: kept for the staff, the phone number masked.
    await bot.send(TEACHER, QUESTION)
    # And a points interview left half-way.
    await bot.send(TEACHER, "/points")
    assert flows_of(bot, TEACHER) == {"points"}

    document = await my_data(bot)
    assert document["format"] == privacy.FORMAT
    assert document["profile"]["first_name"] == "Ξανθίππη"
    assert document["profile"]["username"] == "xanthippi_mrk"
    assert document["school"]["code"] == "0551010"
    assert document["points"]["declaration"]["lab_manager_effective_years"] == 2
    assert document["points"]["result"]["total_points"] == "2"
    [ticket] = document["tickets"]
    assert (ticket["reference"], ticket["role"]) == ("KPL-2026-00001", "reporter")
    assert ticket["description"] == DESCRIPTION
    assert ticket["events"][0]["text"] == DESCRIPTION
    [question] = document["faq"]["questions_kept"]
    assert question["text"] == "ζχψ ΣΗΜΑΔΙ-8842 ξφγ ##########"
    assert document["conversations"]["conversations_in_progress"] == ["points"]

    # The scan sees her data where it is (names, ticket texts, the kept question).
    assert bot.app is not None
    await bot.app.update_persistence()
    before = {
        (table, marker)
        for table, _c, value in await everything_stored(database_url)
        for marker in MARKERS
        if marker in value
    }
    assert {
        ("users", "Ξανθίππη"),
        ("tickets", "ΣΗΜΑΔΙ-7731"),
        ("ticket_events", "ΣΗΜΑΔΙ-7731"),
        ("faq_misses", "ΣΗΜΑΔΙ-8842"),
    } <= before

    [warning] = await bot.send(TEACHER, "/delete")
    assert warning["text"].startswith("🗑 Να διαγράψω τα δεδομένα σας;")
    assert "ανωνυμοποιημένες" in warning["text"]
    kept = await bot.press(TEACHER, warning, KEEP_DATA)
    assert kept.message["text"] == "Δεν διαγράφηκε τίποτα."
    assert (await my_data(bot))["tickets"][0]["description"] == DESCRIPTION

    posts_before = await desk.chat(STAFF_CHAT)
    [post_id] = [m["message_id"] for m in posts_before if "KPL-2026-00001" in (m["text"] or "")][
        :1
    ]
    [warning] = await bot.send(TEACHER, "/delete")
    erased = await bot.press(TEACHER, warning, ERASE_DATA)
    assert erased.message["text"].startswith("✅ Έγινε: διέγραψα όλα όσα κρατούσα για εσάς")
    assert labels(erased.message) == []
    assert flows_of(bot, TEACHER) == set()  # the interview in progress is over
    await bot.app.update_persistence()

    stored = await everything_stored(database_url)
    assert leftovers(stored) == []
    # The ticket is still the centre's, without her.
    async with database(database_url) as sessions, sessions() as session:
        row = await session.scalar(select(Ticket).where(Ticket.reference == "KPL-2026-00001"))
        assert row is not None
        assert (row.reporter_id, row.reporter_name) == (privacy.NO_USER, privacy.ERASED_NAME)
        assert row.description == privacy.ERASED_TEXT
        assert row.lab == "Εργαστήριο Πληροφορικής 1"
    [staff_view] = await desk.send(ATHENS_STAFF, "/tickets", chat=desk.world.athens.staff_chat_id)
    assert "KPL-2026-00001" in staff_view["text"]
    # Its post in the staff chat no longer shows her name or her description.
    [post] = [m for m in posts_before if m["message_id"] == post_id]
    assert "Ξανθίππη" in post["text"]
    [post] = [m for m in await desk.chat(STAFF_CHAT) if m["message_id"] == post_id]
    assert "KPL-2026-00001" in post["text"]
    assert not [marker for marker in MARKERS if marker in post["text"]]
    assert privacy.ERASED_NAME in post["text"]
    for message in await desk.chat(STAFF_CHAT):
        shown = f"{message['text']} {message.get('caption')}"
        assert not [marker for marker in MARKERS if marker in shown], shown

    # Writing again, she is a new user: nothing from before.
    again = await my_data(bot)
    assert set(again) - {"format", "telegram_id", "generated_at", "profile"} == set()
    # A text now is an FAQ question again, not an answer to the ended interview.
    assert flows_of(bot, TEACHER) == set()


async def test_privacy_notice_names_periods_and_controller_and_leads_to_the_rights(
    launch: Launch,
) -> None:
    bot = await launch(
        settings={
            "privacy_controller": "Δ.Δ.Ε. Α' Αθήνας",
            "privacy_contact": "dpo@dide-a-athin.att.sch.gr",
            "ticket_retention_days": 365,
        }
    )
    [notice] = await bot.send(TEACHER, "/privacy")
    text = notice["text"]
    assert text.startswith("🔒 Απόρρητο")
    assert "365 ημέρες αφότου κλείσει" in text
    assert "Υπεύθυνος επεξεργασίας: Δ.Δ.Ε. Α' Αθήνας." in text
    assert "dpo@dide-a-athin.att.sch.gr" in text
    assert labels(notice)[:2] == ["📥 Τα δεδομένα μου", "🗑 Διαγραφή των δεδομένων μου"]
    [english] = await bot.send(SimUser(1102, "Helen", language_code="en"), "/privacy")
    assert "How long:" in english["text"]
    # From the main menu too, and /help lists the commands.
    [menu] = await bot.send(TEACHER, "/start")
    assert "🔒 Τα δεδομένα σας" in labels(menu)
    [help_text] = await bot.send(TEACHER, "/help")
    for command in ("/privacy", "/mydata", "/delete"):
        assert command in help_text["text"]
    # The retention job is scheduled daily.
    assert bot.app is not None
    assert bot.app.job_queue is not None
    assert [job.name for job in bot.app.job_queue.get_jobs_by_name(RETENTION_JOB)] == [
        RETENTION_JOB
    ]


async def test_my_data_never_goes_to_a_group(launch: Launch) -> None:
    bot = await launch()
    group = -100777
    await bot.sim.add_to_group(TEACHER, group, "Σύλλογος")
    await bot.idle()
    replies: list[JSON] = await bot.send(TEACHER, "/mydata", chat=group)
    assert all(m.get("document") is None for m in replies)


async def test_the_daily_job_anonymises_old_closed_tickets_and_their_staff_posts(
    launch: Launch, database_url: str
) -> None:
    clock = FakeClock(T0)
    desk = await open_desk(launch, database_url, clock=clock)
    await report_fault(desk, TEACHER, description=DESCRIPTION)
    async with database(database_url) as sessions, sessions() as session:
        ticket = await tickets.ticket_by_reference(session, "KPL-2026-00001")
        await ticket_changes.apply_action(
            session,
            ticket.id,
            ticket_types.Actor(TEACHER.id, "Ξανθίππη Σημαδάκη"),
            Action.CLOSE,
            now=clock.now(),
        )
    app = desk.bot.app
    assert app is not None
    assert app.job_queue is not None
    [job] = app.job_queue.get_jobs_by_name(RETENTION_JOB)

    clock.advance(days=729)
    await job.run(app)
    [post] = [m for m in await desk.chat(STAFF_CHAT) if "KPL-2026-00001" in (m["text"] or "")]
    assert "Ξανθίππη" in post["text"]

    clock.advance(days=2)  # more than TICKET_RETENTION_DAYS (730) after it was closed
    await job.run(app)
    [post] = [m for m in await desk.chat(STAFF_CHAT) if "KPL-2026-00001" in (m["text"] or "")]
    assert not [marker for marker in MARKERS if marker in post["text"]]
    async with database(database_url) as sessions, sessions() as session:
        row = await session.scalar(select(Ticket).where(Ticket.reference == "KPL-2026-00001"))
        assert row is not None
        assert (row.reporter_id, row.description) == (privacy.NO_USER, privacy.ERASED_TEXT)
