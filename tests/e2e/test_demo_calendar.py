"""`keplibot demo`: the calendar link a teacher gets in the demo chat opens the feed."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from icalendar import Calendar

from bot.commands.demo import run_demo
from bot.db import create_engine, session_factory
from bot.demo.seed import SAMPLE_DEADLINES
from bot.emulator.sim import SimClient, SimUser
from bot.services.reminders import ReminderRules
from bot.services.reminders import deadlines as deadlines_service
from bot.services.reminders.deadlines import DeadlineDraft

LINK = re.compile(r"(http://127\.0\.0\.1:\d+/calendar/[A-Za-z0-9_-]+\.ics)")
MARIA = SimUser(5001, "Μαρία", language_code="el")
JOHN = SimUser(5002, "John", language_code="en")


@pytest.fixture
async def demo(tmp_path: Path) -> AsyncIterator[str]:
    """The page URL of a running demo (free ports, data in tmp_path)."""
    stop = asyncio.Event()
    url: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(
        run_demo("127.0.0.1", 0, tmp_path / "demo-data", stop=stop, ready=url.set_result)
    )
    waiting: set[asyncio.Future[Any]] = {url, task}
    done, _ = await asyncio.wait(waiting, timeout=30, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        task.result()  # it failed to start: show why
    yield await url
    stop.set()
    await asyncio.wait_for(task, timeout=30)


async def add_deadline(database: Path, due: datetime) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    try:
        async with session_factory(engine)() as session:
            await deadlines_service.create_deadline(
                session,
                DeadlineDraft(
                    kind="meeting",
                    title_el="Συνεδρίαση του συλλόγου διδασκόντων",
                    title_en="Teachers' association meeting",
                    due_at=due,
                ),
                ReminderRules.build(),
                datetime.now(UTC),
            )
    finally:
        await engine.dispose()


async def follow_and_fetch(
    sim: SimClient, http: aiohttp.ClientSession, user: SimUser
) -> tuple[str, Calendar]:
    sent = await sim.send_text(user, "/reminders")
    [screen] = await sim.wait_for_bot_messages(user.id, after_message_id=sent["message_id"])
    query = await sim.press(user, screen["message_id"], "rem:follow")
    await sim.wait_for_callback_answer(query, timeout=10)
    sent = await sim.send_text(user, "/calendar")
    [shown] = await sim.wait_for_bot_messages(user.id, after_message_id=sent["message_id"])
    found = LINK.search(shown["text"])
    assert found is not None, shown["text"]
    async with http.get(found.group(1)) as response:
        assert response.status == 200
        assert response.content_type == "text/calendar"
        return shown["text"], Calendar.from_ical(await response.read())


async def test_the_demo_calendar_link_works_in_both_languages(demo: str, tmp_path: Path) -> None:
    due = (datetime.now(UTC) + timedelta(days=20)).replace(microsecond=0)
    await add_deadline(tmp_path / "demo-data" / "keplibot.sqlite3", due)
    async with SimClient(demo.rstrip("/")) as sim, aiohttp.ClientSession() as http:
        text, greek = await follow_and_fetch(sim, http, MARIA)
        assert "Το ημερολόγιό σας" in text
        events = {str(e["SUMMARY"]): e for e in greek.walk("VEVENT")}
        event = events["Συνεδρίαση του συλλόγου διδασκόντων"]
        assert event.decoded("DTSTART") == due
        # The demo's sample dates of the selection process are there too.
        assert {s.title_el for s in SAMPLE_DEADLINES} <= set(events)
        [zone] = greek.walk("VTIMEZONE")
        assert str(zone["TZID"]) == "Europe/Athens"

        text, english = await follow_and_fetch(sim, http, JOHN)
        assert "Your calendar" in text
        summaries = {str(e["SUMMARY"]) for e in english.walk("VEVENT")}
        assert "Teachers' association meeting" in summaries
        assert {s.title_en for s in SAMPLE_DEADLINES} <= summaries
