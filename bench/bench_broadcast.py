"""Broadcast benchmark: 10,000 followers of one deadline reminded against the emulator.

The real bot (`build_application`, the production rate limiter) talks to the
local Bot API emulator with Telegram's flood limits on (30 messages per second
overall, a burst of 3 then 1 per second per chat, 429 with retry_after beyond).
Target (issue 7): every follower reminded exactly once, no 429 answer, in at
most count/30 × 1.1 seconds. Prints the achieved rate and its ratio to 30/s;
exits 1 if a target is missed.

    .venv/bin/python bench/bench_broadcast.py [--count 10000] [--database-url URL]

Without --database-url a fresh SQLite file in a temporary directory is used;
a PostgreSQL URL (postgresql+asyncpg://...) must name an empty database or one
that only this benchmark uses (its reminder tables are filled).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select

from bot.app import build_application
from bot.config import load_settings
from bot.emulator.server import EmulatorServer
from bot.models import ReminderDelivery, Subscription, User
from bot.services.clock import FakeClock
from bot.services.reminders import ReminderRules
from bot.services.reminders import deadlines as deadlines_service
from bot.services.reminders.deadlines import DeadlineDraft
from handlers.reminders.delivery import deliver_now

TOKEN = "424242:bench-broadcast-TOKEN"
TELEGRAM_RATE = 30.0  # messages per second, Telegram's overall limit
FIRST_USER = 100_000_000
START = datetime(2027, 9, 1, 9, 0, tzinfo=UTC)
DEADLINE = datetime(2027, 9, 15, 11, 0, tzinfo=UTC)  # 14:00 in Athens


def open_chats(server: EmulatorServer, count: int) -> None:
    """Each follower has opened the bot once, so the bot may write to them."""
    world = server.state
    for n in range(count):
        user = world.upsert_user({"id": FIRST_USER + n, "first_name": f"Εκπαιδευτικός {n}"})
        world.private_chat(user).started = True


async def run(count: int, database_url: str) -> int:
    async with EmulatorServer(flood_limits=True, token=TOKEN) as server:
        open_chats(server, count)
        settings = load_settings(
            telegram_token=TOKEN,
            telegram_base_url=f"{server.url}/bot",
            telegram_base_file_url=f"{server.url}/file/bot",
            database_url=database_url,
            reminder_poll_seconds=3600,  # the benchmark starts the broadcast itself
        )
        clock = FakeClock(START)
        app = build_application(settings, clock=clock.now)
        await app.initialize()
        await app.start()
        try:
            runtime = app.bot_data.runtime
            rules = ReminderRules.from_settings(settings)
            started = time.perf_counter()
            async with runtime.sessions() as session:
                ids = [FIRST_USER + n for n in range(count)]
                await session.execute(
                    insert(User),
                    [
                        {"id": i, "first_name": "Εκπαιδευτικός", "locale": ("el", "en")[i % 2],
                         "first_seen": START, "last_seen": START}
                        for i in ids
                    ],
                )  # fmt: skip
                await session.execute(
                    insert(Subscription),
                    [
                        {"user_id": i, "active": True, "kinds": "", "offsets": "7d,1d,morning",
                         "created_at": START, "updated_at": START}
                        for i in ids
                    ],
                )  # fmt: skip
                await session.commit()
            async with runtime.sessions() as session:
                await deadlines_service.create_deadline(
                    session,
                    DeadlineDraft(
                        kind="interest",
                        title_el="Εκδήλωση ενδιαφέροντος για Υ.Σ.Ε.Π.Ε.Η.Υ.",
                        title_en="Expression of interest for lab manager",
                        due_at=DEADLINE,
                    ),
                    rules,
                    clock.now(),
                )
            planning = time.perf_counter() - started
            clock.set(DEADLINE - timedelta(days=7))  # the 7-day reminder of everyone is due
            report = await deliver_now(app)
            async with runtime.sessions() as session:
                sent_rows = await session.scalar(
                    select(func.count(ReminderDelivery.id)).where(
                        ReminderDelivery.offset_code == "7d", ReminderDelivery.status == "sent"
                    )
                )
        finally:
            await app.stop()
            await app.shutdown()
        stats = server.state.stats
        per_chat = Counter({chat: len(times) for chat, times in stats.sent.items()})
        times = sorted(t for chat_times in stats.sent.values() for t in chat_times)
        too_many = stats.too_many_requests

    duplicates = sum(1 for n in per_chat.values() if n > 1)
    missing = count - len(per_chat)
    limit = count / TELEGRAM_RATE * 1.1
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    rate = report.sent / report.elapsed if report.elapsed else 0.0
    print(f"followers             {count}")
    print(f"planning              {planning:.1f} s ({count * 3} reminders planned)")
    print(f"broadcast             {report.elapsed:.1f} s (limit {limit:.1f} s)")
    print(f"first to last send    {span:.1f} s")
    print(f"sent                  {report.sent} (rows marked sent: {sent_rows})")
    print(f"achieved rate         {rate:.2f} messages/s")
    print(f"ratio to 30/s         {rate / TELEGRAM_RATE:.3f}")
    print(f"429 answers           {too_many}")
    print(f"duplicates / missing  {duplicates} / {missing}")
    print(f"errors                {dict(report.errors) or 'none'}")
    ok = (
        report.elapsed <= limit
        and too_many == 0
        and duplicates == 0
        and missing == 0
        and report.sent == count == sent_rows
    )
    print("result                " + ("PASS" if ok else "FAIL"))
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="followers (default 10000)")
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    args = parser.parse_args()
    if args.database_url:
        return asyncio.run(run(args.count, args.database_url))
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite+aiosqlite:///{Path(directory) / 'bench.sqlite3'}"
        return asyncio.run(run(args.count, url))


if __name__ == "__main__":
    sys.exit(main())
