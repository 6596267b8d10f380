"""Asking the FAQ about deadlines shows the dates the bot knows, inline, with the reminders
button; asked in English who can be lab manager, the bot answers outright."""

from __future__ import annotations

from bot.services.clock import FakeClock
from tests.e2e.conftest import ALICE, BOB, Launch, labels
from tests.e2e.test_reminders_chat import add_deadline
from tests.reminders_world import START, athens


async def test_a_deadline_question_lists_the_next_dates_with_the_reminders_button(
    launch: Launch,
) -> None:
    clock = FakeClock(START)
    bot = await launch(clock=clock.now)
    await add_deadline(bot, clock, athens(2027, 9, 15, 14, 0))
    [answer] = await bot.send(ALICE, "pote lhgei h prothesmia")  # Greeklish
    text = answer["text"]
    assert text.startswith("Πότε λήγει η προθεσμία για τη θέση Υ.Σ.Ε.Π.Ε.Η.Υ.;")
    assert "δεν ορίζει ημερομηνίες" in text
    dates = text[text.index("Οι επόμενες ημερομηνίες που γνωρίζω:") :]
    assert "Εκδήλωση ενδιαφέροντος για Υ.Σ.Ε.Π.Ε.Η.Υ." in dates
    assert "15 Σεπ" in dates
    assert "14:00" in dates
    assert "(σε 14 μέρες)" in dates
    assert "⏰ Υπενθυμίσεις" in labels(answer)

    shown = await bot.press(ALICE, answer, "menu:reminders")
    assert "rem:follow" in str(shown.message["reply_markup"])  # the reminders screen


async def test_without_dates_the_answer_says_it_knows_none(launch: Launch) -> None:
    clock = FakeClock(START)
    bot = await launch(clock=clock.now)
    await add_deadline(bot, clock, athens(2027, 9, 15, 14, 0))
    clock.set(athens(2027, 9, 16, 9, 0))  # that date has passed
    [answer] = await bot.send(ALICE, "Πότε λήγει η προθεσμία;")
    assert "Δεν γνωρίζω ακόμη καμία επόμενη ημερομηνία" in answer["text"]
    assert "Εκδήλωση ενδιαφέροντος" not in answer["text"]
    assert "⏰ Υπενθυμίσεις" in labels(answer)


async def test_in_english_the_dates_come_in_english(launch: Launch) -> None:
    clock = FakeClock(START)
    bot = await launch(clock=clock.now)
    await add_deadline(bot, clock, athens(2027, 9, 15, 14, 0))
    [answer] = await bot.send(BOB, "When is the deadline?")
    assert "The next dates I know of:" in answer["text"]
    assert "Expression of interest for lab manager (in 14 days)" in answer["text"]
    assert "⏰ Reminders" in labels(answer)


async def test_who_can_become_lab_manager_is_answered_outright(launch: Launch) -> None:
    bot = await launch()
    [answer] = await bot.send(BOB, "Who can become lab manager?")
    assert answer["text"].startswith("Which teachers can be appointed lab manager?")
    assert "Only if nobody else can be appointed" in answer["text"]
