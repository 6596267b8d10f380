"""A teacher going through the points interview in the emulator, for the points e2e tests.

`Teacher` keeps the question on screen (the bot's last message with buttons)
and answers it by pressing a button by its visible label or by typing, as a
person would; every call returns once the bot has handled it.
"""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime
from typing import Any

from pypdf import PdfReader
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Chat, Message, Update, User
from telegram.constants import ChatType

from bot.db import create_engine, session_factory
from bot.emulator.sim import SimUser
from bot.models import PointsDeclaration
from bot.services.points import store as points_store
from handlers.flows import active_flows
from tests.e2e.conftest import BotHarness, Pressed, labels

JSON = dict[str, Any]
QUESTION_HEAD = re.compile(r"^([0-9]+/[0-9]+|✏️ )")


def button_data(message: JSON, label: str) -> str:
    """The callback_data of the button labelled exactly `label`, else the one containing it."""
    markup = message.get("reply_markup") or {}
    buttons = [b for row in markup.get("inline_keyboard", []) for b in row]
    exact = [b for b in buttons if b["text"] == label]
    if exact:
        return str(exact[0]["callback_data"])
    partial = [b for b in buttons if label in b["text"]]
    if len(partial) != 1:
        raise AssertionError(f"no single button {label!r} in {labels(message)}")
    return str(partial[0]["callback_data"])


def plain(text: str) -> str:
    """Text with whitespace runs made single spaces (PDF text extraction adds some)."""
    return " ".join(text.split())


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return plain(" ".join(page.extract_text() for page in reader.pages))


class Teacher:
    """One user talking to the bot; `screen` is the last bot message with buttons."""

    def __init__(self, bot: BotHarness, user: SimUser) -> None:
        self.bot = bot
        self.user = user
        self.screen: JSON = {}
        self.said: list[JSON] = []  # the bot's messages after the last action

    def _saw(self, messages: list[JSON], edited: JSON | None = None) -> list[JSON]:
        """Note the bot's new messages; the screen is the newest one with buttons (a pressed
        message edited into the next question counts as the oldest)."""
        self.said = messages
        candidates = ([edited] if edited is not None else []) + messages
        with_buttons = [m for m in candidates if m.get("reply_markup")]
        if with_buttons:
            self.screen = with_buttons[-1]
        return messages

    @property
    def text(self) -> str:
        return str(self.screen.get("text") or "")

    @property
    def question(self) -> str:
        """The question on screen from its progress marker ("3/14", "✏️ ...") on, without
        the line above it that tells what was just answered."""
        paragraphs = self.text.split("\n\n")
        for index, paragraph in enumerate(paragraphs):
            if QUESTION_HEAD.match(paragraph):
                return "\n\n".join(paragraphs[index:])
        return self.text

    async def send(self, text: str) -> list[JSON]:
        return self._saw(await self.bot.send(self.user, text))

    async def press(self, label: str, message: JSON | None = None) -> Pressed:
        target = message or self.screen
        pressed = await self.bot.press(self.user, target, button_data(target, label))
        self._saw(pressed.new, pressed.message)
        return pressed

    async def press_data(self, data: str, message: JSON | None = None) -> Pressed:
        pressed = await self.bot.press(self.user, message or self.screen, data)
        self._saw(pressed.new, pressed.message)
        return pressed

    async def send_file(
        self, data: bytes, filename: str, mime: str = "application/json"
    ) -> list[JSON]:
        sent = await self.bot.sim.send_document(self.user, data, filename, mime)
        chat_id = int(sent["chat"]["id"])
        await self.bot.recorder.wait(("message", chat_id, int(sent["message_id"])))
        return self._saw(await self.bot.bot_messages(chat_id, after=int(sent["message_id"])))

    async def download(self, message: JSON) -> bytes:
        """The bytes of a document the bot sent, as the emulator stored them."""
        document = message["document"]
        assert document is not None, message
        return await self.bot.sim.download(str(document["file_id"]))


async def kept_declaration(database_url: str, user_id: int) -> points_store.KeptDeclaration | None:
    engine = create_engine(database_url)
    try:
        sessions: async_sessionmaker[AsyncSession] = session_factory(engine)
        async with sessions() as session:
            return await points_store.load(session, user_id)
    finally:
        await engine.dispose()


async def rename_kept_ruleset(database_url: str, user_id: int, name: str) -> None:
    """Make the kept declaration of `user_id` name the ruleset `name` (one the bot may not
    know), as a row kept by another version of the bot would."""
    engine = create_engine(database_url)
    try:
        sessions: async_sessionmaker[AsyncSession] = session_factory(engine)
        async with sessions() as session:
            await session.execute(
                update(PointsDeclaration)
                .where(PointsDeclaration.user_id == user_id)
                .values(ruleset=name)
            )
            await session.commit()
    finally:
        await engine.dispose()


async def consent_of(database_url: str, user_id: int) -> bool | None:
    engine = create_engine(database_url)
    try:
        sessions: async_sessionmaker[AsyncSession] = session_factory(engine)
        async with sessions() as session:
            return await points_store.consent(session, user_id)
    finally:
        await engine.dispose()


def flows_of(bot: BotHarness, user: SimUser) -> set[str]:
    """The names of the flows `user` is inside in their private chat."""
    assert bot.app is not None
    chat = Chat(id=user.id, type=ChatType.PRIVATE)
    sender = User(id=user.id, first_name=user.first_name, is_bot=False)
    message = Message(1, datetime.now(UTC), chat, from_user=sender, text="3")
    return {str(f.name) for f in active_flows(bot.app, Update(1, message=message))}


def in_points_flow(bot: BotHarness, user: SimUser) -> bool:
    """Whether `user` is inside the points conversation (then their text is the flow's, and
    the FAQ leaves it alone)."""
    return "points" in flows_of(bot, user)


def json_document(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8")
