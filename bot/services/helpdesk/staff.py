"""Support-centre staff: one-time invites (deep links), membership, removal.

Membership is per centre: every ticket action checks that the user is staff of
*that ticket's* centre, so staff of one centre cannot touch another's tickets.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.models import Staff, StaffInvite, SupportCentre
from bot.services.text_clean import clean_line

# Deep-link payloads allow [A-Za-z0-9_-], up to 64 characters.
INVITE_PREFIX: Final = "staff-"


def is_admin(settings: Settings, user_id: int) -> bool:
    return user_id in settings.admin_ids


@dataclass(frozen=True)
class StaffMember:
    user_id: int
    name: str
    centre_id: int
    added_at: datetime


@dataclass(frozen=True)
class Invite:
    token: str
    centre_id: int
    centre_name: str
    expires_at: datetime

    @property
    def payload(self) -> str:
        """The `/start` parameter that redeems this invite."""
        return INVITE_PREFIX + self.token

    def link(self, bot_username: str) -> str:
        return f"https://t.me/{bot_username.lstrip('@')}?start={self.payload}"


class InviteError(Exception):
    pass


class InviteProblem(StrEnum):
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"


class InviteRefused(InviteError):
    def __init__(self, problem: InviteProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


async def create_invite(
    session: AsyncSession,
    centre_id: int,
    *,
    created_by: int | None,
    now: datetime,
    valid_days: int = 7,
) -> Invite:
    """A fresh one-time invite to `centre_id`, valid for `valid_days` days. Commits."""
    centre = await session.get(SupportCentre, centre_id)
    if centre is None:
        raise InviteRefused(InviteProblem.UNKNOWN)
    token = secrets.token_urlsafe(18)  # 24 characters, URL- and deep-link-safe
    invite = StaffInvite(
        token=token,
        centre_id=centre_id,
        created_by=created_by,
        created_at=now,
        expires_at=now + timedelta(days=valid_days),
    )
    session.add(invite)
    await session.commit()
    return Invite(token, centre_id, centre.name, invite.expires_at)


def token_of_payload(payload: str) -> str | None:
    """The invite token in a `/start` payload, or None if it is not an invite."""
    return payload[len(INVITE_PREFIX) :] if payload.startswith(INVITE_PREFIX) else None


@dataclass(frozen=True)
class Redeemed:
    centre_id: int
    centre_name: str
    already: bool  # the user was staff of that centre already


async def redeem_invite(
    session: AsyncSession, token: str, *, user_id: int, name: str, now: datetime
) -> Redeemed:
    """Make `user_id` staff of the invite's centre; the invite cannot be used again. Commits.

    The invite is claimed with one conditional UPDATE, so two people opening the
    same link at once do not both get in, on SQLite as on PostgreSQL.
    """
    name = clean_line(name, 200)
    claimed = await session.execute(
        update(StaffInvite)
        .where(
            StaffInvite.token == token,
            StaffInvite.used_at.is_(None),
            StaffInvite.expires_at >= now,
        )
        .values(used_by=user_id, used_at=now)
    )
    invite = await session.scalar(select(StaffInvite).where(StaffInvite.token == token))
    if not getattr(claimed, "rowcount", 0):
        if invite is None:
            problem = InviteProblem.UNKNOWN
        elif invite.used_at is not None:
            problem = InviteProblem.USED
        else:
            problem = InviteProblem.EXPIRED
        await session.rollback()
        raise InviteRefused(problem)
    assert invite is not None
    centre = await session.get(SupportCentre, invite.centre_id)
    assert centre is not None  # the foreign key cascades deletes
    member = await session.scalar(
        select(Staff).where(Staff.centre_id == invite.centre_id, Staff.user_id == user_id)
    )
    already = member is not None
    if member is None:
        session.add(
            Staff(
                centre_id=invite.centre_id,
                user_id=user_id,
                name=name,
                added_by=invite.created_by,
                added_at=now,
            )
        )
    else:
        member.name = name
    await session.commit()
    return Redeemed(centre.id, centre.name, already)


async def add_staff(
    session: AsyncSession, centre_id: int, user_id: int, *, name: str, now: datetime
) -> bool:
    """Make `user_id` staff of `centre_id` directly (CLI). False if they already were."""
    name = clean_line(name, 200)
    exists = await session.scalar(
        select(Staff.id).where(Staff.centre_id == centre_id, Staff.user_id == user_id)
    )
    if exists is not None:
        return False
    session.add(Staff(centre_id=centre_id, user_id=user_id, name=name, added_at=now))
    await session.commit()
    return True


async def list_staff(session: AsyncSession, centre_id: int) -> list[StaffMember]:
    rows = await session.scalars(
        select(Staff).where(Staff.centre_id == centre_id).order_by(Staff.name, Staff.user_id)
    )
    return [StaffMember(s.user_id, s.name, s.centre_id, s.added_at) for s in rows]


async def remove_staff(session: AsyncSession, centre_id: int, user_id: int) -> bool:
    """Remove `user_id` from the staff of `centre_id`; False if they were not staff. Commits."""
    result = await session.execute(
        delete(Staff).where(Staff.centre_id == centre_id, Staff.user_id == user_id)
    )
    await session.commit()
    return bool(getattr(result, "rowcount", 0))


async def staff_centre_ids(session: AsyncSession, user_id: int) -> list[int]:
    """The centres `user_id` is staff of (usually one)."""
    rows = await session.scalars(
        select(Staff.centre_id).where(Staff.user_id == user_id).order_by(Staff.centre_id)
    )
    return list(rows)


async def is_staff(session: AsyncSession, user_id: int, centre_id: int) -> bool:
    found = await session.scalar(
        select(Staff.id).where(Staff.centre_id == centre_id, Staff.user_id == user_id)
    )
    return found is not None
