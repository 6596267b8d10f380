"""A small helpdesk world for tests: two centres, their schools, staff and a teacher."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services.helpdesk import school_import
from bot.services.helpdesk import schools as schools_service
from bot.services.helpdesk import staff as staff_service
from bot.services.helpdesk.schools import CentreInfo, SchoolInfo
from bot.services.helpdesk.ticket_types import (
    Actor,
    AttachmentKind,
    Category,
    NewAttachment,
    NewTicket,
    Urgency,
)

DATA = Path(__file__).resolve().parent / "data"

ATHENS_DIRECTORATE = "Δ/νση Δ.Ε. Α' Αθήνας"
THESSALONIKI_DIRECTORATE = "Δ/νση Δ.Ε. Ανατολικής Θεσσαλονίκης"

ATHENS_STAFF_CHAT = -1001000000001
THESSALONIKI_STAFF_CHAT = -1001000000002

TEACHER = Actor(1001, "Μαρία Παπαδοπούλου")
OTHER_TEACHER = Actor(1002, "Γιώργος Νικολάου")
ATHENS_STAFF = Actor(2001, "Νίκος Τεχνικός")
ATHENS_STAFF_2 = Actor(2002, "Ελένη Δικτύων")
THESSALONIKI_STAFF = Actor(3001, "Κώστας Βορείου")

T0 = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)  # a Monday morning in term time


@dataclass(frozen=True)
class World:
    athens: CentreInfo
    thessaloniki: CentreInfo
    gym_athens: SchoolInfo  # 0551010, Athens centre
    lyk_athens: SchoolInfo  # 0551020, Athens centre
    gym_kalamaria: SchoolInfo  # 1951010, Thessaloniki centre


async def build_world(sessions: async_sessionmaker[AsyncSession]) -> World:
    async with sessions() as session:
        athens = await schools_service.upsert_centre(
            session,
            "athens-a",
            name="ΚΕ.ΠΛΗ.ΝΕ.Τ. Α' Αθήνας",
            directorates=[ATHENS_DIRECTORATE],
            phone="2100000000",
            email="keplinet@dide-a-athin.att.sch.gr",
            helpdesk_email="helpdesk@dide-a-athin.att.sch.gr",
            staff_chat_id=ATHENS_STAFF_CHAT,
            is_default=True,
        )
        thessaloniki = await schools_service.upsert_centre(
            session,
            "thess-east",
            name="ΚΕ.ΠΛΗ.ΝΕ.Τ. Ανατολικής Θεσσαλονίκης",
            directorates=[THESSALONIKI_DIRECTORATE],
            staff_chat_id=THESSALONIKI_STAFF_CHAT,
        )
        await school_import.import_schools(session, (DATA / "schools_good.csv").read_bytes())
        for centre, actor in (
            (athens, ATHENS_STAFF),
            (athens, ATHENS_STAFF_2),
            (thessaloniki, THESSALONIKI_STAFF),
        ):
            await staff_service.add_staff(
                session, centre.id, actor.user_id, name=actor.name, now=T0
            )
        gym = await schools_service.school_by_code(session, "0551010")
        lyk = await schools_service.school_by_code(session, "0551020")
        kal = await schools_service.school_by_code(session, "1951010")
    assert gym is not None
    assert lyk is not None
    assert kal is not None
    return World(athens, thessaloniki, gym, lyk, kal)


def draft(
    school: SchoolInfo,
    *,
    category: Category = Category.COMPUTER,
    equipment: str | None = "PC-07",
    description: str = "Δεν ανοίγει, η οθόνη μένει μαύρη.",
    photos: int = 1,
) -> NewTicket:
    return NewTicket(
        school_id=school.id,
        lab="Εργαστήριο Πληροφορικής 1",
        category=category,
        urgency=Urgency.PARTIAL,
        description=description,
        equipment=equipment,
        attachments=tuple(
            NewAttachment(
                kind=AttachmentKind.PHOTO,
                file_id=f"photo-{i}",
                file_unique_id=f"u-{i}",
                caption="η οθόνη" if i == 0 else None,
                file_size=120_000,
            )
            for i in range(photos)
        ),
    )
