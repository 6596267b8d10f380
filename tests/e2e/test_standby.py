"""`keplibot run` twice on one database: the polling lease (bot.lease), real processes.

On PostgreSQL the second process waits as a standby and takes over when the first is
killed (`kill -9`), carrying on a half-finished conversation; on SQLite it is refused
with one line, and a restart right after a crash is not.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from bot.emulator.server import EmulatorServer
from bot.emulator.sim import SimClient, SimUser

JSON = dict[str, Any]
TOKEN = "123456:e2e-TEST-token_keplibot"
ROOT = Path(__file__).resolve().parents[2]
TEACHER = SimUser(4242, "Ελένη", "Νικολάου", language_code="el")
TAKEOVER_LIMIT = 15.0  # seconds, the target


def environment(emulator: EmulatorServer, database_url: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TELEGRAM_", "DATABASE_", "WEBHOOK_", "LISTEN_", "PUBLIC_"))
    }
    return env | {
        "TELEGRAM_TOKEN": TOKEN,
        "TELEGRAM_BASE_URL": f"{emulator.url}/bot",
        "TELEGRAM_BASE_FILE_URL": f"{emulator.url}/file/bot",
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "INFO",
    }


async def start_run(env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    with log.open("wb") as sink:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            "import sys; from bot.cli import main; sys.exit(main(['run']))",
            cwd=ROOT,
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=sink,
        )


async def stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.kill()
        await process.wait()


async def wait_for_log(log: Path, words: str, timeout: float = 30) -> None:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while words not in (seen := await asyncio.to_thread(log.read_text, errors="replace")):
        assert time.monotonic() < deadline, f"{words!r} not logged:\n{seen}"
        await asyncio.sleep(0.2)


async def answered(sim: SimClient, text: str, timeout: float = 30) -> list[JSON]:  # noqa: ASYNC109
    await sim.send_text(TEACHER, text)
    return await sim.wait_for_bot_messages(TEACHER.id, timeout=timeout)


def first_button(message: JSON) -> str:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    return str(rows[0][0]["callback_data"])


async def press_first(sim: SimClient, screen: JSON, timeout: float = 10) -> JSON:  # noqa: ASYNC109
    """Press the first button of `screen`; the screen after (the edited message or a new one)."""
    before = {
        m["message_id"]: (m.get("text"), m.get("edit_date"))
        for m in await sim.messages(TEACHER.id)
    }
    await sim.press(TEACHER, screen["message_id"], first_button(screen))

    def changed(transcript: list[JSON]) -> bool:
        return any(
            m.get("from", {}).get("is_bot")
            and (
                m["message_id"] not in before
                or before[m["message_id"]] != (m.get("text"), m.get("edit_date"))
            )
            for m in transcript
        )

    transcript = await sim.wait_until(TEACHER.id, changed, timeout=timeout)
    fresh = [
        m
        for m in transcript
        if m.get("from", {}).get("is_bot")
        and m.get("reply_markup")
        and (
            m["message_id"] not in before
            or before[m["message_id"]] != (m.get("text"), m.get("edit_date"))
        )
    ]
    assert fresh, "the bot answered the press without a screen of buttons"
    return fresh[-1]


async def test_on_sqlite_a_second_process_is_refused_in_one_line_and_a_crash_is_not(
    emulator: EmulatorServer, sim: SimClient, tmp_path: Path
) -> None:
    env = environment(emulator, f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}")
    first = await start_run(env, tmp_path / "first.log")
    try:
        assert await answered(sim, "/start")
        second = await start_run(env, tmp_path / "second.log")
        status = await asyncio.wait_for(second.wait(), 60)
        err = await asyncio.to_thread((tmp_path / "second.log").read_text)
        assert status == 75, err
        last = err.strip().splitlines()[-1]
        assert last.startswith(f"keplibot: another keplibot (pid {first.pid}) is already running")
        assert "Traceback" not in err
        # The first one still answers.
        assert await answered(sim, "/help")

        first.send_signal(signal.SIGKILL)
        await first.wait()
        # Started again at once after the crash: the dead process's lock is gone.
        first = await start_run(env, tmp_path / "third.log")
        assert await answered(sim, "/start")
    finally:
        await stop(first)


@pytest.mark.postgres
async def test_on_postgresql_a_standby_takes_over_a_killed_leader_mid_interview(
    emulator: EmulatorServer, sim: SimClient, tmp_path: Path, postgres_database_url: str
) -> None:
    env = environment(emulator, postgres_database_url)
    leader = await start_run(env, tmp_path / "leader.log")
    standby: asyncio.subprocess.Process | None = None
    try:
        [*_, screen] = await answered(sim, "/points")
        screen = await press_first(sim, screen)  # the interview is under way

        standby = await start_run(env, tmp_path / "standby.log")
        await wait_for_log(tmp_path / "standby.log", "waiting as a standby")
        question = await press_first(sim, screen)
        await asyncio.sleep(1.5)  # the persistence writes conversations about once a second

        leader.send_signal(signal.SIGKILL)
        await leader.wait()
        killed = time.monotonic()
        # The question on screen before the crash is answered by the standby, which
        # carries on the same interview (a button of an ended one would say so instead).
        after = await press_first(sim, question, timeout=TAKEOVER_LIMIT + 10)
        took = time.monotonic() - killed
        assert took <= TAKEOVER_LIMIT, f"took over after {took:.1f} s"
        await wait_for_log(tmp_path / "standby.log", "taking over")
        # (A lost conversation would answer the press with a "no longer active" alert
        # and no new screen: press_first would time out.)
        assert after["text"] != question["text"]
    finally:
        await stop(leader)
        if standby is not None:
            await stop(standby)
