"""What a teacher sees: follow in two taps, reminded on time in their language, stop."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from bot.db import create_engine, session_factory
from bot.models import ReminderDelivery, School, Subscription
from bot.services.clock import FakeClock
from bot.services.helpdesk import schools as schools_service
from bot.services.reminders import deadlines as deadlines_service
from bot.services.reminders.deadlines import DeadlineDraft
from handlers.reminders import rules_of
from handlers.reminders.delivery import deliver_now
from tests.e2e.conftest import ALICE, BOB, BotHarness, Launch, data_of, labels
from tests.reminders_world import START, athens


async def add_deadline(
    harness: BotHarness,
    clock: FakeClock,
    due: datetime | None = None,
    key: str | None = None,
    directorate: str | None = None,
) -> int:
    assert harness.app is not None
    runtime = harness.app.bot_data.runtime
    draft = DeadlineDraft(
        key=key,
        kind="interest",
        title_el="Εκδήλωση ενδιαφέροντος για Υ.Σ.Ε.Π.Ε.Η.Υ.",
        title_en="Expression of interest for lab manager",
        due_at=due or athens(2027, 9, 15, 14, 0),
        notes_el="Αίτηση στον/στη Διευθυντή/ντρια του σχολείου.",
        notes_en="Apply to the head of your school.",
        scope="directorate" if directorate else "everyone",
        directorate=directorate,
    )
    async with runtime.sessions() as session:
        deadline = await deadlines_service.create_deadline(
            session, draft, rules_of(runtime), clock.now()
        )
    return deadline.id


async def test_two_taps_follow_then_reminded_in_greek_then_stop_with_one_tap(
    launch: Launch,
) -> None:
    clock = FakeClock(START)
    bot = await launch(clock=clock.now)
    [menu] = await bot.send(ALICE, "/start")
    shown = await bot.press(ALICE, menu, data_of(menu, "Υπενθυμίσεις"))  # tap 1
    assert labels(shown.message) == [
        "🔔 Παρακολούθηση όλων των προθεσμιών",
        "Επιλογή ειδών",
        "« Κύριο μενού",
    ]
    followed = await bot.press(ALICE, shown.message, "rem:follow")  # tap 2
    assert followed.answer is not None
    assert "rem:stop" in str(followed.message["reply_markup"])

    await add_deadline(bot, clock)
    assert bot.app is not None
    clock.set(athens(2027, 9, 8, 14, 0))
    report = await deliver_now(bot.app)
    assert report.sent == 1
    [reminder] = await bot.bot_messages(ALICE.id, after=int(menu["message_id"]))
    assert "Εκδήλωση ενδιαφέροντος για Υ.Σ.Ε.Π.Ε.Η.Υ." in reminder["text"]
    assert "Τετάρτη 15 Σεπτεμβρίου 2027, 14:00" in reminder["text"]
    assert labels(reminder) == ["🔕 Διακοπή αυτών των υπενθυμίσεων"]

    stopped = await bot.press(ALICE, reminder, "rem:off")
    assert stopped.message["text"].startswith(reminder["text"])
    assert labels(stopped.message) == ["🔔 Παρακολούθηση ξανά"]
    clock.set(athens(2027, 9, 14, 14, 0))
    assert (await deliver_now(bot.app)).sent == 0

    engine = create_engine(bot.database_url)
    try:
        async with session_factory(engine)() as session:
            sub = await session.get(Subscription, ALICE.id)
            assert sub is not None
            assert (sub.active, sub.stop_reason) == (False, "user")
            statuses = list(await session.scalars(select(ReminderDelivery.status)))
            assert statuses == ["sent"]
    finally:
        await engine.dispose()


async def test_an_english_speaker_is_reminded_in_english(launch: Launch) -> None:
    clock = FakeClock(START)
    bot = await launch(clock=clock.now)
    [screen] = await bot.send(BOB, "/reminders")
    await bot.press(BOB, screen, "rem:follow")
    await add_deadline(bot, clock)
    clock.set(athens(2027, 9, 14, 14, 0))
    assert bot.app is not None
    await deliver_now(bot.app)
    [reminder] = await bot.bot_messages(BOB.id, after=int(screen["message_id"]))
    assert reminder["text"].splitlines()[:2] == [
        "⏰ Reminder: Expression of interest for lab manager",
        "Tomorrow at 14:00",
    ]
    assert "Apply to the head of your school." in reminder["text"]
    assert labels(reminder) == ["🔕 Stop these reminders"]


async def test_a_school_set_later_for_fault_reports_brings_its_directorate_dates(
    launch: Launch,
) -> None:
    clock = FakeClock(START)
    bot = await launch(clock=clock.now, settings={"reminder_poll_seconds": 3600})
    assert bot.app is not None
    runtime = bot.app.bot_data.runtime
    directorate = "Δ/νση Δ.Ε. Β' Αθήνας"
    async with runtime.sessions() as session:
        centre = await schools_service.upsert_centre(
            session, "athens-b", name="ΚΕ.ΠΛΗ.ΝΕ.Τ. Β' Αθήνας", directorates=[directorate]
        )
        await schools_service.upsert_centre(session, "piraeus", name="ΚΕ.ΠΛΗ.ΝΕ.Τ. Πειραιά")
    [screen] = await bot.send(ALICE, "/reminders")
    await bot.press(ALICE, screen, "rem:follow")
    deadline_id = await add_deadline(bot, clock, directorate=directorate)

    async def planned() -> set[int]:
        async with runtime.sessions() as session:
            rows = await session.scalars(
                select(ReminderDelivery.deadline_id).where(ReminderDelivery.user_id == ALICE.id)
            )
            return set(rows)

    assert await planned() == set()  # her area is not known yet
    async with runtime.sessions() as session:  # she sets a school there for fault reports
        school = School(
            code="0551020", name="2ο ΓΕΛ", name_key="2ο γελ", directorate=directorate,
            centre_id=centre.id,
        )  # fmt: skip
        session.add(school)
        await session.flush()
        await schools_service.remember_school(session, ALICE.id, school.id, clock.now())
    clock.advance(hours=1)  # the job re-plans hourly
    await deliver_now(bot.app)
    assert await planned() == {deadline_id}


async def test_choosing_kinds_and_times_and_stopping_from_the_screen(launch: Launch) -> None:
    bot = await launch(clock=FakeClock(START).now)
    [screen] = await bot.send(BOB, "/reminders")
    kinds = (await bot.press(BOB, screen, "rem:kinds")).message
    assert labels(kinds) == [
        "▫️ ✋ Expression of interest",
        "▫️ 👥 Teachers' association meeting",
        "▫️ 📨 Proposal to the directorate (ΔΔΕ)",
        "▫️ 📌 Other date",
        "« Done",
    ]
    kinds = (await bot.press(BOB, kinds, "rem:k:meeting")).message  # follows just that kind
    assert labels(kinds)[:2] == [
        "▫️ ✋ Expression of interest",
        "✅ 👥 Teachers' association meeting",
    ]
    refused = await bot.press(BOB, kinds, "rem:k:meeting")  # the last one cannot go
    assert refused.answer is not None
    assert refused.answer["text"] == "Keep at least one kind, or stop the reminders."
    status = (await bot.press(BOB, kinds, "rem:show")).message
    assert "You follow: Teachers' association meeting" in status["text"]
    assert (
        "Reminder times: 7 days before, 1 day before, on the morning of the day" in status["text"]
    )

    times = (await bot.press(BOB, status, "rem:times")).message
    times = (await bot.press(BOB, times, "rem:t:2h")).message
    times = (await bot.press(BOB, times, "rem:t:7d")).message
    assert "✅ 2 hours before" in labels(times)
    assert "▫️ 7 days before" in labels(times)
    status = (await bot.press(BOB, times, "rem:show")).message
    assert (
        "Reminder times: 1 day before, on the morning of the day, 2 hours before" in status["text"]
    )

    stopped = (await bot.press(BOB, status, "rem:stop")).message
    assert stopped["text"].startswith("You will get no more reminders.")
    assert "🔔 Follow all deadlines" in labels(stopped)
