"""Delivery failures, several workers and restarts: every reminder once, none lost."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import create_engine, session_factory
from bot.models import ReminderDelivery, Subscription, User
from bot.services import reminders
from bot.services.reminders.delivery import ReminderDispatcher
from bot.ui.notifier import PermanentFailure, RecipientGone, RetryLater, TemporaryFailure
from tests.reminders_world import (
    RULES,
    FakeSender,
    add_deadline,
    add_users,
    athens,
    deliveries,
    dispatcher,
    new_clock,
)

TEACHER = 6_000_000_001
COLLEAGUE = 6_000_000_002
CROWD = [7_000_000_000 + i for i in range(60)]


async def _two_followers(sessions: async_sessionmaker[AsyncSession]) -> None:
    clock = new_clock()
    await add_users(sessions, [TEACHER, COLLEAGUE])
    async with sessions() as session:
        for user in (TEACHER, COLLEAGUE):
            await reminders.subscribe(session, user, RULES, clock.now())


async def _crowd_with_one_due_reminder(sessions: async_sessionmaker[AsyncSession]) -> None:
    """60 followers whose 7-day reminder is due at 2027-09-13 14:00."""
    clock = new_clock()
    await add_users(sessions, CROWD)
    async with sessions() as session:
        for user in CROWD:
            await reminders.subscribe(session, user, RULES, clock.now())
    await add_deadline(sessions, clock, athens(2027, 9, 20, 14, 0))


async def test_a_person_who_blocked_the_bot_is_unsubscribed(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await _two_followers(sessions)
    clock = new_clock()
    await add_deadline(sessions, clock, athens(2027, 9, 20, 14, 0))
    sender = FakeSender(fail={TEACHER: [RecipientGone("Forbidden: bot was blocked by the user")]})
    clock.set(athens(2027, 9, 13, 14, 0))
    report = await dispatcher(sessions, clock, sender).run()
    assert (report.sent, report.blocked) == (1, 1)
    assert [r.user_id for r in sender.sent] == [COLLEAGUE]
    async with sessions() as session:
        sub = await session.get(Subscription, TEACHER)
        user = await session.get(User, TEACHER)
        assert sub is not None
        assert user is not None
        assert (sub.active, sub.stop_reason, user.blocked_bot) == (False, "blocked", True)
    statuses = {(code, status) for _, code, _, status in await deliveries(sessions, TEACHER)}
    assert statuses == {("7d", "failed"), ("1d", "failed"), ("morning", "failed")}
    clock.set(athens(2027, 9, 19, 14, 0))
    await dispatcher(sessions, clock, sender).run()
    assert [r.user_id for r in sender.sent] == [COLLEAGUE, COLLEAGUE]


async def test_network_errors_and_5xx_are_retried_with_backoff(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await _two_followers(sessions)
    clock = new_clock()
    await add_deadline(sessions, clock, athens(2027, 9, 20, 14, 0))
    sender = FakeSender(
        fail={TEACHER: [TemporaryFailure("502 Bad Gateway"), TemporaryFailure("timed out")]}
    )
    worker = dispatcher(sessions, clock, sender, base_backoff=timedelta(seconds=30))
    clock.set(athens(2027, 9, 13, 14, 0))
    first = await worker.run()
    assert (first.sent, first.retried) == (1, 1)
    assert first.errors == {"TemporaryFailure": 1}

    clock.advance(seconds=29)
    assert (await worker.run()).sent == 0  # not before the backoff
    clock.advance(seconds=1)
    second = await worker.run()
    assert (second.sent, second.retried) == (0, 1)  # the second failure doubles the wait
    clock.advance(seconds=59)
    assert (await worker.run()).sent == 0
    clock.advance(seconds=1)
    assert (await worker.run()).sent == 1
    async with sessions() as session:
        row = await session.scalar(
            select(ReminderDelivery).where(
                ReminderDelivery.user_id == TEACHER, ReminderDelivery.offset_code == "7d"
            )
        )
        assert row is not None
        assert (row.status, row.attempts, row.last_error) == ("sent", 3, "timed out")
    assert sender.duplicates() == {}


async def test_retries_stop_after_the_last_attempt(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await _two_followers(sessions)
    clock = new_clock()
    await add_deadline(sessions, clock, athens(2027, 9, 20, 14, 0))
    sender = FakeSender(fail={TEACHER: [TemporaryFailure("503")] * 5})
    worker = dispatcher(sessions, clock, sender, max_attempts=3)
    clock.set(athens(2027, 9, 13, 14, 0))
    for _ in range(4):
        await worker.run()
        clock.advance(minutes=10)
    assert [r.user_id for r in sender.sent] == [COLLEAGUE]
    assert (TEACHER, "7d", "2027-09-13 14:00", "failed") in await deliveries(sessions, TEACHER)


async def test_a_bad_request_is_not_repeated(sessions: async_sessionmaker[AsyncSession]) -> None:
    await _two_followers(sessions)
    clock = new_clock()
    await add_deadline(sessions, clock, athens(2027, 9, 20, 14, 0))
    sender = FakeSender(fail={TEACHER: [PermanentFailure("400 Bad Request: chat not found")]})
    clock.set(athens(2027, 9, 13, 14, 0))
    report = await dispatcher(sessions, clock, sender).run()
    assert (report.sent, report.failed, report.retried) == (1, 1, 0)


async def test_flood_control_waits_as_asked_and_costs_no_attempt(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await _two_followers(sessions)
    clock = new_clock()
    await add_deadline(sessions, clock, athens(2027, 9, 20, 14, 0))
    sender = FakeSender(fail={TEACHER: [RetryLater(0.05)] * 3})
    worker = dispatcher(sessions, clock, sender, max_attempts=2)
    clock.set(athens(2027, 9, 13, 14, 0))
    report = await worker.run()
    assert report.errors == {"429": 1}
    async with sessions() as session:
        row = await session.scalar(
            select(ReminderDelivery).where(
                ReminderDelivery.user_id == TEACHER, ReminderDelivery.offset_code == "7d"
            )
        )
        assert row is not None
        assert row.status == "pending"
        assert row.next_attempt_at == clock.now() + timedelta(seconds=0.05)
    for _ in range(3):
        clock.advance(seconds=1)
        await worker.run()
    assert sorted(r.user_id for r in sender.sent) == [TEACHER, COLLEAGUE]
    async with sessions() as session:
        attempts = await session.scalar(
            select(ReminderDelivery.attempts).where(
                ReminderDelivery.user_id == TEACHER, ReminderDelivery.offset_code == "7d"
            )
        )
    assert attempts == 1  # three 429s, then one real attempt: within max_attempts=2


async def test_a_stop_in_the_middle_of_a_broadcast_loses_and_repeats_nothing(
    database_url: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _crowd_with_one_due_reminder(sessions)
    clock = new_clock(athens(2027, 9, 13, 14, 0))
    sender = FakeSender(delay=0.01)
    first = dispatcher(sessions, clock, sender, concurrency=8)

    def stop_after_twenty(_reminder: object) -> None:
        if len(sender.sent) == 20:
            first.stop()  # what the application does when it is shut down

    sender.on_send = stop_after_twenty
    report = await first.run()
    assert 20 <= report.sent < len(CROWD)
    rows = await deliveries(sessions)
    # Nothing is left claimed: every row is sent or still pending.
    assert {status for *_, status in rows} <= {"sent", "pending"}
    assert sum(status == "sent" and code == "7d" for _, code, _, status in rows) == report.sent

    # A new process (its own engine) picks up the rest.
    engine = create_engine(database_url)
    try:
        second = dispatcher(session_factory(engine), clock, sender, concurrency=8)
        assert (await second.run()).sent == len(CROWD) - report.sent
    finally:
        await engine.dispose()
    assert sorted(r.user_id for r in sender.sent) == CROWD
    assert sender.duplicates() == {}


async def test_claims_of_a_crashed_sender_are_never_sent_twice(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await _crowd_with_one_due_reminder(sessions)
    clock = new_clock(athens(2027, 9, 13, 14, 0))
    crashed = CROWD[:3]
    async with sessions() as session:
        # What a process killed mid-send leaves behind: three rows claimed, never finished.
        await session.execute(
            update(ReminderDelivery)
            .where(ReminderDelivery.user_id.in_(crashed), ReminderDelivery.offset_code == "7d")
            .values(status="sending", claimed_by="crashed", claimed_at=clock.now(), attempts=1)
        )
        await session.commit()
    sender = FakeSender()
    worker = dispatcher(sessions, clock, sender)
    assert (await worker.run()).sent == len(CROWD) - 3
    clock.advance(minutes=11)  # past the lease
    report = await worker.run()
    assert (report.sent, report.unknown) == (0, 3)
    assert not set(crashed) & {r.user_id for r in sender.sent}
    rows = [r for r in await deliveries(sessions) if r[0] in crashed and r[1] == "7d"]
    assert {status for *_, status in rows} == {"unknown"}


async def _run_two_workers(database_url: str) -> tuple[FakeSender, list[int]]:
    clock = new_clock(athens(2027, 9, 13, 14, 0))
    sender = FakeSender(delay=0.002)
    engines = [create_engine(database_url) for _ in range(2)]
    try:
        workers = [
            ReminderDispatcher(
                session_factory(engine),
                sender,
                now=clock.now,
                rate=3000.0,
                concurrency=4,
                worker_id=f"worker-{n}",
            )
            for n, engine in enumerate(engines)
        ]
        reports = await asyncio.gather(*(w.run() for w in workers))
    finally:
        for engine in engines:
            await engine.dispose()
    return sender, [r.sent for r in reports]


async def test_two_workers_at_once_send_each_reminder_once(
    database_url: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _crowd_with_one_due_reminder(sessions)
    sender, per_worker = await _run_two_workers(database_url)
    assert sorted(r.user_id for r in sender.sent) == CROWD
    assert sender.duplicates() == {}
    assert sum(per_worker) == len(CROWD)
    async with sessions() as session:
        owners = set(
            await session.scalars(
                select(ReminderDelivery.claimed_by).where(ReminderDelivery.status == "sent")
            )
        )
    assert owners <= {"worker-0", "worker-1"}


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_two_workers_share_a_postgresql_broadcast(
    database_url: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    assert database_url.startswith("postgresql")
    await _crowd_with_one_due_reminder(sessions)
    sender, per_worker = await _run_two_workers(database_url)
    assert sender.duplicates() == {}
    assert len(sender.sent) == len(CROWD)
    # With SKIP LOCKED neither waits for the other: both take part.
    assert all(n > 0 for n in per_worker), per_worker
