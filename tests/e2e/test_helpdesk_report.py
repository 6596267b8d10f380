"""The teacher's report flow: duplicates, a photo with no text, bad answers, limits, restarts."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.emulator.simulator import Simulator
from bot.models import Ticket
from bot.services.helpdesk import tickets
from tests.e2e.conftest import JSON, Launch, labels
from tests.e2e.helpdesk_e2e import (
    ATHENS_STAFF,
    ENGLISH_TEACHER,
    OTHER_TEACHER,
    TEACHER,
    Desk,
    database,
    open_desk,
    report_fault,
)
from tests.helpdesk_world import ATHENS_STAFF_CHAT

REF = "KPL-2026-00001"


async def count_tickets(database_url: str) -> int:
    async with database(database_url) as sessions, sessions() as session:
        return (await session.scalar(select(func.count()).select_from(Ticket))) or 0


async def staff_texts(desk: Desk) -> list[str]:
    return [m["text"] or m["caption"] or "" for m in await desk.chat(ATHENS_STAFF_CHAT)]


async def send_big_document(desk: Desk, size: int) -> list[JSON]:
    """A scan of `size` bytes from the teacher (in-process: no 21 MB HTTP form in a test)."""
    world = desk.bot.emulator.state
    simulator = Simulator(world)
    result = simulator.send_media(
        simulator.user(TEACHER.to_json()),
        "document",
        b"%PDF-1.4\n" + bytes(size),
        filename="scan.pdf",
        mime_type="application/pdf",
        caption=None,
        media_group_id=None,
        chat_id=None,
        reply_to=None,
        thread_id=None,
        duration=0,
    )
    sent = int(result["message"]["message_id"])
    await desk.bot.recorder.wait(("message", TEACHER.id, sent))
    return await desk.bot.bot_messages(TEACHER.id, after=sent)


async def to_equipment(desk: Desk, teacher: object = OTHER_TEACHER) -> JSON:
    """A colleague of the first teacher starts a report of the same PC; the question after."""
    assert teacher is OTHER_TEACHER
    [question] = await desk.send(OTHER_TEACHER, "/report")
    assert question["text"].startswith("🏫 Σε ποιο σχολείο είναι η βλάβη;")
    [choices] = await desk.send(OTHER_TEACHER, "1ο γυμνασιο ΑΘΗΝΩΝ")  # no accents, any case
    assert choices["text"] == "Αυτό είναι το σχολείο σας;"
    assert labels(choices)[0] == "1ο Γυμνάσιο Αθηνών (0551010)"
    await desk.press(OTHER_TEACHER, choices, "0551010")
    [category] = await desk.send(OTHER_TEACHER, "Εργαστήριο Πληροφορικής 1")
    await desk.press(OTHER_TEACHER, category, "Υπολογιστής")
    [after] = await desk.send(OTHER_TEACHER, "pc-07")
    return after


async def test_an_open_report_of_the_same_fault_is_offered_first(
    launch: Launch, database_url: str
) -> None:
    desk = await open_desk(launch, database_url)
    await report_fault(desk, equipment="PC-07")
    offer = await to_equipment(desk)
    assert offer["text"].startswith("Υπάρχει ήδη ανοιχτή δήλωση γι' αυτή τη βλάβη:")
    assert REF in offer["text"]
    assert labels(offer) == [
        "➕ Παρακολούθηση / προσθήκη της δήλωσής μου",
        "🆕 Όχι, είναι νέα βλάβη",
        "« Πίσω",
        "✖ Ακύρωση",
    ]
    # A minimal card: never the other teacher's description, name, school or history.
    assert "Δεν ανοίγει" not in offer["text"]
    assert "Παπαδοπούλου" not in offer["text"]
    assert "Γυμνάσιο" not in offer["text"]
    assert "δηλώθηκε πριν από" in offer["text"]
    question = (await desk.press(OTHER_TEACHER, offer, "Παρακολούθηση")).message
    assert question["text"].startswith(f"📝 Τι θέλετε να προσθέσετε στο {REF};")
    [photos] = await desk.send(OTHER_TEACHER, "Και στο διπλανό PC το ίδιο.")
    summary = (await desk.press(OTHER_TEACHER, photos, "Χωρίς φωτογραφίες")).message
    assert summary["text"].startswith(f"Θα προστεθεί στο {REF}")
    assert labels(summary)[0] == f"✅ Προσθήκη στο {REF}"
    seen = max(m["message_id"] for m in await desk.sim.messages(TEACHER.id))
    done = (await desk.press(OTHER_TEACHER, summary, "Προσθήκη στο")).message
    assert done["text"].startswith(f"➕ Προστέθηκε στο {REF}.")
    assert await count_tickets(database_url) == 1
    assert (
        f"➕ Γιώργος Νικολάου: δήλωσε την ίδια βλάβη στο {REF}:\nΚαι στο διπλανό PC το ίδιο."
        in await staff_texts(desk)
    )
    [told] = await desk.bot.bot_messages(TEACHER.id, after=seen)
    assert "➕ Την ίδια βλάβη δήλωσε και ο/η Γιώργος Νικολάου." in told["text"]
    # The colleague now follows the ticket: listed, and told when it is resolved.
    [listing] = await desk.send(OTHER_TEACHER, "/mytickets")
    assert REF in listing["text"]
    post = next(m for m in await desk.chat(ATHENS_STAFF_CHAT) if m["text"].startswith(f"🎫 {REF}"))
    seen_other = max(m["message_id"] for m in await desk.sim.messages(OTHER_TEACHER.id))
    await desk.press(ATHENS_STAFF, post, "Διεκπεραιωμένο")
    [resolved] = await desk.bot.bot_messages(OTHER_TEACHER.id, after=seen_other)
    assert "σημείωσε ότι η βλάβη αποκαταστάθηκε" in resolved["text"]


async def test_declining_the_offer_opens_a_new_ticket(launch: Launch, database_url: str) -> None:
    desk = await open_desk(launch, database_url)
    await report_fault(desk, equipment="PC-07")
    offer = await to_equipment(desk)
    question = (await desk.press(OTHER_TEACHER, offer, "Όχι, είναι νέα βλάβη")).message
    assert question["text"].startswith("📝 Περιγράψτε τη βλάβη")
    [photos] = await desk.send(OTHER_TEACHER, "Βγάζει μπλε οθόνη.")
    urgency = (await desk.press(OTHER_TEACHER, photos, "Χωρίς φωτογραφίες")).message
    summary = (await desk.press(OTHER_TEACHER, urgency, "δεν μπορεί")).message
    done = (await desk.press(OTHER_TEACHER, summary, "Αποστολή")).message
    assert "KPL-2026-00002" in done["text"]
    assert await count_tickets(database_url) == 2


async def test_a_photo_with_no_text_makes_a_report(launch: Launch, database_url: str) -> None:
    desk = await open_desk(launch, database_url)
    # Sent out of the blue: the photo starts a report and is kept.
    [question] = await desk.photo(TEACHER)
    assert question["text"].startswith("📎 Το κράτησα. Ας δηλώσουμε τη βλάβη.")
    [choices] = await desk.send(TEACHER, "0551020")
    await desk.press(TEACHER, choices, "0551020")
    [category] = await desk.send(TEACHER, "Αίθουσα 12")
    equipment = (await desk.press(TEACHER, category, "Βιντεοπροβολέας")).message
    description = (await desk.press(TEACHER, equipment, "Παράλειψη")).message
    assert labels(description)[0] == "⏭ Παράλειψη: η φωτογραφία τα λέει όλα"
    photos = (await desk.press(TEACHER, description, "η φωτογραφία τα λέει όλα")).message
    urgency = (await desk.press(TEACHER, photos, "Τέλος")).message
    summary = (await desk.press(TEACHER, urgency, "Μικρό πρόβλημα")).message
    assert "📝 (χωρίς κείμενο)" in summary["text"]
    assert "📎 1 συνημμένο" in summary["text"]
    done = (await desk.press(TEACHER, summary, "Αποστολή")).message
    assert REF in done["text"]
    async with database(database_url) as sessions, sessions() as session:
        stored = await tickets.ticket_by_reference(session, REF)
    assert (stored.description, stored.school_code, stored.equipment) == ("", "0551020", None)
    assert [a.kind.value for a in stored.attachments] == ["photo"]
    staff = await desk.chat(ATHENS_STAFF_CHAT)
    assert any(m.get("photo") and m["caption"] == f"📎 {REF}" for m in staff)


async def test_a_voice_message_describes_the_fault(launch: Launch, database_url: str) -> None:
    desk = await open_desk(launch, database_url)
    await desk.send(TEACHER, "/report")
    [choices] = await desk.send(TEACHER, "0551010")
    await desk.press(TEACHER, choices, "0551010")
    [category] = await desk.send(TEACHER, "Εργαστήριο 2")
    equipment = (await desk.press(TEACHER, category, "Εκτυπωτής")).message
    await desk.press(TEACHER, equipment, "Παράλειψη")
    sent = await desk.sim.send_voice(TEACHER, b"OggS-voice", duration=4)
    await desk.bot.recorder.wait(("message", TEACHER.id, int(sent["message_id"])))
    [kept] = await desk.bot.bot_messages(TEACHER.id, after=int(sent["message_id"]))
    assert kept["text"].startswith("🎤 Το φωνητικό μήνυμα κρατήθηκε ως περιγραφή.")
    urgency = (await desk.press(TEACHER, kept, "Τέλος")).message
    summary = (await desk.press(TEACHER, urgency, "εν μέρει")).message
    await desk.press(TEACHER, summary, "Αποστολή")
    async with database(database_url) as sessions, sessions() as session:
        stored = await tickets.ticket_by_reference(session, REF)
    assert [a.kind.value for a in stored.attachments] == ["voice"]
    assert any(m.get("voice") for m in await desk.chat(ATHENS_STAFF_CHAT))


async def test_a_restart_in_the_middle_of_a_report_loses_nothing(
    launch: Launch, database_url: str
) -> None:
    desk = await open_desk(launch, database_url)
    await desk.send(TEACHER, "/report")
    [choices] = await desk.send(TEACHER, "καλαμαρια")
    await desk.press(TEACHER, choices, "1951010")
    [category] = await desk.send(TEACHER, "Εργαστήριο Πληροφορικής")
    equipment = (await desk.press(TEACHER, category, "Δίκτυο")).message
    await desk.press(TEACHER, equipment, "Παράλειψη")
    await desk.send(TEACHER, "Κανένας υπολογιστής δεν βγαίνει στο ίντερνετ.")
    [kept] = await desk.photo(TEACHER, caption="ο μεταγωγέας")

    await desk.bot.restart()  # the bot stops and a new process starts on the same database

    urgency = (await desk.press(TEACHER, kept, "Τέλος")).message
    assert urgency["text"] == "🚦 Πόσο επηρεάζει τη λειτουργία του εργαστηρίου;"
    summary = (await desk.press(TEACHER, urgency, "δεν μπορεί")).message
    assert "3ο Γυμνάσιο Καλαμαριάς (1951010)" in summary["text"]
    assert "Κανένας υπολογιστής δεν βγαίνει στο ίντερνετ." in summary["text"]
    assert "📎 1 συνημμένο" in summary["text"]
    done = (await desk.press(TEACHER, summary, "Αποστολή")).message
    assert REF in done["text"]
    assert "ΚΕ.ΠΛΗ.ΝΕ.Τ. Ανατολικής Θεσσαλονίκης" in done["text"]  # routed by the school
    async with database(database_url) as sessions, sessions() as session:
        stored = await tickets.ticket_by_reference(session, REF)
    assert stored.centre_id == desk.world.thessaloniki.id
    assert [a.caption for a in stored.attachments] == ["ο μεταγωγέας"]


async def test_the_school_is_remembered_and_can_be_changed(
    launch: Launch, database_url: str
) -> None:
    desk = await open_desk(launch, database_url)
    await report_fault(desk)
    [question] = await desk.send(TEACHER, "/report")
    assert question["text"] == (
        "🏫 Το σχολείο σας: 1ο Γυμνάσιο Αθηνών (0551010). Είναι εκεί η βλάβη;"
    )
    lab = (await desk.press(TEACHER, question, "Ναι")).message
    assert labels(lab)[0] == "↩ Εργαστήριο Πληροφορικής 1"  # the last lab, one tap away
    [question] = await desk.send(TEACHER, "/cancel")
    [question] = await desk.send(TEACHER, "/report")
    search = (await desk.press(TEACHER, question, "Άλλο σχολείο")).message
    assert search["text"].startswith("🏫 Σε ποιο σχολείο είναι η βλάβη;")


async def test_bad_answers_are_explained_and_asked_again(
    launch: Launch, database_url: str
) -> None:
    desk = await open_desk(launch, database_url, ticket_description_max=100)
    await desk.send(TEACHER, "/report")
    [reply] = await desk.send(TEACHER, "12345")
    assert (
        reply["text"] == "Ο κωδικός σχολείου έχει 7 ψηφία (π.χ. 0551010). Ελέγξτε τον, παρακαλώ."
    )
    [reply] = await desk.send(TEACHER, "0559999")
    assert reply["text"].startswith("Δεν βρίσκω σχολείο με κωδικό 0559999.")
    [reply] = await desk.send(TEACHER, "Πολυτεχνείο Κρήτης")
    assert reply["text"].startswith("Κανένα όνομα σχολείου δεν περιέχει «Πολυτεχνείο Κρήτης».")
    [reply] = await desk.send(TEACHER, "γυ")
    assert reply["text"] == "Γράψτε τουλάχιστον 3 γράμματα από το όνομα ή τον κωδικό."
    [choices] = await desk.send(TEACHER, "γυμνασιο")
    assert choices["text"].startswith("Επιλέξτε το σχολείο σας")
    assert len([b for b in labels(choices) if b != "✖ Ακύρωση"]) == 3
    await desk.press(TEACHER, choices, "0551040")
    [category] = await desk.send(TEACHER, "Εργαστήριο 1")
    assert category["text"] == "🧰 Τι δεν λειτουργεί;"
    [again] = await desk.send(TEACHER, "ο υπολογιστής")  # typed instead of a button
    assert again["text"].startswith("Επιλέξτε με τα κουμπιά, παρακαλώ.\n\n🧰 Τι δεν λειτουργεί;")
    equipment = (await desk.press(TEACHER, again, "Υπολογιστής")).message
    assert equipment["text"].startswith("🔢 Ποια συσκευή είναι;")
    [too_long] = await desk.send(TEACHER, "PC-" + "9" * 120)
    assert too_long["text"].startswith("Γράψτε έως 100 χαρακτήρες, παρακαλώ.")
    [description] = await desk.send(TEACHER, "PC-12")
    assert description["text"].startswith("📝 Περιγράψτε τη βλάβη")
    [too_long] = await desk.send(TEACHER, "α" * 150)
    assert too_long["text"].startswith("Η περιγραφή σας έχει 150 χαρακτήρες· παρακαλώ, έως 100.")
    [photos] = await desk.send(TEACHER, "Κολλάει στην εκκίνηση.")
    [refused] = await send_big_document(desk, 21 * 1024 * 1024)
    assert refused["text"].startswith("Το αρχείο είναι 21 MB· το Telegram μού επιτρέπει")
    urgency = (await desk.press(TEACHER, photos, "Χωρίς φωτογραφίες")).message
    summary = (await desk.press(TEACHER, urgency, "εν μέρει")).message
    assert "Κολλάει στην εκκίνηση." in summary["text"]
    assert "συνημμέν" not in summary["text"]  # the refused file was not kept
    # Change the lab from the summary, and come back to it.
    menu = (await desk.press(TEACHER, summary, "Αλλαγή στοιχείου")).message
    lab = (await desk.press(TEACHER, menu, "Εργαστήριο/αίθουσα")).message
    [summary] = await desk.send(TEACHER, "Εργαστήριο Φυσικών")
    assert summary["text"].startswith("Ελέγξτε τη δήλωσή σας")
    assert "Εργαστήριο Φυσικών" in summary["text"]
    assert lab["message_id"] != summary["message_id"]
    done = (await desk.press(TEACHER, summary, "Αποστολή")).message
    assert REF in done["text"]


async def test_the_hourly_limit_keeps_the_report_until_it_can_be_sent(
    launch: Launch, database_url: str
) -> None:
    desk = await open_desk(launch, database_url, tickets_per_hour=1)
    await report_fault(desk)
    [question] = await desk.send(TEACHER, "/report")
    lab = (await desk.press(TEACHER, question, "Ναι")).message
    category = (await desk.press(TEACHER, lab, "Εργαστήριο Πληροφορικής 1")).message
    equipment = (await desk.press(TEACHER, category, "Εκτυπωτής")).message
    description = (await desk.press(TEACHER, equipment, "Παράλειψη")).message
    assert description["text"].startswith("📝 Περιγράψτε")
    [photos] = await desk.send(TEACHER, "Ο εκτυπωτής δεν τυπώνει.")
    urgency = (await desk.press(TEACHER, photos, "Χωρίς φωτογραφίες")).message
    summary = (await desk.press(TEACHER, urgency, "Μικρό πρόβλημα")).message
    refused = (await desk.press(TEACHER, summary, "Αποστολή")).message
    assert refused["text"].startswith("⏳ Στείλατε 1 δήλωση την τελευταία ώρα")
    assert "Ο εκτυπωτής δεν τυπώνει." in refused["text"]  # nothing is lost
    assert await count_tickets(database_url) == 1
    desk.clock.advance(hours=1)
    done = (await desk.press(TEACHER, refused, "Αποστολή")).message
    assert "KPL-2026-00002" in done["text"]


async def test_an_english_teacher_reads_everything_in_english(
    launch: Launch, database_url: str
) -> None:
    desk = await open_desk(launch, database_url)
    teacher = ENGLISH_TEACHER
    [question] = await desk.send(teacher, "/report")
    assert question["text"].startswith("🏫 Which school is the fault in?")
    [choices] = await desk.send(teacher, "0551030")
    await desk.press(teacher, choices, "0551030")
    [category] = await desk.send(teacher, "Lab 1")
    equipment = (await desk.press(teacher, category, "Printer")).message
    description = (await desk.press(teacher, equipment, "Skip")).message
    [photos] = await desk.send(teacher, "Paper jam every time.")
    urgency = (await desk.press(teacher, photos, "No photos")).message
    summary = (await desk.press(teacher, urgency, "in part")).message
    done = (await desk.press(teacher, summary, "Send")).message
    assert done["text"].startswith(f"✅ Your report is registered as {REF}.")
    # The staff chat speaks Greek; the staff reply reaches the teacher in English.
    post = next(m for m in await desk.chat(ATHENS_STAFF_CHAT) if m["text"].startswith(f"🎫 {REF}"))
    assert "Δήλωση από Helen Brown" in post["text"]
    [prompt] = (await desk.press(ATHENS_STAFF, post, "Απάντηση στον/στην")).new
    seen = max(m["message_id"] for m in await desk.sim.messages(teacher.id))
    await desk.reply(ATHENS_STAFF, prompt, "Θα έρθουμε αύριο στις 10:00.")
    [told] = await desk.bot.bot_messages(teacher.id, after=seen)
    assert told["text"] == (
        f"🎫 {REF}\n\n💬 Νίκος Τεχνικός wrote:\nΘα έρθουμε αύριο στις 10:00.\n\n"
        "Reply to this message to answer."
    )
    assert labels(told) == ["💬 Reply / add photos", "📜 Details"]
    assert description["message_id"] == equipment["message_id"]
