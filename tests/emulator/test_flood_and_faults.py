"""Flood limits answered with 429 + retry_after, injected faults, and blocked chats."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import aiohttp
import pytest
from telegram import Bot
from telegram.error import NetworkError, RetryAfter, TimedOut

from bot.emulator import EmulatorServer, SimApiError, SimClient
from bot.emulator.flood import FloodControl
from tests.emulator.conftest import ALICE, TOKEN, RawApi


class FakeClock:
    """Monotonic seconds that only move when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


# ---- the limits themselves (fake clock) -------------------------------------------------


def test_a_private_chat_allows_a_burst_then_one_per_second() -> None:
    clock = FakeClock()
    flood = FloodControl(clock=clock)
    assert [flood.acquire(1, is_group=False) for _ in range(3)] == [None, None, None]
    assert flood.acquire(1, is_group=False) == 1
    assert flood.acquire(2, is_group=False) is None  # other chats are not affected
    clock.advance(1.0)
    assert flood.acquire(1, is_group=False) is None
    assert flood.acquire(1, is_group=False) == 1
    clock.advance(0.5)
    assert flood.acquire(1, is_group=False) == 1  # half a token is not a message
    clock.advance(0.5)
    assert flood.acquire(1, is_group=False) is None


def test_a_group_allows_twenty_per_sliding_minute() -> None:
    clock = FakeClock()
    flood = FloodControl(clock=clock)
    for _ in range(20):
        assert flood.acquire(-5, is_group=True) is None
        clock.advance(1.0)
    # The first of the 20 left the window 60 s after it was sent: 40 s from now.
    assert flood.acquire(-5, is_group=True) == 40
    clock.advance(39.5)
    assert flood.acquire(-5, is_group=True) == 1
    clock.advance(0.5)
    assert flood.acquire(-5, is_group=True) is None
    assert flood.acquire(-5, is_group=True) == 1


def test_thirty_per_second_overall() -> None:
    clock = FakeClock()
    flood = FloodControl(clock=clock)
    for chat in range(30):
        assert flood.acquire(chat, is_group=False) is None
    assert flood.acquire(99, is_group=False) == 1
    clock.advance(1.0)
    assert flood.acquire(99, is_group=False) is None


def test_limits_are_configurable() -> None:
    flood = FloodControl(overall_per_second=2, per_chat_per_second=10, clock=FakeClock())
    assert flood.acquire(1, is_group=False) is None
    assert flood.acquire(2, is_group=False) is None
    assert flood.acquire(3, is_group=False) == 1


# ---- over HTTP ----------------------------------------------------------------------------


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def limited(clock: FakeClock) -> AsyncIterator[EmulatorServer]:
    async with EmulatorServer(flood_limits=True, clock=clock) as server:
        yield server


async def test_flooding_a_chat_answers_429_with_retry_after(
    limited: EmulatorServer, http: aiohttp.ClientSession, clock: FakeClock
) -> None:
    raw = RawApi(http, limited.url)
    async with SimClient(limited.url, http) as sim:
        await sim.send_text(ALICE, "/start")
        for n in range(3):
            await raw.ok("sendMessage", chat_id=ALICE.id, text=f"#{n}")
        status, body = await raw.call("sendMessage", chat_id=ALICE.id, text="one too many")
        assert status == 429
        assert body == {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 1",
            "parameters": {"retry_after": 1},
        }
        stats = await sim.stats()
        assert stats["too_many_requests"] == 1
        assert stats["errors"]["sendMessage"] == {"429": 1}
        assert len(stats["sent"][str(ALICE.id)]) == 3
        assert [m["text"] for m in await sim.messages(ALICE.id) if m["from_bot"]] == [
            "#0",
            "#1",
            "#2",
        ]
        clock.advance(1.0)
        await raw.ok("sendMessage", chat_id=ALICE.id, text="after waiting")


async def test_ptb_sees_retry_after(limited: EmulatorServer, clock: FakeClock) -> None:
    async with SimClient(limited.url) as sim:
        await sim.add_to_group(ALICE, -77, "Staff", status="creator")
    bot = Bot(TOKEN, base_url=f"{limited.api_url}/bot")
    async with bot:
        for n in range(20):
            await bot.send_message(-77, f"#{n}")
            clock.advance(0.5)
        with pytest.raises(RetryAfter) as error:
            await bot.send_message(-77, "#21")
    assert error.value.retry_after == dt.timedelta(seconds=50)


async def test_limits_are_off_by_default(raw: RawApi, sim: SimClient) -> None:
    await sim.send_text(ALICE, "/start")
    for n in range(40):
        await raw.ok("sendMessage", chat_id=ALICE.id, text=f"#{n}")
    assert (await sim.stats())["too_many_requests"] == 0


# ---- injected faults ----------------------------------------------------------------------


async def test_5xx_fault_for_the_next_calls_only(bot: Bot, sim: SimClient) -> None:
    await sim.send_text(ALICE, "/start")
    await sim.inject_fault("sendMessage", "5xx", count=2)
    for _ in range(2):
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await bot.send_message(ALICE.id, "lost")
    await bot.send_message(ALICE.id, "delivered")
    assert [m["text"] for m in await sim.messages(ALICE.id) if m["from_bot"]] == ["delivered"]
    stats = await sim.stats()
    assert stats["calls"]["sendMessage"] == 3
    assert stats["errors"]["sendMessage"] == {"502": 2}


async def test_429_fault_carries_retry_after(bot: Bot, sim: SimClient) -> None:
    await sim.send_text(ALICE, "/start")
    await sim.inject_fault("editMessageText", "429", retry_after=7)
    sent = await bot.send_message(ALICE.id, "a")
    with pytest.raises(RetryAfter) as error:
        await bot.edit_message_text("b", ALICE.id, sent.message_id)
    assert error.value.retry_after == dt.timedelta(seconds=7)
    assert (await sim.stats())["too_many_requests"] == 1
    await bot.edit_message_text("b", ALICE.id, sent.message_id)


async def test_timeout_fault_hangs_past_the_client_timeout(bot: Bot, sim: SimClient) -> None:
    await sim.send_text(ALICE, "/start")
    await sim.inject_fault("sendMessage", "timeout", hang_seconds=20)
    with pytest.raises(TimedOut):
        await bot.send_message(ALICE.id, "never", read_timeout=0.3)
    await bot.send_message(ALICE.id, "next")
    assert [m["text"] for m in await sim.messages(ALICE.id) if m["from_bot"]] == ["next"]


async def test_faults_are_checked(sim: SimClient) -> None:
    with pytest.raises(SimApiError, match="unknown Bot API method"):
        await sim.inject_fault("sendTelepathy", "5xx")
    with pytest.raises(SimApiError, match="kind must be one of"):
        await sim.inject_fault("sendMessage", "meteor")


async def test_blocking_sends_my_chat_member_and_403(bot: Bot, sim: SimClient) -> None:
    await sim.send_text(ALICE, "/start")
    await sim.block(ALICE.id)
    _, blocked = await bot.get_updates()
    assert blocked.my_chat_member is not None
    assert blocked.my_chat_member.new_chat_member.status == "kicked"
    with pytest.raises(Exception, match="Forbidden: bot was blocked by the user"):
        await bot.send_message(ALICE.id, "still there?")
    await sim.block(ALICE.id, blocked=False)
    [unblocked] = await bot.get_updates(offset=blocked.update_id + 1)
    assert unblocked.my_chat_member is not None
    assert unblocked.my_chat_member.new_chat_member.status == "member"
    await bot.send_message(ALICE.id, "welcome back")
