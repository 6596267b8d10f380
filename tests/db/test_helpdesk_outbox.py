"""The outbox dispatcher on both databases, with a fake sender: what it claims, in what
order, and what it records for each of Telegram's answers, including a crash mid-send."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.models import OutboxMessage
from bot.services.clock import FakeClock
from bot.services.helpdesk import outbox
from bot.services.helpdesk.outbox import FAILED, PENDING, SENDING, SENT, UNKNOWN, OutboxKind
from bot.services.helpdesk.outbox_delivery import OutboxDispatcher, OutboxItem, Sent
from bot.ui.notifier import Address, RecipientGone, RecipientMoved, RetryLater, TemporaryFailure
from tests.helpdesk_world import T0


@dataclass
class FakeSender:
    """Sends to a list; `failures` are raised first, one per call."""

    failures: list[Exception] = field(default_factory=list)
    sent_items: list[int] = field(default_factory=list)
    given_up: list[tuple[int, bool]] = field(default_factory=list)
    uncertain_items: list[int] = field(default_factory=list)
    moved_to: list[tuple[int, str]] = field(default_factory=list)

    async def send(self, item: OutboxItem) -> Sent:
        if self.failures:
            raise self.failures.pop(0)
        self.sent_items.append(item.id)
        return Sent(item.chat_id, (100 + item.id,))

    async def sent(self, session: AsyncSession, item: OutboxItem, delivered: Sent) -> None:
        if item.payload.get("then"):  # what a sent message plans in turn
            await outbox.enqueue(
                session, OutboxKind.TEACHER_NOTICE, now=T0, chat_id=7, payload={"text": "then"}
            )

    async def gave_up(
        self, session: AsyncSession, item: OutboxItem, error: str, *, gone: bool
    ) -> None:
        self.given_up.append((item.id, gone))

    async def uncertain(self, session: AsyncSession, item: OutboxItem) -> None:
        self.uncertain_items.append(item.id)

    async def moved(self, session: AsyncSession, item: OutboxItem, new: Address) -> None:
        self.moved_to.append((item.id, new.chat))


async def _add(
    sessions: async_sessionmaker[AsyncSession],
    *,
    payload: dict[str, Any] | None = None,
    after_id: int | None = None,
    kind: OutboxKind = OutboxKind.TEACHER_NOTICE,
) -> int:
    async with sessions() as session:
        row = await outbox.enqueue(
            session,
            kind,
            now=T0,
            chat_id=42,
            payload=payload or {"text": "x"},
            after_id=after_id,
        )
        await session.commit()
    assert row is not None
    return row


async def _row(sessions: async_sessionmaker[AsyncSession], row_id: int) -> OutboxMessage:
    async with sessions() as session:
        row = await session.scalar(select(OutboxMessage).where(OutboxMessage.id == row_id))
    assert row is not None
    return row


def _dispatcher(
    sessions: async_sessionmaker[AsyncSession], sender: FakeSender, clock: FakeClock
) -> OutboxDispatcher:
    return OutboxDispatcher(sessions, sender, now=clock.now, max_attempts=3)


async def test_messages_go_in_order_and_what_they_plan_follows(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = FakeClock(T0)
    sender = FakeSender()
    first = await _add(sessions, payload={"text": "a", "then": True})
    second = await _add(sessions, after_id=first)
    report = await _dispatcher(sessions, sender, clock).run()
    assert report.sent == 3
    assert sender.sent_items[:2] == [first, second]
    row = await _row(sessions, first)
    assert (row.status, row.message_id, row.attempts) == (SENT, 100 + first, 1)


async def test_a_message_waits_for_the_one_it_comes_after(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = FakeClock(T0)
    sender = FakeSender(failures=[TemporaryFailure("502 Bad Gateway")])
    post = await _add(sessions)
    notice = await _add(sessions, after_id=post)
    await _dispatcher(sessions, sender, clock).run()
    assert sender.sent_items == []
    assert (await _row(sessions, notice)).status == PENDING
    clock.advance(seconds=10)
    await _dispatcher(sessions, sender, clock).run()
    assert sender.sent_items == [post, notice]


async def test_network_errors_back_off_exponentially_then_give_up(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = FakeClock(T0)
    sender = FakeSender(failures=[TemporaryFailure("timeout")] * 3)
    row_id = await _add(sessions)
    dispatcher = _dispatcher(sessions, sender, clock)
    await dispatcher.run()
    row = await _row(sessions, row_id)
    assert (row.status, row.attempts, row.next_attempt_at) == (
        PENDING,
        1,
        T0 + timedelta(seconds=10),
    )
    clock.advance(seconds=10)
    await dispatcher.run()
    assert (await _row(sessions, row_id)).next_attempt_at == clock.now() + timedelta(seconds=20)
    clock.advance(seconds=20)
    await dispatcher.run()
    row = await _row(sessions, row_id)
    assert (row.status, row.attempts, row.last_error) == (FAILED, 3, "timeout")
    assert sender.given_up == [(row_id, False)]


async def test_a_blocked_recipient_is_final_at_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    sender = FakeSender(failures=[RecipientGone("Forbidden: bot was blocked by the user")])
    row_id = await _add(sessions)
    await _dispatcher(sessions, sender, FakeClock(T0)).run()
    row = await _row(sessions, row_id)
    assert (row.status, row.attempts) == (FAILED, 1)
    assert sender.given_up == [(row_id, True)]


async def test_flood_control_waits_as_asked_and_costs_no_attempt(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    sender = FakeSender(failures=[RetryLater(37)])
    row_id = await _add(sessions)
    await _dispatcher(sessions, sender, FakeClock(T0)).run()
    row = await _row(sessions, row_id)
    assert (row.status, row.attempts) == (PENDING, 0)
    assert row.next_attempt_at == T0 + timedelta(seconds=37)


async def test_a_moved_recipient_is_followed_and_the_message_sent_again_at_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    sender = FakeSender(failures=[RecipientMoved(Address.telegram(-1009))])
    row_id = await _add(sessions)
    report = await _dispatcher(sessions, sender, FakeClock(T0)).run()
    row = await _row(sessions, row_id)
    assert sender.moved_to == [(row_id, "-1009")]
    assert (row.status, row.attempts, report.moved, report.sent) == (SENT, 1, 1, 1)
    assert sender.sent_items == [row_id]


async def test_a_message_being_sent_when_the_process_died_is_never_sent_again(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = FakeClock(T0)
    row_id = await _add(sessions)
    async with sessions() as session:  # the dead process had claimed it
        row = await session.get(OutboxMessage, row_id)
        assert row is not None
        row.status, row.claimed_by, row.claimed_at, row.attempts = SENDING, "dead:1", T0, 1
        await session.commit()
    sender = FakeSender()
    dispatcher = _dispatcher(sessions, sender, clock)
    assert await dispatcher.recover() == 1
    await dispatcher.run()
    assert (await _row(sessions, row_id)).status == UNKNOWN
    assert sender.sent_items == []
    assert sender.uncertain_items == [row_id]


async def test_an_alert_being_sent_when_the_process_died_is_sent_again(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = FakeClock(T0)
    post = await _add(sessions)
    alert = await _add(sessions, kind=OutboxKind.ADMIN_ALERT)
    async with sessions() as session:  # the dead process had claimed both
        for row_id in (post, alert):
            row = await session.get(OutboxMessage, row_id)
            assert row is not None
            row.status, row.claimed_by, row.claimed_at, row.attempts = SENDING, "dead:1", T0, 1
        await session.commit()
    sender = FakeSender()
    dispatcher = _dispatcher(sessions, sender, clock)
    assert await dispatcher.recover() == 1  # the post: unknown
    await dispatcher.run()
    assert (await _row(sessions, post)).status == UNKNOWN
    assert (await _row(sessions, alert)).status == SENT
    assert sender.sent_items == [alert]
    assert sender.uncertain_items == [post]


async def test_a_claim_older_than_the_lease_is_unknown_not_resent(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = FakeClock(T0)
    row_id = await _add(sessions)
    async with sessions() as session:
        row = await session.get(OutboxMessage, row_id)
        assert row is not None
        row.status, row.claimed_by, row.claimed_at = SENDING, "other:2", T0
        await session.commit()
    sender = FakeSender()
    dispatcher = _dispatcher(sessions, sender, clock)
    await dispatcher.run()
    assert (await _row(sessions, row_id)).status == SENDING  # another worker may be on it
    clock.advance(minutes=11)
    await dispatcher.run()
    assert (await _row(sessions, row_id)).status == UNKNOWN
    assert sender.sent_items == []


async def test_a_keyed_message_is_planned_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        first = await outbox.enqueue(
            session, OutboxKind.WEEKLY_SUMMARY, now=T0, centre_id=1, dedupe_key="weekly:1:x"
        )
        again = await outbox.enqueue(
            session, OutboxKind.WEEKLY_SUMMARY, now=T0, centre_id=1, dedupe_key="weekly:1:x"
        )
        await session.commit()
        assert first is not None
        assert again is None
        assert await outbox.planned(session, "weekly:1:x")
        health = await outbox.queue_health(session, now=T0 + timedelta(minutes=5))
    assert (health.waiting, health.oldest_waiting_age) == (1, 300.0)
