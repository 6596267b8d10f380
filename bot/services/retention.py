"""Retention: personal data is kept only as long as configured (the daily job runs `apply`).

- FAQ questions kept for the staff: numbers that look like a phone, ΑΦΜ or ΑΜΚΑ are
  masked (new ones are masked when stored; this catches rows from before that);
- tickets closed longer than TICKET_RETENTION_DAYS ago: the reporter's and followers'
  names, Telegram ids and texts are replaced (the ticket stays for the centre's records);
- kept points declarations of teachers not seen for DECLARATION_RETENTION_DAYS: deleted.

Time comes from the caller (`now`, from the application's clock), so tests move it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import (
    FaqMiss,
    OutboxMessage,
    PointsDeclaration,
    Ticket,
    TicketAttachment,
    TicketEvent,
    TicketMessage,
    TicketWatcher,
    User,
)
from bot.services.privacy import ERASED_NAME, ERASED_TEXT, NO_USER
from bot.services.redact import mask_identifiers

log = logging.getLogger(__name__)

BATCH = 500


@dataclass(frozen=True)
class RetentionReport:
    faq_masked: int = 0
    tickets_anonymised: int = 0
    declarations_deleted: int = 0
    ticket_ids: tuple[int, ...] = ()  # the tickets anonymised (their staff posts are stale)


async def mask_faq_misses(session: AsyncSession) -> int:
    """Mask identifiers in kept FAQ questions; how many were changed. Does not commit."""
    changed = 0
    last = 0
    while True:
        rows = (
            await session.execute(
                select(FaqMiss.id, FaqMiss.text)
                .where(FaqMiss.id > last)
                .order_by(FaqMiss.id)
                .limit(BATCH)
            )
        ).all()
        if not rows:
            return changed
        for miss_id, text in rows:
            masked = mask_identifiers(text)
            if masked != text:
                await session.execute(
                    update(FaqMiss).where(FaqMiss.id == miss_id).values(text=masked)
                )
                changed += 1
        last = rows[-1][0]


async def anonymise_tickets(session: AsyncSession, ticket_ids: list[int]) -> int:
    """Take the teachers (reporter and followers) out of these tickets. Does not commit.

    The staff's own texts and names, the status history and photos stay.
    """
    if not ticket_ids:
        return 0
    await session.execute(
        update(Ticket)
        .where(Ticket.id.in_(ticket_ids))
        .values(reporter_id=NO_USER, reporter_name=ERASED_NAME, description=ERASED_TEXT)
    )
    # Ticket events are append-only for the application; anonymisation is the exception.
    await session.execute(
        update(TicketEvent)
        .where(
            TicketEvent.ticket_id.in_(ticket_ids),
            TicketEvent.role == "reporter",
            TicketEvent.text.is_not(None),
        )
        .values(actor_id=None, actor_name=ERASED_NAME, text=ERASED_TEXT)
    )
    await session.execute(
        update(TicketEvent)
        .where(TicketEvent.ticket_id.in_(ticket_ids), TicketEvent.role == "reporter")
        .values(actor_id=None, actor_name=ERASED_NAME)
    )
    await session.execute(
        update(TicketAttachment)
        .where(TicketAttachment.ticket_id.in_(ticket_ids), TicketAttachment.internal.is_(False))
        .values(added_by=None, caption=None, file_name=None)
    )
    await session.execute(delete(TicketWatcher).where(TicketWatcher.ticket_id.in_(ticket_ids)))
    # The outbox's record of what was sent about them quoted names and texts: as erasure
    # does, messages not sent yet go, the others keep their record without the text.
    about = OutboxMessage.ticket_id.in_(ticket_ids)
    await session.execute(
        delete(OutboxMessage).where(about, OutboxMessage.status.in_(("pending", "sending")))
    )
    await session.execute(update(OutboxMessage).where(about).values(payload={"erased": True}))
    await session.execute(
        delete(TicketMessage).where(
            TicketMessage.ticket_id.in_(ticket_ids), TicketMessage.purpose == "teacher"
        )
    )
    return len(ticket_ids)


async def anonymise_closed_tickets(session: AsyncSession, before: datetime) -> list[int]:
    """Anonymise tickets closed before `before` that are not yet; their ids. Does not commit."""
    ids = list(
        await session.scalars(
            select(Ticket.id).where(
                Ticket.closed_at.is_not(None),
                Ticket.closed_at < before,
                Ticket.reporter_id != NO_USER,
            )
        )
    )
    await anonymise_tickets(session, ids)
    return ids


async def delete_stale_declarations(session: AsyncSession, before: datetime) -> int:
    """Delete the kept declarations of teachers last seen before `before`. Does not commit."""
    stale = select(User.id).where(User.last_seen < before)
    result = await session.execute(
        delete(PointsDeclaration).where(PointsDeclaration.user_id.in_(stale))
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def apply(
    session: AsyncSession,
    *,
    now: datetime,
    ticket_days: int,
    declaration_days: int,
) -> RetentionReport:
    """Apply every retention rule in one transaction (commits) and log the counts."""
    try:
        masked = await mask_faq_misses(session)
        anonymised = await anonymise_closed_tickets(session, now - timedelta(days=ticket_days))
        report = RetentionReport(
            faq_masked=masked,
            tickets_anonymised=len(anonymised),
            declarations_deleted=await delete_stale_declarations(
                session, now - timedelta(days=declaration_days)
            ),
            ticket_ids=tuple(anonymised),
        )
        await session.commit()
    except BaseException:
        await session.rollback()
        raise
    log.info(
        "retention: %d FAQ questions masked, %d closed tickets anonymised, "
        "%d kept declarations deleted",
        report.faq_masked,
        report.tickets_anonymised,
        report.declarations_deleted,
    )
    return report
