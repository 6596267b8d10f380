"""One conversation at a time (`handlers.flows`): starting a flow inside another asks first,
/cancel ends every flow, the interview's Cancel asks before discarding answers, and the
fault report has Back and Cancel at every step.

These tests also pin PTB's private conversation state, which `handlers.flows.Flow` reads
(`flows_of` below goes through `active_flows`): a PTB upgrade that changes it fails here.
"""

from __future__ import annotations

from typing import Any

from bot.db import create_engine
from bot.persistence import SQLAlchemyPersistence
from bot.services.helpdesk import ticket_queries
from tests.e2e.conftest import ALICE, BOB, BotHarness, Launch, labels
from tests.e2e.helpdesk_e2e import TEACHER, database, open_desk, png
from tests.e2e.points_chat import Teacher, flows_of

JSON = dict[str, Any]


def points_session(bot: BotHarness, user_id: int) -> object:
    assert bot.app is not None
    return bot.app.user_data[user_id].get("points")


async def test_an_old_menu_button_in_the_interview_asks_before_leaving_it(
    bot: BotHarness,
) -> None:
    alice = Teacher(bot, ALICE)
    await alice.send("/points")
    await alice.press("Ναι")
    [old_menu] = await alice.send("/cancel")  # the menu /cancel leaves behind
    assert old_menu["text"].startswith("Ακυρώθηκε.")
    await alice.send("/points")
    await alice.press("Ναι")
    question = alice.screen
    assert "1/7 · " in question["text"]
    assert "Ποια θέση έχετε στο σχολείο;" in question["text"]

    # The old menu's «Report a fault»: the interview is not left behind silently.
    asked = await bot.press(ALICE, old_menu, "menu:report")
    text = asked.message["text"]
    assert text.startswith("⚠️ Να αφήσετε τον υπολογισμό μορίων;")
    assert "ξεκινά η δήλωση βλάβης" in text
    assert labels(asked.message) == ["↩️ Συνέχεια", "🚪 Έξοδος"]
    assert asked.new == []
    assert flows_of(bot, ALICE) == {"points"}

    # «Συνέχεια»: the question again, here; the old copy loses its buttons.
    kept = await alice.press("↩️ Συνέχεια", asked.message)
    assert kept.message["text"].startswith("↩️ Συνεχίζουμε από εκεί που σταματήσατε.")
    assert "Ποια θέση έχετε στο σχολείο;" in kept.message["text"]
    [before] = [
        m for m in await bot.bot_messages(ALICE.id) if m["message_id"] == question["message_id"]
    ]
    assert not before.get("reply_markup")
    assert flows_of(bot, ALICE) == {"points"}
    # Text still answers the interview, not a report.
    await alice.press("Εκπαιδευτικός")
    assert "1/7 · " in alice.text
    assert "Ποια θέση έχετε" not in alice.question

    # /menu in the middle shows the menu (the interview goes on); its «Report a fault»
    # asks again, and «Έξοδος» ends the interview and starts the report on this message.
    [menu] = await alice.send("/menu")
    assert flows_of(bot, ALICE) == {"points"}
    asked = await bot.press(ALICE, menu, "menu:report")
    left = await bot.press(ALICE, asked.message, "flow:leave")
    assert left.message["text"].startswith("🏫 Σε ποιο σχολείο είναι η βλάβη;")
    assert flows_of(bot, ALICE) == {"report"}
    assert points_session(bot, ALICE.id) is None
    assert "🚪 Έξοδος" not in labels(left.message)


async def test_a_command_in_the_report_asks_and_leaving_starts_the_interview(
    bot: BotHarness,
) -> None:
    [question] = await bot.send(BOB, "/report")
    assert question["text"].startswith("🏫 Which school is the fault in?")
    [asked] = await bot.send(BOB, "/points")
    assert asked["text"].startswith("⚠️ Leave the fault report?")
    assert "the points calculation starts" in asked["text"]
    assert labels(asked) == ["↩️ Keep going", "🚪 Leave"]
    assert flows_of(bot, BOB) == {"report"}

    kept = await bot.press(BOB, asked, "flow:keep")
    assert kept.message["text"].startswith("🏫 Which school is the fault in?")
    assert flows_of(bot, BOB) == {"report"}

    [asked] = await bot.send(BOB, "/points")
    left = await bot.press(BOB, asked, "flow:leave")
    assert left.message["text"] == "🚪 Stopped: the fault report."
    assert labels(left.message) == []
    [first] = left.new
    assert "1/7 · " in first["text"]
    assert flows_of(bot, BOB) == {"points"}
    assert bot.app is not None
    assert "report" not in bot.app.user_data[BOB.id]


async def test_cancel_ends_every_flow_even_two_left_from_before(launch: Launch) -> None:
    """Conversations stored by an older version could hold two flows at once: /cancel ends
    both, and the next text is no answer to either."""
    bot = await launch()
    await bot.send(ALICE, "/start")
    url = bot.database_url
    await bot.stop()
    engine = create_engine(url)
    try:
        persistence = SQLAlchemyPersistence(engine)
        await persistence.update_conversation("points", (ALICE.id, ALICE.id), "asking")
        await persistence.update_conversation("report", (ALICE.id, ALICE.id), "lab")
    finally:
        await engine.dispose()
    await bot.start()
    assert flows_of(bot, ALICE) == {"points", "report"}

    [cancelled] = await bot.send(ALICE, "/cancel")
    assert cancelled["text"].startswith("Ακυρώθηκε. Επιστρέψατε στο κύριο μενού.")
    assert flows_of(bot, ALICE) == set()
    await bot.restart()  # the ends were stored too
    assert flows_of(bot, ALICE) == set()


async def test_the_interview_cancel_asks_only_when_there_are_answers(bot: BotHarness) -> None:
    alice = Teacher(bot, ALICE)
    await alice.send("/points")
    # Nothing answered yet: nothing to lose, cancelled at once.
    cancelled = await alice.press("✖ Ακύρωση")
    assert cancelled.message["text"].startswith("Ακυρώθηκε.")
    assert flows_of(bot, ALICE) == set()

    await alice.send("/points")
    await alice.press("Ναι")
    asked = await alice.press("✖ Ακύρωση")
    assert asked.message["text"] == ("⚠️ Να απορριφθούν οι απαντήσεις σας στον υπολογισμό μορίων;")
    assert labels(asked.message) == ["↩️ Συνέχεια", "🗑 Απόρριψη"]
    kept = await alice.press("↩️ Συνέχεια", asked.message)
    assert "Ποια θέση έχετε στο σχολείο;" in kept.message["text"]
    assert flows_of(bot, ALICE) == {"points"}
    # /cancel does not ask: it is the way out of everything.
    [out] = await alice.send("/cancel")
    assert out["text"].startswith("Ακυρώθηκε.")
    assert flows_of(bot, ALICE) == set()
    assert points_session(bot, ALICE.id) is None


# --- the fault report: a photo's caption, Back and Cancel -----------------------------------


async def test_a_photo_with_a_caption_in_the_interview_becomes_a_report_with_its_description(
    launch: Launch, database_url: str
) -> None:
    desk = await open_desk(launch, database_url)
    bot = desk.bot
    teacher = Teacher(bot, TEACHER)
    await teacher.send("/points")
    await teacher.press("Ναι")
    [asked] = await desk.photo(TEACHER, caption="Ο προβολέας δεν ανάβει")
    assert asked["text"].startswith("⚠️ Να αφήσετε τον υπολογισμό μορίων;")
    assert flows_of(bot, TEACHER) == {"points"}

    left = await bot.press(TEACHER, asked, "flow:leave")
    assert left.message["text"] == "🚪 Διακόπηκε: ο υπολογισμός μορίων."
    [school_q] = left.new
    assert school_q["text"].startswith(
        "📎 Το κράτησα, και τη λεζάντα του ως περιγραφή. Ας δηλώσουμε τη βλάβη."
    )
    assert flows_of(bot, TEACHER) == {"report"}
    [choices] = await desk.send(TEACHER, "0551020")
    await desk.press(TEACHER, choices, "0551020")
    [category] = await desk.send(TEACHER, "Αίθουσα 12")
    equipment = (await desk.press(TEACHER, category, "Βιντεοπροβολέας")).message
    description = (await desk.press(TEACHER, equipment, "Παράλειψη")).message
    # Not asked as if nothing was said: the caption is shown, more can be added.
    assert description["text"].startswith(
        "📝 Η περιγραφή σας ως τώρα: «Ο προβολέας δεν ανάβει». Στείλτε κι άλλα"
    )
    assert labels(description) == ["✔ Συνέχεια", "« Πίσω", "✖ Ακύρωση"]
    [photos] = await desk.send(TEACHER, "Από χθες.")
    urgency = (await desk.press(TEACHER, photos, "Τέλος")).message
    summary = (await desk.press(TEACHER, urgency, "Μικρό πρόβλημα")).message
    assert "📝 Ο προβολέας δεν ανάβει\nΑπό χθες." in summary["text"]
    await desk.press(TEACHER, summary, "Αποστολή")
    async with database(database_url) as sessions, sessions() as session:
        [stored] = (await ticket_queries.tickets_of_teacher(session, TEACHER.id)).items
    assert stored.description == "Ο προβολέας δεν ανάβει\nΑπό χθες."


async def test_back_returns_to_each_previous_step_keeping_the_answers(
    launch: Launch, database_url: str
) -> None:
    desk = await open_desk(launch, database_url)
    bot = desk.bot
    [school_q] = await desk.send(TEACHER, "/report")
    if "Είναι εκεί η βλάβη" in school_q["text"]:  # a remembered school: change it
        school_q = (await desk.press(TEACHER, school_q, "Άλλο σχολείο")).message
    assert labels(school_q)[-2:] == ["« Πίσω", "✖ Ακύρωση"] or labels(school_q) == ["✖ Ακύρωση"]
    [choices] = await desk.send(TEACHER, "0551010")
    lab_q = (await desk.press(TEACHER, choices, "0551010")).message
    assert lab_q["text"].startswith("📍")
    assert "« Πίσω" in labels(lab_q)
    [category_q] = await desk.send(TEACHER, "Εργαστήριο 2")
    assert labels(category_q)[-2:] == ["« Πίσω", "✖ Ακύρωση"]

    # Back: the lab question, with the lab given a moment ago as a button.
    back = await bot.press(TEACHER, category_q, "rp:back")
    assert back.message["text"].startswith("📍")
    assert "↩ Εργαστήριο 2" in labels(back.message)
    assert flows_of(bot, TEACHER) == {"report"}
    category_q = (await desk.press(TEACHER, back.message, "Εργαστήριο 2")).message
    equipment_q = (await desk.press(TEACHER, category_q, "Εκτυπωτής")).message
    [description_q] = await desk.send(TEACHER, "PR-1")
    assert "Περιγράψτε" in description_q["text"]
    # Back to the device, then on again: the device answer is replaced, nothing else lost.
    back = await bot.press(TEACHER, description_q, "rp:back")
    assert back.message["text"] == equipment_q["text"]
    [description_q] = await desk.send(TEACHER, "PR-2")
    [photos_q] = await desk.send(TEACHER, "Μπλοκάρει το χαρτί.")
    assert labels(photos_q)[-2:] == ["« Πίσω", "✖ Ακύρωση"]
    urgency_q = (await desk.press(TEACHER, photos_q, "Χωρίς φωτογραφίες")).message
    summary = (await desk.press(TEACHER, urgency_q, "εν μέρει")).message
    text = summary["text"]
    assert "Εργαστήριο 2 · 🖨 Εκτυπωτής · PR-2" in text
    assert "📝 Μπλοκάρει το χαρτί." in text
    # Back from the summary: the urgency question; Cancel ends the report.
    back = await bot.press(TEACHER, summary, "rp:back")
    assert back.message["text"].startswith("🚦")
    cancelled = await desk.press(TEACHER, back.message, "Ακύρωση")
    assert cancelled.message["text"].startswith("Ακυρώθηκε.")
    assert flows_of(bot, TEACHER) == set()
    assert bot.app is not None
    assert "report" not in bot.app.user_data[TEACHER.id]


async def test_a_photo_in_the_report_still_joins_it(launch: Launch, database_url: str) -> None:
    """No question about leaving when the photo is for the flow the teacher is in."""
    desk = await open_desk(launch, database_url)
    await desk.send(TEACHER, "/report")
    sent = await desk.sim.send_photo(TEACHER, png(3))
    await desk.bot.recorder.wait(("message", TEACHER.id, int(sent["message_id"])))
    [kept] = await desk.bot.bot_messages(TEACHER.id, after=int(sent["message_id"]))
    assert kept["text"].startswith("📎 Το κράτησα")
    assert flows_of(desk.bot, TEACHER) == {"report"}


async def test_an_album_in_the_interview_asks_once_and_the_report_keeps_every_photo(
    bot: BotHarness,
) -> None:
    alice = Teacher(bot, ALICE)
    await alice.send("/points")
    first = await bot.sim.send_photo(ALICE, png(1), None, "album-7")
    second = await bot.sim.send_photo(ALICE, png(2), None, "album-7")
    await bot.recorder.wait(("message", ALICE.id, int(second["message_id"])))
    asked = await bot.bot_messages(ALICE.id, after=int(first["message_id"]))
    assert [m["text"].splitlines()[0] for m in asked] == ["⚠️ Να αφήσετε τον υπολογισμό μορίων;"]
    left = await bot.press(ALICE, asked[0], "flow:leave")
    assert left.new[0]["text"].startswith("📎 Το κράτησα. Ας δηλώσουμε τη βλάβη.")
    assert len(left.new) == 1  # the album's second photo joins quietly
    assert flows_of(bot, ALICE) == {"report"}
    assert bot.app is not None
    assert len(bot.app.user_data[ALICE.id]["report"]["attachments"]) == 2


async def test_a_command_someone_may_not_use_does_not_cost_them_their_flow(
    bot: BotHarness,
) -> None:
    alice = Teacher(bot, ALICE)
    await alice.send("/points")
    await alice.press("Ναι")
    [refused] = await alice.send("/deadlines")
    assert refused["text"] == (
        "Τις προθεσμίες τις διαχειρίζονται οι διαχειριστές και το προσωπικό των ΚΕ.ΠΛΗ.ΝΕ.Τ."
    )
    assert flows_of(bot, ALICE) == {"points"}
