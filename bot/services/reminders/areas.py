"""Which centre and directorate a person belongs to, for deadlines scoped to one.

A person's area is the one they chose in chat for reminders, else the school they
set for fault reports, else the only centre of a single-centre deployment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import CentreDirectorate, Subscription, SupportCentre
from bot.services.helpdesk.schools import directorate_key, remembered_schools
from bot.services.reminders.deadline_view import AnyDeadline

# --- areas: which centre and directorate a person belongs to -----------------


@dataclass(frozen=True)
class Area:
    """Where a person works, for deadlines scoped to a centre or a directorate.

    `source` is "chosen" (asked in chat), "school" (the school they set for fault
    reports), "only" (the deployment has a single centre) or None (unknown:
    only deadlines for everyone concern them).
    """

    centre_id: int | None = None
    directorate: str | None = None
    source: str | None = None

    @property
    def directorate_key(self) -> str | None:
        return directorate_key(self.directorate) if self.directorate else None

    @property
    def known(self) -> bool:
        return self.centre_id is not None or bool(self.directorate)


def concerns(deadline: AnyDeadline, area: Area, kinds: frozenset[str]) -> bool:
    """Whether `deadline` is for a person of `area` who follows `kinds` (empty = all)."""
    if kinds and deadline.kind not in kinds:
        return False
    if deadline.scope == "centre":
        return deadline.centre_id is not None and deadline.centre_id == area.centre_id
    if deadline.scope == "directorate":
        return bool(deadline.directorate) and (
            directorate_key(deadline.directorate or "") == area.directorate_key
        )
    return True


async def _directorate_centres(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(select(CentreDirectorate.name_key, CentreDirectorate.centre_id))
    return {key: centre for key, centre in rows}


async def _default_centre_id(session: AsyncSession) -> int | None:
    centre = await session.scalar(select(SupportCentre.id).where(SupportCentre.is_default))
    if centre is not None:
        return centre
    ids = list(await session.scalars(select(SupportCentre.id).limit(2)))
    return ids[0] if len(ids) == 1 else None


async def areas_of(session: AsyncSession, subs: Sequence[Subscription]) -> dict[int, Area]:
    """The area of each subscriber: their own choice, else the school they set for fault
    reports, else the only centre of a single-centre deployment."""
    by_directorate = await _directorate_centres(session)
    areas: dict[int, Area] = {}
    need_school: list[int] = []
    for sub in subs:
        if sub.centre_id is not None or sub.directorate:
            centre = sub.centre_id
            if centre is None and sub.directorate:
                centre = by_directorate.get(directorate_key(sub.directorate))
            areas[sub.user_id] = Area(centre, sub.directorate, "chosen")
        else:
            need_school.append(sub.user_id)
            areas[sub.user_id] = Area()
    if need_school:
        default_centre = await _default_centre_id(session)
        for user_id, (centre, directorate) in (await _school_areas(session, need_school)).items():
            if centre is None and directorate:
                centre = by_directorate.get(directorate_key(directorate), default_centre)
            areas[user_id] = Area(centre, directorate or None, "school")
        only = await _only_area(session)
        if only is not None:
            for user_id in need_school:
                if not areas[user_id].known:
                    areas[user_id] = only
    return areas


async def _only_area(session: AsyncSession) -> Area | None:
    """In a deployment with a single centre, everybody's area (nothing to ask)."""
    centres = list(await session.scalars(select(SupportCentre.id).limit(2)))
    if len(centres) != 1:
        return None
    names = list(await session.scalars(select(CentreDirectorate.name).limit(2)))
    return Area(centres[0], names[0] if len(names) == 1 else None, "only")


async def _school_areas(
    session: AsyncSession, user_ids: Sequence[int]
) -> dict[int, tuple[int | None, str]]:
    """(centre id, directorate) of the school each user set for fault reports."""
    schools = await remembered_schools(session, user_ids)
    return {user_id: (s.centre_id, s.directorate) for user_id, s in schools.items()}


# --- areas offered in chat ----------------------------------------------------------


@dataclass(frozen=True)
class AreaChoice:
    """A directorate (`kind` "d", id of `centre_directorates`) or a centre ("c")."""

    kind: str
    id: int
    label: str


async def area_choices(session: AsyncSession) -> list[AreaChoice]:
    """Every directorate, and every centre with none on record; none if there is no choice."""
    directorates = await session.execute(
        select(CentreDirectorate.id, CentreDirectorate.name, CentreDirectorate.centre_id)
    )
    choices = []
    served = set()
    for i, name, centre in directorates:
        choices.append(AreaChoice("d", i, name))
        served.add(centre)
    for i, name in await session.execute(select(SupportCentre.id, SupportCentre.name)):
        if i not in served:
            choices.append(AreaChoice("c", i, name))
    choices.sort(key=lambda c: c.label)
    return choices if len(choices) > 1 else []


async def area_label(session: AsyncSession, area: Area) -> str | None:
    """The directorate's name, else the centre's name, else None."""
    if area.directorate:
        return area.directorate
    if area.centre_id is not None:
        return await session.scalar(
            select(SupportCentre.name).where(SupportCentre.id == area.centre_id)
        )
    return None


async def school_area(session: AsyncSession, user_id: int) -> Area:
    """The area of the school `user_id` set for fault reports (unknown if none)."""
    found = (await _school_areas(session, [user_id])).get(user_id)
    if found is None:
        return Area()
    centre, directorate = found
    if centre is None and directorate:
        centre = (await _directorate_centres(session)).get(directorate_key(directorate))
    return Area(centre, directorate or None, "school")
