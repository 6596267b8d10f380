"""Staff invites and membership on a real database."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services.helpdesk import staff
from bot.services.helpdesk.staff import InviteProblem, InviteRefused
from tests.helpdesk_world import ATHENS_STAFF, T0, build_world


async def test_an_invite_makes_its_opener_staff_of_that_centre_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    world = await build_world(sessions)
    async with sessions() as session:
        invite = await staff.create_invite(
            session, world.thessaloniki.id, created_by=1, now=T0, valid_days=7
        )
        assert staff.token_of_payload(invite.payload) == invite.token
        assert len(invite.payload) <= 64
        assert invite.link("keplibot") == f"https://t.me/keplibot?start=staff-{invite.token}"
        redeemed = await staff.redeem_invite(
            session, invite.token, user_id=4242, name="Άννα", now=T0 + timedelta(hours=1)
        )
        assert (redeemed.centre_id, redeemed.already) == (world.thessaloniki.id, False)
        assert await staff.is_staff(session, 4242, world.thessaloniki.id)
        assert not await staff.is_staff(session, 4242, world.athens.id)
        with pytest.raises(InviteRefused) as info:
            await staff.redeem_invite(session, invite.token, user_id=4343, name="Άλλος", now=T0)
        assert info.value.problem is InviteProblem.USED
        assert not await staff.is_staff(session, 4343, world.thessaloniki.id)


async def test_expired_and_unknown_invites_are_refused(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    world = await build_world(sessions)
    async with sessions() as session:
        invite = await staff.create_invite(
            session, world.athens.id, created_by=1, now=T0, valid_days=1
        )
        with pytest.raises(InviteRefused) as expired:
            await staff.redeem_invite(
                session, invite.token, user_id=7, name="x", now=T0 + timedelta(days=1, seconds=1)
            )
        with pytest.raises(InviteRefused) as unknown:
            await staff.redeem_invite(session, "not-a-token", user_id=7, name="x", now=T0)
        assert not await staff.is_staff(session, 7, world.athens.id)
    assert expired.value.problem is InviteProblem.EXPIRED
    assert unknown.value.problem is InviteProblem.UNKNOWN


async def test_two_people_opening_one_link_at_once_let_in_only_one(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    world = await build_world(sessions)
    async with sessions() as session:
        invite = await staff.create_invite(session, world.athens.id, created_by=1, now=T0)

    async def redeem(user_id: int) -> bool:
        async with sessions() as session:
            try:
                await staff.redeem_invite(
                    session, invite.token, user_id=user_id, name=str(user_id), now=T0
                )
            except InviteRefused:
                return False
            return True

    results = await asyncio.gather(*(redeem(9000 + i) for i in range(5)))
    assert sorted(results) == [False, False, False, False, True]


async def test_existing_staff_redeeming_again_is_told_so(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    world = await build_world(sessions)
    async with sessions() as session:
        invite = await staff.create_invite(session, world.athens.id, created_by=1, now=T0)
        redeemed = await staff.redeem_invite(
            session, invite.token, user_id=ATHENS_STAFF.user_id, name="Νίκος", now=T0
        )
    assert redeemed.already


async def test_list_and_remove_staff(sessions: async_sessionmaker[AsyncSession]) -> None:
    world = await build_world(sessions)
    async with sessions() as session:
        before = await staff.list_staff(session, world.athens.id)
        removed = await staff.remove_staff(session, world.athens.id, ATHENS_STAFF.user_id)
        again = await staff.remove_staff(session, world.athens.id, ATHENS_STAFF.user_id)
        after = await staff.list_staff(session, world.athens.id)
        centres = await staff.staff_centre_ids(session, ATHENS_STAFF.user_id)
    assert len(before) == 2
    assert (removed, again) == (True, False)
    assert [m.name for m in after] == ["Ελένη Δικτύων"]
    assert centres == []
