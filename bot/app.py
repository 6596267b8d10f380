"""`build_application(settings)`: the one place that wires python-telegram-bot.

The Application it returns owns its long-lived objects:

- at `initialize()` (which `run_polling`, the webhook server, the demo and the
  tests all call) it upgrades the schema, runs the features' startup hooks
  (`BotData.on_startup`), loads the persisted conversations and publishes the
  command lists with `setMyCommands` in Greek, English and the default locale
  (`handlers.command_scopes`: staff and administrators get theirs per chat);
- at `shutdown()` it flushes the persistence, runs the shutdown hooks and
  disposes the database engine.

PTB calls `post_init`/`post_shutdown` only from `run_polling`/`run_webhook`;
the bot is also started by hand (webhook server, demo, tests), so its lifecycle
lives in `KepliApplication.initialize`/`shutdown`, which every mode goes through.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Final, cast

from sqlalchemy.exc import DBAPIError
from telegram import Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseRateLimiter,
    BaseUpdateProcessor,
    ContextTypes,
    PersistenceInput,
)

import handlers
from bot.config import Settings
from bot.db import (
    DatabaseUnavailable,
    check_writable,
    create_engine,
    session_factory,
    upgrade_schema,
)
from bot.metrics import MeteredRateLimiter, observe_update
from bot.persistence import SQLAlchemyPersistence
from bot.ratelimit import TelegramRateLimiter
from bot.runtime import Runtime, utc_now
from bot.services.exclusive import in_turn
from bot.telegram_http import AiohttpRequest
from bot.workers import SharedBudget, SharedUpdates
from handlers.command_scopes import publish_commands
from handlers.context import BotData, Context, KepliApp
from handlers.errors import on_error
from handlers.flows import conversation_slots, set_conversation_state

log = logging.getLogger(__name__)

# The updates the handlers use; Telegram sends nothing else.
ALLOWED_UPDATES: Final = [
    Update.MESSAGE,
    Update.EDITED_MESSAGE,
    Update.CALLBACK_QUERY,
    Update.MY_CHAT_MEMBER,
]


BOT_API_CONNECTIONS: Final = 16
BOT_API_POOL_WAIT: Final = 30.0  # seconds a request may wait for a free connection


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Updates of one chat one after the other, different chats at the same time.

    A reply that waits for the rate limiter (one message a second in a chat) must
    not hold up everybody else, yet one user's updates must stay in order for
    their conversation state to make sense. `max_concurrent_updates` bounds the
    updates in progress (or waiting for their chat) at once.
    """

    def __init__(self, max_concurrent_updates: int = 128) -> None:
        super().__init__(max_concurrent_updates)
        self._chats: dict[int, tuple[asyncio.Lock, int]] = {}
        # Several webhook workers on one database: the chat's turn across processes.
        self.shared: SharedUpdates | None = None

    @staticmethod
    def _key(update: object) -> int | None:
        if isinstance(update, Update):
            if update.effective_chat is not None:
                return update.effective_chat.id
            if update.effective_user is not None:
                return update.effective_user.id
        return None

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        with observe_update(update):
            await self._in_order(update, coroutine)

    async def _in_order(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = self._key(update)
        if key is None:
            await coroutine
            return
        lock, users = self._chats.get(key, (asyncio.Lock(), 0))
        self._chats[key] = (lock, users + 1)
        try:
            async with lock:
                if self.shared is not None:
                    await self.shared.process(update, coroutine)
                else:
                    await coroutine
        finally:
            lock, users = self._chats[key]
            if users <= 1:
                del self._chats[key]
            else:
                self._chats[key] = (lock, users - 1)

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close: the application waits for running updates itself."""


class KepliApplication(Application[Any, Any, Any, Any, Any, Any]):
    """The bot's Application: owns the Runtime's lifecycle (see the module docstring)."""

    _runtime_open = False
    # The Bot API transports (build_application): closed here when a start fails, since
    # PTB's Bot.shutdown closes nothing for a bot whose initialize() did not finish.
    transports: tuple[AiohttpRequest, ...] = ()

    @property
    def runtime(self) -> Runtime:
        return cast(BotData, self.bot_data).runtime

    async def initialize(self) -> None:
        if self._runtime_open:
            await super().initialize()
            return
        data = cast(BotData, self.bot_data)
        runtime = data.runtime
        url = runtime.settings.database_url
        try:
            # Several processes starting at once on one PostgreSQL (webhook workers) upgrade
            # the schema and run the startup hooks one after the other.
            async with contextlib.AsyncExitStack() as one_at_a_time:
                try:
                    await one_at_a_time.enter_async_context(in_turn(runtime.engine, "startup"))
                    await upgrade_schema(url)
                    await check_writable(url)
                except (OSError, DBAPIError) as exc:
                    raise DatabaseUnavailable.of(url, exc) from exc
                for hook in data.startup_hooks:
                    await hook(runtime)
        except BaseException:
            # A start that stops half-way (broken FAQ content, a database that refuses)
            # leaves nothing open: the shutdown hooks run (each copes with a feature that
            # never started) and the engine's pooled connections are closed, not left to the
            # garbage collector, which cannot close an asyncpg connection.
            self._runtime_open = True
            await self._close_runtime()
            raise
        self._runtime_open = True
        try:
            await super().initialize()
            await publish_commands(cast(KepliApp, self))
        except BaseException:
            for transport in self.transports:
                await transport.shutdown()
            await self._close_runtime()
            raise

    async def shutdown(self) -> None:
        try:
            await super().shutdown()
        finally:
            await self._close_runtime()

    async def _close_runtime(self) -> None:
        if not self._runtime_open:
            return
        self._runtime_open = False
        data = cast(BotData, self.bot_data)
        for hook in reversed(data.shutdown_hooks):
            try:
                await hook(data.runtime)
            except Exception:
                log.exception("a shutdown hook failed")
        await data.runtime.engine.dispose()


def build_application(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = utc_now,
    rate_limiter: BaseRateLimiter[Any] | None = None,
    register: Callable[[KepliApp], None] = handlers.register,
    persistence_interval: float = 1.0,
    max_concurrent_updates: int = 128,
) -> KepliApp:
    """The bot's Application for `settings`; start it with `run_polling()` or by hand.

    `clock` (aware UTC now) and `rate_limiter` are for tests and benchmarks;
    `register` adds the handlers (tests wrap `handlers.register` to add their own);
    `persistence_interval` is the seconds between persistence writes.
    """
    token = settings.require_token()
    engine = create_engine(settings.database_url)
    runtime = Runtime(
        settings=settings, engine=engine, sessions=session_factory(engine), clock=clock
    )
    persistence = SQLAlchemyPersistence(
        engine,
        update_interval=persistence_interval,
        # bot_data holds live objects (the runtime); arbitrary callback data is unused.
        store_data=PersistenceInput(bot_data=False, callback_data=False),
    )
    transports = (
        AiohttpRequest(connections=BOT_API_CONNECTIONS, pool_timeout=BOT_API_POOL_WAIT),
        AiohttpRequest(connections=1),
    )
    builder = (
        ApplicationBuilder()
        .application_class(KepliApplication)
        .token(token)
        .context_types(ContextTypes(context=Context, bot_data=BotData))
        .persistence(persistence)
        # Every Bot API call is counted for /metrics on its way through the limiter.
        .rate_limiter(MeteredRateLimiter(rate_limiter or TelegramRateLimiter()))
        .concurrent_updates(PerChatUpdateProcessor(max_concurrent_updates))
        # Bot API requests over aiohttp (bot.telegram_http: a third of the CPU httpx
        # takes per request). Telegram takes about 30 messages a second, which a few
        # connections carry; the long poll has its own.
        .request(transports[0])
        .get_updates_request(transports[1])
    )
    if settings.telegram_base_url:
        builder = builder.base_url(settings.telegram_base_url)
    if settings.telegram_base_file_url:
        builder = builder.base_file_url(settings.telegram_base_file_url)
    app = cast(KepliApp, builder.build())
    cast(KepliApplication, app).transports = transports
    app.bot_data.runtime = runtime
    register(app)
    app.add_error_handler(on_error)
    return app


def enable_workers(app: KepliApp) -> SharedUpdates:
    """Make `app` one of several workers on its (PostgreSQL) database (`bot.workers`):
    chats processed one at a time across processes with their state read again, and
    Telegram's overall limit shared. Call before `initialize()`; the caller starts and
    stops what it returns."""
    processor = app.update_processor
    persistence = app.persistence
    assert isinstance(processor, PerChatUpdateProcessor)
    assert isinstance(persistence, SQLAlchemyPersistence)
    runtime = app.bot_data.runtime
    shared = SharedUpdates(
        app,
        persistence,
        runtime.settings.database_url,
        runtime.sessions,
        slots=lambda update: conversation_slots(app, update),
        set_state=lambda name, key, state: set_conversation_state(app, name, key, state),
    )
    processor.shared = shared
    limiter = app.bot.rate_limiter
    if isinstance(limiter, MeteredRateLimiter):
        # What the handling of an inbox update sends is recorded, not sent twice.
        limiter.around = shared.through
    inner = getattr(limiter, "inner", limiter)
    if isinstance(inner, TelegramRateLimiter):
        inner.share_overall(SharedBudget(runtime.engine))
    return shared
