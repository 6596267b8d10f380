"""Helpers of the helpdesk's end-to-end tests: the world, the people, a report walk-through."""

from __future__ import annotations

import secrets
import struct
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import create_engine, session_factory
from bot.emulator.sim import SimUser
from bot.emulator.state import CallbackQueryRecord
from bot.ratelimit import TelegramRateLimiter
from bot.services.clock import FakeClock
from tests.e2e.conftest import JSON, BotHarness, Launch, data_of
from tests.helpdesk_world import (
    ATHENS_STAFF_CHAT,
    T0,
    THESSALONIKI_STAFF_CHAT,
    World,
    build_world,
)

TEACHER = SimUser(1001, "Μαρία", "Παπαδοπούλου", "maria_p", language_code="el")
ENGLISH_TEACHER = SimUser(1004, "Helen", "Brown", "helen_b", language_code="en")
OTHER_TEACHER = SimUser(1002, "Γιώργος", "Νικολάου", language_code="el")
ATHENS_STAFF = SimUser(2001, "Νίκος", "Τεχνικός", language_code="el")
ATHENS_STAFF_2 = SimUser(2002, "Ελένη", "Δικτύων", language_code="el")
THESSALONIKI_STAFF = SimUser(3001, "Κώστας", "Βορείου", language_code="el")
ADMIN = SimUser(9001, "Διαχειριστής", language_code="el")


def png(seed: int = 0) -> bytes:
    """A tiny valid PNG (1×1 pixel, colour from `seed`)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixel = zlib.compress(bytes([0, seed % 256, 80, 160]))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixel) + chunk(b"IEND", b"")
    )


@asynccontextmanager
async def database(url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(url)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()


@dataclass
class Desk:
    """A running bot with two centres, their staff groups, schools and people."""

    bot: BotHarness
    world: World
    clock: FakeClock

    @property
    def sim(self) -> Any:
        return self.bot.sim

    async def send(self, user: SimUser, text: str, **kwargs: Any) -> list[JSON]:
        return await self.bot.send(user, text, **kwargs)

    async def press(self, user: SimUser, message: JSON, label: str) -> Any:
        data = data_of(message, label)
        return await self.bot.press(user, message, data, chat=int(message["chat_id"]))

    async def photo(
        self,
        user: SimUser,
        *,
        caption: str | None = None,
        album: str | None = None,
        reply_to: int | None = None,
        chat: int | None = None,
        seed: int = 0,
    ) -> list[JSON]:
        """Send a photo as `user`; the bot's messages in that chat once it is handled."""
        sent = await self.sim.send_photo(
            user, png(seed), caption, album, chat=chat, reply_to=reply_to
        )
        chat_id = int(sent["chat"]["id"])
        await self.bot.recorder.wait(("message", chat_id, int(sent["message_id"])))
        return await self.bot.bot_messages(chat_id, after=int(sent["message_id"]))

    async def reply(self, user: SimUser, to: JSON, text: str) -> list[JSON]:
        """Reply to a bot message (as a phone does after a ForceReply or a swipe)."""
        chat_id = int(to["chat_id"])
        sent = await self.sim.send_text(user, text, chat=chat_id, reply_to=int(to["message_id"]))
        await self.bot.recorder.wait(("message", chat_id, int(sent["message_id"])))
        return await self.bot.bot_messages(chat_id, after=int(sent["message_id"]))

    async def chat(self, chat_id: int) -> list[JSON]:
        """The bot's messages in a chat, as they are now (edits applied)."""
        return await self.bot.bot_messages(chat_id)

    async def last(self, chat_id: int) -> JSON:
        return (await self.chat(chat_id))[-1]


def unhurried() -> TelegramRateLimiter:
    """A staff group gets many messages in a test: Telegram's 20 a minute would stall it.

    Without the limiter's own quick retries of what Telegram did not answer, so that an
    injected fault reaches the outbox, whose retries these tests are about (the limiter's
    are tested in tests/unit/test_ratelimit.py and tests/e2e/test_errors.py)."""
    return TelegramRateLimiter(
        overall_per_second=1000,
        private_per_second=100,
        private_burst=100,
        group_per_minute=1000,
        fault_retry_delays=(),
    )


async def open_desk(
    launch: Launch, database_url: str, *, clock: FakeClock | None = None, **settings: Any
) -> Desk:
    """The world in the database, the bot started (fake clock at T0), staff in their groups."""
    async with database(database_url) as sessions:
        world = await build_world(sessions)
    overrides = {"admin_ids": [ADMIN.id], **settings}
    clock = clock or FakeClock(T0)
    bot = await launch(settings=overrides, clock=clock.now, rate_limiter=unhurried)
    title = "ΚΕΠΛΗΝΕΤ Α' Αθήνας"
    await bot.sim.add_to_group(ATHENS_STAFF, ATHENS_STAFF_CHAT, title, status="creator")
    await bot.sim.add_to_group(ATHENS_STAFF_2, ATHENS_STAFF_CHAT, title)
    await bot.sim.add_to_group(
        THESSALONIKI_STAFF, THESSALONIKI_STAFF_CHAT, "ΚΕΠΛΗΝΕΤ Αν. Θεσ/νίκης", status="creator"
    )
    await bot.idle()
    return Desk(bot, world, clock)


def forge_press(desk: Desk, user: SimUser, chat_id: int, message_id: int, data: str) -> str:
    """A callback query with any data, as a modified client could send (no button check)."""
    world = desk.bot.emulator.state
    record = world.upsert_user(user.to_json())
    message = world.chats[chat_id].messages[message_id]
    query_id = str(secrets.randbits(62))
    world.callback_queries[query_id] = CallbackQueryRecord(
        id=query_id,
        chat_id=chat_id,
        message_id=message_id,
        user_id=user.id,
        data=data,
        created=world.clock(),
    )
    world.enqueue_update(
        "callback_query",
        {
            "id": query_id,
            "from": record.to_api(),
            "message": world.message_api(message),
            "chat_instance": world.chat_instance(chat_id),
            "data": data,
        },
    )
    return query_id


async def forged(desk: Desk, user: SimUser, chat_id: int, data: str) -> JSON:
    """Send a forged press on the last bot message of `chat_id`; the bot's answer to it."""
    last = await desk.last(chat_id)
    query_id = forge_press(desk, user, chat_id, int(last["message_id"]), data)
    await desk.bot.recorder.wait(("callback", query_id))
    [answer] = await desk.sim.callback_answers(query_id=query_id)
    return answer


async def report_fault(
    desk: Desk,
    teacher: SimUser = TEACHER,
    *,
    school_query: str = "0551010",
    school_label: str = "0551010",
    lab: str = "Εργαστήριο Πληροφορικής 1",
    category: str = "Υπολογιστής",
    equipment: str | None = "PC-07",
    description: str = "Δεν ανοίγει, η οθόνη μένει μαύρη.",
    photos: int = 1,
    urgency: str = "εν μέρει",
    before_send: Callable[[], Awaitable[None]] | None = None,
) -> JSON:
    """Walk the whole report flow in Greek; the bot's final confirmation message.

    `before_send` runs just before «Αποστολή» is pressed (e.g. to inject a fault)."""
    [question] = await desk.send(teacher, "/report")
    if "Είναι εκεί η βλάβη" in question["text"]:
        question = (await desk.press(teacher, question, "Άλλο σχολείο")).message
    [choices] = await desk.send(teacher, school_query)
    await desk.press(teacher, choices, school_label)  # the message becomes the lab question
    [category_q] = await desk.send(teacher, lab)
    pressed = await desk.press(teacher, category_q, category)
    equipment_q = pressed.message
    if equipment is None:
        after = (await desk.press(teacher, equipment_q, "Παράλειψη")).message
    else:
        [after] = await desk.send(teacher, equipment)
    assert "Περιγράψτε" in after["text"], after["text"]
    await desk.send(teacher, description)
    for i in range(photos):
        await desk.photo(teacher, caption=None, album="album-1" if photos > 1 else None, seed=i)
    done = await desk.last(teacher.id)
    urgency_q = (
        await desk.press(teacher, done, "Τέλος" if photos else "Χωρίς φωτογραφίες")
    ).message
    summary = (await desk.press(teacher, urgency_q, urgency)).message
    if before_send is not None:
        await before_send()
    sent = await desk.press(teacher, summary, "Αποστολή")
    return sent.message
