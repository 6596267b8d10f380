"""`keplibot doctor` against the emulator, on a healthy and on a broken installation."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import update

from bot.commands.doctor import Report, examine
from bot.i18n import get_translator
from bot.models import SupportCentre
from bot.services.helpdesk import outbox
from bot.services.helpdesk.outbox import FAILED, OutboxKind
from tests.e2e.conftest import TOKEN, Launch
from tests.e2e.helpdesk_e2e import Desk, database, open_desk
from tests.helpdesk_world import ATHENS_STAFF_CHAT


async def doctor(desk: Desk, capsys: pytest.CaptureFixture[str]) -> tuple[bool, list[str]]:
    """The doctor's checks on the bot's settings, in English; (healthy, lines printed)."""
    settings = desk.bot.settings.model_copy(update={"default_locale": "en"})
    report = Report(get_translator("en"))
    capsys.readouterr()
    await examine(settings, report)
    return report.healthy, capsys.readouterr().out.splitlines()


async def test_a_healthy_installation_is_all_ok(
    launch: Launch,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    desk = await open_desk(launch, database_url)

    healthy, lines = await doctor(desk, capsys)

    assert healthy, lines
    assert all(line.startswith("OK ") for line in lines), lines
    assert lines[0].startswith("OK        settings: read")
    assert "schema at the newest migrations" in lines[1]
    assert "Bot API: the token is @" in lines[2]
    assert any("ΚΕ.ΠΛΗ.ΝΕ.Τ. Α' Αθήνας (athens-a): staff chat «" in line for line in lines)
    assert any("(thess-east): staff chat «" in line for line in lines)
    assert "OK        schools: every school's fault reports reach a staff chat" in lines
    assert any(line.startswith("OK        helpdesk outbox: 0 waiting") for line in lines)
    assert any(line.startswith("OK        reminders: 0 waiting") for line in lines)


async def test_a_broken_installation_names_each_problem(
    launch: Launch,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    desk = await open_desk(launch, database_url)
    await desk.sim.block(ATHENS_STAFF_CHAT)  # the bot was removed from the staff group
    async with database(database_url) as sessions, sessions() as session:
        await session.execute(
            update(SupportCentre)
            .where(SupportCentre.id == desk.world.thessaloniki.id)
            .values(staff_chat_id=None)
        )
        await outbox.enqueue(session, OutboxKind.ADMIN_ALERT, now=datetime.now(UTC), chat_id=1)
        await session.execute(
            update(outbox.OutboxMessage).values(status=FAILED, last_error="Forbidden")
        )
        await session.commit()

    healthy, lines = await doctor(desk, capsys)

    assert not healthy
    problems = [line for line in lines if line.startswith("PROBLEM")]
    assert len(problems) == 4, lines
    assert "(athens-a): the bot cannot post in the staff chat" in problems[0]
    assert "(kicked)" in problems[0]
    assert "(thess-east): no staff chat" in problems[1]
    assert problems[2].startswith("PROBLEM   schools: 3 schools of ΚΕ.ΠΛΗ.ΝΕ.Τ. Ανατολικής")
    assert "would reach no one: the centre has no staff chat" in problems[2]
    assert "helpdesk outbox: 0 waiting (oldest 0 min); last 7 days: 1 failed" in problems[3]


def test_the_command_exits_non_zero_on_a_problem(tmp_path: Path) -> None:
    """`keplibot doctor` itself: no database at all is one line, and exit status 1."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'none.sqlite3'}",
        "TELEGRAM_TOKEN": TOKEN,
        "DEFAULT_LOCALE": "el",
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "doctor"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("ΕΝΤΑΞΕΙ   ρυθμίσεις:")
    assert lines[-1].startswith("ΠΡΟΒΛΗΜΑ  βάση δεδομένων: ")
    assert len(lines) == 2
    assert not (tmp_path / "none.sqlite3").exists()
