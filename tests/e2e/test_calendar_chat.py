"""/calendar in chat: the personal feed link, the .ics file, stopping and renewing the link."""

from __future__ import annotations

import re

from icalendar import Calendar

from bot.services.clock import FakeClock
from bot.services.reminders import calendar as calendar_service
from tests.e2e.conftest import ALICE, Launch, labels
from tests.e2e.test_reminders_chat import add_deadline
from tests.reminders_world import START

BASE = "https://bot.example.gr"
LINK = re.compile(re.escape(BASE) + r"/calendar/([A-Za-z0-9_-]+)\.ics")


async def test_calendar_link_file_revoke_and_renew(launch: Launch) -> None:
    clock = FakeClock(START)
    bot = await launch(clock=clock.now, settings={"public_base_url": BASE})
    assert bot.app is not None
    runtime = bot.app.bot_data.runtime
    [screen] = await bot.send(ALICE, "/reminders")
    await bot.press(ALICE, screen, "rem:follow")
    await add_deadline(bot, clock)

    [shown] = await bot.send(ALICE, "/calendar")
    found = LINK.search(shown["text"])
    assert found is not None
    token = found.group(1)
    assert labels(shown) == [
        "📥 Λήψη αρχείου .ics",
        "🔄 Νέος σύνδεσμος",
        "⛔ Απενεργοποίηση συνδέσμου",
        "« Κύριο μενού",
    ]

    pressed = await bot.press(ALICE, shown, "cal:file")
    [document] = pressed.new
    assert document["document"]["file_name"] == "keplibot-deadlines.ics"
    calendar = Calendar.from_ical(await bot.sim.download(document["document"]["file_id"]))
    [event] = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == "Εκδήλωση ενδιαφέροντος για Υ.Σ.Ε.Π.Ε.Η.Υ."

    revoked = (await bot.press(ALICE, shown, "cal:revoke")).message
    assert LINK.search(revoked["text"]) is None
    assert "απενεργοποιημένος" in revoked["text"]
    async with runtime.sessions() as session:
        assert await calendar_service.user_of_token(session, token, clock.now()) is None
    # Opening /calendar again does not bring a stopped link back by itself.
    [again] = await bot.send(ALICE, "/calendar")
    assert LINK.search(again["text"]) is None

    renewed = (await bot.press(ALICE, again, "cal:renew")).message
    new = LINK.search(renewed["text"])
    assert new is not None
    assert new.group(1) != token
    async with runtime.sessions() as session:
        assert await calendar_service.user_of_token(session, new.group(1), clock.now()) == ALICE.id


async def test_without_a_public_address_the_file_is_offered(launch: Launch) -> None:
    bot = await launch(clock=FakeClock(START).now)
    [screen] = await bot.send(ALICE, "/reminders")
    await bot.press(ALICE, screen, "rem:follow")
    [shown] = await bot.send(ALICE, "/calendar")
    assert LINK.search(shown["text"]) is None
    assert labels(shown) == ["📥 Λήψη αρχείου .ics", "« Κύριο μενού"]


async def test_someone_who_follows_nothing_is_told_why_the_calendar_is_empty(
    launch: Launch,
) -> None:
    bot = await launch(clock=FakeClock(START).now, settings={"public_base_url": BASE})
    [shown] = await bot.send(ALICE, "/calendar")
    assert "Αυτή τη στιγμή δεν παρακολουθείτε καμία προθεσμία." in shown["text"]
    assert labels(shown)[:2] == ["⏰ Υπενθυμίσεις", "📥 Λήψη αρχείου .ics"]
    reminders = (await bot.press(ALICE, shown, "rem:show")).message
    followed = (await bot.press(ALICE, reminders, "rem:follow")).message
    assert followed["text"].startswith("⏰ Οι υπενθυμίσεις σας")
    [shown] = await bot.send(ALICE, "/calendar")
    assert "δεν παρακολουθείτε" not in shown["text"]
    assert LINK.search(shown["text"]) is not None
