"""The helpdesk end to end: a teacher reports, the right centre's staff work it, the teacher
follows it to the end. Two centres, several schools, a teacher and staff of both centres."""

from __future__ import annotations

from datetime import timedelta

from bot.services.helpdesk import ticket_queries, tickets
from bot.services.helpdesk.ticket_types import EventKind
from bot.services.helpdesk.ticket_workflow import Status
from tests.e2e.conftest import JSON, Launch, labels
from tests.e2e.helpdesk_e2e import (
    ATHENS_STAFF,
    ATHENS_STAFF_2,
    TEACHER,
    Desk,
    database,
    open_desk,
    report_fault,
)
from tests.helpdesk_world import ATHENS_STAFF_CHAT, THESSALONIKI_STAFF_CHAT

REF = "KPL-2026-00001"


async def post_of(desk: Desk, chat_id: int, reference: str = REF) -> JSON:
    """The ticket's post in a staff chat (the message with the card and its buttons)."""
    for message in await desk.chat(chat_id):
        if (message["text"] or "").startswith(f"🎫 {reference}") and message["reply_markup"]:
            return message
    raise AssertionError(f"no post of {reference} in {chat_id}")


async def teacher_messages(desk: Desk, after: int = 0) -> list[JSON]:
    return await desk.bot.bot_messages(TEACHER.id, after=after)


async def last_id(desk: Desk, chat_id: int) -> int:
    return max(m["message_id"] for m in await desk.sim.messages(chat_id))


async def test_a_report_with_photos_is_worked_and_followed_to_the_end(
    launch: Launch, database_url: str
) -> None:
    desk = await open_desk(launch, database_url)

    # --- the teacher reports, with an album of two photos --------------------------------
    done = await report_fault(desk, photos=2)
    assert done["text"].startswith(f"✅ Η δήλωσή σας καταχωρίστηκε με αριθμό {REF}.")
    assert "ΚΕ.ΠΛΗ.ΝΕ.Τ. Α' Αθήνας" in done["text"]
    async with database(database_url) as sessions, sessions() as session:
        stored = await tickets.ticket_by_reference(session, REF)
    assert stored.status is Status.NEW
    assert stored.school_code == "0551010"
    assert (stored.lab, stored.equipment) == ("Εργαστήριο Πληροφορικής 1", "PC-07")
    assert len(stored.attachments) == 2

    # --- the Athens staff chat gets the post and the photos; Thessaloniki nothing --------
    post = await post_of(desk, ATHENS_STAFF_CHAT)
    assert "1ο Γυμνάσιο Αθηνών (0551010)" in post["text"]
    assert "Δήλωση από Μαρία Παπαδοπούλου" in post["text"]
    assert "Σε εκκρεμότητα" in post["text"]
    assert labels(post) == [
        "🙋 Ανάληψη",
        "🔧 Υπό διεκπεραίωση",
        "⏳ Αναμονή σχολείου",
        "✅ Διεκπεραιωμένο",
        "💬 Απάντηση στον/στην εκπαιδευτικό",
        "🔒 Εσωτερική σημείωση",
        "📜 Ιστορικό",
    ]
    photos = [m for m in await desk.chat(ATHENS_STAFF_CHAT) if m.get("photo")]
    assert len(photos) == 2
    assert all(p["caption"].startswith(f"📎 {REF}") for p in photos)
    assert all(p["reply_to_message_id"] == post["message_id"] for p in photos)
    assert not [m for m in await desk.chat(THESSALONIKI_STAFF_CHAT) if REF in (m["text"] or "")]

    # --- staff take it: the post shows who, the teacher is told ---------------------------
    seen = await last_id(desk, TEACHER.id)
    desk.clock.advance(minutes=12)
    taken = await desk.press(ATHENS_STAFF, post, "Ανάληψη")
    assert taken.answer is not None
    assert taken.answer["text"] == "Έγινε: 🔧 Υπό διεκπεραίωση"
    assert "Ανάθεση: Νίκος Τεχνικός" in taken.message["text"]
    assert "Υπό διεκπεραίωση" in taken.message["text"]
    assert "🙋 Ανάληψη" in labels(taken.message)  # a colleague may still take it over
    [told] = await teacher_messages(desk, after=seen)
    assert told["text"].startswith(f"🎫 {REF}")
    assert "Τη δήλωσή σας χειρίζεται ο/η Νίκος Τεχνικός (ΚΕ.ΠΛΗ.ΝΕ.Τ. Α' Αθήνας)" in told["text"]
    assert "υπό διεκπεραίωση" in told["text"]

    # --- staff reply: the prompt, the answer, the teacher gets it -------------------------
    pressed = await desk.press(ATHENS_STAFF, taken.message, "Απάντηση στον/στην")
    [prompt] = pressed.new
    assert "γράψτε την απάντησή σας" in prompt["text"]
    seen = await last_id(desk, TEACHER.id)
    acks = await desk.reply(ATHENS_STAFF, prompt, "Δοκιμάστε το καλώδιο στην άλλη πρίζα.")
    assert acks[-1]["text"] == f"✓ Στάλθηκε στον/στην εκπαιδευτικό ({REF})."
    [staff_reply] = await teacher_messages(desk, after=seen)
    assert (
        "💬 Ο/Η Νίκος Τεχνικός έγραψε:\nΔοκιμάστε το καλώδιο στην άλλη πρίζα."
        in staff_reply["text"]
    )
    assert labels(staff_reply) == ["💬 Απάντηση / φωτογραφίες", "📜 Λεπτομέρειες"]

    # --- an internal note never reaches the teacher ---------------------------------------
    post = await post_of(desk, ATHENS_STAFF_CHAT)
    [note_prompt] = (await desk.press(ATHENS_STAFF_2, post, "Εσωτερική σημείωση")).new
    seen = await last_id(desk, TEACHER.id)
    acks = await desk.reply(
        ATHENS_STAFF_2, note_prompt, "Μάλλον το τροφοδοτικό, έχουμε ανταλλακτικό."
    )
    assert acks[-1]["text"] == f"🔒 Η σημείωση αποθηκεύτηκε στο {REF}."
    assert await teacher_messages(desk, after=seen) == []

    # --- the teacher answers by replying to the staff message, then adds a photo -------
    answered = await desk.reply(TEACHER, staff_reply, "Δοκίμασα, πάλι τίποτα.")
    assert answered[-1]["text"] == f"✓ Στάλθηκε στο κέντρο υποστήριξης ({REF})."
    notices = [m["text"] for m in await desk.chat(ATHENS_STAFF_CHAT) if m["text"]]
    assert f"💬 Μαρία Παπαδοπούλου για το {REF}:\nΔοκίμασα, πάλι τίποτα." in notices
    await desk.photo(TEACHER, caption="η πρίζα", reply_to=staff_reply["message_id"], seed=9)
    relayed = [m for m in await desk.chat(ATHENS_STAFF_CHAT) if m.get("photo")]
    assert relayed[-1]["caption"] == f"📎 {REF}\nη πρίζα"

    # --- resolved: the teacher gets ✅ Λύθηκε / 🔁 Ξανάνοιξε, and reopens ------------------
    desk.clock.advance(hours=3)
    post = await post_of(desk, ATHENS_STAFF_CHAT)
    seen = await last_id(desk, TEACHER.id)
    await desk.press(ATHENS_STAFF, post, "Διεκπεραιωμένο")
    [resolution] = await teacher_messages(desk, after=seen)
    assert "Ο/Η Νίκος Τεχνικός σημείωσε ότι η βλάβη αποκαταστάθηκε. Λύθηκε;" in resolution["text"]
    assert labels(resolution) == ["✅ Λύθηκε", "🔁 Ξανάνοιξε"]
    reopened = await desk.press(TEACHER, resolution, "Ξανάνοιξε")
    assert reopened.message["text"].startswith(f"🔁 Το {REF} άνοιξε ξανά")
    post = await post_of(desk, ATHENS_STAFF_CHAT)
    assert "Υπό διεκπεραίωση" in post["text"]
    notices = [m["text"] for m in await desk.chat(ATHENS_STAFF_CHAT) if m["text"]]
    assert f"🔁 Ο/Η Μαρία Παπαδοπούλου άνοιξε ξανά το {REF}: η βλάβη επανήλθε." in notices

    # --- resolved again, and this time the teacher confirms: closed ------------------------
    desk.clock.advance(days=1)
    seen = await last_id(desk, TEACHER.id)
    await desk.press(ATHENS_STAFF, post, "Διεκπεραιωμένο")
    [resolution] = await teacher_messages(desk, after=seen)
    closed = await desk.press(TEACHER, resolution, "Λύθηκε")
    assert closed.message["text"].startswith(f"🔒 Το {REF} έκλεισε. Ευχαριστούμε!")
    post = await post_of(desk, ATHENS_STAFF_CHAT)
    assert "🔒 Κλειστό" in post["text"]
    assert labels(post) == ["📜 Ιστορικό"]

    # --- every step is in the history, in order ---------------------------------------------
    async with database(database_url) as sessions, sessions() as session:
        final = await tickets.ticket_by_reference(session, REF)
        events = await ticket_queries.history(session, final.id, include_internal=True)
    assert final.status is Status.CLOSED
    assert final.first_response_at == final.created_at + timedelta(minutes=12)
    assert len(final.attachments) == 3
    assert [e.kind for e in events] == [
        EventKind.CREATED,
        EventKind.ASSIGNED,
        EventKind.STATUS,
        EventKind.REPLY,
        EventKind.NOTE,
        EventKind.TEACHER_REPLY,
        EventKind.TEACHER_REPLY,
        EventKind.STATUS,
        EventKind.REOPENED,
        EventKind.STATUS,
        EventKind.CLOSED,
    ]

    # --- /mytickets shows it, with its history on demand -----------------------------------
    [listing] = await desk.send(TEACHER, "/mytickets")
    assert "Οι δηλώσεις βλαβών σας" in listing["text"]
    assert f"{REF} · Υπολογιστής · 1ο Γυμνάσιο Αθηνών" in listing["text"]
    details = await desk.press(TEACHER, listing, REF)
    assert "Ιστορικό" in details.message["text"]
    assert "Μάλλον το τροφοδοτικό" not in details.message["text"]  # the note stays internal
    assert "απάντησε: «Δοκιμάστε το καλώδιο στην άλλη πρίζα.»" in details.message["text"]
    assert labels(details.message) == ["🔁 Ξανάνοιξε", "« Οι δηλώσεις μου"]


async def test_mytickets_pages_and_a_teacher_closes_from_the_details(
    launch: Launch, database_url: str
) -> None:
    desk = await open_desk(launch, database_url, tickets_per_hour=10)
    for n in range(6):
        desk.clock.advance(minutes=5)
        await report_fault(desk, equipment=f"PC-{n:02d}", photos=0)
    [first] = await desk.send(TEACHER, "/mytickets")
    assert "(σελίδα 1 από 2)" in first["text"]
    assert "KPL-2026-00006" in first["text"]  # the most recent first
    assert "KPL-2026-00001" not in first["text"]
    assert labels(first)[-1] == "Επόμενα »"
    second = (await desk.press(TEACHER, first, "Επόμενα")).message
    assert "(σελίδα 2 από 2)" in second["text"]
    assert "KPL-2026-00001" in second["text"]
    assert labels(second)[-1] == "« Προηγούμενα"
    details = (await desk.press(TEACHER, second, "KPL-2026-00001")).message
    assert labels(details) == [
        "💬 Απάντηση / φωτογραφίες",
        "✔ Κλείσιμο",
        "« Οι δηλώσεις μου",
    ]
    closed = (await desk.press(TEACHER, details, "Κλείσιμο")).message
    assert closed["text"].startswith("🔒 Το KPL-2026-00001 έκλεισε.")
    post = await post_of(desk, ATHENS_STAFF_CHAT, "KPL-2026-00001")
    assert "🔒 Κλειστό" in post["text"]
    notices = [m["text"] for m in await desk.chat(ATHENS_STAFF_CHAT) if m["text"]]
    assert "🔒 Ο/Η Μαρία Παπαδοπούλου έκλεισε το KPL-2026-00001." in notices
    # Writing to a closed ticket is refused with a way forward.
    [answer] = await desk.reply(TEACHER, closed, "Και κάτι ακόμη")
    assert answer["text"] == (
        "Αυτή η δήλωση έχει κλείσει. Ανοίξτε την ξανά από το /mytickets για να προσθέσετε κάτι."
    )


async def test_the_reply_button_takes_an_album_for_the_staff(
    launch: Launch, database_url: str
) -> None:
    desk = await open_desk(launch, database_url)
    done = await report_fault(desk, photos=0)
    assert labels(done) == ["💬 Απάντηση / φωτογραφίες", "📜 Λεπτομέρειες"]
    pressed = await desk.press(TEACHER, done, "Απάντηση / φωτογραφίες")
    [prompt] = pressed.new
    assert prompt["text"].startswith(f"✍️ Γράψτε το μήνυμά σας για το {REF}")
    assert (await desk.sim.chat_state(TEACHER.id))["force_reply"] is not None
    first = await desk.photo(
        TEACHER, caption="η οθόνη", album="a-7", reply_to=prompt["message_id"], seed=1
    )
    second = await desk.photo(TEACHER, album="a-7", reply_to=prompt["message_id"], seed=2)
    assert [m["text"] for m in first] == [f"✓ Στάλθηκε στο κέντρο υποστήριξης ({REF})."]
    assert second == []  # one acknowledgement per album
    relayed = [m for m in await desk.chat(ATHENS_STAFF_CHAT) if m.get("photo")]
    assert [m["caption"] for m in relayed] == [f"📎 {REF}\nη οθόνη", f"📎 {REF}"]
    async with database(database_url) as sessions, sessions() as session:
        ticket = await tickets.ticket_by_reference(session, REF)
    assert [a.caption for a in ticket.attachments] == ["η οθόνη", None]


async def test_a_reply_to_a_message_another_worker_linked_still_reaches_the_ticket(
    launch: Launch, database_url: str
) -> None:
    """Several webhook workers each hold their own index of ticket messages: a reply to
    a message this worker never linked is looked up in the database first."""
    desk = await open_desk(launch, database_url)
    await report_fault(desk)
    post = await post_of(desk, ATHENS_STAFF_CHAT)
    [prompt] = (await desk.press(ATHENS_STAFF, post, "Απάντηση στον/στην")).new
    assert desk.bot.app is not None
    runtime = desk.bot.app.bot_data.runtime
    assert runtime.helpdesk_links is not None
    assert (int(prompt["chat_id"]), int(prompt["message_id"])) in runtime.helpdesk_links
    # As another worker would be: the prompt was linked in the database, not here.
    runtime.helpdesk_links._pairs.clear()
    seen = await last_id(desk, TEACHER.id)
    acks = await desk.reply(ATHENS_STAFF, prompt, "Δοκιμάστε την άλλη πρίζα.")
    assert acks[-1]["text"] == f"✓ Στάλθηκε στον/στην εκπαιδευτικό ({REF})."
    [told] = await teacher_messages(desk, after=seen)
    assert "Δοκιμάστε την άλλη πρίζα." in told["text"]
    # The index learnt it on the way.
    assert (int(prompt["chat_id"]), int(prompt["message_id"])) in runtime.helpdesk_links
