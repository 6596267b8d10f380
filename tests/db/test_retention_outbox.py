"""Retention reaches the helpdesk outbox too: the record of what was sent about a ticket
(its staff post, notices, the e-mail copy) quoted the teacher's name and texts."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.models import OutboxMessage
from bot.services.clock import FakeClock
from bot.services.helpdesk import outbox, ticket_changes, tickets
from bot.services.helpdesk.outbox import OutboxKind
from bot.services.helpdesk.ticket_workflow import Action
from tests.db.test_retention import TICKET_DAYS, apply
from tests.helpdesk_world import T0, TEACHER, build_world, draft

DESCRIPTION = "ΚΡΥΦΟ-4410 καμένο τροφοδοτικό"


async def test_anonymised_tickets_keep_no_name_or_text_in_the_outbox(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    world = await build_world(sessions)
    clock = FakeClock(T0)
    async with sessions() as session:
        ticket = await tickets.create_ticket(
            session,
            draft(world.gym_athens, description=DESCRIPTION),
            TEACHER,
            reporter_locale="el",
            now=clock.now(),
        )
        quoted = {"text": f"🎫 {ticket.reference}\n{TEACHER.name}\n{DESCRIPTION}"}
        for kind, chat_id in [
            (OutboxKind.STAFF_POST, None),
            (OutboxKind.MAIL_COPY, None),
            (OutboxKind.TEACHER_NOTICE, TEACHER.user_id),
        ]:
            await outbox.enqueue(
                session,
                kind,
                now=clock.now(),
                payload=quoted,
                ticket_id=ticket.id,
                centre_id=ticket.centre_id,
                chat_id=chat_id,
            )
        await session.commit()
    async with sessions() as session:
        for row in await session.scalars(select(OutboxMessage)):
            row.status = outbox.SENT
        await session.commit()
        await ticket_changes.apply_action(
            session, ticket.id, TEACHER, Action.CLOSE, now=clock.now()
        )
    clock.advance(days=TICKET_DAYS + 1)
    assert (await apply(sessions, clock)).ticket_ids == (ticket.id,)
    async with sessions() as session:
        payloads = [
            json.dumps(p, ensure_ascii=False)
            for p in await session.scalars(select(OutboxMessage.payload))
        ]
    assert len(payloads) == 3  # the record of what was sent stays, without its text
    assert not [p for p in payloads if "ΚΡΥΦΟ-4410" in p or TEACHER.name in p]
