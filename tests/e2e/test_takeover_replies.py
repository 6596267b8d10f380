"""A reply that a dead process had sent is not sent again by the process that takes over its
updates (bot.workers: what the handling of an inbox update sends is recorded in its row).

PostgreSQL only (the inbox is for several processes). In one process: the dead leader is
played by rows it left, an inbox row and its claim in the update ledger, with or without
the record of its reply; the standby's sweep (`SharedUpdates.sweep`, as at a takeover)
handles the update again.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.app import build_application, enable_workers
from bot.config import load_settings
from bot.db import create_engine, is_sqlite, session_factory
from bot.emulator.server import EmulatorServer
from bot.emulator.sim import SimClient, SimUser
from bot.models import InboxUpdate, ProcessedUpdate
from tests.e2e.conftest import TOKEN, fast_rate_limiter

TEACHER = SimUser(5151, "Ελένη", language_code="el")


async def left_by_a_dead_leader(
    database_url: str, update: dict[str, Any], replies: list[Any] | None
) -> None:
    """The rows a leader killed while handling `update` leaves: its inbox row (with what it
    recorded as sent) and its claim in the ledger."""
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            session.add(
                InboxUpdate(
                    update_id=update["update_id"],
                    chat_id=TEACHER.id,
                    payload=update,
                    received_at=datetime.now(UTC),
                    replies=replies,
                )
            )
            session.add(ProcessedUpdate(update_id=update["update_id"]))
            await session.commit()
    finally:
        await engine.dispose()


async def inbox_rows(database_url: str) -> int:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            count = await connection.scalar(select(func.count()).select_from(InboxUpdate))
            return int(count or 0)
    finally:
        await engine.dispose()


def as_bot_api_result(message: dict[str, Any]) -> dict[str, Any]:
    """What sendMessage answered for a message of the emulator's transcript."""
    fields = {k: v for k, v in message.items() if k in ("message_id", "date", "text", "from")}
    return fields | {"chat": {"id": TEACHER.id, "type": "private", "first_name": "Ελένη"}}


async def bot_replies(sim: SimClient) -> list[dict[str, Any]]:
    return [m for m in await sim.messages(TEACHER.id) if m.get("from", {}).get("is_bot")]


async def test_the_standby_does_not_resend_a_reply_the_leader_recorded(
    emulator: EmulatorServer,
    sim: SimClient,
    database_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    if is_sqlite(database_url):
        pytest.skip("several processes on one database need PostgreSQL")
    settings = load_settings(
        telegram_token=TOKEN,
        telegram_base_url=f"{emulator.url}/bot",
        telegram_base_file_url=f"{emulator.url}/file/bot",
        database_url=database_url,
        default_locale="el",
    )
    app = build_application(settings, rate_limiter=fast_rate_limiter())
    shared = enable_workers(app)
    first = await sim.send_text(TEACHER, "/help")
    second = await sim.send_text(TEACHER, "/help")
    try:
        async with app:
            # Nothing recorded (killed before its reply went out): answered by the standby.
            await left_by_a_dead_leader(database_url, {"update_id": 10**9, "message": first}, None)
            assert await shared.sweep(older_than=0) == 1
            [reply] = await bot_replies(sim)
            assert reply["text"].startswith("Βοηθώ τους εκπαιδευτικούς")

            # Recorded (killed after its reply went out, before the row was deleted): the
            # update is handled again, its reply answered from the record, not sent.
            update = {"update_id": 10**9 + 1, "message": second}
            sent = as_bot_api_result(reply)
            await left_by_a_dead_leader(database_url, update, [["sendMessage", sent]])
            with caplog.at_level(logging.INFO, logger="bot.workers"):
                assert await shared.sweep(older_than=0) == 1
            assert await bot_replies(sim) == [reply]
            assert "sendMessage was sent before the takeover: not sent again" in caplog.text
            assert await inbox_rows(database_url) == 0
    finally:
        await shared.stop()


async def test_a_handling_that_differs_sends_for_real(
    emulator: EmulatorServer, sim: SimClient, database_url: str
) -> None:
    """A record that does not match what the handling calls (another method first) is not
    used: the reply is sent."""
    if is_sqlite(database_url):
        pytest.skip("several processes on one database need PostgreSQL")
    settings = load_settings(
        telegram_token=TOKEN,
        telegram_base_url=f"{emulator.url}/bot",
        telegram_base_file_url=f"{emulator.url}/file/bot",
        database_url=database_url,
        default_locale="el",
    )
    app = build_application(settings, rate_limiter=fast_rate_limiter())
    shared = enable_workers(app)
    message = await sim.send_text(TEACHER, "/help")
    try:
        async with app:
            update = {"update_id": 10**9 + 2, "message": message}
            await left_by_a_dead_leader(database_url, update, [["sendPhoto", {"x": 1}]])
            assert await shared.sweep(older_than=0) == 1
            [reply] = await bot_replies(sim)
            assert reply["text"].startswith("Βοηθώ τους εκπαιδευτικούς")
    finally:
        await shared.stop()
