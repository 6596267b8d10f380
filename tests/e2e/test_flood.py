"""The production rate limiter against the emulator's flood control (Telegram's limits).

These tests take a couple of seconds each: the limits are per second. The
emulator counts a message when it arrives, as Telegram does.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from telegram import Update
from telegram.ext import CommandHandler

from bot.emulator.server import EmulatorServer
from bot.emulator.sim import SimClient, SimUser
from bot.ratelimit import TelegramRateLimiter
from handlers.common import PRIVATE, reply
from handlers.context import Context, KepliApp
from tests.e2e.conftest import ALICE, Launch


@pytest.fixture
def database_url(sqlite_database_url: str) -> str:
    """Timing, not storage, is under test: SQLite only."""
    return sqlite_database_url


@pytest.fixture
async def emulator() -> AsyncIterator[EmulatorServer]:
    async with EmulatorServer(flood_limits=True) as server:
        yield server


async def burst(update: Update, context: Context) -> None:
    """Five messages in a row, as a long answer split in parts would be."""
    for part in range(1, 6):
        await reply(update, context, f"part {part} of 5")


def burst_handler(app: KepliApp) -> None:
    app.add_handler(CommandHandler("burst", burst, filters=PRIVATE))


async def test_a_burst_in_one_chat_is_paced_without_a_single_429(
    launch: Launch, sim: SimClient
) -> None:
    bot = await launch(register=burst_handler, rate_limiter=TelegramRateLimiter)
    replies = await bot.send(ALICE, "/burst")
    assert [m["text"] for m in replies] == [f"part {n} of 5" for n in range(1, 6)]
    stats = await sim.stats()
    assert stats["too_many_requests"] == 0


async def test_a_429_from_telegram_is_waited_out_and_retried(
    launch: Launch, sim: SimClient
) -> None:
    bot = await launch(rate_limiter=TelegramRateLimiter)
    await sim.inject_fault("sendMessage", "429", count=1, retry_after=1)
    [greeting] = await bot.send(ALICE, "/start")
    assert greeting["text"].startswith("Γεια σας, Αλίκη!")  # not the apology
    stats = await sim.stats()
    assert stats["too_many_requests"] == 1  # the injected one, retried after its delay


async def test_forty_teachers_at_once_all_get_their_menu(launch: Launch, sim: SimClient) -> None:
    bot = await launch(rate_limiter=TelegramRateLimiter)
    teachers = [SimUser(2000 + n, f"Teacher {n}", language_code="en") for n in range(40)]
    replies = await asyncio.gather(*(bot.send(t, "/start") for t in teachers))
    assert all(len(r) == 1 and r[0]["text"].startswith("Hello, Teacher") for r in replies)
    stats = await sim.stats()
    assert stats["too_many_requests"] == 0
