"""Delivery through the real bot and the emulator: faults, blocks, flood limits, restarts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from bot.emulator.server import EmulatorServer
from bot.emulator.sim import SimClient, SimUser
from bot.models import ReminderDelivery, Subscription
from bot.ratelimit import TelegramRateLimiter
from bot.services import reminders as reminder_service
from bot.services.clock import FakeClock
from bot.services.reminders.delivery import DueReminder
from bot.ui import Delivered
from handlers.reminders import rules_of
from handlers.reminders.delivery import JOB_NAME, deliver_due, deliver_now
from tests.e2e.conftest import BotHarness, Launch
from tests.e2e.test_reminders_chat import add_deadline
from tests.reminders_world import START, athens

CROWD = [SimUser(20_000 + i, f"Εκπαιδευτικός {i}", language_code="el") for i in range(60)]
QUIET_JOB = {"reminder_poll_seconds": 3600}  # tests run the delivery themselves


async def followers(bot: BotHarness, people: list[SimUser], clock: FakeClock) -> None:
    """Each person has talked to the bot (so the chat exists) and follows the deadlines."""
    for person in people:
        await bot.sim.send_text(person, "/start")
    await bot.idle()
    assert bot.app is not None
    runtime = bot.app.bot_data.runtime
    async with runtime.sessions() as session:
        for person in people:
            await reminder_service.subscribe(session, person.id, rules_of(runtime), clock.now())


async def reminders_in(bot: BotHarness, chat_id: int) -> list[dict[str, Any]]:
    return [m for m in await bot.bot_messages(chat_id) if m["text"].startswith("⏰")]


async def statuses(bot: BotHarness) -> dict[int, str]:
    assert bot.app is not None
    async with bot.app.bot_data.runtime.sessions() as session:
        rows = await session.execute(
            select(ReminderDelivery.user_id, ReminderDelivery.status).where(
                ReminderDelivery.offset_code == "7d"
            )
        )
        return {user: status for user, status in rows}


async def test_a_blocked_teacher_is_unsubscribed_and_the_others_reminded(
    launch: Launch, sim: SimClient
) -> None:
    clock = FakeClock(START)
    bot = await launch(clock=clock.now, settings=QUIET_JOB)
    await followers(bot, CROWD[:3], clock)
    await sim.block(CROWD[1].id)
    await add_deadline(bot, clock)
    clock.set(athens(2027, 9, 8, 14, 0))
    assert bot.app is not None
    report = await deliver_now(bot.app)
    assert (report.sent, report.blocked) == (2, 1)
    for person in (CROWD[0], CROWD[2]):
        assert len(await reminders_in(bot, person.id)) == 1
    async with bot.app.bot_data.runtime.sessions() as session:
        sub = await session.get(Subscription, CROWD[1].id)
        assert sub is not None
        assert (sub.active, sub.stop_reason) == (False, "blocked")


def no_fault_retries() -> TelegramRateLimiter:
    return TelegramRateLimiter(private_per_second=100, private_burst=100, fault_retry_delays=())


async def test_5xx_and_timeouts_are_sent_again_at_once_and_each_teacher_reminded_once(
    launch: Launch, sim: SimClient
) -> None:
    # The rate limiter tries again what Telegram did not answer.
    clock = FakeClock(START)
    bot = await launch(clock=clock.now, settings=QUIET_JOB)
    people = CROWD[:6]
    await followers(bot, people, clock)
    await add_deadline(bot, clock)
    clock.set(athens(2027, 9, 8, 14, 0))
    await sim.inject_fault("sendMessage", "5xx", count=2)
    await sim.inject_fault("sendMessage", "reset", count=1)
    assert bot.app is not None
    first = await deliver_now(bot.app)
    assert (first.sent, first.retried, first.failed) == (6, 0, 0)
    for person in people:
        assert len(await reminders_in(bot, person.id)) == 1
    stats = await sim.stats()
    assert stats["errors"]["sendMessage"] == {"502": 2}


async def test_5xx_and_timeouts_are_retried_and_each_teacher_reminded_once(
    launch: Launch, sim: SimClient
) -> None:
    # Without the rate limiter's own tries, the dispatcher's backoff takes over.
    clock = FakeClock(START)
    bot = await launch(clock=clock.now, settings=QUIET_JOB, rate_limiter=no_fault_retries)
    people = CROWD[:6]
    await followers(bot, people, clock)
    await add_deadline(bot, clock)
    clock.set(athens(2027, 9, 8, 14, 0))
    await sim.inject_fault("sendMessage", "5xx", count=2)
    await sim.inject_fault("sendMessage", "timeout", count=1, hang_seconds=0.2)
    assert bot.app is not None
    first = await deliver_now(bot.app)
    assert (first.sent, first.retried) == (3, 3)
    assert sum(first.errors.values()) == 3
    assert sorted(set((await statuses(bot)).values())) == ["pending", "sent"]
    clock.advance(seconds=31)  # past the first backoff
    second = await deliver_now(bot.app)
    assert (second.sent, second.retried, second.failed) == (3, 0, 0)
    for person in people:
        assert len(await reminders_in(bot, person.id)) == 1
    stats = await sim.stats()
    assert stats["errors"]["sendMessage"] == {"502": 2, "504": 1}


async def test_a_429_is_waited_out_and_nothing_repeats(launch: Launch, sim: SimClient) -> None:
    clock = FakeClock(START)
    bot = await launch(clock=clock.now, settings=QUIET_JOB)
    people = CROWD[:4]
    await followers(bot, people, clock)
    await add_deadline(bot, clock)
    clock.set(athens(2027, 9, 8, 14, 0))
    # One 429: the rate limiter waits the second Telegram asked for and sends again.
    await sim.inject_fault("sendMessage", "429", count=1, retry_after=1)
    assert bot.app is not None
    first = await deliver_now(bot.app)
    assert (first.sent, first.errors) == (4, {})
    # A lasting flood (more 429s than the limiter's three retries of each send): the
    # dispatcher pauses the broadcast and reschedules after Telegram's delay.
    await add_deadline(bot, clock, due=athens(2027, 9, 15, 14, 0), key="second")
    await sim.inject_fault("sendMessage", "429", count=4 * len(people), retry_after=1)
    second = await deliver_now(bot.app)
    assert (second.sent, second.errors) == (0, {"429": len(people)})
    assert (await deliver_now(bot.app)).sent == 0  # not before the delay
    clock.advance(seconds=1)
    assert (await deliver_now(bot.app)).sent == len(people)
    for person in people:
        assert len(await reminders_in(bot, person.id)) == 2
    assert (await sim.stats())["too_many_requests"] == 1 + 4 * len(people)


async def test_the_scheduled_job_delivers_without_being_called(
    launch: Launch, sim: SimClient
) -> None:
    clock = FakeClock(athens(2027, 9, 8, 14, 0))
    bot = await launch(clock=clock.now, settings={"reminder_poll_seconds": 1})
    person = CROWD[0]
    await followers(bot, [person], clock)
    await add_deadline(bot, clock)  # a week ahead: the 7-day reminder is due now
    found = await sim.wait_for_bot_messages(person.id, count=2, timeout=5)
    assert found[-1]["text"].startswith("⏰")


async def test_a_restart_in_the_middle_of_a_broadcast_loses_and_repeats_nothing(
    launch: Launch, sim: SimClient
) -> None:
    clock = FakeClock(START)
    bot = await launch(clock=clock.now, settings=QUIET_JOB)
    await followers(bot, CROWD, clock)
    await add_deadline(bot, clock)
    clock.set(athens(2027, 9, 8, 14, 0))
    assert bot.app is not None
    assert bot.app.job_queue is not None
    dispatcher = bot.app.bot_data.runtime.reminders
    assert dispatcher is not None
    real_sender = dispatcher.sender
    fifteen_sent = asyncio.Event()
    sent = 0

    async def counting(reminder: DueReminder) -> Delivered:
        nonlocal sent
        delivered = await real_sender(reminder)
        sent += 1
        if sent == 15:
            fifteen_sent.set()
        return delivered

    dispatcher.sender = counting
    bot.app.job_queue.run_once(deliver_due, when=0, name=JOB_NAME)
    await asyncio.wait_for(fifteen_sent.wait(), timeout=10)
    await bot.restart()  # stops the job: no new claims, the sends in flight finish
    before = await statuses(bot)
    assert set(before.values()) <= {"sent", "pending"}
    assert 15 <= list(before.values()).count("sent") < len(CROWD)
    assert bot.app is not None
    report = await deliver_now(bot.app)
    assert report.sent == list(before.values()).count("pending")
    for person in CROWD:
        assert len(await reminders_in(bot, person.id)) == 1, person.id


# --- with Telegram's flood limits -----------------------------------------------------


@pytest.fixture
async def flood_emulator() -> AsyncIterator[EmulatorServer]:
    async with EmulatorServer(flood_limits=True) as server:
        yield server


async def test_a_broadcast_stays_within_the_flood_limits_and_close_to_them(
    flood_emulator: EmulatorServer, sqlite_database_url: str
) -> None:
    # About pacing, not the database: SQLite only (bench/bench_broadcast.py does 10,000).
    clock = FakeClock(START)
    async with SimClient(flood_emulator.url) as sim:
        bot = BotHarness(
            flood_emulator,
            sim,
            sqlite_database_url,
            settings_overrides=QUIET_JOB,
            rate_limiter=TelegramRateLimiter,  # production limits
            clock=clock.now,
        )
        await bot.start()
        try:
            people = CROWD
            for person in people:  # users' own messages are not flood-limited
                await sim.send_text(person, "/start")
            await bot.idle()
            sent_before = {chat: len(times) for chat, times in (await sim.stats())["sent"].items()}
            assert bot.app is not None
            runtime = bot.app.bot_data.runtime
            async with runtime.sessions() as session:
                for person in people:
                    await reminder_service.subscribe(
                        session, person.id, rules_of(runtime), clock.now()
                    )
            await add_deadline(bot, clock)
            clock.set(athens(2027, 9, 8, 14, 0))
            report = await deliver_now(bot.app)
            stats = await sim.stats()
        finally:
            await bot.stop()
    assert report.sent == len(people)
    assert stats["too_many_requests"] == 0
    times = sorted(
        t
        for chat, chat_times in stats["sent"].items()
        for t in chat_times[sent_before.get(chat, 0) :]
    )
    assert len(times) == len(people)
    most_in_a_second = max(
        sum(1 for t in times[i:] if t < start + 1.0) for i, start in enumerate(times)
    )
    assert most_in_a_second <= 30
    # Close to the limit: 60 messages take about two seconds, not one a second.
    assert report.rate >= 20, report
