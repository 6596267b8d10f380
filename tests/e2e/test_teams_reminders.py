"""Reminders in Microsoft Teams: following the deadlines, kinds, times, area, the calendar
and stopping, through the real adapter over HTTP against the stand-in; every button's data
checked (a forged or stale one changes nothing)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.models import Subscription
from bot.services.clock import FakeClock
from bot.services.reminders import ReminderRules
from bot.services.reminders import subscriptions as subscription_service
from bot.services.reminders.schedule import MORNING
from handlers.reminders.delivery import deliver_now as deliver_reminders
from teams.standin import StandIn
from tests.e2e.conftest import BotHarness, Launch
from tests.e2e.helpdesk_e2e import database
from tests.e2e.test_reminders_chat import add_deadline
from tests.e2e.test_teams_notices import (
    HELEN,
    MARIA,
    serving,
    started_standin,
    teams_settings,
    user_of,
)
from tests.helpdesk_world import ATHENS_DIRECTORATE, build_world
from tests.reminders_world import START, athens

INACTIVE = "This button is no longer active."


@pytest.fixture
async def standin() -> AsyncIterator[StandIn]:
    async with started_standin() as made:
        yield made


async def subscription(bot: BotHarness, user_id: int) -> Any:
    assert bot.app is not None
    runtime = bot.app.bot_data.runtime
    async with runtime.sessions() as session:
        return await subscription_service.get_subscription(
            session, user_id, ReminderRules.from_settings(runtime.settings)
        )


async def active(bot: BotHarness, user_id: int) -> bool:
    assert bot.app is not None
    async with bot.app.bot_data.runtime.sessions() as session:
        row = await session.get(Subscription, user_id)
        return row is not None and row.active


async def test_a_teams_teacher_follows_chooses_and_stops_and_forged_data_change_nothing(
    launch: Launch, database_url: str, standin: StandIn
) -> None:
    async with database(database_url) as sessions:
        await build_world(sessions)  # directorates to choose an area from
    clock = FakeClock(START)
    bot = await launch(clock=clock.now, settings=teams_settings(standin))
    async with serving(bot, standin):
        [menu] = await standin.send(HELEN, "/start")
        assert "⏰ Reminders" in menu.labels
        await standin.submit(HELEN, menu, "Reminders")
        offer = standin.conversation(HELEN)[-1]
        assert offer.id == menu.id  # the menu's card became the reminders'
        assert offer.text.startswith("⏰ Reminders")
        assert not await active(bot, user_of(HELEN))

        # Follow in one tap: the card becomes the status and asks the area.
        assert await standin.submit(HELEN, offer, "Follow all deadlines") == []
        followed = standin.conversation(HELEN)[-1]
        assert followed.id == offer.id
        assert followed.versions
        assert followed.text.startswith("Done: you follow the deadlines.")
        assert "Where do you work?" in followed.text
        assert await active(bot, user_of(HELEN))
        # An area that is not offered: refused, nothing chosen.
        [refused] = await standin.submit(HELEN, followed, "", data={"a": "rem:a:d:999999"})
        assert refused.text == INACTIVE
        assert (await subscription(bot, user_of(HELEN))).area.source != "chosen"
        await standin.submit(HELEN, followed, ATHENS_DIRECTORATE)  # the card changes
        assert followed.text.startswith("Saved.")
        assert f"Area: {ATHENS_DIRECTORATE}" in followed.text

        # Kinds: a tap changes one; a kind that does not exist changes nothing.
        await standin.submit(HELEN, followed, "Kinds")
        kinds = followed
        assert "✅ ✋ Expression of interest" in kinds.labels
        await standin.submit(HELEN, kinds, "Teachers' association meeting")
        assert "▫️ 👥 Teachers' association meeting" in kinds.labels
        assert set((await subscription(bot, user_of(HELEN))).kinds) == {
            "interest",
            "proposal",
            "other",
        }
        for forged in ("rem:k:bogus", "rem:k:" + "x" * 40, "rem:zz", "dl:delyes", "garbage"):
            [answer] = await standin.submit(HELEN, kinds, "", data={"a": forged})
            assert answer.text == INACTIVE, forged
        assert set((await subscription(bot, user_of(HELEN))).kinds) == {
            "interest",
            "proposal",
            "other",
        }

        # Times: the last one cannot be taken away; a time not offered changes nothing.
        await standin.submit(HELEN, kinds, "Done")
        await standin.submit(HELEN, kinds, "Times")
        times = kinds
        [answer] = await standin.submit(HELEN, times, "", data={"a": "rem:t:5d"})
        assert answer.text == INACTIVE
        for label in ("7 days before", "1 day before"):
            await standin.submit(HELEN, times, label)
        [kept] = await standin.submit(HELEN, times, "on the morning of the day")
        assert kept.text == "Keep at least one reminder time, or stop the reminders."
        codes = [o.code for o in (await subscription(bot, user_of(HELEN))).offsets]
        assert codes == [MORNING]

        # Stop from the reminders screen.
        await standin.submit(HELEN, times, "Done")
        await standin.submit(HELEN, times, "Stop reminders")
        stopped = times
        assert stopped.text.startswith("You will get no more reminders.")
        assert "🔔 Follow all deadlines" in stopped.labels
        assert not await active(bot, user_of(HELEN))


async def test_a_reminder_in_teams_stops_with_its_button_and_the_calendar_is_offered(
    launch: Launch, standin: StandIn
) -> None:
    clock = FakeClock(START)
    bot = await launch(clock=clock.now, settings=teams_settings(standin))
    async with serving(bot, standin):
        [offer] = await standin.send(MARIA, "reminders")
        await standin.submit(MARIA, offer, "Παρακολούθηση όλων")
        assert await active(bot, user_of(MARIA))
        await add_deadline(bot, clock)
        clock.set(athens(2027, 9, 8, 14, 0))
        assert bot.app is not None
        assert (await deliver_reminders(bot.app)).sent == 1
        reminder = standin.conversation(MARIA)[-1]
        assert reminder.text.startswith("⏰")
        [after] = await standin.submit(MARIA, reminder, "Διακοπή αυτών")
        assert not await active(bot, user_of(MARIA))
        assert reminder.versions == []  # the reminder itself stays as it was
        assert after.text.startswith("🔕")
        assert any("Παρακολούθηση ξανά" in label for label in after.labels)
        await standin.submit(MARIA, after, "Παρακολούθηση ξανά")
        assert standin.conversation(MARIA)[-1].text.startswith("Έγινε")
        assert await active(bot, user_of(MARIA))

        [calendar] = await standin.send(MARIA, "/calendar")
        assert calendar.text.startswith("📅")
        assert "/calendar/" in calendar.text  # the personal feed link
        [file] = await standin.submit(MARIA, calendar, ".ics")
        assert [f["name"] for f in file.files] == ["keplibot-deadlines.ics"]
        ics = await standin.download(file.files[0])
        assert b"BEGIN:VCALENDAR" in ics
        assert await standin.submit(MARIA, calendar, "Απενεργοποίηση συνδέσμου") == []
        assert calendar.versions  # the calendar's card changed in place
        assert "/calendar/" not in calendar.text
        assert any("Δημιουργία συνδέσμου" in label for label in calendar.labels)
