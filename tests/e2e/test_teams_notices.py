"""Notices to a Microsoft Teams teacher through the queues Telegram's go through.

The helpdesk outbox and the reminders address a teacher by user id; a Teams teacher's
(≥ 2**62) is routed to their conversation with the bot (`bot.routing`), so the staff work
the ticket in their Telegram group (the emulator) and the teacher hears of it in Teams
(the stand-in), once, with the connector's refusals handled by the queues' rules.
"""

from __future__ import annotations

import base64
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from bot.dialogs.helpdesk.planning import NewTicketPlan
from bot.models import ReminderDelivery, Subscription, User
from bot.services import reminders as reminder_service
from bot.services.channels import user_id_for
from bot.services.clock import FakeClock
from bot.services.helpdesk import tickets
from bot.services.helpdesk.ticket_types import Actor
from bot.web import listening_socket, web_server
from handlers.helpdesk.outbox import deliver_now as deliver_outbox
from handlers.reminders import rules_of
from handlers.reminders.delivery import deliver_now as deliver_reminders
from teams.standin import Message, StandIn, TeamsUser
from tests.e2e.conftest import BotHarness, Launch
from tests.e2e.helpdesk_e2e import ATHENS_STAFF, Desk, database, open_desk
from tests.e2e.test_helpdesk_staff import post_of
from tests.e2e.test_reminders_chat import add_deadline
from tests.helpdesk_world import ATHENS_STAFF_CHAT, draft
from tests.reminders_world import START, athens

MARIA = TeamsUser("5e1d0b7a-0000-4000-8000-000000000011", "Μαρία Παπαδοπούλου", "el-GR")
HELEN = TeamsUser("5e1d0b7a-0000-4000-8000-000000000012", "Helen Smith", "en-US")
QUIET_JOB = {"reminder_poll_seconds": 3600, "outbox_poll_seconds": 3600}
REF = "KPL-2026-00001"


def user_of(person: TeamsUser) -> int:
    return user_id_for("teams", person.aad_object_id)


@contextlib.asynccontextmanager
async def serving(bot: BotHarness, standin: StandIn) -> AsyncIterator[None]:
    """The bot's web server (with POST /api/messages) for the stand-in to talk to."""
    assert bot.app is not None
    async with web_server(bot.app, listening_socket("127.0.0.1", 0)) as url:
        standin.bot_url = f"{url}/api/messages"
        yield


@contextlib.asynccontextmanager
async def started_standin() -> AsyncIterator[StandIn]:
    """A stand-in, running; at the end, it refused nothing the bot sent."""
    made = StandIn()
    await made.start()
    try:
        yield made
    finally:
        await made.stop()
    assert made.refusals == []


@pytest.fixture
async def standin() -> AsyncIterator[StandIn]:
    async with started_standin() as made:
        yield made


def teams_settings(standin: StandIn) -> dict[str, Any]:
    return {**standin.settings(), "public_base_url": "https://bot.example.gr", **QUIET_JOB}


def containing(messages: list[Message], text: str) -> list[Message]:
    return [m for m in messages if text in m.text]


async def teams_ticket(desk: Desk, person: TeamsUser, locale: str) -> None:
    """A ticket reported by a Teams teacher, planned as the report flow plans one."""
    app = desk.bot.app
    assert app is not None
    runtime = app.bot_data.runtime
    async with runtime.sessions() as session:
        await tickets.create_ticket(
            session,
            draft(desk.world.gym_athens, photos=0),
            Actor(user_of(person), person.name),
            reporter_locale=locale,
            now=runtime.clock(),
            outbox=NewTicketPlan(runtime),
        )


async def outbox_pass(desk: Desk) -> None:
    assert desk.bot.app is not None
    await deliver_outbox(desk.bot.app)
    await desk.bot.idle()


async def test_a_teams_teachers_ticket_notices_arrive_in_teams_once(
    launch: Launch, database_url: str, standin: StandIn
) -> None:
    desk = await open_desk(launch, database_url, **teams_settings(standin))
    async with serving(desk.bot, standin):
        await standin.send(MARIA, "/start")  # the conversation the notices go to
        await teams_ticket(desk, MARIA, "el")
        await outbox_pass(desk)
        # The staff got the post in their Telegram group; the teacher, in Teams, that it
        # reached the centre.
        post = await post_of(desk, ATHENS_STAFF_CHAT, REF)
        reached = containing(standin.conversation(MARIA), f"Το **{REF}** έφτασε")
        assert len(reached) == 1, [m.text for m in standin.conversation(MARIA)]

        # The staff take it in their group: told in Teams, once.
        await desk.press(ATHENS_STAFF, post, "Ανάληψη")
        await outbox_pass(desk)
        handling = containing(standin.conversation(MARIA), "Τη δήλωσή σας χειρίζεται")
        assert len(handling) == 1
        assert handling[0].text.startswith(f"🎫 **{REF}**")
        assert handling[0].labels  # the ticket's buttons come along

        # Teams asks to wait (429): the notice is sent again later, once.
        standin.faults[MARIA.conversation_id] = (429, {"Retry-After": "2"})
        await desk.press(
            ATHENS_STAFF, await post_of(desk, ATHENS_STAFF_CHAT, REF), "Αναμονή σχολείου"
        )
        await outbox_pass(desk)
        progress = "περιμένει απάντηση από το σχολείο"
        assert containing(standin.conversation(MARIA), progress) == []
        desk.clock.advance(seconds=3)
        await outbox_pass(desk)
        assert len(containing(standin.conversation(MARIA), progress)) == 1

        # A Bot Connector error (502): retried with the outbox's backoff, then sent once.
        standin.faults[MARIA.conversation_id] = (502, {})
        await desk.press(
            ATHENS_STAFF, await post_of(desk, ATHENS_STAFF_CHAT, REF), "Διεκπεραιωμένο"
        )
        await outbox_pass(desk)
        resolved = "σημείωσε ότι η βλάβη αποκαταστάθηκε"
        assert containing(standin.conversation(MARIA), resolved) == []
        desk.clock.advance(seconds=11)  # the outbox's first backoff: 10 s
        await outbox_pass(desk)
        assert len(containing(standin.conversation(MARIA), resolved)) == 1
        assert standin.conversation(MARIA)[-1].labels

        # A staff reply in the group reaches her in Teams, once.
        post = await post_of(desk, ATHENS_STAFF_CHAT, REF)
        [prompt] = (await desk.press(ATHENS_STAFF, post, "Απάντηση στον/στην")).new
        await desk.reply(ATHENS_STAFF, prompt, "Αλλάξαμε το τροφοδοτικό του PC-07.")
        await outbox_pass(desk)
        replies = containing(standin.conversation(MARIA), "Αλλάξαμε το τροφοδοτικό του PC-07.")
        assert len(replies) == 1
        assert replies[0].text.startswith(f"🎫 **{REF}**")
        await outbox_pass(desk)  # nothing is sent twice
        assert len(containing(standin.conversation(MARIA), "τροφοδοτικό")) == 1


@pytest.mark.refusals("sendMessage")
async def test_a_teams_teacher_who_removed_the_app_is_reported_to_the_staff(
    launch: Launch, database_url: str, standin: StandIn
) -> None:
    desk = await open_desk(launch, database_url, **teams_settings(standin))
    async with serving(desk.bot, standin):
        await standin.send(HELEN, "/start")
        await teams_ticket(desk, HELEN, "en")
        await outbox_pass(desk)
        assert len(containing(standin.conversation(HELEN), f"{REF}** has reached")) == 1
        before = len(standin.conversation(HELEN))
        standin.faults[HELEN.conversation_id] = (403, {})  # the app was removed
        await desk.press(ATHENS_STAFF, await post_of(desk, ATHENS_STAFF_CHAT, REF), "Ανάληψη")
        await outbox_pass(desk)
        assert len(standin.conversation(HELEN)) == before
        staff = [m["text"] or "" for m in await desk.chat(ATHENS_STAFF_CHAT)]
        assert any("έχει αποκλείσει το bot" in text for text in staff), staff
        async with database(database_url) as sessions, sessions() as session:
            user = await session.get(User, user_of(HELEN))
            assert user is not None
            assert user.blocked_bot
        desk.clock.advance(minutes=30)
        await outbox_pass(desk)  # nothing is tried again
        assert len(standin.conversation(HELEN)) == before


async def test_a_reminder_reaches_a_teams_subscriber_once_and_not_again_after_a_restart(
    launch: Launch, standin: StandIn
) -> None:
    clock = FakeClock(START)
    bot = await launch(clock=clock.now, settings=teams_settings(standin))
    async with serving(bot, standin):
        await standin.send(MARIA, "/start")
        assert bot.app is not None
        runtime = bot.app.bot_data.runtime
        async with runtime.sessions() as session:
            await reminder_service.subscribe(
                session, user_of(MARIA), rules_of(runtime), clock.now()
            )
        await add_deadline(bot, clock)
        clock.set(athens(2027, 9, 8, 14, 0))
        report = await deliver_reminders(bot.app)
        assert report.sent == 1
        reminders = [m for m in standin.conversation(MARIA) if m.text.startswith("⏰")]
        assert len(reminders) == 1
        assert "Εκδήλωση ενδιαφέροντος" in reminders[0].text
    await bot.restart()
    async with serving(bot, standin):
        assert bot.app is not None
        report = await deliver_reminders(bot.app)
        assert report.sent == 0
        assert len([m for m in standin.conversation(MARIA) if m.text.startswith("⏰")]) == 1
        async with bot.app.bot_data.runtime.sessions() as session:
            rows = await session.execute(
                select(ReminderDelivery.status).where(ReminderDelivery.user_id == user_of(MARIA))
            )
            assert "sent" in {status for (status,) in rows}


async def test_a_teams_subscriber_who_removed_the_app_is_unsubscribed(
    launch: Launch, standin: StandIn
) -> None:
    clock = FakeClock(START)
    bot = await launch(clock=clock.now, settings=teams_settings(standin))
    async with serving(bot, standin):
        await standin.send(HELEN, "/start")
        assert bot.app is not None
        runtime = bot.app.bot_data.runtime
        async with runtime.sessions() as session:
            await reminder_service.subscribe(
                session, user_of(HELEN), rules_of(runtime), clock.now()
            )
        await add_deadline(bot, clock)
        clock.set(athens(2027, 9, 8, 14, 0))
        standin.faults[HELEN.conversation_id] = (404, {})
        report = await deliver_reminders(bot.app)
        assert (report.sent, report.blocked) == (0, 1)
        async with runtime.sessions() as session:
            sub = await session.get(Subscription, user_of(HELEN))
            assert sub is not None
            assert (sub.active, sub.stop_reason) == (False, "blocked")


async def test_a_staff_photo_reaches_a_teams_teacher_as_an_image(
    launch: Launch, database_url: str, standin: StandIn
) -> None:
    """A Telegram file id means nothing in Teams: the photo's bytes are fetched and sent."""
    desk = await open_desk(launch, database_url, **teams_settings(standin))
    async with serving(desk.bot, standin):
        await standin.send(MARIA, "/start")
        await teams_ticket(desk, MARIA, "el")
        await outbox_pass(desk)
        post = await post_of(desk, ATHENS_STAFF_CHAT, REF)
        [prompt] = (await desk.press(ATHENS_STAFF, post, "Απάντηση στον/στην")).new
        await desk.photo(
            ATHENS_STAFF,
            caption="Η νέα καλωδίωση",
            reply_to=int(prompt["message_id"]),
            chat=ATHENS_STAFF_CHAT,
            seed=7,
        )
        await outbox_pass(desk)
        images = [
            attachment
            for message in standin.conversation(MARIA)
            for attachment in message.activity.get("attachments") or []
            if str(attachment.get("contentType", "")).startswith("image/")
        ]
        assert len(images) == 1, [m.text for m in standin.conversation(MARIA)]
        url = str(images[0]["contentUrl"])
        assert url.startswith("data:image/png;base64,"), url[:60]
        assert base64.b64decode(url.split(",", 1)[1]).startswith(b"\x89PNG")
        await outbox_pass(desk)  # sent once
        assert (
            sum(
                1
                for message in standin.conversation(MARIA)
                for attachment in message.activity.get("attachments") or []
                if str(attachment.get("contentType", "")).startswith("image/")
            )
            == 1
        )
