"""The staff's side end to end: authorisation, invites, the staff chat, /tickets, e-mail,
the weekly summary, a teacher who blocked the bot."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta

import pytest

from bot.services.helpdesk import ticket_queries, ticket_types, tickets
from bot.services.helpdesk.ticket_workflow import Status
from handlers.helpdesk.summary import SUMMARY_JOB
from tests.e2e.conftest import JSON, Launch, labels
from tests.e2e.helpdesk_e2e import (
    ADMIN,
    ATHENS_STAFF,
    ATHENS_STAFF_2,
    OTHER_TEACHER,
    TEACHER,
    THESSALONIKI_STAFF,
    Desk,
    database,
    forged,
    open_desk,
    report_fault,
)
from tests.helpdesk_smtp import smtp_server
from tests.helpdesk_world import ATHENS_STAFF_CHAT, THESSALONIKI_STAFF_CHAT

REF = "KPL-2026-00001"


async def post_of(desk: Desk, chat_id: int = ATHENS_STAFF_CHAT, reference: str = REF) -> JSON:
    for message in await desk.chat(chat_id):
        if (message["text"] or "").startswith(f"🎫 {reference}") and message["reply_markup"]:
            return message
    raise AssertionError(f"no post of {reference} in {chat_id}")


async def stored(database_url: str, reference: str = REF) -> tuple[ticket_types.TicketView, int]:
    async with database(database_url) as sessions, sessions() as session:
        ticket = await tickets.ticket_by_reference(session, reference)
        events = await ticket_queries.history(session, ticket.id, include_internal=True)
    return ticket, len(events)


async def test_only_staff_of_the_tickets_centre_can_work_it(
    launch: Launch, database_url: str
) -> None:
    desk = await open_desk(launch, database_url)
    await report_fault(desk)
    ticket, events = await stored(database_url)
    tid = ticket.id
    teacher_seen = len(await desk.chat(TEACHER.id))

    # Staff of another centre, pressing a forged button in their own group.
    answer = await forged(desk, THESSALONIKI_STAFF, THESSALONIKI_STAFF_CHAT, f"hd:take:{tid}")
    assert answer["text"] == "Αυτό το αίτημα ανήκει σε άλλο κέντρο υποστήριξης. Δεν άλλαξε τίποτα."
    assert answer["show_alert"] is True
    answer = await forged(desk, THESSALONIKI_STAFF, THESSALONIKI_STAFF_CHAT, f"hd:rep:{tid}")
    assert "άλλο κέντρο" in answer["text"]
    # The teacher, forging a staff button in their own chat.
    answer = await forged(desk, TEACHER, TEACHER.id, f"hd:res:{tid}")
    assert answer["text"] == (
        "Αυτό μπορεί να το κάνει μόνο το προσωπικό του κέντρου υποστήριξης του αιτήματος. "
        "Δεν άλλαξε τίποτα."
    )
    # Another teacher, trying to open, close or answer someone else's ticket.
    await desk.send(OTHER_TEACHER, "/start")
    for data in (f"tk:v:{tid}", f"tk:c:{tid}", f"tk:r:{tid}"):
        answer = await forged(desk, OTHER_TEACHER, OTHER_TEACHER.id, data)
        assert answer["text"] == "Αυτό το αίτημα δεν είναι δικό σας. Δεν άλλαξε τίποτα."
    assert REF not in "".join(m["text"] or "" for m in await desk.chat(OTHER_TEACHER.id))
    # A ticket that does not exist, and data that is not ours at all.
    answer = await forged(desk, ATHENS_STAFF, ATHENS_STAFF_CHAT, "hd:take:999999")
    assert answer["text"] == "Αυτό το κουμπί δεν είναι πια ενεργό."
    answer = await forged(desk, ATHENS_STAFF, ATHENS_STAFF_CHAT, "hd:take:1; DROP")
    assert answer["text"] == "Αυτό το κουμπί δεν είναι πια ενεργό."

    after, after_events = await stored(database_url)
    assert (after.status, after.assignee_id, after_events) == (Status.NEW, None, events)
    assert len(await desk.chat(TEACHER.id)) == teacher_seen  # nobody told the teacher anything


async def test_stale_buttons_say_why_and_change_nothing(launch: Launch, database_url: str) -> None:
    desk = await open_desk(launch, database_url)
    await report_fault(desk)
    post = await post_of(desk)
    await desk.press(ATHENS_STAFF, post, "Διεκπεραιωμένο")
    _, events = await stored(database_url)
    teacher_seen = len(await desk.chat(TEACHER.id))
    # A colleague's copy of the post still had the button (pressed at the same moment).
    ticket, _ = await stored(database_url)
    answer = await forged(desk, ATHENS_STAFF_2, ATHENS_STAFF_CHAT, f"hd:res:{ticket.id}")
    assert answer["text"] == "Δεν άλλαξε τίποτα: το αίτημα είναι ήδη «Διεκπεραιωμένο»."
    answer = await forged(desk, ATHENS_STAFF_2, ATHENS_STAFF_CHAT, f"hd:take:{ticket.id}")
    assert answer["text"] == (
        "Δεν άλλαξε τίποτα: δεν γίνεται όσο το αίτημα είναι «Διεκπεραιωμένο»."
    )
    _, after = await stored(database_url)
    assert after == events
    assert len(await desk.chat(TEACHER.id)) == teacher_seen
    # Taking a ticket one already has is refused too.
    await desk.press(TEACHER, await desk.last(TEACHER.id), "Ξανάνοιξε")
    post = await post_of(desk)
    await desk.press(ATHENS_STAFF, post, "Ανάληψη")
    taken = await desk.press(ATHENS_STAFF, post, "Ανάληψη")  # the post still offers Take
    assert taken.answer is not None
    assert taken.answer["text"] == "Το αίτημα το έχετε ήδη αναλάβει. Δεν άλλαξε τίποτα."


async def test_invites_make_staff_and_administrators_manage_them(
    launch: Launch, database_url: str
) -> None:
    desk = await open_desk(launch, database_url)
    newcomer = OTHER_TEACHER
    [refused] = await desk.send(newcomer, "/invite")
    assert refused["text"] == "Αυτό μπορούν να το κάνουν μόνο οι διαχειριστές του bot."
    [invite] = await desk.send(ADMIN, "/invite thess-east")
    assert invite["text"].startswith(
        "Πρόσκληση μίας χρήσης στο προσωπικό του ΚΕ.ΠΛΗ.ΝΕ.Τ. Ανατολικής Θεσσαλονίκης"
    )
    match = re.search(r"https://t\.me/keplibot_bot\?start=(staff-[\w-]+)", invite["text"])
    assert match is not None
    payload = match.group(1)
    assert len(payload) <= 64

    [welcome] = await desk.send(newcomer, f"/start {payload}")
    assert welcome["text"].startswith(
        "🎉 Καλώς ήρθατε! Είστε πλέον στο προσωπικό του ΚΕ.ΠΛΗ.ΝΕ.Τ. Ανατολικής Θεσσαλονίκης."
    )
    [again] = await desk.send(ATHENS_STAFF, f"/start {payload}")
    assert again["text"] == "Αυτός ο σύνδεσμος πρόσκλησης έχει ήδη χρησιμοποιηθεί. Ζητήστε νέο."
    [bogus] = await desk.send(ATHENS_STAFF, "/start staff-not-a-real-token")
    assert bogus["text"] == "Αυτός ο σύνδεσμος πρόσκλησης δεν είναι έγκυρος."

    # The newcomer works Thessaloniki tickets (and only those).
    await report_fault(
        desk, school_query="1951020", school_label="1951020", equipment=None, photos=0
    )
    [listing] = await desk.send(newcomer, "/tickets")
    assert "Ανοιχτά αιτήματα: Όλα τα ανοιχτά" in listing["text"]
    assert REF in listing["text"]

    # The administrator lists and removes staff; a removed member can do nothing more.
    [choose] = await desk.send(ADMIN, "/staff")
    assert choose["text"] == "Ποιο κέντρο;"
    [staff_list] = (await desk.press(ADMIN, choose, "Ανατολικής Θεσσαλονίκης")).new or [
        await desk.last(ADMIN.id)
    ]
    assert "Γιώργος Νικολάου" in staff_list["text"]
    assert "Κώστας Βορείου" in staff_list["text"]
    removed = await desk.press(ADMIN, staff_list, "Αφαίρεση: Γιώργος")
    assert removed.answer is not None
    assert removed.answer["text"] == "Αφαιρέθηκε."
    assert "Γιώργος Νικολάου" not in removed.message["text"]
    [listing] = await desk.send(newcomer, "/tickets")
    assert listing["text"].startswith("Το /tickets είναι για το προσωπικό")
    ticket, _ = await stored(database_url)
    answer = await forged(desk, newcomer, newcomer.id, f"hd:take:{ticket.id}")
    assert "μόνο το προσωπικό" in answer["text"]


async def test_staff_chat_bound_to_a_forum_topic(launch: Launch, database_url: str) -> None:
    desk = await open_desk(launch, database_url)
    forum = -1001000000099
    await desk.sim.add_to_group(
        ADMIN, forum, "ΚΕΠΛΗΝΕΤ Α' Αθήνας (θέματα)", True, status="creator"
    )
    topic = await desk.sim.create_topic(ADMIN, forum, "Βλάβες")
    await desk.bot.idle()
    thread = int(topic["message_thread_id"])
    sent = await desk.sim.send_text(ADMIN, "/staffchat athens-a", chat=forum, thread_id=thread)
    await desk.bot.recorder.wait(("message", forum, int(sent["message_id"])))
    [bound] = await desk.bot.bot_messages(forum, after=int(sent["message_id"]))
    assert bound["text"] == (
        "✅ Οι νέες δηλώσεις βλαβών του ΚΕ.ΠΛΗ.ΝΕ.Τ. Α' Αθήνας θα δημοσιεύονται εδώ."
    )
    await report_fault(desk)
    post = await post_of(desk, forum)
    assert post["message_thread_id"] == thread
    photo = next(m for m in await desk.chat(forum) if m.get("photo"))
    assert photo["message_thread_id"] == thread
    # The staff work it there: the reply prompt stays in the topic.
    await desk.sim.add_to_group(ATHENS_STAFF, forum, "ΚΕΠΛΗΝΕΤ Α' Αθήνας (θέματα)", True)
    await desk.bot.idle()
    pressed = await desk.press(ATHENS_STAFF, post, "Απάντηση στον/στην")
    [prompt] = pressed.new
    assert prompt["message_thread_id"] == thread


async def test_tickets_lists_open_work_by_scope_with_history(
    launch: Launch, database_url: str
) -> None:
    desk = await open_desk(launch, database_url)
    await report_fault(desk, equipment="PC-01", photos=0)
    await report_fault(desk, equipment="PC-02", photos=0)
    await desk.press(ATHENS_STAFF, await post_of(desk), "Ανάληψη")
    [note_prompt] = (await desk.press(ATHENS_STAFF, await post_of(desk), "Εσωτερική")).new
    await desk.reply(ATHENS_STAFF, note_prompt, "Θέλει νέα μνήμη RAM.")

    [listing] = await desk.send(ATHENS_STAFF, "/tickets")
    assert "(2· σελίδα 1 από 1)" in listing["text"]
    assert labels(listing)[:3] == ["Δικά μου", "Χωρίς ανάθεση", "• Όλα τα ανοιχτά"]
    mine = await desk.press(ATHENS_STAFF, listing, "Δικά μου")
    assert REF in mine.message["text"]
    assert "KPL-2026-00002" not in mine.message["text"]
    unassigned = await desk.press(ATHENS_STAFF, mine.message, "Χωρίς ανάθεση")
    assert "KPL-2026-00002" in unassigned.message["text"]
    assert REF not in unassigned.message["text"]
    mine = await desk.press(ATHENS_STAFF, unassigned.message, "Δικά μου")
    opened = await desk.press(ATHENS_STAFF, mine.message, REF)
    assert "Ιστορικό" in opened.message["text"]
    assert "εσωτερική σημείωση: «Θέλει νέα μνήμη RAM.»" in opened.message["text"]
    # Acting from the private view updates the view and the group post.
    waiting = await desk.press(ATHENS_STAFF, opened.message, "Αναμονή σχολείου")
    assert "⏳ Αναμονή απάντησης σχολείου" in waiting.message["text"]
    assert "⏳ Αναμονή απάντησης σχολείου" in (await post_of(desk))["text"]
    told = await desk.last(TEACHER.id)
    assert "περιμένει απάντηση από το σχολείο" in told["text"]
    # The teacher answers; the ticket goes back to the staff.
    await desk.reply(TEACHER, told, "Ναι, το καλώδιο είναι συνδεδεμένο.")
    assert "Υπό διεκπεραίωση" in (await post_of(desk))["text"]
    [not_staff] = await desk.send(TEACHER, "/tickets")
    assert not_staff["text"].startswith("Το /tickets είναι για το προσωπικό")


@pytest.mark.refusals("sendMessage")  # the blocked teacher: refused on purpose
async def test_a_teacher_who_blocked_the_bot_is_reported_to_the_staff(
    launch: Launch, database_url: str
) -> None:
    desk = await open_desk(launch, database_url)
    await report_fault(desk)
    await desk.sim.block(TEACHER.id)
    await desk.bot.idle()
    [prompt] = (await desk.press(ATHENS_STAFF, await post_of(desk), "Απάντηση στον/στην")).new
    answers = await desk.reply(ATHENS_STAFF, prompt, "Ήρθαμε, αλλά το εργαστήριο ήταν κλειστό.")
    assert answers[-1]["text"] == (
        f"⚠️ {REF}: ο/η εκπαιδευτικός έχει αποκλείσει το bot και δεν το έλαβε. "
        "Επικοινωνήστε με το σχολείο με άλλον τρόπο."
    )
    _, events = await stored(database_url)
    assert events == 2  # the reply is recorded all the same


async def test_each_new_ticket_is_copied_to_the_centres_mailbox(
    launch: Launch, database_url: str
) -> None:
    with smtp_server() as (mailbox, port):
        desk = await open_desk(
            launch,
            database_url,
            smtp_host="127.0.0.1",
            smtp_port=port,
            smtp_starttls=False,
            smtp_from="keplibot@keplinet.example",
        )
        await report_fault(desk, photos=1)
        # The copy is sent in the background, after the teacher has the reference.
        assert await asyncio.to_thread(mailbox.received.wait, 10)
        # No copy for Thessaloniki: that centre has no helpdesk mailbox.
        mailbox.received.clear()
        await report_fault(desk, school_query="1951010", school_label="1951010", photos=0)
        await desk.bot.idle()
        assert not await asyncio.to_thread(mailbox.received.wait, 0.5)
    [(sender, recipients)] = mailbox.envelopes
    assert (sender, recipients) == (
        "keplibot@keplinet.example",
        ["helpdesk@dide-a-athin.att.sch.gr"],
    )
    [message] = mailbox.messages
    assert message["Subject"] == f"[{REF}] Υπολογιστής: 1ο Γυμνάσιο Αθηνών (0551010)"
    body = message.get_content()
    assert "Δεν ανοίγει, η οθόνη μένει μαύρη." in body
    assert "Δήλωση από: Μαρία Παπαδοπούλου" in body


async def test_the_weekly_summary_reaches_each_staff_chat(
    launch: Launch, database_url: str
) -> None:
    desk = await open_desk(launch, database_url)
    await report_fault(desk, equipment="PC-01", photos=0)
    desk.clock.advance(minutes=30)
    await desk.press(ATHENS_STAFF, await post_of(desk), "Ανάληψη")
    desk.clock.advance(hours=2)
    await desk.press(ATHENS_STAFF, await post_of(desk), "Διεκπεραιωμένο")
    await report_fault(desk, equipment="PC-02", category="Εκτυπωτής", photos=0)
    app = desk.bot.app
    assert app is not None
    assert app.job_queue is not None
    [job] = app.job_queue.get_jobs_by_name(SUMMARY_JOB)
    next_run = job.next_t
    assert next_run is not None
    local = next_run.astimezone(desk.bot.settings.tz)
    assert (local.weekday(), local.hour, local.minute) == (0, 8, 0)  # Mondays, 08:00 Athens
    assert next_run > datetime.now(UTC) - timedelta(minutes=1)
    before = len(await desk.chat(ATHENS_STAFF_CHAT))
    desk.clock.advance(days=2)
    await job.run(app)
    summary = (await desk.chat(ATHENS_STAFF_CHAT))[before:]
    [text] = [m["text"] for m in summary]
    assert text.startswith("📊 ΚΕ.ΠΛΗ.ΝΕ.Τ. Α' Αθήνας: αιτήματα από")
    assert "Νέα αιτήματα: 2. Ανοιχτά τώρα (όλα): 1." in text
    assert "Διεκπεραιωμένο: 1" in text
    assert "Εκτυπωτής: 1" in text
    assert "Διάμεσος χρόνος έως την πρώτη ανταπόκριση: 30 λεπ." in text
    assert "Διάμεσος χρόνος έως τη διεκπεραίωση: 2 ώρ. 30 λεπ." in text
    north = [m["text"] for m in await desk.chat(THESSALONIKI_STAFF_CHAT)]
    assert any("Νέα αιτήματα: 0." in (t or "") for t in north)
