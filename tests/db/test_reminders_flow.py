"""Subscribe, plan, deliver with a fake clock, stop: the reminder services on a real database."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.models import Subscription
from bot.services import reminders
from bot.services.reminders import deadlines as deadlines_service
from bot.services.reminders.schedule import Offset
from tests.reminders_world import (
    RULES,
    FakeSender,
    add_deadline,
    add_users,
    athens,
    deliveries,
    dispatcher,
    local,
    new_clock,
)

TEACHER = 5_000_000_001


async def test_subscribe_then_deadline_then_reminders_at_the_right_times_then_stop(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = new_clock()
    await add_users(sessions, [TEACHER])
    async with sessions() as session:
        view = await reminders.subscribe(session, TEACHER, RULES, clock.now())
    assert view.active
    assert [o.code for o in view.offsets] == ["7d", "1d", "morning"]

    deadline = await add_deadline(sessions, clock, athens(2027, 9, 20, 14, 0))
    assert await deliveries(sessions) == [
        (TEACHER, "7d", "2027-09-13 14:00", "pending"),
        (TEACHER, "1d", "2027-09-19 14:00", "pending"),
        (TEACHER, "morning", "2027-09-20 08:00", "pending"),
    ]
    sender = FakeSender()
    worker = dispatcher(sessions, clock, sender)

    clock.set(athens(2027, 9, 13, 13, 59))
    assert (await worker.run()).sent == 0
    clock.set(athens(2027, 9, 13, 14, 0))
    assert (await worker.run()).sent == 1
    assert (await worker.run()).sent == 0  # a second run finds nothing left
    assert sender.of(TEACHER) == [("7d", deadline.title_el)]
    assert sender.sent[0].locale == "el"

    clock.set(athens(2027, 9, 19, 14, 1))
    await worker.run()
    assert [code for code, _ in sender.of(TEACHER)] == ["7d", "1d"]

    async with sessions() as session:
        assert await reminders.stop(session, TEACHER, clock.now())
        assert not await reminders.stop(session, TEACHER, clock.now())  # already stopped
    clock.set(athens(2027, 9, 20, 8, 0))
    assert (await worker.run()).sent == 0
    assert await deliveries(sessions) == [
        (TEACHER, "7d", "2027-09-13 14:00", "sent"),
        (TEACHER, "1d", "2027-09-19 14:00", "sent"),
    ]


async def test_following_again_plans_only_what_is_still_ahead(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = new_clock()
    await add_users(sessions, [TEACHER])
    await add_deadline(sessions, clock, athens(2027, 9, 20, 14, 0))
    clock.set(athens(2027, 9, 15, 10, 0))
    async with sessions() as session:
        await reminders.subscribe(session, TEACHER, RULES, clock.now())
    # The 7-day reminder was on the 13th: not sent late, and no catch-up for a new follower.
    assert [(code, status) for _, code, _, status in await deliveries(sessions)] == [
        ("1d", "pending"),
        ("morning", "pending"),
    ]


async def test_each_person_chooses_their_reminder_times(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = new_clock()
    await add_users(sessions, [TEACHER])
    await add_deadline(sessions, clock, athens(2027, 9, 20, 14, 0))
    async with sessions() as session:
        await reminders.subscribe(session, TEACHER, RULES, clock.now())
        view = await reminders.set_offsets(
            session, TEACHER, [Offset("3d"), Offset("2h")], RULES, clock.now()
        )
    assert [o.code for o in view.offsets] == ["3d", "2h"]
    assert await deliveries(sessions) == [
        (TEACHER, "3d", "2027-09-17 14:00", "pending"),
        (TEACHER, "2h", "2027-09-20 12:00", "pending"),
    ]


async def test_only_the_chosen_kinds_are_followed(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = new_clock()
    await add_users(sessions, [TEACHER])
    async with sessions() as session:
        await reminders.subscribe(session, TEACHER, RULES, clock.now(), kinds=["meeting"])
    await add_deadline(sessions, clock, athens(2027, 9, 20, 14, 0), kind="interest")
    meeting = await add_deadline(
        sessions, clock, athens(2027, 9, 24, 13, 30), kind="meeting", title_el="Σύλλογος"
    )
    rows = await deliveries(sessions)
    assert {code for _, code, _, _ in rows} == {"7d", "1d", "morning"}
    async with sessions() as session:
        followed = await reminders.followed_deadlines(session, TEACHER, RULES, since=clock.now())
    assert [f.deadline.id for f in followed] == [meeting.id]
    assert followed[0].next_reminder is not None
    async with sessions() as session:
        await reminders.set_kinds(session, TEACHER, reminders.KINDS, RULES, clock.now())
        sub = await session.get(Subscription, TEACHER)
        assert sub is not None
        assert sub.kinds == ""  # every kind, also kinds added later
    assert len(await deliveries(sessions)) == 6


async def test_a_moved_deadline_notifies_once_and_replans(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = new_clock()
    await add_users(sessions, [TEACHER])
    async with sessions() as session:
        await reminders.subscribe(session, TEACHER, RULES, clock.now())
    deadline = await add_deadline(sessions, clock, athens(2027, 9, 20, 14, 0))
    sender = FakeSender()
    worker = dispatcher(sessions, clock, sender)
    clock.set(athens(2027, 9, 13, 14, 0))
    await worker.run()  # the 7-day reminder for the 20th

    clock.set(athens(2027, 9, 14, 10, 0))
    async with sessions() as session:
        moved = await deadlines_service.move_deadline(
            session, deadline.id, athens(2027, 9, 27, 14, 0), RULES, clock.now()
        )
    assert moved.revision == 2
    await worker.run()
    await worker.run()
    assert [code for code, _ in sender.of(TEACHER)] == ["7d", "moved"]
    notice = sender.sent[-1]
    assert notice.deadline.previous_due_at == athens(2027, 9, 20, 14, 0)

    # The new date gets its own reminders, the 7-day one included (20th, 14:00).
    for when in (athens(2027, 9, 20, 14, 0), athens(2027, 9, 26, 14, 0), athens(2027, 9, 27, 8)):
        clock.set(when)
        await worker.run()
    assert [code for code, _ in sender.of(TEACHER)] == ["7d", "moved", "7d", "1d", "morning"]
    assert sender.duplicates() == {}
    revisions = [r.deadline.revision for r in sender.sent]
    assert revisions == [1, 2, 2, 2, 2]

    # Moving it again before anything was sent for the new date replaces the pending notice.
    async with sessions() as session:
        await deadlines_service.move_deadline(
            session, deadline.id, athens(2027, 10, 4, 14, 0), RULES, clock.now()
        )
        await deadlines_service.move_deadline(
            session, deadline.id, athens(2027, 10, 5, 14, 0), RULES, clock.now()
        )
    await worker.run()
    assert [code for code, _ in sender.of(TEACHER)][-1] == "moved"
    assert sum(code == "moved" for code, _ in sender.of(TEACHER)) == 2
    assert sender.sent[-1].deadline.revision == 4


async def test_a_deadline_added_at_short_notice_reaches_followers_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = new_clock(athens(2027, 9, 20, 10, 0))
    await add_users(sessions, [TEACHER])
    async with sessions() as session:
        await reminders.subscribe(session, TEACHER, RULES, clock.now())
    await add_deadline(sessions, clock, athens(2027, 9, 20, 13, 0))
    sender = FakeSender()
    await dispatcher(sessions, clock, sender).run()
    assert [code for code, _ in sender.of(TEACHER)] == ["morning"]  # the latest missed one


async def test_after_downtime_only_the_latest_due_reminder_is_sent(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = new_clock()
    await add_users(sessions, [TEACHER])
    async with sessions() as session:
        await reminders.subscribe(session, TEACHER, RULES, clock.now())
    await add_deadline(sessions, clock, athens(2027, 9, 20, 14, 0))
    clock.set(athens(2027, 9, 19, 18, 0))  # the bot was off from before the 13th
    sender = FakeSender()
    report = await dispatcher(sessions, clock, sender).run()
    assert (report.sent, report.superseded) == (1, 1)
    assert [code for code, _ in sender.of(TEACHER)] == ["1d"]
    statuses = [(code, status) for _, code, _, status in await deliveries(sessions)]
    assert statuses == [("7d", "superseded"), ("1d", "sent"), ("morning", "pending")]


async def test_past_deadlines_stop_showing_and_are_never_reminded(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = new_clock()
    await add_users(sessions, [TEACHER])
    async with sessions() as session:
        await reminders.subscribe(session, TEACHER, RULES, clock.now(), kinds=["interest"])
    first = await add_deadline(sessions, clock, athens(2027, 9, 10, 14, 0))
    second = await add_deadline(sessions, clock, athens(2027, 9, 30, 14, 0))
    clock.set(athens(2027, 9, 10, 14, 0))
    async with sessions() as session:
        listed = await deadlines_service.upcoming(session, clock.now())
        followed = await reminders.followed_deadlines(session, TEACHER, RULES, since=clock.now())
    assert [d.id for d in listed] == [second.id]
    assert [f.deadline.id for f in followed] == [second.id]
    sender = FakeSender()
    report = await dispatcher(sessions, clock, sender).run()
    # The first one's three reminders were due while the bot was off; now it is too late.
    assert all(r.deadline.id != first.id for r in sender.sent)
    assert report.expired == 3
    async with sessions() as session:
        assert [s.user_id for s in await session.scalars(select(Subscription))] == [TEACHER]


async def test_quiet_hours_hold_a_reminder_until_eight_unless_that_is_too_late(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = new_clock()
    await add_users(sessions, [TEACHER])
    async with sessions() as session:
        await reminders.subscribe(session, TEACHER, RULES, clock.now())
        await reminders.set_offsets(
            session, TEACHER, [Offset("7d"), Offset("2h")], RULES, clock.now()
        )
    late = await add_deadline(sessions, clock, athens(2027, 9, 20, 22, 30), title_el="Αργά")
    early = await add_deadline(sessions, clock, athens(2027, 9, 22, 6, 0), title_el="Νωρίς")
    sender = FakeSender()
    worker = dispatcher(sessions, clock, sender)
    steps = [
        (athens(2027, 9, 13, 22, 30), []),  # 7 days before "late", in quiet hours
        (athens(2027, 9, 14, 7, 59), []),
        (athens(2027, 9, 14, 8, 0), [(late.id, "7d")]),
        (athens(2027, 9, 15, 6, 0), []),  # 7 days before "early", in quiet hours
        (athens(2027, 9, 15, 8, 0), [(early.id, "7d")]),
        (athens(2027, 9, 20, 20, 29), []),
        (athens(2027, 9, 20, 20, 30), [(late.id, "2h")]),  # before 21:00: not held
        (athens(2027, 9, 22, 3, 59), []),
        # 2 hours before 06:00 is 04:00: waiting for 08:00 would be too late, so at once.
        (athens(2027, 9, 22, 4, 0), [(early.id, "2h")]),
    ]
    for when, expected in steps:
        clock.set(when)
        before = len(sender.sent)
        await worker.run()
        got = [(r.deadline.id, r.offset_code) for r in sender.sent[before:]]
        assert got == expected, local(when)


async def test_reminders_keep_their_local_time_across_the_spring_change(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    # Clocks go forward on Sunday 28 March 2027; the deadline is the Wednesday after.
    clock = new_clock(athens(2027, 3, 1, 9, 0))
    await add_users(sessions, [TEACHER])
    async with sessions() as session:
        await reminders.subscribe(session, TEACHER, RULES, clock.now())
    await add_deadline(sessions, clock, athens(2027, 3, 31, 10, 0))
    assert [(code, when) for _, code, when, _ in await deliveries(sessions)] == [
        ("7d", "2027-03-24 10:00"),  # winter time: 08:00 UTC
        ("1d", "2027-03-30 10:00"),
        ("morning", "2027-03-31 08:00"),
    ]
    sender = FakeSender()
    worker = dispatcher(sessions, clock, sender)
    clock.set(athens(2027, 3, 24, 9, 59))
    assert (await worker.run()).sent == 0
    clock.set(athens(2027, 3, 24, 10, 0))
    assert (await worker.run()).sent == 1
    assert sender.sent[0].now == datetime(2027, 3, 24, 8, 0, tzinfo=UTC)
    clock.set(athens(2027, 3, 30, 10, 0))  # summer time now: 07:00 UTC
    assert (await worker.run()).sent == 1
    assert sender.sent[1].now == datetime(2027, 3, 30, 7, 0, tzinfo=UTC)


async def test_reminders_keep_their_local_time_across_the_autumn_change(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    # Clocks go back on Sunday 31 October 2027: the night has 25 hours.
    clock = new_clock(athens(2027, 10, 1, 9, 0))
    await add_users(sessions, [TEACHER])
    async with sessions() as session:
        await reminders.subscribe(session, TEACHER, RULES, clock.now())
    await add_deadline(sessions, clock, athens(2027, 11, 1, 9, 0))
    assert [(code, when) for _, code, when, _ in await deliveries(sessions)] == [
        ("7d", "2027-10-25 09:00"),
        ("1d", "2027-10-31 09:00"),
        ("morning", "2027-11-01 08:00"),
    ]
    sender = FakeSender()
    worker = dispatcher(sessions, clock, sender)
    for when in (athens(2027, 10, 25, 9, 0), athens(2027, 10, 31, 9, 0), athens(2027, 11, 1, 8)):
        clock.set(when)
        await worker.run()
    assert [r.now.astimezone(UTC).hour for r in sender.sent] == [6, 7, 6]
