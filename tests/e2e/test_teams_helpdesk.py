"""The fault report from Microsoft Teams, end to end: the real adapter over HTTP against the
stand-in (`teams.standin`), the helpdesk's world in the database, and the staff chats in
the Telegram emulator, where the staff keep working tickets (SQLite and PostgreSQL)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from sqlalchemy import func, select

from bot.models import Ticket
from bot.services.channels import user_id_for
from bot.services.clock import FakeClock
from bot.services.helpdesk import tickets
from bot.web import listening_socket, web_server
from teams.standin import Message, StandIn, TeamsUser
from tests.e2e.conftest import JSON, BotHarness, Launch
from tests.e2e.helpdesk_e2e import (
    ATHENS_STAFF,
    THESSALONIKI_STAFF,
    database,
    png,
    unhurried,
)
from tests.e2e.test_teams import state_of
from tests.helpdesk_world import ATHENS_STAFF_CHAT, T0, THESSALONIKI_STAFF_CHAT, build_world

MARIA = TeamsUser("7f0c1a52-0000-4000-8000-0000000000a1", "Μαρία Παπαδοπούλου", "el-GR")
HELEN = TeamsUser("7f0c1a52-0000-4000-8000-0000000000a2", "Helen Smith", "en-US")
REF = "KPL-2026-00001"


@dataclass
class Desk:
    standin: StandIn
    bot: BotHarness

    async def press(self, user: TeamsUser, message: Message, label: str) -> Message:
        """`label` pressed on `message`: the card it became, or the last new message."""
        new = await self.standin.submit(user, message, label)
        if new:
            return new[-1]
        return next(m for m in self.standin.conversation(user) if m.id == message.id)

    async def say(self, user: TeamsUser, text: str) -> Message:
        new = await self.standin.send(user, text)
        assert new, f"no answer to {text!r}"
        return new[-1]

    async def staff(self, chat_id: int) -> list[JSON]:
        return await self.bot.bot_messages(chat_id)


@contextlib.asynccontextmanager
async def open_desk(launch: Launch, database_url: str) -> AsyncIterator[Desk]:
    async with database(database_url) as sessions:
        await build_world(sessions)
    standin = StandIn()
    await standin.start()
    sock = listening_socket("127.0.0.1", 0)
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = {**standin.settings(), "public_base_url": base}
    bot = await launch(settings=settings, clock=FakeClock(T0).now, rate_limiter=unhurried)
    assert bot.app is not None
    await bot.sim.add_to_group(ATHENS_STAFF, ATHENS_STAFF_CHAT, "Αθήνα", status="creator")
    await bot.sim.add_to_group(
        THESSALONIKI_STAFF, THESSALONIKI_STAFF_CHAT, "Θεσσαλονίκη", status="creator"
    )
    await bot.idle()
    try:
        async with web_server(bot.app, sock) as url:
            standin.bot_url = f"{url}/api/messages"
            yield Desk(standin, bot)
    finally:
        await standin.stop()
    assert standin.refusals == []


async def count_tickets(database_url: str) -> int:
    async with database(database_url) as sessions, sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Ticket)) or 0)


async def walk_to_summary(desk: Desk, user: TeamsUser, *, inline: bool = False) -> Message:
    """A report of a Kalamaria school (the Thessaloniki centre's) up to its summary."""
    question = await desk.say(user, "/report")
    assert "σχολείο" in question.text, question.text
    choices = await desk.say(user, "1951010")
    lab = await desk.press(user, choices, "1951010")
    assert "Σε ποιο εργαστήριο" in lab.text or "εργαστήριο" in lab.text, lab.text
    category = await desk.say(user, "Εργαστήριο Πληροφορικής")
    equipment = await desk.press(user, category, "Υπολογιστής")
    description = await desk.say(user, "PC-03")
    assert "Περιγράψτε" in description.text, description.text
    await desk.say(user, "Η οθόνη μένει μαύρη.")
    [kept] = await desk.standin.send_image(user, png(7), inline=inline)
    assert kept.text.startswith("📎"), kept.text
    urgency = await desk.press(user, kept, "Τέλος")
    summary = await desk.press(user, urgency, "εν μέρει")
    assert "📎 1" in summary.text, summary.text
    del equipment
    return summary


async def test_a_report_with_an_image_reaches_the_right_centres_staff_chat(
    launch: Launch, database_url: str
) -> None:
    async with open_desk(launch, database_url) as desk:
        summary = await walk_to_summary(desk, MARIA)
        send = summary.data_of("Αποστολή")
        done = await desk.press(MARIA, summary, "Αποστολή")
        assert REF in done.text
        assert "Θεσσαλονίκης" in done.text
        # "I will tell you here" is true in Teams: the ticket's notices come here.
        said = [m.text for m in desk.standin.conversation(MARIA)]
        assert len([t for t in said if "Θα σας ενημερώσω εδώ" in t and REF in t]) == 1, said
        assert len([t for t in said if f"{REF}** έφτασε" in t]) == 1, said
        # The Thessaloniki centre's staff got the post and the photo; Athens nothing.
        staff = await desk.staff(THESSALONIKI_STAFF_CHAT)
        [post] = [m for m in staff if (m.get("text") or "").startswith(f"🎫 {REF}")]
        assert "Η οθόνη μένει μαύρη." in post["text"]
        assert "Μαρία Παπαδοπούλου" in post["text"]
        [photo] = [m for m in staff if m.get("photo")]
        assert photo["caption"] == f"📎 {REF}"
        assert not [m for m in await desk.staff(ATHENS_STAFF_CHAT) if REF in str(m)]
        async with database(database_url) as sessions, sessions() as session:
            stored = await tickets.ticket_by_reference(session, REF)
        assert stored.reporter_id == user_id_for("teams", MARIA.aad_object_id)
        assert [a.kind.value for a in stored.attachments] == ["photo"]
        # The same «Send» again, and a «Send» made up for another draft: nothing new.
        [again] = [
            m for m in await desk.standin.submit(MARIA, summary, "", data=send) if m.id
        ] or [summary]
        assert "ήδη" in again.text
        assert REF in again.text
        forged = {"a": "rp:send:" + "0" * 32}
        [inactive] = await desk.standin.submit(MARIA, summary, "", data=forged)
        assert "δεν είναι πια ενεργό" in inactive.text
        assert await count_tickets(database_url) == 1
        assert len([m for m in await desk.staff(THESSALONIKI_STAFF_CHAT) if m.get("photo")]) == 1


async def test_an_inline_image_starts_a_report_and_is_passed_on(
    launch: Launch, database_url: str
) -> None:
    async with open_desk(launch, database_url) as desk:
        [kept] = await desk.standin.send_image(HELEN, png(3), inline=True)
        assert kept.text.startswith("📎 I kept it"), kept.text
        choices = await desk.say(HELEN, "1951020")
        lab = await desk.press(HELEN, choices, "1951020")
        assert "Which lab or room?" in lab.text, lab.text
        category = await desk.say(HELEN, "Lab 2")
        equipment = await desk.press(HELEN, category, "Printer")
        description = await desk.press(HELEN, equipment, "Skip")
        assert "voice" not in description.text
        attachments = await desk.press(HELEN, description, "Skip")
        assert attachments.labels[0] == "✔ Done", attachments.labels
        # A file (Teams' download info) is kept too, as a document.
        [kept] = await desk.standin.send_file(HELEN, "error-log.pdf", b"%PDF-1.4 log")
        assert kept.text.startswith("📎 Kept (2 photos and files so far)"), kept.text
        urgency = await desk.press(HELEN, kept, "Done")
        summary = await desk.press(HELEN, urgency, "Minor")
        done = await desk.press(HELEN, summary, "Send")
        assert REF in done.text
        staff = await desk.staff(THESSALONIKI_STAFF_CHAT)
        [photo] = [m for m in staff if m.get("photo")]
        assert photo["caption"] == f"📎 {REF}"
        [document] = [m for m in staff if m.get("document")]
        assert document["document"]["file_name"] == "error-log.pdf"


async def test_buttons_of_other_steps_or_made_up_change_nothing(
    launch: Launch, database_url: str
) -> None:
    async with open_desk(launch, database_url) as desk:
        question = await desk.say(MARIA, "/report")
        before = dict(question.activity)
        # A school button that was never offered at this step (the school step asks typing).
        [answer] = await desk.standin.submit(MARIA, question, "", data={"a": "rp:urg:high"})
        assert "δεν είναι πια ενεργό" in answer.text
        [answer] = await desk.standin.submit(MARIA, question, "", data={"a": "rp:zzz"})
        assert "δεν είναι πια ενεργό" in answer.text
        assert question.activity == before
        # A step's button pressed twice: the second press is an older card's.
        choices = await desk.say(MARIA, "1951010")
        school = choices.data_of("1951010")
        lab = await desk.press(MARIA, choices, "1951010")
        [again] = await desk.standin.submit(MARIA, lab, "", data=school)
        assert "δεν είναι πια ενεργό" in again.text
        category = await desk.say(MARIA, "Εργαστήριο 1")
        # The school stayed chosen: the next question is the category.
        assert category.text.startswith("🧰"), category.text
        assert await count_tickets(database_url) == 0


async def test_one_flow_at_a_time(launch: Launch, database_url: str) -> None:
    async with open_desk(launch, database_url) as desk:
        first = await desk.say(MARIA, "/points")
        assert first.card is not None
        asked = await desk.say(MARIA, "/report")
        assert asked.text.startswith("⚠️ Να αφήσετε τον υπολογισμό μορίων;"), asked.text
        back = await desk.press(MARIA, asked, "Συνέχεια")
        assert back.text.startswith("↩️"), back.text
        asked = await desk.say(MARIA, "/report")
        left = await desk.press(MARIA, asked, "Έξοδος")
        assert "🏫" in left.text, left.text
        # The other way round: the points interview during a report asks too.
        asked = await desk.say(MARIA, "/points")
        assert asked.text.startswith("⚠️ Να αφήσετε τη δήλωση βλάβης;"), asked.text
        points = await desk.press(MARIA, asked, "Έξοδος")
        assert points.card is not None
        assert "🏫" not in points.text
        # An image during the interview asks first; after «Leave» the report keeps it.
        [asked] = await desk.standin.send_image(MARIA, png(1))
        assert asked.text.startswith("⚠️ Να αφήσετε τον υπολογισμό μορίων;"), asked.text
        left = await desk.press(MARIA, asked, "Έξοδος")
        assert left.text.startswith("📎 Το κράτησα"), left.text
        # «Leave» once more (an older card): nothing to leave for any more.
        [stale] = await desk.standin.submit(MARIA, asked, "Έξοδος")
        assert "δεν είναι πια ενεργό" in stale.text
        state = await state_of(database_url, MARIA)
        assert state["flow"] == "report"
        assert len(state["report"]["attachments"]) == 1  # type: ignore[index]
        # /cancel ends the report: nothing of it is kept.
        await desk.say(MARIA, "/cancel")
        state = await state_of(database_url, MARIA)
        assert "report" not in state
        assert "flow" not in state
