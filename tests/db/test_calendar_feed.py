"""Calendar feeds: tokens (revoke, renew), the .ics parsed back, and the HTTP route."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from icalendar import Calendar
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.calendar_feed import add_routes
from bot.config import load_settings
from bot.dialogs.reminders.calendar import render_feed
from bot.models import CalendarToken
from bot.runtime import Runtime
from bot.services import reminders, users
from bot.services.clock import FakeClock
from bot.services.reminders import calendar as service
from bot.services.reminders import deadlines as deadlines_service
from tests.reminders_world import RULES, add_deadline, add_users, athens, new_clock

TEACHER = 8_000_000_001


def runtime_for(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> Runtime:
    settings = load_settings(database_url="sqlite+aiosqlite:///unused.sqlite3")
    return Runtime(settings=settings, engine=engine, sessions=sessions, clock=clock.now)


async def test_a_token_can_be_revoked_and_renewed(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = new_clock()
    await add_users(sessions, [TEACHER])
    async with sessions() as session:
        first = await service.ensure_token(session, TEACHER, clock.now())
        assert await service.ensure_token(session, TEACHER, clock.now()) == first
        assert len(first) >= 32
        assert await service.user_of_token(session, first, clock.now()) == TEACHER
        row = await session.get(CalendarToken, 1)
        assert row is not None
        assert row.last_used_at == clock.now()

        second = await service.renew_token(session, TEACHER, clock.now())
        assert second != first
        assert await service.user_of_token(session, first, clock.now()) is None
        assert await service.user_of_token(session, second, clock.now()) == TEACHER

        assert await service.revoke_token(session, TEACHER, clock.now())
        assert not await service.revoke_token(session, TEACHER, clock.now())
        assert await service.user_of_token(session, second, clock.now()) is None
        assert await service.active_token(session, TEACHER) is None
        assert await service.ever_had_token(session, TEACHER)
        assert await service.user_of_token(session, "", clock.now()) is None


async def test_the_feed_holds_the_followed_deadlines_as_valid_icalendar(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    clock = new_clock()
    await add_users(sessions, [TEACHER], locale="en")
    async with sessions() as session:
        await reminders.subscribe(session, TEACHER, RULES, clock.now(), kinds=["interest"])
    summer = await add_deadline(
        sessions, clock, athens(2027, 10, 29, 14, 0), link="https://www.minedu.gov.gr/",
        notes_en="Apply to the head of your school.",
    )  # fmt: skip
    winter = await add_deadline(sessions, clock, athens(2027, 11, 2, 14, 0))
    await add_deadline(sessions, clock, athens(2027, 9, 20, 14, 0), kind="meeting")
    async with sessions() as session:
        await deadlines_service.move_deadline(
            session, winter.id, athens(2027, 11, 3, 9, 30), RULES, clock.now()
        )

    data = await render_feed(runtime_for(engine, sessions, clock), TEACHER)
    calendar = Calendar.from_ical(data)
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]) == service.PRODID
    [zone] = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Europe/Athens"
    assert {c.name for c in zone.subcomponents} == {"STANDARD", "DAYLIGHT"}
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {f"deadline-{summer.id}@keplibot", f"deadline-{winter.id}@keplibot"}

    first = events[f"deadline-{summer.id}@keplibot"]
    start = first.decoded("DTSTART")
    assert start == athens(2027, 10, 29, 14, 0)
    assert start.utcoffset() == timedelta(hours=3)  # summer time, before 31 October
    assert first["DTSTART"].params["TZID"] == "Europe/Athens"
    assert str(first["SUMMARY"]) == "Expression of interest for lab manager"
    assert "Apply to the head of your school." in str(first["DESCRIPTION"])
    assert str(first["URL"]) == "https://www.minedu.gov.gr/"

    moved = events[f"deadline-{winter.id}@keplibot"]
    assert moved.decoded("DTSTART").utcoffset() == timedelta(hours=2)  # winter time
    assert moved.decoded("DTSTART") == athens(2027, 11, 3, 9, 30)
    assert moved.decoded("SEQUENCE") == 1  # moved once: calendar apps replace the old one
    for event in events.values():
        for field in ("DTSTAMP", "UID", "DTSTART", "SUMMARY"):
            assert field in event


async def test_the_feed_is_in_the_readers_language_and_empty_after_stopping(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    clock = new_clock()
    await add_users(sessions, [TEACHER], locale=None)
    async with sessions() as session:
        await reminders.subscribe(session, TEACHER, RULES, clock.now())
    await add_deadline(sessions, clock, athens(2027, 10, 1, 12, 0))
    runtime = runtime_for(engine, sessions, clock)
    greek = Calendar.from_ical(await render_feed(runtime, TEACHER))
    assert str(greek["X-WR-CALNAME"]) == "keplibot: προθεσμίες"
    [event] = greek.walk("VEVENT")
    assert str(event["SUMMARY"]) == "Εκδήλωση ενδιαφέροντος για Υ.Σ.Ε.Π.Ε.Η.Υ."
    async with sessions() as session:
        await users.set_locale(session, TEACHER, "en")
        await reminders.stop(session, TEACHER, clock.now())
    english = Calendar.from_ical(await render_feed(runtime, TEACHER))
    assert str(english["X-WR-CALNAME"]) == "keplibot: deadlines"
    assert english.walk("VEVENT") == []


async def test_the_feed_follows_telegrams_language_when_none_was_chosen(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """As in chat: the chosen language, else the Telegram app's, else the default."""
    clock = new_clock()
    await add_users(sessions, [TEACHER], locale=None)
    async with sessions() as session:
        user = await users.get_user(session, TEACHER)
        assert user is not None
        user.telegram_language = "en-GB"
        await session.commit()
        await reminders.subscribe(session, TEACHER, RULES, clock.now())
    await add_deadline(sessions, clock, athens(2027, 10, 1, 12, 0))
    runtime = runtime_for(engine, sessions, clock)
    english = Calendar.from_ical(await render_feed(runtime, TEACHER))
    assert str(english["X-WR-CALNAME"]) == "keplibot: deadlines"
    [event] = english.walk("VEVENT")
    assert str(event["SUMMARY"]) == "Expression of interest for lab manager"
    async with sessions() as session:
        await users.set_locale(session, TEACHER, "el")
    greek = Calendar.from_ical(await render_feed(runtime, TEACHER))
    assert str(greek["X-WR-CALNAME"]) == "keplibot: προθεσμίες"


@pytest.fixture
async def feed_client(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> AsyncIterator[tuple[TestClient[web.Request, web.Application], FakeClock]]:
    clock = new_clock()
    web_app = web.Application()
    add_routes(web_app, runtime_for(engine, sessions, clock))
    async with TestClient(TestServer(web_app)) as client:
        yield client, clock


async def test_the_route_serves_the_feed_until_the_token_is_revoked(
    sessions: async_sessionmaker[AsyncSession],
    feed_client: tuple[TestClient[web.Request, web.Application], FakeClock],
) -> None:
    client, clock = feed_client
    await add_users(sessions, [TEACHER])
    async with sessions() as session:
        await reminders.subscribe(session, TEACHER, RULES, clock.now())
        token = await service.ensure_token(session, TEACHER, clock.now())
    await add_deadline(sessions, clock, athens(2027, 10, 1, 12, 0))

    response = await client.get(f"/calendar/{token}.ics")
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert "private" in response.headers["Cache-Control"]
    parsed = Calendar.from_ical(await response.read())
    assert len(parsed.walk("VEVENT")) == 1

    for probe in ("x" * 40, "short", token[:-1] + ("A" if token[-1] != "A" else "B")):
        assert (await client.get(f"/calendar/{probe}.ics")).status == 404
    async with sessions() as session:
        await service.revoke_token(session, TEACHER, clock.now())
    assert (await client.get(f"/calendar/{token}.ics")).status == 404
    async with sessions() as session:
        renewed = await service.renew_token(session, TEACHER, clock.now())
    assert (await client.get(f"/calendar/{renewed}.ics")).status == 200
