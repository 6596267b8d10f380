"""What the two delivery queues share: the rows a worker claims and the outcome recorded on them.

The helpdesk's outbox (`bot.services.helpdesk.outbox_delivery`, table `outbox`) and the
reminders (`bot.services.reminders.delivery`, table `reminder_deliveries`) both claim a due
`pending` row as `sending` for one worker, hand it to a sender, and record the outcome on
the row: `sent` (with the message id), back to `pending` for a later attempt (with
exponential backoff, or after the delay the channel asked for, which uses up no
attempt), or a final status with the error. An outcome is recorded only while the
worker still holds the row (`sending`, claimed by it), so a row another process marked
`unknown` in the meantime keeps that status.

Each queue keeps its own rules: when to give up, what a recipient who is gone or has
moved means, what becomes of rows left `sending` by a dead process. Only the statements
and the arithmetic that are the same for both are here. Every write goes into the
caller's transaction (the caller commits, with what else it records).
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Final, TypeAlias

from sqlalchemy import and_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from bot.models import OutboxMessage, ReminderDelivery

PENDING: Final = "pending"
SENDING: Final = "sending"
SENT: Final = "sent"
FAILED: Final = "failed"
UNKNOWN: Final = "unknown"  # the sender died while sending: maybe sent

ERROR_LENGTH: Final = 200  # the characters of an error kept on the row

QueueTable: TypeAlias = type[OutboxMessage] | type[ReminderDelivery]


def default_worker_id() -> str:
    """This process, as the owner of the rows it claims."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def backoff(attempts: int, base: timedelta, most: timedelta) -> timedelta:
    """The wait before the next attempt, after `attempts` (this one included): `base`,
    doubled per earlier attempt, at most `most`."""
    return min(base * (2 ** max(attempts - 1, 0)), most)


def short(error: str) -> str:
    return error[:ERROR_LENGTH]


def count_error(errors: dict[str, int], kind: str) -> None:
    """One more error of `kind` in a run's report."""
    errors[kind] = errors.get(kind, 0) + 1


def rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


class ClaimedRows:
    """The outcome of a delivery, recorded on the rows of `table` this worker has claimed."""

    def __init__(self, table: QueueTable, *, worker_id: str, now: Callable[[], datetime]) -> None:
        self.table = table
        self.worker_id = worker_id
        self.now = now

    def mine(self, row_id: int) -> ColumnElement[bool]:
        """The row, while this worker still holds it."""
        t = self.table
        return and_(t.id == row_id, t.status == SENDING, t.claimed_by == self.worker_id)

    def lapsed(self, lease: timedelta) -> ColumnElement[bool]:
        """Rows claimed longer ago than `lease`: their sender is taken to be dead."""
        t = self.table
        return and_(t.status == SENDING, t.claimed_at < self.now() - lease)

    async def record(self, session: AsyncSession, row_id: int, **values: Any) -> None:
        await session.execute(
            update(self.table)
            .where(self.mine(row_id))
            .values(**values)
            .execution_options(synchronize_session=False)
        )

    async def sent(
        self, session: AsyncSession, row_id: int, message_id: int | None, **more: Any
    ) -> None:
        """Sent: when, and the (first) message id; an earlier attempt's error stays on record."""
        await self.record(
            session, row_id, status=SENT, sent_at=self.now(), message_id=message_id, **more
        )

    async def retry(
        self,
        session: AsyncSession,
        row_id: int,
        delay: timedelta,
        error: str,
        *,
        refund: bool = False,
    ) -> None:
        """Back to `pending`, due again after `delay`; `refund`: this attempt does not count
        (the channel's flow control, a recipient that moved: not the message's fault)."""
        attempts = self.table.attempts
        await self.record(
            session,
            row_id,
            status=PENDING,
            next_attempt_at=self.now() + delay,
            claimed_by=None,
            claimed_at=None,
            attempts=attempts - 1 if refund else attempts,
            last_error=short(error),
        )

    async def finish(self, session: AsyncSession, row_id: int, status: str, error: str) -> None:
        """A final status other than `sent` (failed, expired, superseded), and why."""
        await self.record(session, row_id, status=status, last_error=short(error))
