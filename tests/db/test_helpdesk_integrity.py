"""The helpdesk's integrity in the database, on SQLite and PostgreSQL: one ticket per draft,
the update ledger, the access rules."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.models import Ticket
from bot.services import update_ledger
from bot.services.helpdesk import (
    ticket_access,
    ticket_changes,
    ticket_queries,
    ticket_types,
    tickets,
)
from bot.services.helpdesk.ticket_access import Need
from bot.services.helpdesk.ticket_workflow import Action, Role
from tests.helpdesk_world import (
    ATHENS_STAFF,
    OTHER_TEACHER,
    T0,
    TEACHER,
    THESSALONIKI_STAFF,
    build_world,
    draft,
)


async def test_a_draft_makes_one_ticket_however_often_it_is_sent(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    world = await build_world(sessions)

    async def send() -> ticket_types.TicketView:
        async with sessions() as session:
            try:
                return await tickets.create_ticket(
                    session, draft(world.gym_athens), TEACHER, reporter_locale="el", now=T0,
                    draft_id="d" * 32,
                )  # fmt: skip
            except ticket_types.AlreadySent as sent:
                return sent.ticket

    first = await send()
    again, at_once = await asyncio.gather(send(), send())
    assert {first.reference, again.reference, at_once.reference} == {first.reference}
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Ticket)) == 1
        assert (await tickets.ticket_of_draft(session, "d" * 32)) == first
        assert await tickets.ticket_of_draft(session, "e" * 32) is None


async def test_a_draft_is_added_to_a_ticket_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    world = await build_world(sessions)
    async with sessions() as session:
        original = await tickets.create_ticket(
            session, draft(world.gym_athens), TEACHER, reporter_locale="el", now=T0
        )

    async def add() -> ticket_types.TicketView:
        async with sessions() as session:
            try:
                change = await tickets.add_to_ticket(
                    session, original.id, OTHER_TEACHER, "Και εδώ.", school_id=world.gym_athens.id,
                    now=T0, draft_id="a" * 32,
                )  # fmt: skip
            except ticket_types.AlreadySent as sent:
                return sent.ticket
            return change.ticket

    results = [await add(), *(await asyncio.gather(add(), add()))]
    assert {t.id for t in results} == {original.id}
    async with sessions() as session:
        events = await ticket_queries.history(session, original.id, include_internal=True)
        assert (await tickets.ticket_of_draft(session, "a" * 32)) is not None
    assert [e.kind for e in events] == [
        ticket_types.EventKind.CREATED,
        ticket_types.EventKind.ADDED,
    ]


async def test_an_update_id_is_claimed_once_and_old_ones_are_pruned(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        assert await update_ledger.claim(session, 2**40, now=T0)
        assert not await update_ledger.claim(session, 2**40, now=T0)
        assert await update_ledger.claim(session, 7, now=T0 + timedelta(days=5))
        assert await update_ledger.prune(session, now=T0 + timedelta(days=5)) == 1
        assert await update_ledger.claim(session, 2**40, now=T0 + timedelta(days=5))
        assert not await update_ledger.claim(session, 7, now=T0 + timedelta(days=5))


async def test_who_may_do_what(sessions: async_sessionmaker[AsyncSession]) -> None:
    world = await build_world(sessions)
    async with sessions() as session:
        ticket = await tickets.create_ticket(
            session, draft(world.gym_athens), TEACHER, reporter_locale="el", now=T0
        )
        tid = ticket.id
        allowed = [
            (TEACHER.user_id, Need.SEE, None, Role.REPORTER),
            (TEACHER.user_id, Need.TEACHER, None, Role.REPORTER),
            (ATHENS_STAFF.user_id, Need.SEE, None, Role.STAFF),
            (ATHENS_STAFF.user_id, Need.STAFF, None, Role.STAFF),
            (OTHER_TEACHER.user_id, Need.JOIN, world.gym_athens.id, Role.REPORTER),
        ]
        for user, need, school, role in allowed:
            got = await ticket_access.authorise(session, tid, user, need, school_id=school)
            assert got is role, (user, need)
        refused = [
            (OTHER_TEACHER.user_id, Need.SEE, None),
            (OTHER_TEACHER.user_id, Need.TEACHER, None),
            (TEACHER.user_id, Need.STAFF, None),
            (THESSALONIKI_STAFF.user_id, Need.SEE, None),
            (THESSALONIKI_STAFF.user_id, Need.STAFF, None),
            (ATHENS_STAFF.user_id, Need.TEACHER, None),
            (OTHER_TEACHER.user_id, Need.JOIN, world.lyk_athens.id),  # another school
            (OTHER_TEACHER.user_id, Need.JOIN, None),
        ]
        for user, need, school in refused:
            with pytest.raises(ticket_types.NotAuthorised):
                await ticket_access.authorise(session, tid, user, need, school_id=school)
        for missing in (tid + 1000, 0, -5, 2**40):
            with pytest.raises(ticket_types.NotFound):
                await ticket_access.authorise(session, missing, TEACHER.user_id, Need.SEE)
        await ticket_changes.apply_action(session, tid, TEACHER, Action.CLOSE, now=T0)
        with pytest.raises(ticket_types.NotAuthorised):  # a closed ticket cannot be joined
            await ticket_access.authorise(
                session, tid, OTHER_TEACHER.user_id, Need.JOIN, school_id=world.gym_athens.id
            )
