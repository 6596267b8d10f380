"""Tickets on a real database: references, routing, limits, duplicates, actions, history."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.models import TicketAttachment, TicketEvent
from bot.services.helpdesk import (
    ticket_changes,
    ticket_links,
    ticket_queries,
    ticket_summary,
    ticket_types,
    tickets,
)
from bot.services.helpdesk.ticket_changes import MessageKind
from bot.services.helpdesk.ticket_types import (
    AlreadyAssigned,
    AttachmentKind,
    Category,
    EventKind,
    InvalidTicket,
    ListScope,
    MessagePurpose,
    NewAttachment,
    NotAuthorised,
    TooManyTickets,
)
from bot.services.helpdesk.ticket_workflow import Action, Refusal, Role, Status, TransitionRefused
from tests.helpdesk_world import (
    ATHENS_STAFF,
    ATHENS_STAFF_2,
    OTHER_TEACHER,
    T0,
    TEACHER,
    THESSALONIKI_STAFF,
    World,
    build_world,
    draft,
)


async def _open(
    sessions: async_sessionmaker[AsyncSession],
    world: World,
    *,
    at: timedelta = timedelta(0),
    **kwargs: Any,
) -> ticket_types.TicketView:
    async with sessions() as session:
        return await tickets.create_ticket(
            session,
            draft(world.gym_athens, **kwargs),
            TEACHER,
            reporter_locale="el",
            now=T0 + at,
        )


async def test_a_new_ticket_is_stored_with_reference_photos_and_history(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    world = await build_world(sessions)
    ticket = await _open(sessions, world, photos=2)
    assert ticket.reference == "KPL-2026-00001"
    assert ticket.status is Status.NEW
    assert ticket.centre_id == world.athens.id
    assert ticket.school_code == "0551010"
    assert [a.file_id for a in ticket.attachments] == ["photo-0", "photo-1"]
    assert ticket.attachments[0].caption == "η οθόνη"
    async with sessions() as session:
        stored = await tickets.ticket_by_reference(session, "kpl-2026-00001")
        events = await ticket_queries.history(session, ticket.id, include_internal=True)
    assert stored.description == "Δεν ανοίγει, η οθόνη μένει μαύρη."
    assert [(e.kind, e.actor_name, e.to_status) for e in events] == [
        (EventKind.CREATED, TEACHER.name, Status.NEW)
    ]


async def test_tickets_go_to_the_centre_of_their_school(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    world = await build_world(sessions)
    async with sessions() as session:
        north = await tickets.create_ticket(
            session, draft(world.gym_kalamaria), TEACHER, reporter_locale="el", now=T0
        )
    assert north.centre_id == world.thessaloniki.id
    assert north.centre_name == "ΚΕ.ΠΛΗ.ΝΕ.Τ. Ανατολικής Θεσσαλονίκης"


async def test_references_count_per_local_year(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await build_world(sessions)
    async with sessions() as session:
        first = await tickets.next_reference(session, "KPL", 2026)
        second = await tickets.next_reference(session, "KPL", 2026)
        other_year = await tickets.next_reference(session, "KPL", 2027)
        await session.commit()
    assert (first, second, other_year) == ("KPL-2026-00001", "KPL-2026-00002", "KPL-2027-00001")


async def test_concurrent_creation_gives_unique_references(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """Twenty teachers press "send" at the same moment, each on a connection of its own."""
    world = await build_world(sessions)

    async def one(i: int) -> str:
        async with sessions() as session:
            reporter = ticket_types.Actor(5000 + i, f"Teacher {i}")
            view = await tickets.create_ticket(
                session, draft(world.gym_athens), reporter, reporter_locale="el", now=T0
            )
            return view.reference

    references = await asyncio.gather(*(one(i) for i in range(20)))
    assert sorted(references) == [f"KPL-2026-{n:05d}" for n in range(1, 21)]


async def test_a_teacher_may_open_only_so_many_tickets_an_hour(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    world = await build_world(sessions)
    for minute in range(5):
        await _open(sessions, world, at=timedelta(minutes=minute * 10))
    with pytest.raises(TooManyTickets) as info:
        await _open(sessions, world, at=timedelta(minutes=50))
    assert info.value.retry_at == T0 + timedelta(hours=1)
    later = await _open(sessions, world, at=timedelta(hours=1, seconds=1))
    assert later.reference == "KPL-2026-00006"  # the refused attempt used no number


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"description": "x" * 2001}, "description"),
        ({"description": "   ", "photos": 0}, "description"),
    ],
)
async def test_limits_are_checked_before_anything_is_stored(
    sessions: async_sessionmaker[AsyncSession], change: dict[str, Any], field: str
) -> None:
    world = await build_world(sessions)
    with pytest.raises(InvalidTicket) as info:
        await _open(sessions, world, **change)
    assert info.value.field_name == field
    async with sessions() as session:
        page = await ticket_queries.tickets_of_teacher(session, TEACHER.user_id)
    assert page.total == 0


async def test_a_photo_without_text_still_makes_a_ticket(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    world = await build_world(sessions)
    ticket = await _open(sessions, world, description="", photos=1)
    assert ticket.description == ""
    assert len(ticket.attachments) == 1


async def test_a_file_over_telegrams_limit_is_refused(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    world = await build_world(sessions)
    big = NewAttachment(AttachmentKind.DOCUMENT, "doc-1", file_size=25 * 1024 * 1024)
    base = draft(world.gym_athens)
    with pytest.raises(InvalidTicket) as info:
        async with sessions() as session:
            await tickets.create_ticket(
                session,
                ticket_types.NewTicket(**{**base.__dict__, "attachments": (big,)}),
                TEACHER,
                reporter_locale="el",
                now=T0,
            )
    assert info.value.field_name == "file_size"


async def test_duplicate_is_the_open_ticket_for_the_same_school_category_and_equipment(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    world = await build_world(sessions)
    original = await _open(sessions, world, equipment="PC-07")
    async with sessions() as session:

        async def find(**kwargs: object) -> ticket_types.TicketView | None:
            params: dict[str, object] = {
                "school_id": world.gym_athens.id,
                "category": Category.COMPUTER,
                "equipment": "pc-07 ",
                "now": T0 + timedelta(days=2),
                "days": 7,
            }
            params.update(kwargs)
            return await tickets.find_duplicate(session, **params)  # type: ignore[arg-type]

        same = await find()
        other_pc = await find(equipment="PC-08")
        other_category = await find(category=Category.PRINTER)
        other_school = await find(school_id=world.lyk_athens.id)
        too_old = await find(now=T0 + timedelta(days=8))
    assert same is not None
    assert same.id == original.id
    assert (other_pc, other_category, other_school, too_old) == (None, None, None, None)


async def test_a_closed_ticket_is_no_duplicate(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    world = await build_world(sessions)
    original = await _open(sessions, world)
    async with sessions() as session:
        await ticket_changes.apply_action(session, original.id, TEACHER, Action.CLOSE, now=T0)
        found = await tickets.find_duplicate(
            session,
            school_id=world.gym_athens.id,
            category=Category.COMPUTER,
            equipment="PC-07",
            now=T0,
            days=7,
        )
    assert found is None


async def test_a_colleague_adding_to_a_ticket_follows_it(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    world = await build_world(sessions)
    original = await _open(sessions, world)
    async with sessions() as session:
        change = await tickets.add_to_ticket(
            session,
            original.id,
            OTHER_TEACHER,
            "Και σήμερα το ίδιο.",
            school_id=original.school_id,
            now=T0 + timedelta(hours=2),
        )
        assert (
            await ticket_queries.role_of(session, original.id, OTHER_TEACHER.user_id)
            is Role.REPORTER
        )
        theirs = await ticket_queries.tickets_of_teacher(session, OTHER_TEACHER.user_id)
    assert change.ticket.participant_ids == (TEACHER.user_id, OTHER_TEACHER.user_id)
    assert [e.kind for e in change.events] == [EventKind.ADDED]
    assert [t.id for t in theirs.items] == [original.id]


async def test_a_ticket_of_another_school_cannot_be_joined(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    world = await build_world(sessions)
    original = await _open(sessions, world)
    async with sessions() as session:
        with pytest.raises(ticket_types.NotAuthorised):
            await tickets.add_to_ticket(
                session,
                original.id,
                OTHER_TEACHER,
                "Δικό μου;",
                school_id=world.gym_kalamaria.id,
                now=T0 + timedelta(hours=2),
            )
        ticket = await tickets.get_ticket(session, original.id)
        events = await ticket_queries.history(session, original.id, include_internal=True)
    assert ticket.watcher_ids == ()
    assert [e.kind for e in events] == [EventKind.CREATED]


async def test_take_reply_resolve_close_reopen_is_recorded_step_by_step(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    world = await build_world(sessions)
    ticket = await _open(sessions, world)
    minute = timedelta(minutes=1)
    async with sessions() as session:
        taken = await ticket_changes.apply_action(
            session, ticket.id, ATHENS_STAFF, Action.TAKE, now=T0 + 5 * minute
        )
        assert taken.ticket.status is Status.IN_PROGRESS
        assert taken.ticket.assignee_name == ATHENS_STAFF.name
        assert taken.ticket.first_response_at == T0 + 5 * minute
        waiting = await ticket_changes.apply_action(
            session, ticket.id, ATHENS_STAFF, Action.WAIT, now=T0 + 6 * minute
        )
        assert waiting.ticket.status is Status.WAITING
        answered = await ticket_changes.add_message(
            session,
            ticket.id,
            TEACHER,
            MessageKind.TEACHER,
            "Το καλώδιο είναι στη θέση του.",
            now=T0 + 7 * minute,
        )
        assert answered.ticket.status is Status.IN_PROGRESS  # back to the staff
        note = await ticket_changes.add_message(
            session, ticket.id, ATHENS_STAFF, MessageKind.NOTE, "Τροφοδοτικό;", now=T0 + 8 * minute
        )
        reply = await ticket_changes.add_message(
            session,
            ticket.id,
            ATHENS_STAFF,
            MessageKind.REPLY,
            "Έρχομαι αύριο με τροφοδοτικό.",
            now=T0 + 9 * minute,
        )
        resolved = await ticket_changes.apply_action(
            session, ticket.id, ATHENS_STAFF, Action.RESOLVE, now=T0 + timedelta(days=1)
        )
        assert resolved.ticket.resolved_at == T0 + timedelta(days=1)
        reopened = await ticket_changes.apply_action(
            session, ticket.id, TEACHER, Action.REOPEN, now=T0 + timedelta(days=2)
        )
        assert reopened.ticket.status is Status.IN_PROGRESS
        assert reopened.ticket.resolved_at is None
        await ticket_changes.apply_action(
            session, ticket.id, ATHENS_STAFF, Action.RESOLVE, now=T0 + timedelta(days=3)
        )
        closed = await ticket_changes.apply_action(
            session, ticket.id, TEACHER, Action.CLOSE, now=T0 + timedelta(days=3, hours=1)
        )
        teacher_view = await ticket_queries.history(session, ticket.id, include_internal=False)
        staff_view = await ticket_queries.history(session, ticket.id, include_internal=True)
    assert note.events[0].internal
    assert not reply.events[0].internal
    assert closed.ticket.status is Status.CLOSED
    kinds = [(e.kind, e.to_status) for e in staff_view]
    assert kinds == [
        (EventKind.CREATED, Status.NEW),
        (EventKind.ASSIGNED, None),
        (EventKind.STATUS, Status.IN_PROGRESS),
        (EventKind.STATUS, Status.WAITING),
        (EventKind.TEACHER_REPLY, None),
        (EventKind.STATUS, Status.IN_PROGRESS),
        (EventKind.NOTE, None),
        (EventKind.REPLY, None),
        (EventKind.STATUS, Status.RESOLVED),
        (EventKind.REOPENED, Status.IN_PROGRESS),
        (EventKind.STATUS, Status.RESOLVED),
        (EventKind.CLOSED, Status.CLOSED),
    ]
    assert EventKind.NOTE not in [e.kind for e in teacher_view]
    assert len(teacher_view) == len(staff_view) - 1


async def test_staff_of_another_centre_change_nothing(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    world = await build_world(sessions)
    ticket = await _open(sessions, world)
    async with sessions() as session:
        with pytest.raises(NotAuthorised):
            await ticket_changes.apply_action(
                session, ticket.id, THESSALONIKI_STAFF, Action.TAKE, now=T0
            )
        with pytest.raises(NotAuthorised):
            await ticket_changes.add_message(
                session, ticket.id, THESSALONIKI_STAFF, MessageKind.REPLY, "γεια", now=T0
            )
        with pytest.raises(NotAuthorised):
            await ticket_queries.role_of(session, ticket.id, THESSALONIKI_STAFF.user_id)
        after = await tickets.get_ticket(session, ticket.id)
        events = await ticket_queries.history(session, ticket.id, include_internal=True)
    assert (after.status, after.assignee_id) == (Status.NEW, None)
    assert len(events) == 1


async def test_a_teacher_cannot_act_as_staff_or_on_anothers_ticket(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    world = await build_world(sessions)
    ticket = await _open(sessions, world)
    async with sessions() as session:
        with pytest.raises(NotAuthorised):
            await ticket_changes.apply_action(session, ticket.id, TEACHER, Action.RESOLVE, now=T0)
        with pytest.raises(NotAuthorised):
            await ticket_changes.apply_action(
                session, ticket.id, OTHER_TEACHER, Action.CLOSE, now=T0
            )
        with pytest.raises(NotAuthorised):
            await ticket_queries.role_of(session, ticket.id, OTHER_TEACHER.user_id)
        with pytest.raises(ticket_types.NotFound):
            await ticket_queries.role_of(session, ticket.id + 999, TEACHER.user_id)


async def test_stale_buttons_say_why_and_change_nothing(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    world = await build_world(sessions)
    ticket = await _open(sessions, world)
    async with sessions() as session:
        await ticket_changes.apply_action(session, ticket.id, ATHENS_STAFF, Action.TAKE, now=T0)
        with pytest.raises(AlreadyAssigned):
            await ticket_changes.apply_action(
                session, ticket.id, ATHENS_STAFF, Action.TAKE, now=T0
            )
        await ticket_changes.apply_action(session, ticket.id, ATHENS_STAFF, Action.RESOLVE, now=T0)
        with pytest.raises(TransitionRefused) as info:
            await ticket_changes.apply_action(
                session, ticket.id, ATHENS_STAFF_2, Action.RESOLVE, now=T0
            )
        assert info.value.reason is Refusal.ALREADY
        await ticket_changes.apply_action(session, ticket.id, TEACHER, Action.CLOSE, now=T0)
        with pytest.raises(TransitionRefused) as info:
            await ticket_changes.add_message(
                session, ticket.id, ATHENS_STAFF, MessageKind.REPLY, "κάτι ακόμη", now=T0
            )
        assert info.value.reason is Refusal.FROM_STATUS
        events = await ticket_queries.history(session, ticket.id, include_internal=True)
    assert [e.kind for e in events][-1] is EventKind.CLOSED


async def test_a_colleague_taking_over_is_recorded_with_the_previous_assignee(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    world = await build_world(sessions)
    ticket = await _open(sessions, world)
    async with sessions() as session:
        await ticket_changes.apply_action(session, ticket.id, ATHENS_STAFF, Action.TAKE, now=T0)
        change = await ticket_changes.apply_action(
            session, ticket.id, ATHENS_STAFF_2, Action.TAKE, now=T0
        )
    assert change.ticket.assignee_id == ATHENS_STAFF_2.user_id
    assert [(e.kind, e.text) for e in change.events] == [(EventKind.ASSIGNED, ATHENS_STAFF.name)]


async def test_reopen_is_refused_after_the_window(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    world = await build_world(sessions)
    ticket = await _open(sessions, world)
    async with sessions() as session:
        await ticket_changes.apply_action(session, ticket.id, ATHENS_STAFF, Action.RESOLVE, now=T0)
        with pytest.raises(TransitionRefused) as info:
            await ticket_changes.apply_action(
                session,
                ticket.id,
                TEACHER,
                Action.REOPEN,
                now=T0 + timedelta(days=15),
                reopen_days=14,
            )
    assert info.value.reason is Refusal.REOPEN_EXPIRED


async def test_the_event_log_is_append_only(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    world = await build_world(sessions)
    ticket = await _open(sessions, world)
    async with sessions() as session:
        event = await session.scalar(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id))
        assert event is not None
        event.text = "rewritten history"
        with pytest.raises(ValueError, match="append-only"):
            await session.flush()
        await session.rollback()
        event = await session.scalar(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id))
        assert event is not None
        await session.delete(event)
        with pytest.raises(ValueError, match="append-only"):
            await session.flush()


async def test_note_attachments_are_internal(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    world = await build_world(sessions)
    ticket = await _open(sessions, world, photos=0)
    photo = NewAttachment(AttachmentKind.PHOTO, "staff-photo")
    async with sessions() as session:
        await ticket_changes.add_message(
            session, ticket.id, ATHENS_STAFF, MessageKind.NOTE, "", attachments=[photo], now=T0
        )
        stored = await session.scalar(
            select(TicketAttachment).where(TicketAttachment.file_id == "staff-photo")
        )
    assert stored is not None
    assert stored.internal


async def test_lists_for_teacher_and_staff_are_paged_and_scoped(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    world = await build_world(sessions)
    opened = [await _open(sessions, world, at=timedelta(hours=2 * i)) for i in range(7)]
    async with sessions() as session:
        await ticket_changes.apply_action(session, opened[0].id, ATHENS_STAFF, Action.TAKE, now=T0)
        await ticket_changes.apply_action(
            session, opened[1].id, ATHENS_STAFF_2, Action.TAKE, now=T0
        )
        await ticket_changes.apply_action(session, opened[2].id, TEACHER, Action.CLOSE, now=T0)
        first = await ticket_queries.tickets_of_teacher(session, TEACHER.user_id, per_page=5)
        second = await ticket_queries.tickets_of_teacher(
            session, TEACHER.user_id, page=1, per_page=5
        )
        mine = await ticket_queries.tickets_of_centres(
            session, [world.athens.id], ListScope.MINE, user_id=ATHENS_STAFF.user_id
        )
        unassigned = await ticket_queries.tickets_of_centres(
            session, [world.athens.id], ListScope.UNASSIGNED, user_id=ATHENS_STAFF.user_id
        )
        everything = await ticket_queries.tickets_of_centres(
            session, [world.athens.id], ListScope.ALL, user_id=ATHENS_STAFF.user_id, per_page=10
        )
        north = await ticket_queries.tickets_of_centres(
            session, [world.thessaloniki.id], ListScope.ALL, user_id=THESSALONIKI_STAFF.user_id
        )
    assert (first.total, first.pages, len(first.items), len(second.items)) == (7, 2, 5, 2)
    assert [t.id for t in mine.items] == [opened[0].id]
    assert {t.id for t in unassigned.items} == {t.id for t in opened[3:]}
    assert everything.total == 6  # the closed one is not open work
    assert north.total == 0


async def test_message_links_find_the_ticket_from_a_reply(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    world = await build_world(sessions)
    ticket = await _open(sessions, world)
    async with sessions() as session:
        await ticket_links.link_message(
            session, ticket.id, TEACHER.user_id, 77, MessagePurpose.TEACHER, now=T0
        )
        await ticket_links.set_staff_post(
            session, ticket.id, world.athens.staff_chat_id or 0, 5, now=T0
        )
        found = await ticket_links.ticket_of_message(session, TEACHER.user_id, 77)
        post = await ticket_links.ticket_of_message(session, world.athens.staff_chat_id or 0, 5)
        missing = await ticket_links.ticket_of_message(session, TEACHER.user_id, 78)
        stored = await tickets.get_ticket(session, ticket.id)
    assert found == (ticket.id, MessagePurpose.TEACHER)
    assert post == (ticket.id, MessagePurpose.POST)
    assert missing is None
    assert stored.staff_message_id == 5


async def test_summary_counts_and_median_times(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    world = await build_world(sessions)
    a = await _open(sessions, world)
    b = await _open(sessions, world, at=timedelta(minutes=1), category=Category.PRINTER)
    await _open(sessions, world, at=timedelta(minutes=2), category=Category.PRINTER)
    async with sessions() as session:
        await ticket_changes.apply_action(
            session, a.id, ATHENS_STAFF, Action.TAKE, now=T0 + timedelta(minutes=10)
        )
        await ticket_changes.apply_action(
            session, a.id, ATHENS_STAFF, Action.RESOLVE, now=T0 + timedelta(hours=4)
        )
        await ticket_changes.add_message(
            session,
            b.id,
            ATHENS_STAFF,
            MessageKind.REPLY,
            "Δοκιμάστε ξανά.",
            now=T0 + timedelta(minutes=31),
        )
        week = await ticket_summary.summary(
            session, world.athens.id, since=T0 - timedelta(days=1), until=T0 + timedelta(days=6)
        )
        empty = await ticket_summary.summary(
            session, world.thessaloniki.id, since=T0, until=T0 + timedelta(days=7)
        )
    assert week.opened == 3
    assert week.by_status == {Status.RESOLVED: 1, Status.NEW: 2}
    assert week.by_category == {Category.COMPUTER: 1, Category.PRINTER: 2}
    assert week.median_first_response == timedelta(minutes=20)  # 10 and 30 minutes
    assert week.median_resolution == timedelta(hours=4)
    assert week.open_now == 2
    assert (empty.opened, empty.median_first_response, empty.median_resolution) == (0, None, None)
