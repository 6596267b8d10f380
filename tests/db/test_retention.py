"""Retention on a clock: masked FAQ questions, anonymised closed tickets, stale declarations."""

from __future__ import annotations

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.models import FaqMiss, Ticket, TicketEvent, TicketWatcher
from bot.services import privacy, retention, users
from bot.services.clock import FakeClock
from bot.services.faq import log as faq_log
from bot.services.helpdesk import ticket_changes, tickets
from bot.services.helpdesk.ticket_workflow import Action
from bot.services.points import store as points_store
from scoring import RULESET_170610_D2_2016, parse_declaration
from tests.helpdesk_world import OTHER_TEACHER, T0, TEACHER, build_world, draft

TICKET_DAYS = 730
DECLARATION_DAYS = 365


async def apply(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> retention.RetentionReport:
    async with sessions() as session:
        return await retention.apply(
            session, now=clock.now(), ticket_days=TICKET_DAYS, declaration_days=DECLARATION_DAYS
        )


async def test_identifiers_in_faq_questions_are_masked_when_stored_and_by_the_job(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        await faq_log.record_miss(
            session, text="πώς δηλώνω; ΑΦΜ 123456789 τηλ. 210 123 4567", locale="el", now=T0
        )
        # A question stored before masking existed, as an old database holds it.
        await session.execute(
            insert(FaqMiss).values(
                text="ΑΜΚΑ 01017012345, σχολείο 0551010",
                locale="el",
                kind="no_match",
                hits=[],
                created_at=T0,
            )
        )
        await session.commit()
    report = await apply(sessions, FakeClock(T0))
    assert report.faq_masked == 1
    async with sessions() as session:
        texts = sorted(await session.scalars(select(FaqMiss.text)))
    assert texts == [
        "ΑΜΚΑ ###########, σχολείο 0551010",
        "πώς δηλώνω; ΑΦΜ ######### τηλ. ### ### ####",
    ]
    assert (await apply(sessions, FakeClock(T0))).faq_masked == 0


async def test_closed_tickets_are_anonymised_after_the_retention_period_only(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    world = await build_world(sessions)
    clock = FakeClock(T0)
    async with sessions() as session:
        closed = await tickets.create_ticket(
            session,
            draft(world.gym_athens, description="Καμένο τροφοδοτικό στο PC-03"),
            TEACHER,
            reporter_locale="el",
            now=clock.now(),
        )
        await tickets.add_to_ticket(
            session,
            closed.id,
            OTHER_TEACHER,
            "Και σε μένα, Γιώργος",
            school_id=closed.school_id,
            now=clock.now(),
        )
        await ticket_changes.apply_action(
            session, closed.id, TEACHER, Action.CLOSE, now=clock.now()
        )
        still_open = await tickets.create_ticket(
            session,
            draft(world.lyk_athens, description="Δεν τυπώνει ο εκτυπωτής"),
            TEACHER,
            reporter_locale="el",
            now=clock.now(),
        )
    clock.advance(days=TICKET_DAYS - 1)
    assert (await apply(sessions, clock)).tickets_anonymised == 0
    clock.advance(days=2)
    report = await apply(sessions, clock)
    assert (report.tickets_anonymised, report.ticket_ids) == (1, (closed.id,))
    async with sessions() as session:
        row = await session.get(Ticket, closed.id)
        assert row is not None
        assert (row.reporter_id, row.reporter_name, row.description) == (
            privacy.NO_USER,
            privacy.ERASED_NAME,
            privacy.ERASED_TEXT,
        )
        events = list(
            await session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == closed.id))
        )
        texts = " ".join(e.text or "" for e in events) + " ".join(e.actor_name for e in events)
        assert "Καμένο" not in texts
        assert "Γιώργος" not in texts
        assert TEACHER.name not in texts
        assert {e.kind for e in events} >= {"created", "closed"}  # the history stays
        assert await session.scalar(select(TicketWatcher.user_id)) is None
        other = await session.get(Ticket, still_open.id)
        assert other is not None
        assert other.reporter_name == TEACHER.name
    # Once is enough: the next run finds nothing more to do.
    assert (await apply(sessions, clock)).tickets_anonymised == 0


async def test_kept_declarations_of_teachers_away_too_long_are_deleted(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = FakeClock(T0)
    declaration = parse_declaration({"lab_manager_effective_years": 2})
    async with sessions() as session:
        for teacher in (TEACHER.user_id, OTHER_TEACHER.user_id):
            await users.touch_user(session, telegram_id=teacher, first_name="x", now=clock.now())
            await points_store.agree(
                session, teacher, declaration, RULESET_170610_D2_2016, now=clock.now()
            )
    clock.advance(days=200)
    async with sessions() as session:  # one of them comes back
        await users.touch_user(
            session, telegram_id=OTHER_TEACHER.user_id, first_name="x", now=clock.now()
        )
    clock.advance(days=DECLARATION_DAYS - 199)
    assert (await apply(sessions, clock)).declarations_deleted == 1
    async with sessions() as session:
        assert await points_store.load(session, TEACHER.user_id) is None
        assert await points_store.load(session, OTHER_TEACHER.user_id) is not None
