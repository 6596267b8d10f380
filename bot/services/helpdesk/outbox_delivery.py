"""Sending the helpdesk's outbox: claim, send, record; retry, give up, never resend blindly.

Modelled on the reminders' delivery (`bot.services.reminders.delivery`), whose
outcomes (`RecipientGone`, `RetryLater`, `TemporaryFailure`, `PermanentFailure`)
the sender raises here too; the bookkeeping both queues share (recording an outcome on
a claimed row, the backoff) is `bot.services.delivery_rows`:

1. Claim: one statement turns a due `pending` row into `sending`, owned by this
   worker (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so two workers never take the
   same row; SQLite serialises writers and the `status = 'pending'` guard makes a
   second claimant match nothing). A row waits for the row it comes `after`
   (a notice that replies to the staff post waits for the post).
2. Send through an `OutboxSender`, which builds the row's screen and hands it to
   the `Notifier` port (`bot.ui.notifier`; Telegram's adapter lives in `handlers/`,
   and the bot's rate limiter paces it).
3. Record, in one transaction with what the sender derives from it (the ticket's
   staff post, the follow-up messages): `sent` with the message id; or back to
   `pending` with exponential backoff (network errors, 5xx, a bug), or after the
   delay Telegram asked for (429, which uses up no attempt); or `failed` (403 is
   final at once, a 400 too; the rest after `max_attempts`), and the sender is
   told so that it can warn the people concerned.

A group that became a supergroup answers with its new address (`RecipientMoved`):
the sender moves the centre's staff chat and the message is sent again at once.

After a crash a row may be left in `sending`: the request may have reached
Telegram. `recover()` (at start; one running bot per database) and the lease
(for rows of another worker) mark such rows `unknown`; they are never sent
again, and the sender is told so that people can check.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from bot.models import OutboxMessage
from bot.services.delivery_rows import ClaimedRows, backoff, count_error, default_worker_id
from bot.services.helpdesk.outbox import (
    FAILED,
    PENDING,
    RESENT_AFTER_CRASH,
    SENDING,
    UNKNOWN,
    OutboxKind,
)
from bot.ui.notifier import (
    Address,
    DeliveryError,
    PermanentFailure,
    RecipientGone,
    RecipientMoved,
    RetryLater,
    TemporaryFailure,
)

log = logging.getLogger(__name__)

Now = Callable[[], datetime]


@dataclass(frozen=True)
class OutboxItem:
    """A claimed outbox row (status `sending`)."""

    id: int
    kind: OutboxKind
    ticket_id: int | None
    centre_id: int | None
    chat_id: int | None
    payload: dict[str, Any]
    attempts: int  # including this one


@dataclass(frozen=True)
class Sent:
    """What a send put where: the chat and the message ids (the first is recorded)."""

    chat_id: int | None
    message_ids: tuple[int, ...] = ()


class OutboxSender(Protocol):
    async def send(self, item: OutboxItem) -> Sent:
        """Send the message; raise a `DeliveryError` when it did not go."""
        ...

    async def sent(self, session: AsyncSession, item: OutboxItem, delivered: Sent) -> None:
        """Record what follows from a sent message (in the transaction that marks it sent)."""
        ...

    async def moved(self, session: AsyncSession, item: OutboxItem, new: Address) -> None:
        """The recipient of `item` has a new address (a group became a supergroup)."""
        ...

    async def gave_up(
        self, session: AsyncSession, item: OutboxItem, error: str, *, gone: bool
    ) -> None:
        """The message will never be sent (`gone`: the recipient blocked the bot)."""
        ...

    async def uncertain(self, session: AsyncSession, item: OutboxItem) -> None:
        """The sender died while sending it: it may or may not have arrived."""
        ...


@dataclass
class OutboxReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    unknown: int = 0
    moved: int = 0
    errors: dict[str, int] = field(default_factory=dict)


class OutboxDispatcher:
    """Sends due outbox rows one after the other (in order: a chat's messages stay in order).

    `now` is the current time (a fake clock in tests). `base_backoff` doubles per
    attempt up to `max_backoff`; after `max_attempts` a message has failed.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        sender: OutboxSender,
        *,
        now: Now,
        worker_id: str | None = None,
        lease: timedelta = timedelta(minutes=10),
        base_backoff: timedelta = timedelta(seconds=10),
        max_backoff: timedelta = timedelta(minutes=10),
        max_attempts: int = 8,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.sessions = sessions
        self.sender = sender
        self.now = now
        self.worker_id = worker_id or default_worker_id()
        self.rows = ClaimedRows(OutboxMessage, worker_id=self.worker_id, now=now)
        self.lease = lease
        self.base_backoff = base_backoff
        self.max_backoff = max_backoff
        self.max_attempts = max_attempts
        self.stopped = False
        # One pass at a time: an update's flush waits for the worker's pass (and the other
        # way round), so what a flush returns to is settled, not half-sent elsewhere.
        self._lock = asyncio.Lock()

    def stop(self) -> None:
        """Claim nothing more (the send in flight finishes)."""
        self.stopped = True

    # --- after a crash ---------------------------------------------------------

    async def recover(self) -> int:
        """At start: every row left `sending` belongs to a dead process; mark it unknown
        (an alert to the administrators is sent again: see `RESENT_AFTER_CRASH`)."""
        return await self._mark_unknown(OutboxMessage.status == SENDING)

    async def _mark_unknown(self, condition: Any) -> int:
        om = OutboxMessage
        again = [k.value for k in RESENT_AFTER_CRASH]
        async with self.sessions() as session:
            resent = list(
                await session.scalars(select(om.id).where(condition, om.kind.in_(again)))
            )
            if resent:
                await session.execute(
                    update(om)
                    .where(om.id.in_(resent), om.status == SENDING)
                    .values(status=PENDING, claimed_by=None, last_error="sender stopped mid-send")
                    .execution_options(synchronize_session=False)
                )
                log.warning("outbox: %d alerts of a stopped sender sent again", len(resent))
            ids = list(await session.scalars(select(om.id).where(condition)))
            if not ids:
                await session.commit()
                return 0
            await session.execute(
                update(om)
                .where(om.id.in_(ids), om.status == SENDING)
                .values(status=UNKNOWN, last_error="sender stopped mid-send")
                .execution_options(synchronize_session=False)
            )
            for row in await session.scalars(select(om).where(om.id.in_(ids))):
                await self.sender.uncertain(session, _item(row))
            await session.commit()
        log.warning("outbox: %d messages of a stopped sender marked unknown", len(ids))
        return len(ids)

    # --- sending ---------------------------------------------------------------

    async def run(self) -> OutboxReport:
        """Send everything due now."""
        report = OutboxReport()
        async with self._lock:
            report.unknown += await self._mark_unknown(self.rows.lapsed(self.lease))
            await self._drain(report, None)
        return report

    async def flush(
        self,
        *,
        ticket_ids: Sequence[int] = (),
        ids: Sequence[int] = (),
        skip: Sequence[OutboxKind] = (),
    ) -> OutboxReport:
        """Send now what is due of these tickets and rows (what an update just planned),
        including what their sending plans in turn, except the kinds in `skip`; the
        worker does the rest later."""
        report = OutboxReport()
        if ticket_ids or ids:
            om = OutboxMessage
            scope = or_(om.ticket_id.in_(list(ticket_ids)), om.id.in_(list(ids)))
            if skip:
                scope = and_(scope, om.kind.not_in([k.value for k in skip]))
            async with self._lock:
                await self._drain(report, scope)
        return report

    async def _drain(self, report: OutboxReport, scope: Any) -> None:
        while not self.stopped:
            item = await self._claim(scope)
            if item is None:
                return
            await self._deliver(item, report)

    def _due(self, now: datetime) -> Any:
        om = OutboxMessage
        before = aliased(OutboxMessage)
        return and_(
            om.status == PENDING,
            or_(om.next_attempt_at.is_(None), om.next_attempt_at <= now),
            or_(
                om.after_id.is_(None),
                ~exists(
                    select(before.id).where(
                        before.id == om.after_id, before.status.in_([PENDING, SENDING])
                    )
                ),
            ),
        )

    async def _claim(self, scope: Any) -> OutboxItem | None:
        now = self.now()
        om = OutboxMessage
        condition = self._due(now) if scope is None else and_(self._due(now), scope)
        picked = (
            select(om.id)
            .where(condition)
            .order_by(om.id)
            .limit(1)
            .with_for_update(skip_locked=True)
            .cte("picked")
        )
        stmt = (
            update(om)
            .where(om.id == picked.c.id, om.status == PENDING)
            .values(
                status=SENDING,
                claimed_by=self.worker_id,
                claimed_at=now,
                attempts=om.attempts + 1,
            )
            .returning(om.id)
            .execution_options(synchronize_session=False)
        )
        async with self.sessions() as session:
            claimed = await session.scalar(stmt)
            await session.commit()
            if claimed is None:
                return None
            row = await session.get(om, claimed)
            assert row is not None
            return _item(row)

    async def _deliver(self, item: OutboxItem, report: OutboxReport) -> None:
        try:
            delivered = await self.sender.send(item)
        except RecipientMoved as exc:
            report.moved += 1
            async with self.sessions() as session:
                await self.sender.moved(session, item, exc.new)
                await session.commit()
            log.warning("outbox %s (%s): the recipient moved to %s", item.id, item.kind,
                        exc.new.chat)  # fmt: skip
            # Not the message's fault: again at once, without using up an attempt.
            await self._retry(item, timedelta(0), str(exc), refund=True)
        except RecipientGone as exc:
            report.failed += 1
            await self._give_up(item, f"blocked: {exc}", gone=True)
        except RetryLater as exc:
            report.retried += 1
            count_error(report.errors, "429")
            await self._retry(item, timedelta(seconds=exc.retry_after), str(exc), refund=True)
        except PermanentFailure as exc:
            report.failed += 1
            count_error(report.errors, type(exc).__name__)
            await self._give_up(item, str(exc), gone=False)
        except Exception as exc:  # TemporaryFailure, or a bug: retry a few times, then give up
            if not isinstance(exc, TemporaryFailure):
                log.exception("outbox %s (%s): unexpected error", item.id, item.kind)
            count_error(report.errors, type(exc).__name__)
            if item.attempts >= self.max_attempts:
                report.failed += 1
                await self._give_up(item, _describe(exc), gone=False)
            else:
                report.retried += 1
                delay = backoff(item.attempts, self.base_backoff, self.max_backoff)
                await self._retry(item, delay, _describe(exc))
        else:
            report.sent += 1
            await self._sent(item, delivered)

    async def _sent(self, item: OutboxItem, delivered: Sent) -> None:
        first = delivered.message_ids[0] if delivered.message_ids else None
        async with self.sessions() as session:
            await self.rows.sent(session, item.id, first, sent_chat_id=delivered.chat_id)
            await self.sender.sent(session, item, delivered)
            await session.commit()

    async def _retry(
        self, item: OutboxItem, delay: timedelta, error: str, *, refund: bool = False
    ) -> None:
        async with self.sessions() as session:
            await self.rows.retry(session, item.id, delay, error, refund=refund)
            await session.commit()

    async def _give_up(self, item: OutboxItem, error: str, *, gone: bool) -> None:
        log.warning(
            "outbox %s (%s, ticket %s): giving up after %d attempts: %s",
            item.id, item.kind, item.ticket_id, item.attempts, error,
        )  # fmt: skip
        async with self.sessions() as session:
            await self.rows.finish(session, item.id, FAILED, error)
            await self.sender.gave_up(session, item, error, gone=gone)
            await session.commit()


def _item(row: OutboxMessage) -> OutboxItem:
    return OutboxItem(
        id=row.id,
        kind=OutboxKind(row.kind),
        ticket_id=row.ticket_id,
        centre_id=row.centre_id,
        chat_id=row.chat_id,
        payload=dict(row.payload or {}),
        attempts=row.attempts,
    )


def _describe(exc: BaseException) -> str:
    return str(exc) if isinstance(exc, DeliveryError) else f"{type(exc).__name__}: {exc}"
