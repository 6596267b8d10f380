"""The rate limiter in real time, against the emulator's flood control (Telegram's limits).

Prints, for each scenario, the messages sent, the seconds taken, the rate achieved
and how many 429 answers Telegram (the emulator) gave. Targets: about 30 messages
a second over many chats (after a burst of 10), a burst of 3 then 1 a second in one
chat, 0 answers 429;
and the limiter's own cost per request in microseconds.

    .venv/bin/python bench/bench_ratelimit.py
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from telegram.ext import ExtBot  # noqa: E402

from bot.emulator.server import EmulatorServer  # noqa: E402
from bot.emulator.sim import SimClient, SimUser  # noqa: E402
from bot.ratelimit import JSONResult, TelegramRateLimiter  # noqa: E402

TOKEN = "123456:bench-ratelimit"


async def deliver(bot: ExtBot[Any], chats: list[int], per_chat: int) -> float:
    started = time.perf_counter()
    await asyncio.gather(
        *(bot.send_message(chat, f"message {n}") for chat in chats for n in range(per_chat))
    )
    return time.perf_counter() - started


async def against_the_emulator() -> None:
    async with EmulatorServer(flood_limits=True) as emulator, SimClient(emulator.url) as sim:
        users = [SimUser(10_000 + n, f"User {n}") for n in range(90)]
        for user in users:  # each user opens a private chat with the bot
            await sim.send_text(user, "/start")
        bot: ExtBot[Any] = ExtBot(
            TOKEN,
            base_url=f"{emulator.url}/bot",
            base_file_url=f"{emulator.url}/file/bot",
            rate_limiter=TelegramRateLimiter(),
        )
        async with bot:
            scenarios = [
                ("90 chats, 1 message each", [u.id for u in users], 1),
                ("1 chat, 8 messages", [users[0].id], 8),
                ("30 chats, 3 messages each", [u.id for u in users[:30]], 3),
            ]
            for name, chats, per_chat in scenarios:
                before = (await sim.stats())["too_many_requests"]
                seconds = await deliver(bot, chats, per_chat)
                refused = (await sim.stats())["too_many_requests"] - before
                count = len(chats) * per_chat
                print(
                    f"{name:28} {count:4d} messages in {seconds:5.2f} s "
                    f"= {count / seconds:5.1f}/s, 429 answers: {refused}"
                )
                await asyncio.sleep(3)  # let every bucket fill up again


async def overhead(requests: int = 20_000) -> None:
    # An overall rate and burst as large as the run: the limits never make anyone wait.
    limiter = TelegramRateLimiter(
        overall_per_second=2 * requests,
        overall_burst=requests + 1,
        private_per_second=1e9,
        private_burst=10**9,
    )

    async def instant() -> JSONResult:
        return True

    started = time.perf_counter()
    for n in range(requests):
        await limiter.process_request(instant, (), {}, "sendMessage", {"chat_id": n % 500}, None)
    seconds = time.perf_counter() - started
    print(f"limiter overhead: {seconds / requests * 1e6:6.1f} µs per request (500 chats)")


async def main() -> None:
    await overhead()
    await against_the_emulator()


if __name__ == "__main__":
    asyncio.run(main())
