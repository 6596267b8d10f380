"""Per-update speed: keplibot answering FAQ questions beside a bare PTB echo bot.

Each bot runs in a process of its own, polling the local Bot API emulator (flood
limits off), which runs here with the simulated teachers. Measured in one run, on
the same machine, so that the ratios mean something where the absolute figures
depend on the machine:

- **saturated closed loop**: `--users` teachers each ask, wait for the answer and ask
  again, for `--seconds`: answers per second, the bot's CPU seconds per answer
  (from /proc), latency p50/p99;
- **paced load**: the same teachers each ask about every `--pace` seconds (jittered),
  for `--paced-seconds` (60: about 1,200 answers, enough for a p99): latency p50/p99 of
  every bot (the target is keplibot's as shipped, its outgoing limiter on; the echo
  bots' show what the machine gives a bot doing nothing);
- **memory**: the bot's resident memory after `--population` distinct teachers have
  each asked once.

Bots: `echo` (PTB's default, one update at a time), `echo-concurrent` (the same
per-chat concurrency as keplibot), `keplibot-nolimit` (keplibot without its outgoing
rate limiter) and `keplibot` (as shipped). Targets (issue 14), checked and printed;
exits 1 when one is missed:

- keplibot-nolimit answers/s ≥ 0.5 × echo-concurrent's; CPU per answer ≤ 3 ms where
  the echo bot needs 1.2 ms, checked as ≤ 2.5 × echo-concurrent's of the same run (the
  absolute figure is printed: it moves with the machine, the echo bot's too);
- paced p99 < 50 ms (keplibot as shipped);
- saturated p99 ≤ 2 × p50 (keplibot as shipped);
- RSS after the population < 250 MB;
- **standby takeover** (with `--database-url` of a PostgreSQL database the bench may
  write to, else `KEPLIBOT_TEST_DATABASE_URL`; skipped without one): `keplibot run` as
  leader and a second one as its standby; `--chats` teachers each send three commands
  around a `kill -9` of the leader (one before, one about at, one after): the seconds
  from the kill to the standby's first message (≤ 15 s), and the replies lost or
  duplicated (0 each); then the same around a SIGTERM of the leader (a restart or an
  upgrade as an operator or a supervisor makes it): replies lost or duplicated (0 each).

    .venv/bin/python bench/bench_updates.py [--users 100] [--seconds 20] [--pace 5]
                                            [--paced-seconds 60]
                                            [--population 10000] [--only keplibot,...]
                                            [--database-url URL] [--chats 50]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.emulator.server import EmulatorServer
from bot.emulator.sim import SimApiError, SimClient, SimUser

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "424242:bench-updates-TOKEN"
FIRST_USER = 300_000_000
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

# The bots, each a small program run as `python -c`; {url} is the emulator's.
ECHO = """
import asyncio
from telegram.ext import ApplicationBuilder, MessageHandler, filters
async def echo(update, context):
    await update.effective_message.reply_text(update.effective_message.text)
builder = ApplicationBuilder().token({token!r}).base_url({url!r} + "/bot")
{concurrency}
app = builder.build()
app.add_handler(MessageHandler(filters.TEXT, echo))
app.run_polling(poll_interval=0, timeout=10, close_loop=False)
"""
ECHO_CONCURRENCY = (
    "from bot.app import PerChatUpdateProcessor\n"
    "builder = builder.concurrent_updates(PerChatUpdateProcessor(128))"
)
KEPLIBOT = """
import asyncio
from telegram.ext import BaseRateLimiter
from bot.app import build_application
from bot.config import load_settings
from bot.logging import setup_logging
from bot.web import serve_polling
class NoLimiter(BaseRateLimiter):
    async def initialize(self): pass
    async def shutdown(self): pass
    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):
        return await callback(*args, **kwargs)
settings = load_settings(telegram_token={token!r}, telegram_base_url={url!r} + "/bot",
                         telegram_base_file_url={url!r} + "/file/bot",
                         database_url={database!r}, log_level="WARNING")
setup_logging(settings)
app = build_application(settings, rate_limiter={limiter})
asyncio.run(serve_polling(settings, application=app))
"""
BOTS = ("echo", "echo-concurrent", "keplibot-nolimit", "keplibot", "takeover")
TAKEOVER_LIMIT = 15.0  # seconds (issue 14)
CPU_RATIO_TARGET = 3.0 / 1.2  # issue 14: 3 ms per FAQ answer where the echo bot needed 1.2 ms


def program(bot: str, url: str, database: str) -> str:
    if bot.startswith("echo"):
        concurrency = ECHO_CONCURRENCY if bot == "echo-concurrent" else ""
        return textwrap.dedent(ECHO).format(token=TOKEN, url=url, concurrency=concurrency)
    limiter = "NoLimiter()" if bot == "keplibot-nolimit" else "None"
    return textwrap.dedent(KEPLIBOT).format(
        token=TOKEN, url=url, database=database, limiter=limiter
    )


def questions() -> list[str]:
    """Teachers' questions: the FAQ evaluation set's."""
    data = yaml.safe_load((ROOT / "tests" / "data" / "faq_eval.yaml").read_text("utf-8"))
    return [str(item["q"]) for item in data["questions"]]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@dataclass
class Figures:
    bot: str
    answers_per_s: float = 0.0
    cpu_ms: float = 0.0
    sat_p50: float = 0.0
    sat_p99: float = 0.0
    paced_p50: float = float("nan")
    paced_p99: float = float("nan")
    rss: float = float("nan")
    lost: int = 0
    notes: list[str] = field(default_factory=list)


async def ask(sim: SimClient, user: SimUser, text: str) -> float | None:
    """Seconds from sending `text` to the bot's first answer; None if none came."""
    started = time.perf_counter()
    await sim.send_text(user, text)
    try:
        await sim.wait_for_bot_messages(user.id, timeout=30)
    except TimeoutError:
        return None
    return time.perf_counter() - started


async def closed_loop(
    sim: SimClient, users: list[SimUser], texts: list[str], seconds: float
) -> tuple[list[float], int]:
    stop_at = time.perf_counter() + seconds
    latencies: list[float] = []
    lost = 0

    async def teacher(user: SimUser, rng: random.Random) -> None:
        nonlocal lost
        while time.perf_counter() < stop_at:
            took = await ask(sim, user, rng.choice(texts))
            if took is None:
                lost += 1
            else:
                latencies.append(took)

    await asyncio.gather(*(teacher(u, random.Random(u.id)) for u in users))
    return latencies, lost


async def paced(
    sim: SimClient, users: list[SimUser], texts: list[str], seconds: float, pace: float
) -> tuple[list[float], int]:
    stop_at = time.perf_counter() + seconds
    latencies: list[float] = []
    lost = 0

    async def teacher(user: SimUser, rng: random.Random) -> None:
        nonlocal lost
        await asyncio.sleep(rng.uniform(0, pace))
        while time.perf_counter() < stop_at:
            began = time.perf_counter()
            took = await ask(sim, user, rng.choice(texts))
            if took is None:
                lost += 1
            else:
                latencies.append(took)
            await asyncio.sleep(
                max(0.0, rng.uniform(0.5 * pace, 1.5 * pace) - (time.perf_counter() - began))
            )

    await asyncio.gather(*(teacher(u, random.Random(u.id)) for u in users))
    return latencies, lost


async def measure(bot: str, args: argparse.Namespace, texts: list[str], workdir: Path) -> Figures:
    figures = Figures(bot)
    async with EmulatorServer(token=TOKEN) as server, SimClient(server.url) as sim:
        database = f"sqlite+aiosqlite:///{workdir / f'{bot}.sqlite3'}"
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            program(bot, server.url, database),
            cwd=ROOT,
            stdout=asyncio.subprocess.DEVNULL,
        )
        try:
            users = [
                SimUser(FIRST_USER + n, f"Εκπαιδευτικός {n}", language_code="el")
                for n in range(args.users)
            ]
            for _ in range(60):  # the bot starts (migrations, FAQ index)
                if await ask(sim, users[0], "/start" if "keplibot" in bot else "hi") is not None:
                    break
            else:
                raise RuntimeError(f"{bot} did not answer at start")
            await closed_loop(sim, users, texts, 3)  # warm-up: every user known to the bot
            cpu_before = cpu_seconds(process.pid)
            latencies, lost = await closed_loop(sim, users, texts, args.seconds)
            cpu = cpu_seconds(process.pid) - cpu_before
            figures.answers_per_s = len(latencies) / args.seconds
            figures.cpu_ms = 1000 * cpu / max(1, len(latencies))
            figures.sat_p50 = 1000 * percentile(latencies, 0.5)
            figures.sat_p99 = 1000 * percentile(latencies, 0.99)
            figures.lost += lost
            # Every bot under the paced load: the echo bots' latency says what the machine
            # (and its other load) gives a bot that does nothing. First a pause longer than
            # the outgoing limiter's window (30 messages in any second): the saturated
            # loop's last second would hold the first paced questions.
            await asyncio.sleep(2.0)
            latencies, lost = await paced(sim, users, texts, args.paced_seconds, args.pace)
            figures.paced_p50 = 1000 * percentile(latencies, 0.5)
            figures.paced_p99 = 1000 * percentile(latencies, 0.99)
            figures.lost += lost
            if bot == "keplibot" and args.population:
                population = [
                    SimUser(FIRST_USER + args.users + n, f"Νέος {n}", language_code="el")
                    for n in range(args.population)
                ]
                queue = iter(population)

                async def newcomer() -> None:
                    for user in queue:
                        if await ask(sim, user, random.choice(texts)) is None:
                            figures.lost += 1

                await asyncio.gather(*(newcomer() for _ in range(args.users)))
                figures.rss = rss_mb(process.pid)
        finally:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 20)
            except TimeoutError:
                process.kill()
                await process.wait()
    return figures


@dataclass
class Takeover:
    seconds: float = float("nan")  # from the kill to the standby's first message
    lost: int = 0
    duplicated: int = 0
    chats: int = 0


async def start_run(url: str, database: str, log: Path) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))}
    env |= {
        "TELEGRAM_TOKEN": TOKEN,
        "TELEGRAM_BASE_URL": f"{url}/bot",
        "TELEGRAM_BASE_FILE_URL": f"{url}/file/bot",
        "DATABASE_URL": database,
        "LOG_LEVEL": "INFO",
    }
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


async def logged(log: Path, words: str, timeout: float = 60) -> None:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while words not in await asyncio.to_thread(log.read_text, errors="replace"):
        if time.monotonic() > deadline:
            raise RuntimeError(f"{words!r} not logged in {log}")
        await asyncio.sleep(0.2)


async def forget_updates(url: str) -> None:
    """Empty the update ledger and inbox of the bench's database: a new emulator's update ids
    (ten a second of wall time) may be ones an earlier run left there, which the bot would
    ignore as replays."""
    from bot.db import create_engine, upgrade_schema

    await upgrade_schema(url)
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.exec_driver_sql("DELETE FROM processed_updates")
            await connection.exec_driver_sql("DELETE FROM update_inbox")
    finally:
        await engine.dispose()


async def takeover(
    args: argparse.Namespace, workdir: Path, stop: signal.Signals = signal.SIGKILL
) -> Takeover:
    """Leader and standby on PostgreSQL; `args.chats` × 3 commands around a kill -9 of the
    leader (`stop`: SIGTERM for a restart as an operator or a supervisor makes it)."""
    figures = Takeover(chats=args.chats)
    await forget_updates(args.database_url)
    async with EmulatorServer(token=TOKEN) as server, SimClient(server.url) as sim:
        leader = await start_run(server.url, args.database_url, workdir / "leader.log")
        standby: asyncio.subprocess.Process | None = None
        try:
            teachers = [
                SimUser(FIRST_USER + 900_000 + n, f"Εκπαιδευτικός {n}", language_code="el")
                for n in range(args.chats)
            ]
            for _ in range(60):
                if await ask(sim, teachers[0], "/help") is not None:
                    break
            standby = await start_run(server.url, args.database_url, workdir / "standby.log")
            await logged(workdir / "standby.log", "waiting as a standby")
            before = {t.id: len(await transcript_of(sim, t.id)) for t in teachers}
            killed_at = 0.0

            async def kill_leader() -> None:
                nonlocal killed_at
                await asyncio.sleep(1.5)
                leader.send_signal(stop)
                killed_at = time.time()

            async def teacher(user: SimUser, rng: random.Random) -> None:
                for window in (0.0, 1.0, 2.0):  # before, about at, after the kill
                    await asyncio.sleep(max(0.0, window + rng.uniform(0, 1) - elapsed()))
                    await sim.send_text(user, "/help")

            began = time.monotonic()

            def elapsed() -> float:
                return time.monotonic() - began

            await asyncio.gather(
                kill_leader(), *(teacher(t, random.Random(t.id)) for t in teachers)
            )
            await leader.wait()
            deadline = time.monotonic() + TAKEOVER_LIMIT + 30
            while time.monotonic() < deadline:
                counts = await replies(sim, teachers, before)
                if all(n >= 3 for n in counts.values()):
                    break
                await asyncio.sleep(0.5)
            await asyncio.sleep(2.0)  # late duplicates
            counts = await replies(sim, teachers, before)
            figures.lost = sum(max(0, 3 - n) for n in counts.values())
            figures.duplicated = sum(max(0, n - 3) for n in counts.values())
            stats = await sim.stats()
            after = [t for times in stats["sent"].values() for t in times if t > killed_at]
            if after:
                figures.seconds = min(after) - killed_at
        finally:
            for process in (leader, standby):
                if process is not None and process.returncode is None:
                    process.kill()
                    await process.wait()
    return figures


async def transcript_of(sim: SimClient, chat_id: int) -> list[dict[str, Any]]:
    """A chat's messages; none for a chat that does not exist yet."""
    try:
        return await sim.messages(chat_id)
    except SimApiError:
        return []


async def replies(
    sim: SimClient, teachers: list[SimUser], before: dict[int, int]
) -> dict[int, int]:
    """Bot messages per teacher since `before` (their transcript's length then)."""
    counts: dict[int, int] = {}
    for user in teachers:
        transcript = (await transcript_of(sim, user.id))[before[user.id] :]
        counts[user.id] = sum(1 for m in transcript if m.get("from", {}).get("is_bot"))
    return counts


def report(
    results: dict[str, Figures],
    standby: Takeover | None = None,
    restart: Takeover | None = None,
) -> int:
    print(
        f"{'bot':18} {'answers/s':>10} {'CPU ms/ans':>11} {'sat p50':>8} {'sat p99':>8} "
        f"{'paced p50':>10} {'paced p99':>10} {'RSS MB':>7} {'lost':>5}"
    )
    for f in results.values():
        print(
            f"{f.bot:18} {f.answers_per_s:10.1f} {f.cpu_ms:11.2f} {f.sat_p50:8.0f} "
            f"{f.sat_p99:8.0f} {f.paced_p50:10.0f} {f.paced_p99:10.0f} {f.rss:7.0f} {f.lost:5d}"
        )
    checks: list[tuple[str, bool]] = []
    nolimit, echo = results.get("keplibot-nolimit"), results.get("echo-concurrent")
    if nolimit and echo:
        ratio = nolimit.answers_per_s / echo.answers_per_s
        print(f"keplibot-nolimit / echo-concurrent throughput: {ratio:.2f}x")
        checks.append((f"throughput ratio {ratio:.2f} >= 0.5", ratio >= 0.5))
    if nolimit and echo:
        # Issue 14 set 3 ms on a machine where the bare echo bot needed 1.2 ms: 2.5 times
        # the echo bot's. The machine's speed and load move every CPU figure (the echo
        # bot's too: 1.2 to 12 ms seen on the development machines), so the target is
        # checked against the echo bot of the same run; the absolute figure is printed.
        ratio = nolimit.cpu_ms / echo.cpu_ms
        print(f"keplibot-nolimit / echo-concurrent CPU per answer: {ratio:.2f}x")
        print(
            f"CPU per answer {nolimit.cpu_ms:.2f} ms "
            f"({'within' if nolimit.cpu_ms <= 3 else 'above'} 3 ms in absolute terms; "
            f"the echo bot needs {echo.cpu_ms:.2f} ms here, 1.2 ms where the target was set)"
        )
        checks.append(
            (
                f"CPU per answer {nolimit.cpu_ms:.2f} ms <= 2.5 x echo-concurrent's "
                f"{echo.cpu_ms:.2f} ms (3 ms : 1.2 ms)",
                ratio <= CPU_RATIO_TARGET,
            )
        )
    elif nolimit:
        checks.append((f"CPU per answer {nolimit.cpu_ms:.2f} ms <= 3", nolimit.cpu_ms <= 3))
    shipped = results.get("keplibot")
    if shipped:
        checks.append((f"paced p99 {shipped.paced_p99:.0f} ms < 50", shipped.paced_p99 < 50))
        checks.append(
            (
                f"saturated p99 {shipped.sat_p99:.0f} ms <= 2 x p50 {shipped.sat_p50:.0f} ms",
                shipped.sat_p99 <= 2 * shipped.sat_p50,
            )
        )
        if shipped.rss == shipped.rss:  # measured (not NaN)
            checks.append((f"RSS {shipped.rss:.0f} MB < 250", shipped.rss < 250))
    for result in results.values():
        checks.append(
            (f"{result.bot}: no question left unanswered ({result.lost})", result.lost == 0)
        )
    if standby is not None:
        print(
            f"standby takeover: {standby.seconds:.1f} s after kill -9; {standby.chats} chats x 3: "
            f"{standby.lost} replies lost, {standby.duplicated} duplicated"
        )
        checks.append(
            (
                f"takeover {standby.seconds:.1f} s <= {TAKEOVER_LIMIT:.0f}",
                standby.seconds <= TAKEOVER_LIMIT,
            )
        )
        checks.append((f"takeover: {standby.lost} replies lost (0)", standby.lost == 0))
        checks.append(
            (f"takeover: {standby.duplicated} replies duplicated (0)", standby.duplicated == 0)
        )
    if restart is not None:
        print(
            f"restart (SIGTERM) with a standby: {restart.chats} chats x 3: "
            f"{restart.lost} replies lost, {restart.duplicated} duplicated"
        )
        checks.append((f"restart: {restart.lost} replies lost (0)", restart.lost == 0))
        checks.append(
            (f"restart: {restart.duplicated} replies duplicated (0)", restart.duplicated == 0)
        )
    for name, ok in checks:
        print(f"{'ok  ' if ok else 'MISS'} {name}")
    return 0 if all(ok for _, ok in checks) else 1


async def main(args: argparse.Namespace) -> int:
    texts = questions()
    wanted = args.only.split(",") if args.only else list(BOTS)
    results: dict[str, Figures] = {}
    standby: Takeover | None = None
    restart: Takeover | None = None
    with tempfile.TemporaryDirectory() as tmp:
        for bot in wanted:
            if bot == "takeover":
                if not args.database_url:
                    print("standby takeover: skipped (no --database-url of PostgreSQL)")
                    continue
                print("measuring the standby takeover ...", flush=True)
                standby = await takeover(args, Path(tmp))
                print("measuring a restart (SIGTERM) with a standby ...", flush=True)
                restart = await takeover(args, Path(tmp), signal.SIGTERM)
                continue
            print(f"measuring {bot} ...", flush=True)
            results[bot] = await measure(bot, args, texts, Path(tmp))
    return report(results, standby, restart)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--pace", type=float, default=5.0)
    parser.add_argument(
        "--paced-seconds",
        type=float,
        default=60.0,
        help="length of the paced load: at 20 questions a second, 60 s give 1,200 answers, "
        "so that p99 is the 12th slowest rather than the 2nd",
    )
    parser.add_argument("--population", type=int, default=10_000)
    parser.add_argument("--only", default="", help=f"comma-separated, of {', '.join(BOTS)}")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("KEPLIBOT_TEST_DATABASE_URL", ""),
        help="PostgreSQL for the standby takeover (its data is left there; its update "
        "ledger and inbox are emptied first)",
    )
    parser.add_argument("--chats", type=int, default=50)
    sys.exit(asyncio.run(main(parser.parse_args())))
