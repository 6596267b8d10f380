"""Who a person is to the bot: an administrator (in the settings), support-centre staff (in
the database), or neither. Commands meant for a role are shown only to people with it."""

from __future__ import annotations

from typing import Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.models import Staff, SupportCentre

ADMIN: Final = "admin"
STAFF: Final = "staff"

Roles = frozenset[str]


async def roles_of(session: AsyncSession, settings: Settings, user_id: int) -> Roles:
    """The roles of `user_id`: "admin", "staff", both, or none."""
    roles = {ADMIN} if user_id in settings.admin_ids else set()
    found = await session.scalar(select(Staff.id).where(Staff.user_id == user_id).limit(1))
    if found is not None:
        roles.add(STAFF)
    return frozenset(roles)


async def privileged_users(session: AsyncSession, settings: Settings) -> dict[int, Roles]:
    """Every administrator and staff member with their roles, by Telegram id."""
    people: dict[int, set[str]] = {user_id: {ADMIN} for user_id in settings.admin_ids}
    for user_id in await session.scalars(select(Staff.user_id).distinct()):
        people.setdefault(user_id, set()).add(STAFF)
    return {user_id: frozenset(roles) for user_id, roles in sorted(people.items())}


async def staff_chats(session: AsyncSession) -> list[int]:
    """The group chats where support centres' staff work their tickets."""
    rows = await session.scalars(
        select(SupportCentre.staff_chat_id)
        .where(SupportCentre.staff_chat_id.is_not(None))
        .distinct()
    )
    return sorted(chat for chat in rows if chat is not None)
