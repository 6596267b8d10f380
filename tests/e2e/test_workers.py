"""Two `keplibot webhook` workers on one PostgreSQL behind a round-robin proxy (bot.workers).

Real processes: the emulator posts each update to the proxy, which hands them to the
workers in turn, so a chat's successive updates land on alternating workers.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.emulator.server import EmulatorServer
from bot.emulator.sim import SimClient, SimUser
from tests.e2e.test_standby import TEACHER, environment, press_first, stop
from tests.e2e.test_webhook import free_port

SECRET = "e2e-workers_SECRET-7"
ROOT = Path(__file__).resolve().parents[2]
SCRIPT = "import sys; from bot.cli import main; sys.exit(main(['webhook']))"


@pytest.fixture
async def proxy() -> AsyncIterator[tuple[str, list[str], list[int]]]:
    """A reverse proxy giving each request to the next worker: (its URL, the workers'
    URLs to fill in, how many requests each worker got)."""
    workers: list[str] = []
    counts: list[int] = []
    turn = itertools.count()

    async def forward(request: web.Request) -> web.Response:
        body = await request.read()
        index = next(turn) % len(workers)
        counts[index] += 1
        headers = {k: v for k, v in request.headers.items() if k.lower().startswith("x-")}
        headers["Content-Type"] = request.headers.get("Content-Type", "application/json")
        async with http.post(workers[index] + request.path, data=body, headers=headers) as resp:
            return web.Response(status=resp.status, body=await resp.read())

    app = web.Application()
    app.router.add_post("/{tail:.*}", forward)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    async with aiohttp.ClientSession() as http:
        yield f"http://127.0.0.1:{port}", workers, counts
    await runner.cleanup()


async def start_workers(
    emulator: EmulatorServer,
    database_url: str,
    proxy: tuple[str, list[str], list[int]],
    tmp_path: Path,
    count: int = 2,
) -> list[asyncio.subprocess.Process]:
    base, workers, counts = proxy
    processes = []
    for index in range(count):
        port = free_port()
        env = environment(emulator, database_url) | {
            "WEBHOOK_URL": base,
            "WEBHOOK_SECRET": SECRET,
            "LISTEN_HOST": "127.0.0.1",
            "LISTEN_PORT": str(port),
        }
        with (tmp_path / f"worker{index}.log").open("wb") as sink:
            processes.append(
                await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-c",
                    SCRIPT,
                    cwd=ROOT,
                    env=env,
                    stdout=asyncio.subprocess.DEVNULL,
                    stderr=sink,
                )
            )
        workers.append(f"http://127.0.0.1:{port}")
        counts.append(0)
    deadline = time.monotonic() + 60
    async with aiohttp.ClientSession() as http:
        for index, url in enumerate(workers):
            while True:
                assert processes[index].returncode is None, (
                    tmp_path / f"worker{index}.log"
                ).read_text()
                try:
                    async with http.get(url + "/healthz") as resp:
                        if resp.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                assert time.monotonic() < deadline, "a worker did not start"
                await asyncio.sleep(0.2)
    return processes


def bot_messages_at_least(count: int) -> Callable[[list[dict[str, Any]]], bool]:
    def enough(transcript: list[dict[str, Any]]) -> bool:
        return sum(1 for m in transcript if m.get("from", {}).get("is_bot")) >= count

    return enough


def is_start_reply(message: dict[str, object]) -> bool:
    return str(message.get("text", "")).startswith("Γεια σας")


@pytest.mark.postgres
async def test_a_chat_s_updates_on_alternating_workers_keep_their_order_and_state(
    emulator: EmulatorServer,
    sim: SimClient,
    tmp_path: Path,
    postgres_database_url: str,
    proxy: tuple[str, list[str], list[int]],
) -> None:
    processes = await start_workers(emulator, postgres_database_url, proxy, tmp_path)
    try:
        await ordered_and_shared(sim, proxy)
    except BaseException:
        for index in range(2):
            print(f"--- worker {index}:\n" + (tmp_path / f"worker{index}.log").read_text())
        raise
    finally:
        for process in processes:
            await stop(process)


async def ordered_and_shared(sim: SimClient, proxy: tuple[str, list[str], list[int]]) -> None:
    """Interleaved commands keep their order; an interview goes on across workers."""
    await sim.send_text(TEACHER, "/start")
    await sim.wait_for_bot_messages(TEACHER.id, timeout=30)
    # Six commands at once: each worker gets every other one; the replies come in
    # the order they were written (/start greets, /help does not).
    sent = ["/help", "/start"] * 3
    for command in sent:
        await sim.send_text(TEACHER, command)
    replies = await sim.wait_for_bot_messages(TEACHER.id, count=len(sent), timeout=30)
    assert [is_start_reply(m) for m in replies] == [c == "/start" for c in sent]
    _, _, counts = proxy
    assert min(counts) >= 3, counts  # both workers took part

    # A points interview whose successive answers go to alternating workers.
    await sim.send_text(TEACHER, "/points")
    [*_, screen] = await sim.wait_for_bot_messages(TEACHER.id, timeout=30)
    seen = [screen["text"]]
    for _step in range(4):
        screen = await press_first(sim, screen, timeout=20)
        assert "no longer active" not in screen["text"]
        assert "δεν είναι πια" not in screen["text"]
        seen.append(screen["text"])
    assert len(set(seen)) >= 4, seen  # every press moved the interview on


@pytest.mark.postgres
async def test_telegram_faults_while_two_workers_run_every_reply_arrives_once(
    emulator: EmulatorServer,
    sim: SimClient,
    tmp_path: Path,
    postgres_database_url: str,
    proxy: tuple[str, list[str], list[int]],
) -> None:
    processes = await start_workers(emulator, postgres_database_url, proxy, tmp_path)
    teachers = [SimUser(7100 + n, f"Δάσκαλος {n}", language_code="el") for n in range(8)]
    try:
        await sim.send_text(teachers[0], "/help")
        await sim.wait_for_bot_messages(teachers[0].id, timeout=30)
        await sim.inject_fault("sendMessage", "5xx", count=4)
        await sim.inject_fault("sendMessage", "reset", count=4)
        for teacher in teachers:
            for command in ("/start", "/help"):
                await sim.send_text(teacher, command)
        for teacher in teachers:
            expected = 3 if teacher is teachers[0] else 2
            await sim.wait_until(teacher.id, bot_messages_at_least(expected), timeout=40)
        await asyncio.sleep(1.0)  # a duplicate would arrive now
        for teacher in teachers:
            bot_messages = [
                m for m in await sim.messages(teacher.id) if m.get("from", {}).get("is_bot")
            ]
            expected = 3 if teacher is teachers[0] else 2
            assert len(bot_messages) == expected, [m.get("text", "")[:30] for m in bot_messages]
            assert is_start_reply(bot_messages[-2])
            assert not is_start_reply(bot_messages[-1])
        stats = await sim.stats()
        assert sum(stats["errors"].get("sendMessage", {}).values()) >= 4, stats["errors"]
        logs = "".join((tmp_path / f"worker{i}.log").read_text() for i in range(2))
        assert not re.search(r"Traceback", logs), logs
    finally:
        for process in processes:
            await stop(process)


@pytest.mark.postgres
async def test_webhook_workers_option_starts_n_processes_on_one_port_and_stops_them(
    emulator: EmulatorServer, sim: SimClient, tmp_path: Path, postgres_database_url: str
) -> None:
    port = free_port()
    env = environment(emulator, postgres_database_url) | {
        "WEBHOOK_URL": f"http://127.0.0.1:{port}",
        "WEBHOOK_SECRET": SECRET,
        "LISTEN_HOST": "127.0.0.1",
        "LISTEN_PORT": str(port),
    }
    log = tmp_path / "workers.log"
    with log.open("wb") as sink:
        parent = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            "import sys; from bot.cli import main; sys.exit(main(['webhook', '--workers', '2']))",
            cwd=ROOT,
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=sink,
        )
    try:
        deadline = time.monotonic() + 60
        while (await asyncio.to_thread(log.read_text)).count("webhook mode: listening on") < 2:
            assert parent.returncode is None, await asyncio.to_thread(log.read_text)
            assert time.monotonic() < deadline, await asyncio.to_thread(log.read_text)
            await asyncio.sleep(0.2)
        teachers = [SimUser(7300 + n, f"Δάσκαλος {n}", language_code="el") for n in range(4)]
        for teacher in teachers:
            await sim.send_text(teacher, "/start")
        for teacher in teachers:
            [reply] = await sim.wait_for_bot_messages(teacher.id, timeout=60)
            assert is_start_reply(reply)
        text = await asyncio.to_thread(log.read_text)
        assert "started 2 webhook workers" in text
        assert text.count("webhook mode: listening on") == 2, text
        parent.terminate()
        assert await asyncio.wait_for(parent.wait(), 30) == 0
    finally:
        await stop(parent)


async def test_webhook_workers_on_sqlite_are_refused_in_one_line(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    env = environment(emulator, f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}") | {
        "WEBHOOK_URL": "http://127.0.0.1:9",
        "WEBHOOK_SECRET": SECRET,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "import sys; from bot.cli import main; sys.exit(main(['webhook', '--workers', '3']))",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 78
    assert err.decode().strip() == (
        "keplibot: configuration error: --workers: several workers need PostgreSQL "
        "(DATABASE_URL); SQLite is one process"
    )
