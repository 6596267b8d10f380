"""FAQ answers quote the contacts of the teacher's own support centre.

One bot may serve several centres (Athens and Thessaloniki here). A teacher whose
school is known (set in a fault report) is given that school's centre: its name,
phone and e-mail, never another centre's; others get the default centre's contacts
from the settings.
"""

from __future__ import annotations

from bot.services.helpdesk import schools
from tests.e2e.conftest import Launch
from tests.e2e.helpdesk_e2e import TEACHER, Desk, database, open_desk

QUESTION = "pws epikoinwnw me to keplinet"


async def set_school(desk: Desk, code: str) -> None:
    """Choose the school in a fault report and leave the report at the next question."""
    [question] = await desk.send(TEACHER, "/report")
    if "Είναι εκεί η βλάβη" in question["text"]:
        question = (await desk.press(TEACHER, question, "Άλλο σχολείο")).message
    [choices] = await desk.send(TEACHER, code)
    lab = (await desk.press(TEACHER, choices, code)).message
    await desk.press(TEACHER, lab, "Ακύρωση")


async def test_answers_give_the_contacts_of_the_teachers_own_centre(
    launch: Launch, database_url: str
) -> None:
    desk = await open_desk(
        launch,
        database_url,
        centre_name="ΚΕ.ΠΛΗ.ΝΕ.Τ. Ηρακλείου",
        centre_phone="2810 000000",
        centre_email="keplinet@example.org",
    )

    [answer] = await desk.send(TEACHER, QUESTION)  # no school yet: the settings' centre
    assert "ΚΕ.ΠΛΗ.ΝΕ.Τ. Ηρακλείου\n☎️ 2810 000000\n✉️ keplinet@example.org" in answer["text"]

    await set_school(desk, "1951010")  # Thessaloniki: a centre with no phone or e-mail stored
    [answer] = await desk.send(TEACHER, QUESTION)
    assert "ΚΕ.ΠΛΗ.ΝΕ.Τ. Ανατολικής Θεσσαλονίκης\n☎️ δεν έχει καταχωριστεί εδώ" in answer["text"]
    assert "2810" not in answer["text"]
    assert "keplinet@example.org" not in answer["text"]

    await set_school(desk, "0551010")  # Athens
    [answer] = await desk.send(TEACHER, QUESTION)
    athens = "ΚΕ.ΠΛΗ.ΝΕ.Τ. Α' Αθήνας\n☎️ 2100000000\n✉️ keplinet@dide-a-athin.att.sch.gr"
    assert athens in answer["text"]
    [none] = await desk.send(TEACHER, "τι ώρα είναι στο Τόκιο")  # no answer: the same contacts
    assert "☎ 2100000000" in none["text"]
    assert "2810" not in none["text"]


async def test_a_changed_phone_reaches_the_next_answer(launch: Launch, database_url: str) -> None:
    """The bot remembers each teacher's centre between questions (bot.services.known); a
    change of the centre committed meanwhile (here by an operator's session in this process)
    is in the very next answer, and the answers in between cost no database read."""
    desk = await open_desk(launch, database_url)
    await set_school(desk, "0551010")  # Athens
    [answer] = await desk.send(TEACHER, QUESTION)
    assert "☎️ 2100000000" in answer["text"]
    runtime = desk.bot.app.bot_data.runtime if desk.bot.app else None
    assert runtime is not None
    assert runtime.teacher_centres.get(TEACHER.id)[0]  # remembered

    async with database(database_url) as sessions, sessions() as session:
        await schools.upsert_centre(session, "athens-a", phone="2109999999")
    [answer] = await desk.send(TEACHER, QUESTION)
    assert "☎️ 2109999999" in answer["text"]
    assert "2100000000" not in answer["text"]
