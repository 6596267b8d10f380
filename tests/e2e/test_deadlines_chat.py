"""Staff manage the dates from chat: list, add, edit, move (followers told once), delete."""

from __future__ import annotations

from sqlalchemy import select

from bot.db import create_engine, session_factory
from bot.models import Deadline
from bot.services.clock import FakeClock
from bot.services.helpdesk import schools as schools_service
from bot.services.helpdesk import staff as staff_service
from bot.services.reminders import subscribe
from handlers.reminders import rules_of
from handlers.reminders.delivery import deliver_now
from tests.e2e.conftest import ADMIN, ALICE, BOB, BotHarness, Launch, data_of, labels
from tests.reminders_world import START, athens

ATHENS_DIRECTORATE = "Δ/νση Δ.Ε. Α' Αθήνας"


async def stored_deadlines(harness: BotHarness) -> list[Deadline]:
    engine = create_engine(harness.database_url)
    try:
        async with session_factory(engine)() as session:
            return list(await session.scalars(select(Deadline).order_by(Deadline.id)))
    finally:
        await engine.dispose()


async def admin_bot(launch: Launch, clock: FakeClock) -> BotHarness:
    return await launch(clock=clock.now, settings={"admin_ids": [ADMIN.id]})


async def test_a_teacher_cannot_manage_deadlines(launch: Launch) -> None:
    bot = await admin_bot(launch, FakeClock(START))
    [answer] = await bot.send(ALICE, "/deadlines")
    assert "διαχειριστές" in answer["text"]
    assert labels(answer) == []


async def test_an_administrator_adds_a_deadline_in_a_short_flow(launch: Launch) -> None:
    clock = FakeClock(START)
    bot = await admin_bot(launch, clock)
    [listing] = await bot.send(ADMIN, "/deadlines")
    assert "Δεν υπάρχουν προσεχείς προθεσμίες." in listing["text"]
    kinds = (await bot.press(ADMIN, listing, "dl:add")).message
    assert len(labels(kinds)) == 5  # four kinds and Cancel
    asked = (await bot.press(ADMIN, kinds, "dl:k:meeting")).message
    assert "ελληνικά" in asked["text"]
    [english] = await bot.send(ADMIN, "Συνεδρίαση συλλόγου διδασκόντων")
    assert english["text"] == "Και ο τίτλος στα αγγλικά;"
    [when] = await bot.send(ADMIN, "Teachers' association meeting")
    assert when["text"].startswith("Νέα προθεσμία (3/4). Πότε είναι;")
    [wrong] = await bot.send(ADMIN, "31/2/2027")
    assert "Δεν κατάλαβα την ημερομηνία" in wrong["text"]
    [past] = await bot.send(ADMIN, "1/8/2027 10:00")
    assert "έχει ήδη περάσει" in past["text"]
    [scopes] = await bot.send(ADMIN, "24/9/2027 13:30")
    assert "Ποιους αφορά;" in scopes["text"]
    # Administrators may address everyone, or the (default) centre.
    assert labels(scopes)[0] == "Όλοι"
    scope = (await bot.press(ADMIN, scopes, data_of(scopes, "Όλοι"))).message
    assert "Παρασκευή 24 Σεπτεμβρίου 2027, 13:30" in scope["text"]
    saved = await bot.press(ADMIN, scope, "dl:save")
    assert saved.message["text"].startswith("✅")
    [deadline] = await stored_deadlines(bot)
    assert (deadline.kind, deadline.title_el, deadline.title_en, deadline.scope) == (
        "meeting",
        "Συνεδρίαση συλλόγου διδασκόντων",
        "Teachers' association meeting",
        "everyone",
    )
    assert deadline.due_at == athens(2027, 9, 24, 13, 30)


async def test_staff_edit_and_move_a_centre_deadline_and_followers_hear_once(
    launch: Launch,
) -> None:
    clock = FakeClock(START)
    bot = await admin_bot(launch, clock)
    assert bot.app is not None
    runtime = bot.app.bot_data.runtime
    async with runtime.sessions() as session:
        centre = await schools_service.upsert_centre(
            session, "athens-a", name="ΚΕ.ΠΛΗ.ΝΕ.Τ. Α' Αθήνας", directorates=[ATHENS_DIRECTORATE]
        )
        await staff_service.add_staff(session, centre.id, BOB.id, name="Bob", now=clock.now())
    # Alice follows, and says where she works.
    [screen] = await bot.send(ALICE, "/reminders")
    asked = (await bot.press(ALICE, screen, "rem:follow")).message
    chosen = await bot.press(ALICE, asked, data_of(asked, ATHENS_DIRECTORATE))
    assert ATHENS_DIRECTORATE in chosen.message["text"]

    # Bob (staff, English) adds a date for the directorate.
    [listing] = await bot.send(BOB, "/deadlines")
    kinds = (await bot.press(BOB, listing, "dl:add")).message
    await bot.press(BOB, kinds, "dl:k:proposal")
    await bot.send(BOB, "Πρόταση του συλλόγου στη Δ.Δ.Ε.")
    [when] = await bot.send(BOB, "Proposal of the association to the directorate")
    assert "Proposal of the association" not in when["text"]  # asks for the date
    [scopes] = await bot.send(BOB, "30/9/2027 12:00")
    # Staff choose between their centre and its directorates, not "everyone".
    assert labels(scopes)[:2] == ["ΚΕ.ΠΛΗ.ΝΕ.Τ. Α' Αθήνας", ATHENS_DIRECTORATE]
    confirm = (await bot.press(BOB, scopes, data_of(scopes, ATHENS_DIRECTORATE))).message
    detail = (await bot.press(BOB, confirm, "dl:save")).message
    assert "1 person follows it." in detail["text"]

    edit = (await bot.press(BOB, detail, "dl:e:link")).message
    [bad] = await bot.send(BOB, "not a link")
    assert "https://" in bad["text"]
    [edited] = await bot.send(BOB, "https://www.minedu.gov.gr/")
    assert "🔗 https://www.minedu.gov.gr/" in edited["text"]
    assert edit

    move = (await bot.press(BOB, edited, "dl:move")).message
    assert "told once" in move["text"]
    [moved] = await bot.send(BOB, "2/10/2027 12:00")
    assert "Saturday 2 October 2027, 12:00" in moved["text"]

    await deliver_now(bot.app)
    await deliver_now(bot.app)
    notices = [m for m in await bot.bot_messages(ALICE.id) if m["text"].startswith("📅")]
    assert len(notices) == 1
    assert "Σάββατο 2 Οκτωβρίου 2027, 12:00" in notices[0]["text"]
    assert "Πέμπτη 30 Σεπτεμβρίου 2027, 12:00" in notices[0]["text"]

    delete = (await bot.press(BOB, moved, "dl:del")).message
    gone = (await bot.press(BOB, delete, "dl:delyes")).message
    assert "There are no upcoming deadlines." in gone["text"]
    assert await stored_deadlines(bot) == []


async def test_staff_see_only_their_centres_deadlines(launch: Launch) -> None:
    clock = FakeClock(START)
    bot = await admin_bot(launch, clock)
    assert bot.app is not None
    runtime = bot.app.bot_data.runtime
    async with runtime.sessions() as session:
        centre = await schools_service.upsert_centre(session, "athens-a", name="Αθήνα Α")
        await staff_service.add_staff(session, centre.id, BOB.id, name="Bob", now=clock.now())
        await subscribe(session, ALICE.id, rules_of(runtime), clock.now())
    [listing] = await bot.send(ADMIN, "/deadlines")
    kinds = (await bot.press(ADMIN, listing, "dl:add")).message
    await bot.press(ADMIN, kinds, "dl:k:interest")
    await bot.send(ADMIN, "Για όλους")
    await bot.send(ADMIN, "For everyone")
    [scopes] = await bot.send(ADMIN, "20/9/2027")
    assert labels(scopes)[0] == "Όλοι"
    confirm = (await bot.press(ADMIN, scopes, data_of(scopes, "Όλοι"))).message
    assert "Δευτέρα 20 Σεπτεμβρίου 2027, 23:59" in confirm["text"]
    await bot.press(ADMIN, confirm, "dl:save")
    [staff_view] = await bot.send(BOB, "/deadlines")
    assert "There are no upcoming deadlines." in staff_view["text"]
    [admin_view] = await bot.send(ADMIN, "/deadlines")
    assert "Για όλους" in admin_view["text"]


async def test_a_half_added_deadline_survives_a_restart(launch: Launch) -> None:
    clock = FakeClock(START)
    bot = await admin_bot(launch, clock)
    [listing] = await bot.send(ADMIN, "/deadlines")
    kinds = (await bot.press(ADMIN, listing, "dl:add")).message
    await bot.press(ADMIN, kinds, "dl:k:interest")
    await bot.send(ADMIN, "Εκδήλωση ενδιαφέροντος")
    await bot.restart()
    [asked] = await bot.send(ADMIN, "Expression of interest")
    assert asked["text"].startswith("Νέα προθεσμία (3/4). Πότε είναι;")
    [scopes] = await bot.send(ADMIN, "20/9/2027 14:00")
    confirm = (await bot.press(ADMIN, scopes, data_of(scopes, "Όλοι"))).message
    await bot.press(ADMIN, confirm, "dl:save")
    [deadline] = await stored_deadlines(bot)
    assert (deadline.title_el, deadline.title_en) == (
        "Εκδήλωση ενδιαφέροντος",
        "Expression of interest",
    )


async def test_cancel_leaves_the_flow_and_saves_nothing(launch: Launch) -> None:
    bot = await admin_bot(launch, FakeClock(START))
    [listing] = await bot.send(ADMIN, "/deadlines")
    kinds = (await bot.press(ADMIN, listing, "dl:add")).message
    await bot.press(ADMIN, kinds, "dl:k:other")
    [cancelled] = await bot.send(ADMIN, "/cancel")
    assert "Ακυρώθηκε" in cancelled["text"]
    [answer] = await bot.send(ADMIN, "Ένας τίτλος που δεν περιμένει κανείς")
    assert "Νέα προθεσμία" not in answer["text"]
    assert await stored_deadlines(bot) == []


async def test_staff_removed_in_the_middle_of_adding_are_told_and_nothing_is_saved(
    launch: Launch,
) -> None:
    clock = FakeClock(START)
    bot = await admin_bot(launch, clock)
    assert bot.app is not None
    runtime = bot.app.bot_data.runtime
    async with runtime.sessions() as session:
        centre = await schools_service.upsert_centre(
            session, "athens-a", name="ΚΕ.ΠΛΗ.ΝΕ.Τ. Α' Αθήνας", directorates=[ATHENS_DIRECTORATE]
        )
        await staff_service.add_staff(session, centre.id, BOB.id, name="Bob", now=clock.now())
    [listing] = await bot.send(BOB, "/deadlines")
    kinds = (await bot.press(BOB, listing, "dl:add")).message
    await bot.press(BOB, kinds, "dl:k:meeting")
    await bot.send(BOB, "Συνεδρίαση συλλόγου")
    await bot.send(BOB, "Association meeting")
    [scopes] = await bot.send(BOB, "30/9/2027 12:00")
    confirm = (await bot.press(BOB, scopes, data_of(scopes, ATHENS_DIRECTORATE))).message
    async with runtime.sessions() as session:
        assert await staff_service.remove_staff(session, centre.id, BOB.id)

    refused = await bot.press(BOB, confirm, "dl:save")
    assert refused.answer is not None
    assert refused.answer["text"] == (
        "Deadlines are managed by administrators and support centre staff."
    )
    assert refused.answer["show_alert"]
    assert await stored_deadlines(bot) == []
    # The flow has ended, and /deadlines refuses too.
    [answer] = await bot.send(BOB, "/deadlines")
    assert answer["text"] == "Deadlines are managed by administrators and support centre staff."
