"""The helpdesk's outbox: every message it sends, written with the change it reports.

A change to a ticket and the messages that tell people about it are one
database transaction: either both are stored or neither. The delivery worker
(`bot.services.helpdesk.outbox_delivery`) then sends each message, retries it, and
records what was sent. So a crash between the change and the sending loses
nothing, and a message is never sent without a record that it was planned.

A row names *what* to send and *to whom*; the wording is done by the caller
(handlers translate), except for the ticket's staff post, which is drawn from
the ticket as it is when it is sent. No Telegram types here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import OutboxMessage

# The statuses every delivery queue has (bot.services.delivery_rows); UNKNOWN: the sender
# died while sending, maybe sent, never sent again (but see RESENT_AFTER_CRASH).
from bot.services.delivery_rows import FAILED as FAILED
from bot.services.delivery_rows import PENDING as PENDING
from bot.services.delivery_rows import SENDING as SENDING
from bot.services.delivery_rows import SENT as SENT
from bot.services.delivery_rows import UNKNOWN as UNKNOWN

CANCELLED: Final = "cancelled"
FINAL: Final = frozenset({SENT, FAILED, UNKNOWN, CANCELLED})


class OutboxKind(StrEnum):
    STAFF_POST = "staff_post"  # the ticket's post in its centre's staff chat
    STAFF_NOTICE = "staff_notice"  # a message in the staff chat (a reply to the post)
    STAFF_MEDIA = "staff_media"  # photos/files passed on to the staff chat
    TEACHER_NOTICE = "teacher_notice"  # a message to a teacher about their ticket
    TEACHER_MEDIA = "teacher_media"  # photos/files passed on to a teacher
    MAIL_COPY = "mail_copy"  # the e-mail copy of a new ticket to the centre's mailbox
    WEEKLY_SUMMARY = "weekly_summary"  # a centre's week, in its staff chat
    ADMIN_ALERT = "admin_alert"  # something the administrators must know


STAFF_CHAT_KINDS: Final = frozenset(
    {
        OutboxKind.STAFF_POST,
        OutboxKind.STAFF_NOTICE,
        OutboxKind.STAFF_MEDIA,
        OutboxKind.WEEKLY_SUMMARY,
    }
)
# Sent again when the sender died while sending them (at least once, not at most once):
# an alert to the administrators that arrives twice harms no one, one lost hides a problem.
# Everything else a dead sender may have sent is `unknown` and never sent again.
RESENT_AFTER_CRASH: Final = frozenset({OutboxKind.ADMIN_ALERT})


async def enqueue(
    session: AsyncSession,
    kind: OutboxKind,
    *,
    now: datetime,
    payload: dict[str, Any] | None = None,
    ticket_id: int | None = None,
    centre_id: int | None = None,
    chat_id: int | None = None,
    after_id: int | None = None,
    dedupe_key: str | None = None,
) -> int | None:
    """Add a message to the outbox in the caller's transaction (not committed).

    Returns its id, or None when `dedupe_key` is already taken (planned before).
    """
    values: dict[str, Any] = {
        "kind": kind.value,
        "ticket_id": ticket_id,
        "centre_id": centre_id,
        "chat_id": chat_id,
        "payload": payload or {},
        "after_id": after_id,
        "dedupe_key": dedupe_key,
        "status": PENDING,
        "attempts": 0,
        "created_at": now,
    }
    if dedupe_key is None:
        row = OutboxMessage(**values)
        session.add(row)
        await session.flush()
        return row.id
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    return await session.scalar(
        insert(OutboxMessage)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(OutboxMessage.id)
    )


async def planned(session: AsyncSession, dedupe_key: str) -> bool:
    """Whether a message with this key was ever planned (whatever became of it)."""
    found = await session.scalar(
        select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)
    )
    return found is not None


async def pending_of_ticket(
    session: AsyncSession, ticket_id: int, kind: OutboxKind | None = None
) -> list[int]:
    """Ids of the ticket's messages not yet done (pending or being sent)."""
    query = select(OutboxMessage.id).where(
        OutboxMessage.ticket_id == ticket_id,
        OutboxMessage.status.in_([PENDING, SENDING]),
    )
    if kind is not None:
        query = query.where(OutboxMessage.kind == kind.value)
    return list(await session.scalars(query.order_by(OutboxMessage.id)))


@dataclass(frozen=True)
class RowState:
    id: int
    kind: OutboxKind
    status: str
    last_error: str | None


async def states(session: AsyncSession, ids: list[int]) -> list[RowState]:
    if not ids:
        return []
    rows = await session.execute(
        select(
            OutboxMessage.id, OutboxMessage.kind, OutboxMessage.status, OutboxMessage.last_error
        )
        .where(OutboxMessage.id.in_(ids))
        .order_by(OutboxMessage.id)
    )
    return [RowState(i, OutboxKind(k), s, e) for i, k, s, e in rows.all()]


@dataclass(frozen=True)
class QueueHealth:
    """The outbox at a glance, for `keplibot doctor` (ages in seconds)."""

    waiting: int  # pending or being sent
    oldest_waiting_age: float | None
    failed: int  # in the last `recent`
    unknown: int  # in the last `recent`


async def queue_health(
    session: AsyncSession, *, now: datetime, recent: timedelta = timedelta(days=7)
) -> QueueHealth:
    om = OutboxMessage
    waiting, oldest = (
        await session.execute(
            select(func.count(), func.min(om.created_at)).where(om.status.in_([PENDING, SENDING]))
        )
    ).one()
    counts = dict(
        (
            await session.execute(
                select(om.status, func.count())
                .where(om.status.in_([FAILED, UNKNOWN]), om.created_at >= now - recent)
                .group_by(om.status)
            )
        ).all()
    )
    age = (now - oldest).total_seconds() if oldest is not None else None
    return QueueHealth(int(waiting or 0), age, counts.get(FAILED, 0), counts.get(UNKNOWN, 0))
