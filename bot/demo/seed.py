"""Sample data for `keplibot demo`, put in through the services like an operator would.

`seed_demo` fills a fresh demo database: the sample schools of two directorates (the
CSV `keplibot schools import` reads), two support centres with their staff, the
teachers' schools, and dates of the selection process around today. It is safe to run
at every start: what is there stays, past sample dates move to new ones around today,
and nothing is added twice. It refuses any database that holds other data (a
production database, an older demo's), so it can never mix sample data into real data.

No Telegram here: the emulator side of the cast is `bot.demo.stage`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.demo.cast import (
    ADMINS,
    ATHENS,
    CENTRES,
    MARKER_SLUG,
    PERSONAS,
    SAMPLE_SCHOOLS,
    STAFF,
    TEACHERS,
)
from bot.models import (
    Deadline,
    School,
    Staff,
    Subscription,
    SupportCentre,
    Ticket,
    User,
)
from bot.services import reminders, users
from bot.services.helpdesk import school_import, schools, staff
from bot.services.reminders import ReminderRules
from bot.services.reminders import deadlines as deadlines_service
from bot.services.reminders.deadlines import DeadlineDraft

log = logging.getLogger(__name__)

# The reminder that shows reminders working: due `lead` after each start (its deadline
# is one day after that, and "1 day before" is a default reminder time).
SHOWCASE_KEY: Final = "sample-reminder-now"


def demo_settings(*, lead: timedelta = timedelta(minutes=1)) -> dict[str, Any]:
    """Settings of a seeded demo: the default centre is the Athens sample centre, the
    administrator is the sample one, reminders go out at any hour and soon after due."""
    return {
        "centre_name": ATHENS.name,
        "centre_directorates": [ATHENS.directorate],
        "centre_phone": ATHENS.phone,
        "centre_email": ATHENS.email,
        "staff_chat_id": ATHENS.staff_chat_id,
        "admin_ids": [p.user_id for p in ADMINS],
        "quiet_hours": "off",
        "reminder_poll_seconds": max(1, min(10, int(lead.total_seconds() // 2) or 1)),
    }


@dataclass(frozen=True)
class SampleDeadline:
    key: str
    kind: str
    title_el: str
    title_en: str
    notes_el: str
    notes_en: str
    days: int  # from today, at `at` local time
    at: time


SAMPLE_DEADLINES: Final = (
    SampleDeadline(
        "sample-interest",
        "interest",
        "Εκδήλωση ενδιαφέροντος για Υ.Σ.Ε.Π.Ε.Η.Υ. (δείγμα)",
        "Expression of interest for the lab-manager post (sample)",
        "Αίτηση στον/στη Διευθυντή/ντρια του σχολείου.",
        "Apply to the head of your school.",
        3,
        time(14, 0),
    ),
    SampleDeadline(
        "sample-meeting",
        "meeting",
        "Συνεδρίαση του συλλόγου διδασκόντων (δείγμα)",
        "Teachers' association meeting (sample)",
        "Ο σύλλογος διδασκόντων αποφασίζει την πρόταση.",
        "The teachers' association decides on the proposal.",
        10,
        time(13, 0),
    ),
    SampleDeadline(
        "sample-proposal",
        "proposal",
        "Πρόταση του σχολείου στη Δ.Δ.Ε. (δείγμα)",
        "The school's proposal to the directorate (sample)",
        "Ο/Η Διευθυντής/ντρια διαβιβάζει την πρόταση στη Διεύθυνση.",
        "The head of school sends the proposal to the directorate.",
        24,
        time(14, 0),
    ),
)


class DemoDatabase(StrEnum):
    FRESH = "fresh"  # nothing in it yet: may be seeded
    SEEDED = "seeded"  # seeded by the demo before
    FOREIGN = "foreign"  # holds other data: never touched


class NotADemoDatabase(Exception):
    """The database holds data that the demo did not put there."""


async def _count(session: AsyncSession, model: Any, *where: Any) -> int:
    return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def demo_database_state(session: AsyncSession) -> DemoDatabase:
    """Whether the database may take the demo's sample data."""
    if await _count(session, SupportCentre, SupportCentre.slug == MARKER_SLUG):
        return DemoDatabase.SEEDED
    others = await _count(
        session, SupportCentre, SupportCentre.slug != schools.DEFAULT_CENTRE_SLUG
    )
    for model in (User, School, Staff, Ticket, Deadline, Subscription):
        others += await _count(session, model)
    return DemoDatabase.FRESH if others == 0 else DemoDatabase.FOREIGN


@dataclass(frozen=True)
class SeedReport:
    state: DemoDatabase  # before seeding
    schools_added: int
    deadlines_added: int  # new or moved to around today (the showcase one every time)


def _local_day(now: datetime, settings: Settings, days: int, at: time) -> datetime:
    day = now.astimezone(settings.tz).date() + timedelta(days=days)
    return datetime.combine(day, at, tzinfo=settings.tz).astimezone(UTC)


async def _put_deadline(
    session: AsyncSession,
    draft: DeadlineDraft,
    rules: ReminderRules,
    now: datetime,
    *,
    replace: bool,
) -> bool:
    """Create the deadline `draft.key`; an existing one stays unless it is past or
    `replace`. True if one was created."""
    assert draft.key is not None
    existing = await deadlines_service.deadline_by_key(session, draft.key)
    if existing is not None:
        if not replace and not deadlines_service.is_past(existing, now):
            return False
        await deadlines_service.delete_deadline(session, existing.id)
    await deadlines_service.create_deadline(session, draft, rules, now)
    return True


async def seed_demo(
    session: AsyncSession,
    settings: Settings,
    now: datetime,
    *,
    lead: timedelta = timedelta(minutes=1),
) -> SeedReport:
    """Put the demo's sample data in (see the module docstring); commits.

    `settings` are the demo's (`demo_settings`); `lead`: how long after `now` the
    showcase reminder is due. Raises NotADemoDatabase on a database with other data.
    """
    state = await demo_database_state(session)
    if state is DemoDatabase.FOREIGN:
        raise NotADemoDatabase(
            "the database holds data the demo did not put there; not adding sample data"
        )
    await schools.ensure_default_centre(session, settings)  # the Athens centre
    for centre in CENTRES:
        await schools.upsert_centre(
            session,
            centre.slug,
            name=centre.name,
            directorates=[centre.directorate],
            phone=centre.phone,
            email=centre.email,
            staff_chat_id=centre.staff_chat_id,
            is_default=centre is ATHENS,
        )
    report = await school_import.import_schools(session, SAMPLE_SCHOOLS.read_bytes())
    centre_ids = {c.slug: c.id for c in await schools.list_centres(session)}

    for persona in PERSONAS:
        await users.touch_user(
            session,
            telegram_id=persona.user_id,
            first_name=persona.first_name,
            last_name=persona.last_name,
            language_code=persona.language_code,
            now=now,
        )
    await session.commit()
    for persona in STAFF:
        assert persona.centre is not None
        await staff.add_staff(
            session, centre_ids[persona.centre.slug], persona.user_id, name=persona.name, now=now
        )
    for persona in TEACHERS:
        assert persona.school_code is not None
        school = await schools.school_by_code(session, persona.school_code)
        assert school is not None, persona.school_code
        if await schools.remembered_school(session, persona.user_id) is None:
            await schools.remember_school(session, persona.user_id, school.id, now)

    rules = ReminderRules.from_settings(settings)
    added = 0
    for sample in SAMPLE_DEADLINES:
        draft = DeadlineDraft(
            kind=sample.kind,
            title_el=sample.title_el,
            title_en=sample.title_en,
            notes_el=sample.notes_el,
            notes_en=sample.notes_en,
            due_at=_local_day(now, settings, sample.days, sample.at),
            key=sample.key,
        )
        added += await _put_deadline(session, draft, rules, now, replace=False)
    showcase = DeadlineDraft(
        kind="other",
        title_el="Δοκιμαστική προθεσμία: η υπενθύμισή της έρχεται τώρα (δείγμα)",
        title_en="Test deadline: its reminder arrives now (sample)",
        notes_el="Υπάρχει μόνο στο demo, για να δείτε μια υπενθύμιση να φτάνει.",
        notes_en="Only in the demo, so that you can see a reminder arrive.",
        due_at=(now + timedelta(days=1) + lead).replace(microsecond=0),
        key=SHOWCASE_KEY,
    )
    added += await _put_deadline(session, showcase, rules, now, replace=True)
    for persona in TEACHERS:
        if persona.follows_deadlines and not await _follows(session, persona.user_id):
            await reminders.subscribe(session, persona.user_id, rules, now)
    await session.commit()
    log.info(
        "demo data: %s database, %d schools added, %d dates set",
        state.value,
        report.created,
        added,
    )
    return SeedReport(state, report.created, added)


async def _follows(session: AsyncSession, user_id: int) -> bool:
    sub = await session.get(Subscription, user_id)
    return sub is not None and sub.active
