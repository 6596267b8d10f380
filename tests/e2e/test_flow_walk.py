"""No sequence of taps gives two active conversations: a seeded random walk of commands, texts,
photos and presses of current and stale buttons (any bot message's, old menus included) across
the points interview, the fault report and the FAQ, checking after every step that the teacher
is in at most one flow. SQLite only: it is about the handlers, not the database."""

from __future__ import annotations

import random
from typing import Any

import pytest

from tests.e2e.conftest import ALICE, BOB, BotHarness
from tests.e2e.helpdesk_e2e import png
from tests.e2e.points_chat import flows_of

JSON = dict[str, Any]
STEPS = 70
COMMANDS = ("/points", "/report", "/cancel", "/start", "/menu", "/faq", "/mypoints", "/help")
TEXTS = ("ναι", "3", "0551010", "Εργαστήριο 1", "πότε λήγει η προθεσμία", "τέλος", "PC-07")


@pytest.fixture
def database_url(sqlite_database_url: str) -> str:
    return sqlite_database_url


def buttons(message: JSON) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [
        str(b["callback_data"])
        for row in markup.get("inline_keyboard", [])
        for b in row
        if "callback_data" in b
    ]


async def step(bot: BotHarness, rng: random.Random, user: Any) -> str:
    """One random action of `user`; what it was, for the failure message."""
    roll = rng.random()
    if roll < 0.55:
        pressable = [m for m in await bot.bot_messages(user.id) if buttons(m)]
        if pressable:
            # Mostly the newest screens, but old menus and questions too.
            message = pressable[-1] if rng.random() < 0.5 else rng.choice(pressable)
            data = rng.choice(buttons(message))
            await bot.press(user, message, data)
            return f"press {data!r} on message {message['message_id']}"
    if roll < 0.8:
        command = rng.choice(COMMANDS)
        await bot.send(user, command)
        return f"send {command}"
    if roll < 0.93:
        text = rng.choice(TEXTS)
        await bot.send(user, text)
        return f"type {text!r}"
    caption = rng.choice([None, "Δεν ανάβει"])
    sent = await bot.sim.send_photo(user, png(rng.randrange(256)), caption)
    await bot.recorder.wait(("message", user.id, int(sent["message_id"])))
    return f"photo (caption {caption!r})"


@pytest.mark.parametrize("seed", [12, 2026])
async def test_no_sequence_of_taps_gives_two_conversations(bot: BotHarness, seed: int) -> None:
    rng = random.Random(seed)
    user = rng.choice([ALICE, BOB])
    await bot.send(user, "/start")
    seen: set[str] = set()
    trail: list[str] = []
    for _ in range(STEPS):
        trail.append(await step(bot, rng, user))
        active = flows_of(bot, user)
        seen |= active
        assert len(active) <= 1, f"two flows {active} after: {trail[-8:]}"
    # The walk did go into the flows it is about (else it proves nothing).
    assert {"points", "report"} <= seen, seen
