"""The bot's messages about a ticket (its staff post, notices, prompts), so that a reply
to any of them reaches the ticket: stored, and indexed in memory for the filter."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import (
    Ticket,
    TicketMessage,
)
from bot.services.helpdesk.ticket_types import MessagePurpose, NotFound

# --- message links ------------------------------------------------------------


class LinkIndex:
    """The (chat, message) pairs of bot messages about tickets, held in memory.

    A message filter asks it, without a database round trip, whether a reply
    is about a ticket; the database (`ticket_of_message`) stays the authority.
    Several workers on one database each hold their own index, so a reply to a
    message another worker linked is looked up (`look_up`) before the filter runs.
    """

    def __init__(self) -> None:
        self._pairs: set[tuple[int, int]] = set()

    def add(self, chat_id: int, message_id: int) -> None:
        self._pairs.add((chat_id, message_id))

    def __contains__(self, pair: object) -> bool:
        return pair in self._pairs

    def __len__(self) -> int:
        return len(self._pairs)

    async def look_up(self, session: AsyncSession, chat_id: int, message_id: int) -> bool:
        """Whether the database links this message to a ticket (added to the index if so)."""
        if (chat_id, message_id) in self._pairs:
            return True
        found = await session.scalar(
            select(TicketMessage.ticket_id).where(
                TicketMessage.chat_id == chat_id, TicketMessage.message_id == message_id
            )
        )
        if found is None:
            return False
        self._pairs.add((chat_id, message_id))
        return True

    async def load(self, session: AsyncSession, *, since: datetime) -> int:
        """Add the links made since `since`; return how many the index holds."""
        rows = await session.execute(
            select(TicketMessage.chat_id, TicketMessage.message_id).where(
                TicketMessage.created_at >= since
            )
        )
        self._pairs.update((int(c), int(m)) for c, m in rows.all())
        return len(self._pairs)


async def link_message(
    session: AsyncSession,
    ticket_id: int,
    chat_id: int,
    message_id: int,
    purpose: MessagePurpose,
    *,
    now: datetime,
) -> None:
    """Remember that a bot message in `chat_id` is about `ticket_id` (commits)."""
    await add_link(session, ticket_id, chat_id, message_id, purpose, now=now)
    await session.commit()


async def add_link(
    session: AsyncSession,
    ticket_id: int,
    chat_id: int,
    message_id: int,
    purpose: MessagePurpose,
    *,
    now: datetime,
) -> None:
    """`link_message` in the caller's transaction (not committed)."""
    existing = await session.get(TicketMessage, (chat_id, message_id))
    if existing is None:
        session.add(
            TicketMessage(
                chat_id=chat_id,
                message_id=message_id,
                ticket_id=ticket_id,
                purpose=purpose.value,
                created_at=now,
            )
        )
    else:
        existing.ticket_id = ticket_id
        existing.purpose = purpose.value


async def ticket_of_message(
    session: AsyncSession, chat_id: int, message_id: int
) -> tuple[int, MessagePurpose] | None:
    link = await session.get(TicketMessage, (chat_id, message_id))
    return None if link is None else (link.ticket_id, MessagePurpose(link.purpose))


async def set_staff_post(
    session: AsyncSession, ticket_id: int, chat_id: int, message_id: int, *, now: datetime
) -> None:
    """Record the ticket's post in the staff chat (commits)."""
    await record_staff_post(session, ticket_id, chat_id, message_id, now=now)
    await session.commit()


async def record_staff_post(
    session: AsyncSession, ticket_id: int, chat_id: int, message_id: int, *, now: datetime
) -> None:
    """`set_staff_post` in the caller's transaction (not committed)."""
    ticket = await session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound(str(ticket_id))
    ticket.staff_chat_id = chat_id
    ticket.staff_message_id = message_id
    await add_link(session, ticket_id, chat_id, message_id, MessagePurpose.POST, now=now)
