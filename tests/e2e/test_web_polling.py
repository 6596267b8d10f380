"""Polling mode with the web server: calendar links handed out in chat work over HTTP.

`keplibot run` serves the calendar feeds and /healthz (no webhook route) on
LISTEN_HOST:LISTEN_PORT when PUBLIC_BASE_URL is set; a port in use stops it with
a line naming LISTEN_PORT before it talks to Telegram.
"""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from icalendar import Calendar

from bot.cli import main
from bot.emulator.server import EmulatorServer
from bot.emulator.sim import SimClient
from bot.services.clock import FakeClock
from bot.web import listening_socket, serve_polling, socket_url
from tests.e2e.conftest import ALICE, BOB, TOKEN, BotHarness
from tests.e2e.test_reminders_chat import add_deadline
from tests.reminders_world import START

LINK = re.compile(r"(https?://\S+/calendar/[A-Za-z0-9_-]+\.ics)")


@pytest.fixture
def database_url(sqlite_database_url: str) -> str:
    """The web server, not storage, is under test: SQLite only."""
    return sqlite_database_url


@dataclass
class PollingBot:
    harness: BotHarness
    base: str | None  # the web server's URL, None when it does not run
    http: aiohttp.ClientSession
    clock: FakeClock


async def polling_bot(
    emulator: EmulatorServer, sim: SimClient, database_url: str, *, with_web: bool
) -> AsyncIterator[PollingBot]:
    sock = listening_socket("127.0.0.1", 0) if with_web else None
    clock = FakeClock(START)
    harness = BotHarness(
        emulator,
        sim,
        database_url,
        clock=clock.now,
        settings_overrides={"public_base_url": socket_url(sock)} if sock else {},
    )
    app = harness.build()
    harness.app = app
    stop = asyncio.Event()
    started: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(
        serve_polling(
            harness.settings,
            stop=stop,
            application=app,
            sock=sock,
            ready=started.set_result,
            poll_timeout=5,
        )
    )
    waiting: set[asyncio.Future[Any]] = {started, task}
    done, _ = await asyncio.wait(waiting, timeout=30, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        task.result()  # it failed to start: show why
    async with aiohttp.ClientSession() as http:
        yield PollingBot(harness, started.result(), http, clock)
    stop.set()
    await asyncio.wait_for(task, timeout=30)


@pytest.fixture
async def with_web(
    emulator: EmulatorServer, sim: SimClient, database_url: str
) -> AsyncIterator[PollingBot]:
    async for bot in polling_bot(emulator, sim, database_url, with_web=True):
        yield bot


@pytest.fixture
async def without_web(
    emulator: EmulatorServer, sim: SimClient, database_url: str
) -> AsyncIterator[PollingBot]:
    async for bot in polling_bot(emulator, sim, database_url, with_web=False):
        yield bot


async def test_the_calendar_link_given_in_chat_opens_the_feed(with_web: PollingBot) -> None:
    bot = with_web.harness
    assert with_web.base is not None
    [screen] = await bot.send(ALICE, "/reminders")
    await bot.press(ALICE, screen, "rem:follow")
    await add_deadline(bot, with_web.clock)

    [shown] = await bot.send(ALICE, "/calendar")
    found = LINK.search(shown["text"])
    assert found is not None
    assert found.group(1).startswith(with_web.base + "/calendar/")
    async with with_web.http.get(found.group(1)) as response:
        assert response.status == 200
        assert response.content_type == "text/calendar"
        calendar = Calendar.from_ical(await response.read())
    [event] = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == "Εκδήλωση ενδιαφέροντος για Υ.Σ.Ε.Π.Ε.Η.Υ."
    [zone] = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Europe/Athens"

    # Bob follows nothing: his own link opens an empty calendar, not Alice's dates.
    [bobs] = await bot.send(BOB, "/calendar")
    bob_link = LINK.search(bobs["text"])
    assert bob_link is not None
    assert bob_link.group(1) != found.group(1)
    async with with_web.http.get(bob_link.group(1)) as response:
        assert response.status == 200
        assert Calendar.from_ical(await response.read()).walk("VEVENT") == []

    revoked = (await bot.press(ALICE, shown, "cal:revoke")).message
    assert LINK.search(revoked["text"]) is None
    async with with_web.http.get(found.group(1)) as response:
        assert response.status == 404


async def test_the_web_server_has_healthz_but_no_webhook(with_web: PollingBot) -> None:
    assert with_web.base is not None
    async with with_web.http.get(with_web.base + "/healthz") as response:
        assert response.status == 200
        assert await response.json() == {"ok": True}
    async with with_web.http.post(with_web.base + "/telegram/anything", json={}) as response:
        assert response.status == 404
    app = with_web.harness.app
    assert app is not None
    assert (await app.bot.get_webhook_info()).url == ""
    # Still a polling bot: it answers.
    [reply] = await with_web.harness.send(ALICE, "/start")
    assert reply["text"].startswith("Γεια σας, Αλίκη!")


async def test_without_a_socket_only_polling_runs(without_web: PollingBot) -> None:
    assert without_web.base is None
    [reply] = await without_web.harness.send(BOB, "/calendar")
    assert LINK.search(reply["text"]) is None
    assert "Download the .ics file" in str(reply["reply_markup"])


def test_keplibot_run_names_listen_port_when_it_is_taken(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        for name, value in {
            "TELEGRAM_TOKEN": TOKEN,
            # Nothing listens on port 9: were Telegram called, the test would fail loudly.
            "TELEGRAM_BASE_URL": "http://127.0.0.1:9/bot",
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}",
            "PUBLIC_BASE_URL": "https://bot.example.gr",
            "LISTEN_HOST": "127.0.0.1",
            "LISTEN_PORT": str(port),
        }.items():
            monkeypatch.setenv(name, value)
        assert main(["run"]) == 78
    error = capsys.readouterr().err
    assert f"LISTEN_PORT: cannot listen on 127.0.0.1:{port}" in error
    assert not (tmp_path / "bot.sqlite3").exists()  # stopped before the bot was built
