"""The Application's lifecycle and update order: hooks, per-chat order, chats in parallel."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.pool import QueuePool
from telegram import Update
from telegram.ext import CommandHandler, MessageHandler, filters

from bot.runtime import Runtime
from handlers.common import PRIVATE, reply
from handlers.context import Context, KepliApp
from tests.e2e.conftest import ALICE, BOB, Launch, Register


async def test_startup_hooks_run_before_the_first_update_and_shutdown_hooks_at_stop(
    launch: Launch,
) -> None:
    events: list[str] = []

    async def opened(runtime: Runtime) -> None:
        events.append(f"start {runtime.settings.default_locale}")

    async def closed(runtime: Runtime) -> None:
        events.append("stop")

    async def hello(update: Update, context: Context) -> None:
        events.append("update")
        await reply(update, context, "hi")

    def register(app: KepliApp) -> None:
        app.bot_data.on_startup(opened)
        app.bot_data.on_shutdown(closed)
        app.add_handler(CommandHandler("hello", hello, filters=PRIVATE))

    bot = await launch(register=register)
    await bot.send(ALICE, "/hello")
    assert events == ["start el", "update"]
    await bot.stop()
    assert events == ["start el", "update", "stop"]


async def test_a_start_that_stops_half_way_closes_what_it_had_opened(launch: Launch) -> None:
    """A startup hook that fails (broken FAQ content, say) stops the start; the shutdown
    hooks run and the pooled database connections are closed, not left to the garbage
    collector (which cannot close an asyncpg connection: it warned in a later test)."""
    apps: list[KepliApp] = []
    events: list[str] = []

    async def breaks(runtime: Runtime) -> None:
        async with runtime.sessions() as session:
            await session.execute(text("SELECT 1"))  # a connection goes into the pool
        raise RuntimeError("broken content")

    async def closed(runtime: Runtime) -> None:
        events.append("stop")

    def register(app: KepliApp) -> None:
        apps.append(app)
        app.bot_data.on_startup(breaks)
        app.bot_data.on_shutdown(closed)

    with pytest.raises(RuntimeError, match="broken content"):
        await launch(register=register)
    [app] = apps
    assert events == ["stop"]
    pool = app.bot_data.runtime.engine.pool
    assert isinstance(pool, QueuePool)
    assert pool.checkedin() == pool.checkedout() == 0


def gate_handlers(gate: asyncio.Event, started: asyncio.Event, seen: list[str]) -> Register:
    async def slow(update: Update, context: Context) -> None:
        seen.append("slow started")
        started.set()
        await gate.wait()  # e.g. a long upload, or a reply waiting for the rate limiter
        await reply(update, context, "slow done")

    async def echo(update: Update, context: Context) -> None:
        assert update.effective_message is not None
        seen.append(f"echo {update.effective_message.text}")
        await reply(update, context, f"echo {update.effective_message.text}")

    def register(app: KepliApp) -> None:
        app.add_handlers(
            [
                CommandHandler("slow", slow, filters=PRIVATE),
                MessageHandler(PRIVATE & filters.TEXT & ~filters.COMMAND, echo),
            ]
        )

    return register


async def test_a_slow_answer_in_one_chat_does_not_hold_up_another_chat(launch: Launch) -> None:
    gate, started = asyncio.Event(), asyncio.Event()
    seen: list[str] = []
    bot = await launch(register=gate_handlers(gate, started, seen))
    slow = asyncio.create_task(bot.send(ALICE, "/slow"))
    try:
        await asyncio.wait_for(started.wait(), timeout=10)
        [answer] = await bot.send(BOB, "hello")  # while Alice's answer is still pending
        assert answer["text"] == "echo hello"
        assert "slow started" in seen
    finally:
        gate.set()  # never leave the handler waiting, or stopping the bot would wait too
    [done] = await slow
    assert done["text"] == "slow done"


async def test_one_chats_messages_are_handled_in_the_order_sent(launch: Launch) -> None:
    gate, started = asyncio.Event(), asyncio.Event()
    seen: list[str] = []
    bot = await launch(register=gate_handlers(gate, started, seen))
    slow = asyncio.create_task(bot.send(ALICE, "/slow"))
    try:
        await asyncio.wait_for(started.wait(), timeout=10)
        await bot.sim.send_text(ALICE, "after")  # sent while /slow is being handled
        await bot.send(BOB, "ping")  # the bot handles other chats meanwhile
        assert "echo after" not in seen  # it waits for /slow, its chat's earlier message
    finally:
        gate.set()
    await slow
    await bot.idle()
    assert seen.index("slow started") < seen.index("echo after")
    texts = [m["text"] for m in await bot.bot_messages(ALICE.id)]
    assert texts == ["slow done", "echo after"]
